"""The multipart form of the create call: exactly the fields the contract names.

``image_file`` (a file part) or ``image_url`` (never both), ``size`` as ``{w}x{h}``,
``format``, ``bg_color`` only with jpg, ``sync`` as 1/0, ``callback_url`` when given.
Everything is checked first, so a bad request is refused before anything is sent
(and before anything is charged).
"""

from __future__ import annotations

import os
import uuid

from idphoto_desktop.core.errors import ImageError, ValidationError
from idphoto_desktop.core.job import GenerateRequest, OutputFormat
from idphoto_desktop.core.validation import normalize_bg_color, validate_size, validate_url

MAX_UPLOAD_BYTES = 15 * 1024 * 1024  # "under 15 MB" (NOTES.md)

FormPart = tuple[str, tuple[str | None, bytes | str] | tuple[str | None, bytes | str, str]]
"""One multipart part: (name, (filename, value[, mime])); no filename for a plain field."""


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


def _quoted(value: str) -> str:
    """A name or filename inside a Content-Disposition header (RFC 7578: quoted, with
    quotes and line breaks percent-encoded; ours are ASCII already)."""
    return value.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


def encode_form(parts: list[FormPart]) -> tuple[bytes, str]:
    """The ``multipart/form-data`` body of ``parts`` and its Content-Type (with the
    boundary): a random boundary checked not to occur in any value."""
    values = [part[1][1] for part in parts]
    while True:
        boundary = uuid.uuid4().hex
        marker = boundary.encode("ascii")
        if not any(marker in (v if isinstance(v, bytes) else v.encode("utf-8")) for v in values):
            break
    chunks: list[bytes] = []
    for name, spec in parts:
        filename, value = spec[0], spec[1]
        header = f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"'
        if filename is not None:
            header += f'; filename="{_quoted(filename)}"'
        header += "\r\n"
        if len(spec) == 3:
            header += f"Content-Type: {spec[2]}\r\n"
        chunks.append(header.encode("utf-8") + b"\r\n")
        chunks.append(value if isinstance(value, bytes) else value.encode("utf-8"))
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode("ascii"))
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"
