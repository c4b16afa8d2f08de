"""Opening a 24 MP / 20 MB photo in the window: how many decodes, and what they cost.

``jobs.load_photo_file`` (the window's worker: the upload sized for the chosen preset and
the display copy) is timed on the 20 MB camera JPEG, counting calls of the one decoding
function (``imageprep._decode``). Baseline: one plain full decode of the same file with
Pillow (open, load, EXIF orientation). Before this change the window decoded twice
(upload, then preview); that path is timed too, for the notes. With the offline engine's
models in place, as on a counter that has used it once (the head is measured and the
upload cropped to it); the same without the models is a note (the whole photo is sized
from the assumed head and encoded).
"""

from __future__ import annotations

import os
import tempfile
import time
from typing import Any

from bench.common import MODELS, Figure, camera_jpeg, figure, median, target

PRESET = "hk_passport_digital"


def main(quick: bool) -> Figure:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["IDPHOTO_MODELS_DIR"] = str(MODELS)
    from PIL import Image, ImageOps

    from idphoto_desktop.core import imageprep
    from idphoto_desktop.core.job import CancelToken
    from idphoto_desktop.core.presets import get_preset
    from idphoto_desktop.ui import jobs

    photo = camera_jpeg(quick=quick, twenty_mb=True)
    preset = get_preset(PRESET)
    need = imageprep.upload_need(preset.size, preset.geometry)
    decodes: list[int] = []
    real_decode = imageprep._decode

    def counting(opened: Any, name: str, side: int | None) -> Any:
        decodes.append(1)
        return real_decode(opened, name, side)

    imageprep._decode = counting  # type: ignore[assignment]

    def ours() -> tuple[float, int]:
        decodes.clear()
        started = time.perf_counter()
        jobs.load_photo_file(photo, lambda p, t: None, CancelToken(), need)
        return time.perf_counter() - started, len(decodes)

    def before() -> tuple[float, int]:
        decodes.clear()
        started = time.perf_counter()
        imageprep.prepare_photo(photo)
        shown = imageprep.load_oriented(photo, max_side=jobs.DISPLAY_LONGEST_SIDE)
        jobs.pil_to_qimage(shown)
        return time.perf_counter() - started, len(decodes)

    def plain() -> float:
        started = time.perf_counter()
        with Image.open(photo) as opened:
            opened.load()
            ImageOps.exif_transpose(opened)
        return time.perf_counter() - started

    runs = 1 if quick else 5
    ours(), plain()  # warm the disk cache and the imports
    ours_s: list[float] = []
    before_s: list[float] = []
    plain_s: list[float] = []
    counts: list[int] = []
    before_counts: list[int] = []
    for _ in range(runs):
        seconds, count = ours()
        ours_s.append(seconds)
        counts.append(count)
        plain_s.append(plain())
        seconds, count = before()
        before_s.append(seconds)
        before_counts.append(count)
    with tempfile.TemporaryDirectory(prefix="bench-no-models-") as empty:
        os.environ["IDPHOTO_MODELS_DIR"] = empty
        no_models_s = [ours()[0] for _ in range(runs)]
        os.environ["IDPHOTO_MODELS_DIR"] = str(MODELS)
    if min(counts) < 1 or min(before_counts) < 2:
        raise RuntimeError(f"the decode counter saw {counts} / {before_counts}: not measured")
    ours_med, plain_med, before_med = median(ours_s), median(plain_s), median(before_s)
    return figure(
        "open_photo",
        "Opening a 24 MP / 20 MB photo: decodes shared by the preview and the upload",
        unit="s",
        value=ours_med,
        value_label=f"jobs.load_photo_file for {PRESET}, median of {runs}",
        baseline=plain_med,
        baseline_label=f"one plain Pillow decode of the file, median of {runs}",
        ratio=ours_med / plain_med,
        ratio_label="x one decode",
        targets=[target("decodes per opened photo", max(counts), "<=", 1, "")],
        quick=quick,
        details={
            "photo_bytes": photo.stat().st_size,
            "ours_runs_s": [round(x, 3) for x in ours_s],
            "plain_runs_s": [round(x, 3) for x in plain_s],
            "before_runs_s": [round(x, 3) for x in before_s],
            "no_models_runs_s": [round(x, 3) for x in no_models_s],
            "decodes": counts,
            "before_decodes": before_counts,
        },
        notes=[
            f"Photo {photo.stat().st_size / 1e6:.1f} MB; ours decodes {max(counts)} time(s) "
            f"in {ours_med:.3f} s (decode, head estimate, upload encode, display copy); the "
            f"previous path decoded {max(before_counts)} times in {before_med:.3f} s.",
            f"Without the offline engine's models (no head measured, the whole photo sized "
            f"from the assumed head and encoded): {median(no_models_s):.3f} s.",
        ],
    )
