"""The provider as an engine: :class:`ProviderClient` behind the ``Engine`` protocol.

The provider returns the result and ``foreground_rect`` (the person's box in the
uploaded image's pixels, NOTES.md) but not the crop it made. For the preview the app
wants that crop as an ``Affine`` from uploaded pixels to result pixels, so
:func:`estimate_crop` derives an approximate one from the transparent PNG:

- The crown anchors the vertical: the first result row with alpha is the top of the
  person, which is the top of ``foreground_rect`` (``rect.y``).
- When the whole person is in the frame (alpha touches neither side nor the bottom),
  its horizontal extent is ``rect.width`` scaled: that gives scale and shift at once.
- Otherwise (shoulders cut by the frame: the usual case) the visible extent only
  bounds the scale from below. If the uploaded photo is at hand, scale and shift are
  searched for: candidates keep the crown on ``rect.y`` and the visible person inside
  the mapped rectangle, and the one whose result pixels correlate best with the
  upload's (grey levels, a few thousand samples, coarse grid then finer) wins, if its
  correlation is convincing. The provider's cut-out is a resampled copy of the upload,
  so the true map correlates near 1.
- Anything else (a JPEG, a fully opaque or empty alpha, the crown at the very top
  edge, a degenerate rectangle) gives ``None``: no crop rather than a wrong one.

A rotation to level the eyes is ignored, hence ``crop_is_approximate=True``.
"""

from __future__ import annotations

import io
import logging
import time
import warnings
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFilter

from idphoto_desktop.api.client import ProviderClient
from idphoto_desktop.core.geometry import Affine, Rect
from idphoto_desktop.core.job import (
    CancelToken,
    GenerateRequest,
    GenerateResult,
    ProgressCallback,
)

if TYPE_CHECKING:
    from idphoto_desktop.storage.settings import Settings

log = logging.getLogger("idphoto_desktop.engines.cloud")

ALPHA_THRESHOLD = 128
"""Alpha at or above this counts as the person (the cut-out's edge is soft)."""
SEARCH_SCALE_SPAN = 3.0
"""When the scale must be searched: from its lower bound up to this many times it."""
SEARCH_STEPS = 60
SEARCH_SHIFT_STEPS = 25
SAMPLE_POINTS = 4000
MIN_CORRELATION = 0.6
"""Below this grey-level correlation with the upload the best candidate is not trusted."""


def foreground_rect_in_upload(rect: Rect | None) -> Rect | None:
    """The provider's rectangle in uploaded-image pixels.

    NOTES.md infers that ``foreground_rect`` is already in the uploaded image's grid;
    this is the one line to change if a check with a real token shows otherwise.
    """
    return rect


def _load_rgba(data: bytes) -> Image.Image | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image.load()
    except Exception:  # any undecodable input means "cannot derive"
        return None
    has_alpha = "A" in image.getbands() or (image.mode == "P" and "transparency" in image.info)
    if not has_alpha:
        return None
    return image.convert("RGBA")


def _grey(data: bytes) -> npt.NDArray[np.float32] | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image.load()
        return np.asarray(image.convert("L"), dtype=np.float32)
    except Exception:
        return None


def _sample_source(
    source: npt.NDArray[np.float32],
    px: npt.NDArray[np.float64],
    py: npt.NDArray[np.float64],
    crop: Affine,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
    """Grey levels of the upload under result points (nearest pixel), and which landed."""
    sx = np.floor((px - crop.c) / crop.a).astype(np.int64)
    sy = np.floor((py - crop.f) / crop.e).astype(np.int64)
    height, width = source.shape
    inside = (sx >= 0) & (sx < width) & (sy >= 0) & (sy < height)
    values = np.zeros(px.shape, dtype=np.float32)
    values[inside] = source[sy[inside], sx[inside]]
    return values, inside


def _correlation(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    a = a - a.mean()
    b = b - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / denominator if denominator > 0 else -1.0


def _search(
    result: Image.Image,
    mask: npt.NDArray[np.bool_],
    uploaded: bytes,
    rect: Rect,
    crown: int,
    left: int,
    right: int,
    scale_low: float,
) -> Affine | None:
    """Best scale and shift by correlating the result's opaque pixels with the upload.

    Only maps that put the crown on ``rect.y`` and keep the visible person inside the
    mapped rectangle are tried: a coarse grid, then two finer passes around the best.
    """
    source = _grey(uploaded)
    if source is None:
        return None
    # Blur the upload so that nearest-pixel sampling of a downscale is not aliased.
    radius = 0.5 / scale_low - 0.5
    if radius > 0.3:
        blurred = Image.fromarray(source.astype(np.uint8)).filter(ImageFilter.BoxBlur(radius))
        source = np.asarray(blurred, dtype=np.float32)
    target = np.asarray(result.convert("L"), dtype=np.float32)
    solid = np.asarray(result.getchannel("A")) >= 250
    ys, xs = np.nonzero(solid & mask)
    if ys.size < 50:
        return None
    step = max(1, ys.size // SAMPLE_POINTS)
    ys, xs = ys[::step], xs[::step]
    values = target[ys, xs]
    if float(values.std()) < 1.0:
        return None  # a flat person: nothing to match
    px, py = xs.astype(np.float64) + 0.5, ys.astype(np.float64) + 0.5

    def score(scale: float, tx: float) -> tuple[float, Affine]:
        crop = Affine.scale_translate(scale, tx, crown - scale * rect.y)
        sampled, inside = _sample_source(source, px, py, crop)
        if inside.mean() < 0.8:
            return -1.0, crop
        return _correlation(sampled[inside], values[inside]), crop

    def shifts(scale: float, count: int) -> npt.NDArray[np.float64]:
        # The visible person lies inside the mapped rectangle.
        low, high = right - scale * rect.right, left - scale * rect.x
        return np.linspace(low, high, count) if high >= low else np.array([], dtype=np.float64)

    best: tuple[float, Affine] = (-2.0, Affine.identity())
    for scale in np.geomspace(scale_low, scale_low * SEARCH_SCALE_SPAN, SEARCH_STEPS):
        for tx in shifts(float(scale), SEARCH_SHIFT_STEPS):
            candidate = score(float(scale), float(tx))
            if candidate[0] > best[0]:
                best = candidate
    if best[0] < -1.0:
        return None
    scale_step = SEARCH_SCALE_SPAN ** (1.0 / SEARCH_STEPS)
    for _refine in range(2):
        s0, tx0 = best[1].a, best[1].c
        span = shifts(s0, 2)
        tx_step = (span[1] - span[0]) / SEARCH_SHIFT_STEPS if span.size == 2 else 1.0
        for scale in np.geomspace(s0 / scale_step, s0 * scale_step, 9):
            for tx in np.linspace(tx0 - tx_step, tx0 + tx_step, 9):
                candidate = score(float(scale), float(tx))
                if candidate[0] > best[0]:
                    best = candidate
        scale_step = scale_step**0.25
    if best[0] < MIN_CORRELATION:
        return None
    return best[1]


def estimate_crop(
    result_image: bytes, rect: Rect | None, uploaded: bytes | None = None
) -> Affine | None:
    """An approximate map from uploaded pixels to result pixels, or None (module doc)."""
    if rect is None or rect.width <= 0 or rect.height <= 0:
        return None
    image = _load_rgba(result_image)
    if image is None:
        return None
    mask = np.asarray(image.getchannel("A")) >= ALPHA_THRESHOLD
    if mask.all() or not mask.any():
        return None  # opaque (nothing cut out) or empty: no person to measure
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    crown, left, right = int(rows[0]), int(cols[0]), int(cols[-1]) + 1
    bottom = int(rows[-1]) + 1
    height, width = mask.shape
    if crown == 0:
        return None  # head cut at the top: no crown to anchor on
    if left > 0 and right < width and bottom < height:
        # The whole person is in the frame: its width is rect.width scaled.
        scale = (right - left) / rect.width
        return Affine.scale_translate(scale, left - scale * rect.x, crown - scale * rect.y)
    if uploaded is None:
        return None
    # Part of the person is cut off, so the visible extent only bounds the scale below.
    scale_low = max((right - left) / rect.width, (bottom - crown) / rect.height)
    return _search(image, mask, uploaded, rect, crown, left, right, scale_low)


class CloudEngine:
    """The provider's ID-photo API as an engine; each call may cost a credit."""

    name: str = "cloud"
    costs_money: bool = True

    def __init__(self, client: ProviderClient) -> None:
        self.client = client

    def __repr__(self) -> str:
        return f"CloudEngine({self.client!r})"

    def generate(
        self,
        request: GenerateRequest,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> GenerateResult:
        """The provider's result, its rectangle, and an approximate crop if derivable."""
        result = self.client.generate(request, progress=progress, cancel=cancel)
        rect = foreground_rect_in_upload(result.foreground_rect)
        started = time.perf_counter()
        uploaded = request.photo.data if request.photo is not None else None
        try:
            crop = estimate_crop(result.image, rect, uploaded)
        except Exception as exc:  # a paid result must never be lost to a helper's bug
            log.warning("No crop estimate for this result (%s).", type(exc).__name__)
            log.debug("crop estimation failed", exc_info=True)
            crop = None
        timings = dict(result.timings_ms)
        timings["crop_estimate"] = (time.perf_counter() - started) * 1000.0
        return replace(
            result,
            engine=self.name,
            foreground_rect=rect,
            crop=crop,
            crop_is_approximate=crop is not None,
            timings_ms=timings,
        )


def client_from_settings(
    token: str, *, base_url: str | None = None, settings: Settings | None = None
) -> ProviderClient:
    """A client with the address and the deadlines of the settings (Preferences).

    ``base_url`` (a command-line option) wins over the settings' address.
    """
    if settings is None:
        from idphoto_desktop.storage.settings import Settings

        settings = Settings()
    return ProviderClient(
        token,
        base_url=base_url or settings.api_url,
        request_deadline_s=float(settings.request_deadline_s),
        download_deadline_s=float(settings.download_deadline_s),
    )
