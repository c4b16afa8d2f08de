"""Check the clerk's choices before anything is sent (a refused call may still cost money).

Every function raises :class:`ValidationError` with a sentence a counter clerk can act
on, and returns the typed value from ``core.job``. The same rules serve the window, the
command line and the sandbox server, so the three never disagree.
"""

from __future__ import annotations

import math
import re
from urllib.parse import urlsplit

from idphoto_desktop.core.errors import ValidationError
from idphoto_desktop.core.i18n import N_
from idphoto_desktop.core.job import (
    MAX_ADJUST_ANGLE,
    MAX_ADJUST_SCALE,
    MAX_ADJUST_SHIFT,
    MAX_SIDE,
    MIN_ADJUST_SCALE,
    MIN_SIDE,
    CropGeometry,
    FrameAdjust,
    GenerateParams,
    GenerateRequest,
    OutputFormat,
    PhotoSize,
    PreparedPhoto,
)

MAX_URL_LENGTH = 512

_SIZE_RE = re.compile(r"^\s*(\S+?)\s*[x×*]\s*(\S+?)\s*$", re.IGNORECASE)
_HEX6_RE = re.compile(r"^[0-9A-Fa-f]{6}$")
_FORMATS = {"png": OutputFormat.PNG, "jpg": OutputFormat.JPG, "jpeg": OutputFormat.JPG}


def _side(value: object, name: str) -> int:
    """One side in pixels: a whole number in MIN_SIDE..MAX_SIDE."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            f"The {name} must be a whole number of pixels, not {value!r}.",
            hint=f"Enter a whole number between {MIN_SIDE} and {MAX_SIDE}.",
        )
    if not MIN_SIDE <= value <= MAX_SIDE:
        raise ValidationError(
            f"The {name} must be between {MIN_SIDE} and {MAX_SIDE} pixels (got {value}).",
            hint=f"Enter a {name} between {MIN_SIDE} and {MAX_SIDE}.",
        )
    return value


def validate_size(w: int, h: int) -> PhotoSize:
    """The output size, each side a whole number in 100..2000 (the provider's limits)."""
    return PhotoSize(_side(w, "width"), _side(h, "height"))


def parse_size(text: str) -> PhotoSize:
    """Parse "300x400" (also "300 x 400", "300X400") into a checked :class:`PhotoSize`."""
    match = _SIZE_RE.match(text or "")
    if match is None:
        raise ValidationError(
            f"{text!r} is not a size.",
            hint="Write the size as width x height in pixels, for example 300x400.",
        )
    parts: list[int] = []
    for raw, name in ((match.group(1), "width"), (match.group(2), "height")):
        if not raw.isascii() or not raw.isdigit():
            raise ValidationError(
                f"The {name} {raw!r} is not a whole number of pixels.",
                hint="Write the size as width x height in pixels, for example 300x400.",
            )
        parts.append(int(raw))
    return validate_size(parts[0], parts[1])


def parse_format(text: str) -> OutputFormat:
    """png (transparent background) or jpg/jpeg (solid colour)."""
    key = (text or "").strip().lower().lstrip(".")
    try:
        return _FORMATS[key]
    except KeyError:
        raise ValidationError(
            f"{text!r} is not an output format.",
            hint="Choose png (transparent background) or jpg (coloured background).",
        ) from None


def normalize_bg_color(text: str) -> str:
    """Six hex digits, an optional leading '#' removed, returned upper case ("RRGGBB")."""
    value = (text or "").strip()
    if value.startswith("#"):
        value = value[1:]
    if not _HEX6_RE.match(value):
        raise ValidationError(
            f"{text!r} is not a background colour.",
            hint="Write the colour as six hexadecimal digits, for example FFFFFF for white.",
        )
    return value.upper()


def validate_url(url: str) -> str:
    """An http(s) URL of at most 512 characters with a host (the provider's limits)."""
    value = (url or "").strip()
    if not value:
        raise ValidationError("The image address is empty.", hint="Paste the image's web address.")
    if len(value) > MAX_URL_LENGTH:
        raise ValidationError(
            f"The image address is too long ({len(value)} characters; at most "
            f"{MAX_URL_LENGTH}).",
            hint="Use a shorter address, or download the photo and open the file instead.",
        )
    if any(ch.isspace() for ch in value):
        raise ValidationError(
            "The image address contains spaces.", hint="Check the address and paste it again."
        )
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValidationError(
            "The image address must start with http:// or https://.",
            hint="Paste a web address, or open the photo as a file instead.",
        )
    if not parts.hostname:
        raise ValidationError(
            "The image address has no host name.", hint="Check the address and paste it again."
        )
    return value


MAX_FACE_INDEX = 99


def validate_face_index(value: object) -> int:
    """A face number from 1 (faces left to right); whether it exists is the engine's call."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_FACE_INDEX:
        raise ValidationError(
            f"The face number must be a whole number from 1 to {MAX_FACE_INDEX}, not {value!r}.",
            hint="Faces are numbered from 1, left to right, as the photo check lists them.",
        )
    return value


def _number(value: object, name: str, lo: float, hi: float, unit: str = "") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError(f"The frame {name} must be a number, not {value!r}.")
    if not lo <= float(value) <= hi:
        # each number with its unit, one field each (two fields side by side cannot be
        # told apart when the translation is looked up)
        least, most, got = (f"{v:g}{unit}" for v in (lo, hi, value))
        raise ValidationError(
            f"The frame {name} must be between {least} and {most} (got {got}).",
            hint="Reset the frame to automatic and adjust it again.",
        )
    return float(value)


def validate_adjust(adjust: FrameAdjust) -> FrameAdjust:
    """The clerk's frame correction within its limits: moves of at most half the output,
    head size x0.5..x2, rotation within ±15°."""
    return FrameAdjust(
        _number(adjust.dx, N_("move across"), -MAX_ADJUST_SHIFT, MAX_ADJUST_SHIFT),
        _number(adjust.dy, N_("move up or down"), -MAX_ADJUST_SHIFT, MAX_ADJUST_SHIFT),
        _number(adjust.scale, N_("scale"), MIN_ADJUST_SCALE, MAX_ADJUST_SCALE, "x"),
        _number(adjust.angle_deg, N_("rotation"), -MAX_ADJUST_ANGLE, MAX_ADJUST_ANGLE, "°"),
    )


def make_params(
    size: PhotoSize,
    fmt: OutputFormat,
    bg_color: str | None = None,
    preset_id: str | None = None,
    geometry: CropGeometry | None = None,
    face_index: int | None = None,
    adjust: FrameAdjust | None = None,
) -> GenerateParams:
    """Checked parameters; a colour is kept only with jpg (a png stays transparent).

    With png the colour is dropped rather than refused: the colour is composited
    locally afterwards (core.background), so asking the engine for it would be waste.
    """
    checked = validate_size(size.width, size.height)
    color: str | None = None
    if fmt is OutputFormat.JPG and bg_color is not None and bg_color.strip():
        color = normalize_bg_color(bg_color)
    elif fmt is OutputFormat.PNG and bg_color is not None and bg_color.strip():
        normalize_bg_color(bg_color)  # still tell the clerk about a typo
    return GenerateParams(
        size=checked,
        format=fmt,
        bg_color=color,
        preset_id=preset_id,
        geometry=geometry,
        face_index=None if face_index is None else validate_face_index(face_index),
        adjust=None if adjust is None else validate_adjust(adjust),
    )


def make_request(
    params: GenerateParams,
    *,
    photo: PreparedPhoto | None = None,
    image_url: str | None = None,
    sync: bool = True,
    callback_url: str | None = None,
) -> GenerateRequest:
    """A request with exactly one of a prepared photo or an image URL."""
    if photo is None and not image_url:
        raise ValidationError(
            "No photo was given.", hint="Open a photo file or paste an image address."
        )
    if photo is not None and image_url:
        raise ValidationError(
            "Give either a photo file or an image address, not both.",
            hint="Clear one of them and try again.",
        )
    url = validate_url(image_url) if image_url else None
    callback = validate_url(callback_url) if callback_url else None
    return GenerateRequest(
        params=params, photo=photo, image_url=url, sync=sync, callback_url=callback
    )
