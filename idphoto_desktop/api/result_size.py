"""A paid result whose pixel size is not the one asked for: made to fit, or kept.

Why: the provider charges for a result whatever its size. One a pixel or two off, or
the same picture at another resolution, is still the photo that was paid for: it is
scaled to the size asked (down freely, up by at most :data:`MAX_ENLARGE`, so the
photo does not turn soft), trimming at most :data:`ASPECT_TOLERANCE` of a side so
that nothing is stretched, and the clerk is told. Any other result (another shape,
far too small) cannot become the document's photo: the error carries its bytes, and
the job keeps them in the recovery folder (pipeline/steps.py) rather than dropping
what was paid for. Before, any mismatch was refused and the bytes were lost.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from PIL import Image

from idphoto_desktop.core.errors import MalformedReplyError, UnusableResultError
from idphoto_desktop.core.job import OutputFormat, PhotoSize

log = logging.getLogger("idphoto_desktop.api")

ASPECT_TOLERANCE = 0.01
"""The largest share of a side trimmed to reach the shape asked (1 %: well inside any
document's head-size range, and invisible)."""
MAX_ENLARGE = 1.25
"""The largest enlargement accepted: beyond it the result would be visibly softer than
a photo made at the size asked."""
JPEG_QUALITY = 95


@dataclass(frozen=True)
class FittedResult:
    """The result at the size asked; ``note`` tells the clerk when it was resized."""

    data: bytes
    width: int
    height: int
    note: str | None = None


def _encode(image: Image.Image, kind: OutputFormat, icc: bytes | None) -> bytes:
    buffer = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    if kind is OutputFormat.JPG:
        image.convert("RGB").save(buffer, format="JPEG", quality=JPEG_QUALITY, **extra)
    else:
        image.save(buffer, format="PNG", **extra)
    return buffer.getvalue()


def _scaled(data: bytes, kind: OutputFormat, expected: PhotoSize, scale: float) -> bytes:
    """The image scaled by ``scale`` (covering the size asked), then centred and trimmed."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            icc = opened.info.get("icc_profile")
            clear = "A" in opened.getbands() or "transparency" in opened.info
            image = opened.convert("RGBA" if clear else "RGB")
    except Exception:  # check_image already read it once; Pillow raises many types
        raise MalformedReplyError("The service's result is not a readable image.") from None
    width = max(expected.width, round(image.width * scale))
    height = max(expected.height, round(image.height * scale))
    resized = image.resize((width, height), Image.Resampling.LANCZOS)
    left = (width - expected.width) // 2
    top = (height - expected.height) // 2
    trimmed = resized.crop((left, top, left + expected.width, top + expected.height))
    return _encode(trimmed, kind, icc)


def fit_to_size(
    data: bytes, kind: OutputFormat, width: int, height: int, expected: PhotoSize | None
) -> FittedResult:
    """The checked result at the size asked, or :class:`UnusableResultError` with its
    bytes when it cannot be made so without stretching or enlarging it too far."""
    if expected is None or (width, height) == (expected.width, expected.height):
        return FittedResult(data, width, height)
    scale = max(expected.width / width, expected.height / height)
    covered = max(width * scale / expected.width, height * scale / expected.height)
    trim = 1.0 - 1.0 / covered  # the share of the longer side trimmed off
    said = (
        f"The service's result is {width}x{height} pixels, not the {expected} that was "
        "asked for."
    )
    if trim > ASPECT_TOLERANCE:
        raise UnusableResultError(
            said,
            image=data,
            extension=kind.extension,
            hint="Its shape differs from the document's: it cannot be used without "
            "stretching the face. Generate again, or use the offline engine.",
        )
    if scale > MAX_ENLARGE:
        raise UnusableResultError(
            said,
            image=data,
            extension=kind.extension,
            hint="Enlarged to that size it would be too soft for the document. Generate "
            "again, or use the offline engine.",
        )
    fitted = _scaled(data, kind, expected, scale)
    log.warning("result resized from %dx%d to %s", width, height, expected)
    note = (
        f"The service's result was {width}x{height} pixels; it was resized to the "
        f"{expected} asked for."
    )
    return FittedResult(fitted, expected.width, expected.height, note)
