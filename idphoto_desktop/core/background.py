"""Put a transparent ID photo on a solid colour, locally.

Why: the provider charges per call, so the app asks for a transparent PNG once and
composites each background colour here (NOTES.md: "changing the colour afterwards then
costs nothing"). The same helpers serve exports and print sheets.
"""

from __future__ import annotations

import io
import threading

from PIL import Image

from idphoto_desktop.core.errors import ImageError
from idphoto_desktop.core.job import OutputFormat
from idphoto_desktop.core.pixels import normalise_mode
from idphoto_desktop.core.validation import normalize_bg_color

# A result is at most 2000x2000 (the provider's cap); allow generous headroom but stay
# far below anything that could exhaust memory.
MAX_RESULT_PIXELS = 40_000_000
JPEG_QUALITY = 95
# The last result decoded, kept for the next open of the same bytes (see open_result);
# only results up to this size are kept, so at most 16 MB stay in memory.
REUSE_MAX_PIXELS = 4_000_000
_last_lock = threading.Lock()
_last: tuple[bytes, Image.Image] | None = None


def hex_to_rgb(rrggbb: str) -> tuple[int, int, int]:
    """"RRGGBB" (or "#rrggbb") to an (r, g, b) tuple; ValidationError if malformed."""
    value = normalize_bg_color(rrggbb)
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def open_result(data: bytes) -> Image.Image:
    """Decode a result image (PNG or JPEG bytes) with a pixel limit; ImageError if unusable.

    The pixels come back as 8-bit sRGB, RGBA when some are transparent
    (:func:`~idphoto_desktop.core.pixels.normalise_mode`): a provider's 16-bit, CMYK or
    Display P3 result would otherwise be saved white, unwritable as PNG, or off colour.

    Each call returns its own image. The job opens one result several times (its check,
    the transparency warning, the composed file): the same bytes object decoded last
    time is copied, not decoded again (9 ms of a 600x600 PNG, per open)."""
    global _last
    with _last_lock:
        last = _last
    if last is not None and last[0] is data:
        return last[1].copy()
    decoded = _decode_result(data)
    if type(data) is bytes and decoded.width * decoded.height <= REUSE_MAX_PIXELS:
        with _last_lock:
            _last = (data, decoded.copy())
    return decoded


def _decode_result(data: bytes) -> Image.Image:
    """The decoding itself: :func:`open_result` without the reuse."""
    if not data:
        raise ImageError("The result image is empty.")
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_RESULT_PIXELS:
            raise ImageError(
                f"The result image is unexpectedly large ({image.width}x{image.height})."
            )
        image.load()
        normalised = normalise_mode(image, [])
    except ImageError:
        raise
    except (
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as err:
        raise ImageError(
            "The result image cannot be read; it is damaged or not an image.",
            hint="Generate the photo again.",
        ) from err
    return normalised


def has_transparency(image: Image.Image) -> bool:
    """True when the image has an alpha channel with at least one non-opaque pixel."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        alpha = image.convert("RGBA").getchannel("A")
        low = alpha.getextrema()[0]
        return isinstance(low, (int, float)) and low < 255
    return False


def composite_image(image: Image.Image, rrggbb: str) -> Image.Image:
    """The image over a solid ``rrggbb`` background, as RGB (an opaque image is kept)."""
    colour = hex_to_rgb(rrggbb)
    if image.mode not in ("RGBA", "LA", "PA", "P"):
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    backdrop = Image.new("RGBA", rgba.size, (*colour, 255))
    return Image.alpha_composite(backdrop, rgba).convert("RGB")


def to_opaque(image: Image.Image, rrggbb: str | None) -> Image.Image:
    """RGB for JPEG and print: composite on ``rrggbb`` (white when None) if transparent."""
    if image.mode == "RGB":
        return image
    return composite_image(image, rrggbb or "FFFFFF")


def encode_jpeg(
    image: Image.Image, *, quality: int = JPEG_QUALITY, dpi: tuple[int, int] | None = None
) -> bytes:
    """Baseline JPEG without EXIF or ICC (untagged JPEG is read as sRGB), optional DPI."""
    buf = io.BytesIO()
    options: dict[str, object] = {"quality": quality, "subsampling": 0 if quality >= 90 else 2}
    if dpi is not None:
        options["dpi"] = dpi
    image.convert("RGB").save(buf, format="JPEG", **options)
    return buf.getvalue()


def composite(
    png_bytes: bytes,
    rrggbb: str,
    *,
    quality: int = JPEG_QUALITY,
    dpi: tuple[int, int] | None = None,
) -> bytes:
    """A transparent PNG result over ``rrggbb``, as JPEG bytes (no new engine call)."""
    return encode_jpeg(composite_image(open_result(png_bytes), rrggbb), quality=quality, dpi=dpi)


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def compose(
    image: bytes,
    fmt: OutputFormat,
    color: str | None,
    *,
    dpi: int | None = None,
    quality: int = JPEG_QUALITY,
) -> bytes:
    """The one way a result becomes the file asked for: the window, the CLI and export.

    Engines are asked for a transparent PNG once; every format and colour is made here:
    PNG without a colour stays transparent (the engine's bytes when nothing changes),
    PNG with a colour is the photo on that colour, JPEG is on ``color`` (white when None).
    ``dpi`` is written into the file (print labs size photos by it).
    """
    if fmt is OutputFormat.PNG and color is None and dpi is None and image[:8] == _PNG_SIGNATURE:
        return image
    opened = open_result(image)
    if fmt is OutputFormat.JPG:
        pair = (dpi, dpi) if dpi is not None else None
        return encode_jpeg(to_opaque(opened, color), quality=quality, dpi=pair)
    picture = composite_image(opened, color) if color is not None else opened
    buf = io.BytesIO()
    options: dict[str, object] = {}
    if dpi is not None:
        options["dpi"] = (dpi, dpi)
    picture.save(buf, format="PNG", **options)
    return buf.getvalue()
