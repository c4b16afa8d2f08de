"""The multipart form of the create call: exactly the fields the contract names.

``image_file`` (a file part) or ``image_url`` (never both), ``size`` as ``{w}x{h}``,
``format``, ``bg_color`` only with jpg, ``sync`` as 1/0, ``callback_url`` when given.
Everything is checked first, so a bad request is refused before anything is sent
(and before anything is charged).
"""

from __future__ import annotations

import os

from idphoto_desktop.core.errors import ImageError, ValidationError
from idphoto_desktop.core.job import GenerateRequest, OutputFormat
from idphoto_desktop.core.validation import normalize_bg_color, validate_size, validate_url

MAX_UPLOAD_BYTES = 15 * 1024 * 1024  # "under 15 MB" (NOTES.md)

FormPart = tuple[str, tuple[str | None, bytes | str] | tuple[str | None, bytes | str, str]]
"""One multipart part for ``requests``: (name, (filename, value[, mime]))."""


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
    validate_size(size.width, size.height)
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
        parts.append(("image_url", (None, validate_url(request.image_url))))
    parts.append(("size", (None, f"{size.width}x{size.height}")))
    parts.append(("format", (None, params.format.value)))
    if params.format is OutputFormat.JPG:
        if params.bg_color is not None and params.bg_color.strip():
            parts.append(("bg_color", (None, normalize_bg_color(params.bg_color))))
    parts.append(("sync", (None, "1" if request.sync else "0")))
    if request.callback_url and request.callback_url.strip():
        callback = validate_url(request.callback_url)
        parts.append(("callback_url", (None, callback)))
    return parts
