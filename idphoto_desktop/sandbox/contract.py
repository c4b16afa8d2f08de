"""The provider's contract as the sandbox enforces it: limits, form fields, reply shapes.

Everything here comes from ``../shared/api/idphoto-api.txt`` and ``NOTES.md``; keeping it
in one file means a correction from a real-token check is made in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from idphoto_desktop.core.job import MAX_SIDE, MIN_SIDE, OutputFormat, PhotoSize
from idphoto_desktop.sandbox.multipart import Part

CREATE_PATH = "/task/pic/idphoto"
TASK_PREFIX = "/task/"
RESULTS_PREFIX = "/results/"

MAX_UPLOAD_BYTES = 15 * 1024 * 1024  # "under 15 MB" [doc]
MAX_BODY_BYTES = MAX_UPLOAD_BYTES + 64 * 1024  # the file plus the small text fields
MAX_INPUT_SIDE = 4096  # "at most 4096x4096 px" [doc]
MAX_URL_CHARS = 512
URL_TIMEOUT_S = 10.0
ACCEPTED_IMAGE_FORMATS = frozenset({"JPEG", "MPO", "PNG", "BMP", "WEBP", "TIFF"})

# data.state values (NOTES.md) and the display text the sandbox gives each.
STATE_DONE = 1
STATE_QUEUED = 0
STATE_PREPARING = 2
STATE_WAITING = 3
STATE_PROCESSING = 4
STATE_FAILED = -1
STATE_DOWNLOAD_FAILED = -3
STATE_TOO_LARGE = -5
STATE_INVALID_IMAGE = -7
STATE_TIMEOUT = -8
STATE_INTERNAL = -9
STATE_CANCELLED = -13
STATE_BAD_INPUT = -14
STATE_DETAIL: dict[int, str] = {
    STATE_DONE: "Complete",
    STATE_QUEUED: "Queued",
    STATE_PREPARING: "Preparing",
    STATE_WAITING: "Waiting",
    STATE_PROCESSING: "Processing",
    STATE_FAILED: "Failed",
    -2: "Complete, but storing the result failed",
    STATE_DOWNLOAD_FAILED: "Could not download image_url",
    STATE_TOO_LARGE: "Image over 15 MB",
    STATE_INVALID_IMAGE: "Invalid or corrupt image",
    STATE_TIMEOUT: "Processing took over 30 s",
    STATE_INTERNAL: "Internal failure",
    -10: "Content refused by review",
    -11: "Empty result",
    STATE_CANCELLED: "Cancelled after an internal exception",
    STATE_BAD_INPUT: "input does not meet the requirements",
    -15: "Insufficient resources",
    -16: "Content refused by review",
}
PROCESSING_LIMIT_S = 30.0  # state -8 beyond this

_SIZE_RE = re.compile(r"^(\d{1,5})x(\d{1,5})$")
_COLOR_RE = re.compile(r"^[0-9A-Fa-f]{6}$")


class ContractError(Exception):
    """A request the provider would refuse with an HTTP error (message is display text)."""

    def __init__(self, status: int, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


def error_body(status: int, message: str) -> dict[str, Any]:
    """The provider's error shape: a non-200 ``status`` and a ``message``."""
    return {"status": status, "message": message}


def state_detail(state: int) -> str:
    if state in STATE_DETAIL:
        return STATE_DETAIL[state]
    return "Failed" if state < 0 else "Processing"


@dataclass(frozen=True)
class CreateForm:
    """The validated fields of ``POST /task/pic/idphoto``."""

    image_file: bytes | None
    filename: str | None
    image_url: str | None
    size: PhotoSize | None
    format: OutputFormat
    bg_color: str | None
    sync: bool
    callback_url: str | None


def _http_url(field: str, value: str) -> str:
    value = value.strip()
    if len(value) > MAX_URL_CHARS:
        raise ContractError(400, f"{field} is longer than {MAX_URL_CHARS} characters")
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:  # e.g. "http://[::1/" (a bad IPv6 literal)
        raise ContractError(400, f"{field} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ContractError(400, f"{field} must be an http or https URL")
    if any(ord(ch) < 32 or ch == "\x7f" for ch in value):
        raise ContractError(400, f"{field} contains control characters")
    return value


def _size(value: str) -> PhotoSize:
    match = _SIZE_RE.match(value.strip())
    if match is None:
        raise ContractError(400, "size must be {width}x{height}, e.g. 300x400")
    width, height = int(match.group(1)), int(match.group(2))
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise ContractError(400, f"size must be between {MIN_SIDE} and {MAX_SIDE} pixels per side")
    return PhotoSize(width, height)


def parse_create_form(parts: list[Part]) -> CreateForm:
    """Validate the form as the provider does: 400 with a message on the first problem."""
    first: dict[str, Part] = {}
    for part in parts:
        first.setdefault(part.name, part)

    def text(name: str) -> str | None:
        part = first.get(name)
        if part is None:
            return None
        value = part.text().strip()
        return value or None

    file_part = first.get("image_file")
    image_url = text("image_url")
    if file_part is not None and image_url is not None:
        raise ContractError(400, "image_file and image_url are mutually exclusive")
    if file_part is None and image_url is None:
        raise ContractError(400, "image_file or image_url is required")
    if file_part is not None and len(file_part.data) > MAX_UPLOAD_BYTES:
        raise ContractError(413, "image_file is larger than 15 MB")
    if image_url is not None:
        image_url = _http_url("image_url", image_url)

    size_text = text("size")
    size = _size(size_text) if size_text is not None else None

    format_text = (text("format") or "png").lower()
    if format_text not in ("png", "jpg"):
        raise ContractError(400, "format must be png or jpg")
    out_format = OutputFormat(format_text)

    bg_text = text("bg_color")
    if bg_text is not None and _COLOR_RE.match(bg_text) is None:
        raise ContractError(400, "bg_color must be RRGGBB, e.g. FFFFFF")
    bg_color = (bg_text or "FFFFFF").upper() if out_format is OutputFormat.JPG else None

    sync_text = text("sync") or "0"
    if sync_text not in ("0", "1"):
        raise ContractError(400, "sync must be 0 or 1")

    callback_text = text("callback_url")
    callback_url = _http_url("callback_url", callback_text) if callback_text else None

    return CreateForm(
        image_file=file_part.data if file_part is not None else None,
        filename=file_part.filename if file_part is not None else None,
        image_url=image_url,
        size=size,
        format=out_format,
        bg_color=bg_color,
        sync=sync_text == "1",
        callback_url=callback_url,
    )
