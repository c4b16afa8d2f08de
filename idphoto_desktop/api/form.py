"""The multipart form of the create call: exactly the fields the contract names.

``image_file`` (a file part) or ``image_url`` (never both), ``size`` as ``{w}x{h}``,
``format``, ``bg_color`` only with jpg, ``sync`` as 1/0, ``callback_url`` when given.
Everything is checked first, so a bad request is refused before anything is sent
(and before anything is charged).
"""

from __future__ import annotations

import os

from idphoto_desktop.core.errors import ImageError, ValidationError
from idphoto_desktop.core.job import MAX_SIDE, MIN_SIDE, GenerateRequest, OutputFormat

MAX_UPLOAD_BYTES = 15 * 1024 * 1024  # "under 15 MB" (NOTES.md)
MAX_URL_CHARS = 512  # image_url limit upstream (NOTES.md)

FormPart = tuple[str, tuple[str | None, bytes | str] | tuple[str | None, bytes | str, str]]
"""One multipart part for ``requests``: (name, (filename, value[, mime]))."""


def _normalise_bg(bg_color: str | None) -> str | None:
    if bg_color is None or not bg_color.strip():
        return None
    value = bg_color.strip().lstrip("#").upper()
    if len(value) != 6 or any(ch not in "0123456789ABCDEF" for ch in value):
        raise ValidationError(
            "The background colour must be six hexadecimal digits (RRGGBB), e.g. FFFFFF."
        )
    return value


def _check_form_url(url: str, what: str) -> str:
    value = url.strip()
    if len(value) > MAX_URL_CHARS:
        raise ValidationError(f"The {what} is longer than {MAX_URL_CHARS} characters.")
    lowered = value.lower()
    if not lowered.startswith(("http://", "https://")) or len(value.split("//", 1)[1]) == 0:
        raise ValidationError(f"The {what} must be an http:// or https:// address.")
    return value


def _safe_filename(name: str, mime: str) -> str:
    base = os.path.basename(name.replace("\\", "/")) or "photo"
    cleaned = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in base)
    if "." not in cleaned:
        cleaned += {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}.get(mime, "")
    return cleaned[-100:]


def build_form(request: GenerateRequest) -> list[FormPart]:
    """The multipart parts of the create call, exactly the fields the contract names.

    Validates first (nothing is sent on a bad request): one of file or URL, size
    100..2000 per side, bg_color RRGGBB and only with jpg, http(s) URLs.
    """
    params = request.params
    size = params.size
    for side in (size.width, size.height):
        if isinstance(side, bool) or not isinstance(side, int) or not MIN_SIDE <= side <= MAX_SIDE:
            raise ValidationError(
                f"Width and height must be whole numbers from {MIN_SIDE} to {MAX_SIDE} pixels."
            )
    if not isinstance(params.format, OutputFormat):
        raise ValidationError("The format must be png or jpg.")
    has_photo = request.photo is not None
    has_url = bool(request.image_url and request.image_url.strip())
    if has_photo == has_url:
        raise ValidationError("Give either a photo file or a photo web address, not both.")
    parts: list[FormPart] = []
    if request.photo is not None:
        photo = request.photo
        if not photo.data:
            raise ImageError("The photo file is empty.")
        if len(photo.data) >= MAX_UPLOAD_BYTES:
            raise ImageError("The prepared photo is over 15 MB, the service's limit.")
        mime = photo.mime or "application/octet-stream"
        parts.append(("image_file", (_safe_filename(photo.filename, mime), photo.data, mime)))
    else:
        assert request.image_url is not None
        parts.append(("image_url", (None, _check_form_url(request.image_url, "photo address"))))
    parts.append(("size", (None, f"{size.width}x{size.height}")))
    parts.append(("format", (None, params.format.value)))
    if params.format is OutputFormat.JPG:
        bg = _normalise_bg(params.bg_color)
        if bg is not None:
            parts.append(("bg_color", (None, bg)))
    parts.append(("sync", (None, "1" if request.sync else "0")))
    if request.callback_url and request.callback_url.strip():
        callback = _check_form_url(request.callback_url, "callback address")
        parts.append(("callback_url", (None, callback)))
    return parts
