"""Typed parsing of the provider's replies, robust to anything a network can deliver.

A success is ``{"status": 200, "data": {...}}`` with the fields of the provider's
example reply (idphoto-api.txt). Errors come as ``{"status": 4xx, "message": ...}``
or, from a gateway, ``{"error": {"message": ..., "type": ...}}``. Anything else, and
any field with the wrong JSON type, is a :class:`MalformedReplyError`: the parser
never lets a ``KeyError``/``TypeError`` escape (a hypothesis test feeds it garbage).
Unknown fields are kept in ``extra``: the provider may add fields without breaking us.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from idphoto_desktop.api.http_errors import (
    clean_detail,
    error_for_gateway_type,
    error_for_status,
)
from idphoto_desktop.core.errors import IdPhotoError, MalformedReplyError
from idphoto_desktop.core.geometry import Rect
from idphoto_desktop.core.i18n import N_

MAX_REPLY_BYTES = 1024 * 1024
"""A task reply is about 1 KB; beyond 1 MB it is not the documented reply."""


@dataclass(frozen=True)
class TaskReply:
    """Every field of the example reply, typed; ``None`` where the reply left it out.

    ``foreground_rect`` is in the uploaded image's pixels (NOTES.md); an all-zero
    rectangle (a task not yet done) is ``None``. ``image`` is the result URL, ``None``
    while the task works.
    """

    state: int
    status: int = 200
    task_id: str | None = None
    progress: int | None = None
    state_detail: str = ""
    err_info: str = ""
    image: str | None = None
    image_width: int | None = None
    image_height: int | None = None
    foreground_rect: Rect | None = None
    completed_at: int | None = None
    created_at: int | None = None
    processed_at: int | None = None
    download_time: float | None = None
    time_elapsed: float | None = None
    output_type: int | None = None
    result_type: str | None = None
    return_type: int | None = None
    type: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    warnings: tuple[str, ...] = ()
    """What was dropped from the reply (a bad rectangle...), in the clerk's words."""


def _malformed(what: str) -> MalformedReplyError:
    return MalformedReplyError(f"The service sent an unexpected answer ({what}).")


MAX_SANE_NUMBER = 1e7
"""Beyond this no pixel coordinate, size or duration of this API makes sense."""
RECT_DROPPED = "The service's person rectangle was unusable ({why}); it is not shown."


def _number(value: object) -> float | None:
    """A JSON number, or a number sent as a string ("1", " 384.5 "); None otherwise.

    Lenient on purpose: a gateway that quotes its numbers must not cost a paid result.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return float(value) if abs(value) < 10**18 else math.inf
    if isinstance(value, float):
        return value
    if isinstance(value, str) and 0 < len(value) <= 64:
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _int(data: dict[str, Any], key: str, *, required: bool = False) -> int | None:
    """A whole number (or its text); a required one must be exact, others are lenient."""
    value = data.get(key)
    if value is None:
        if required:
            raise _malformed(N_(f"'{key}' is missing"))
        return None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**18:
        return value
    number = _number(value)
    if number is not None and math.isfinite(number) and abs(number) < 10**18:
        if number.is_integer():
            return int(number)
        if not required:
            return int(number)
    if required:
        raise _malformed(N_(f"'{key}' is not a whole number"))
    return None  # an optional field of the wrong type is ignored, not fatal


def _float(data: dict[str, Any], key: str) -> float | None:
    """A finite number (or its text), else None: these fields are for display only."""
    number = _number(data.get(key))
    if number is None or not math.isfinite(number):
        return None
    return number


def _str(data: dict[str, Any], key: str, *, number_ok: bool = False) -> str | None:
    """Text (with ``number_ok`` a whole number becomes its text); anything else None."""
    value = data.get(key)
    if isinstance(value, str):
        return value
    if number_ok and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _rect(value: object, warnings: list[str]) -> Rect | None:
    """The person's rectangle, or None with a warning when it cannot be drawn.

    Missing or all-zero (a task not yet done) is None without a word; negative,
    NaN, infinite, absurd or partial rectangles are dropped with a warning.
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        warnings.append(RECT_DROPPED.format(why="not an object"))
        return None
    numbers: list[float] = []
    for key in ("x", "y", "width", "height"):
        number = _number(value.get(key))
        if number is None:
            warnings.append(RECT_DROPPED.format(why=f"'{key}' missing or not a number"))
            return None
        numbers.append(number)
    if not all(math.isfinite(n) for n in numbers):
        warnings.append(RECT_DROPPED.format(why="not a finite number"))
        return None
    x, y, width, height = numbers
    if width == 0 and height == 0:
        return None  # the provider's placeholder before the task is done
    if width <= 0 or height <= 0 or x < 0 or y < 0:
        warnings.append(RECT_DROPPED.format(why="negative or empty"))
        return None
    if max(x + width, y + height) > MAX_SANE_NUMBER:
        warnings.append(RECT_DROPPED.format(why="far too large"))
        return None
    return Rect(x, y, width, height)


KNOWN_FIELDS = frozenset(
    {
        "completed_at",
        "created_at",
        "download_time",
        "err_info",
        "foreground_rect",
        "image",
        "image_height",
        "image_width",
        "output_type",
        "processed_at",
        "progress",
        "result_type",
        "return_type",
        "state",
        "state_detail",
        "task_id",
        "time_elapsed",
        "type",
    }
)


def parse_task_data(data: object, *, status: int = 200) -> TaskReply:
    """The ``data`` object of a success reply -> :class:`TaskReply`."""
    if not isinstance(data, dict):
        raise _malformed(N_("'data' is not an object"))
    state = _int(data, "state", required=True)
    assert state is not None
    warnings: list[str] = []
    progress = _int(data, "progress")
    if progress is not None:
        progress = max(0, min(100, progress))
    width = _int(data, "image_width")
    height = _int(data, "image_height")
    width = width if width is not None and 0 < width <= MAX_SANE_NUMBER else None
    height = height if height is not None and 0 < height <= MAX_SANE_NUMBER else None
    task_id = _str(data, "task_id", number_ok=True)
    if task_id is not None:
        task_id = task_id.strip() or None
    image = _str(data, "image")
    return TaskReply(
        state=state,
        status=status,
        task_id=task_id,
        progress=progress,
        state_detail=_str(data, "state_detail") or "",
        err_info=_str(data, "err_info") or "",
        image=(image.strip() or None) if image is not None else None,
        image_width=width,
        image_height=height,
        foreground_rect=_rect(data.get("foreground_rect"), warnings),
        completed_at=_int(data, "completed_at"),
        created_at=_int(data, "created_at"),
        processed_at=_int(data, "processed_at"),
        download_time=_float(data, "download_time"),
        time_elapsed=_float(data, "time_elapsed"),
        output_type=_int(data, "output_type"),
        result_type=_str(data, "result_type"),
        return_type=_int(data, "return_type"),
        type=_str(data, "type"),
        extra={k: v for k, v in data.items() if k not in KNOWN_FIELDS},
        raw=dict(data),
        warnings=tuple(warnings),
    )


def error_from_body(body: object, http_status: int, context: str = "api") -> IdPhotoError | None:
    """The error an error-shaped body stands for, or None if it is not error-shaped."""
    if not isinstance(body, dict):
        return None
    gateway = body.get("error")
    if isinstance(gateway, dict):
        detail = message_of(gateway)
        kind = gateway.get("type")
        if http_status != 200:
            return error_for_status(http_status, detail, context=context)
        return error_for_gateway_type(kind if isinstance(kind, str) else "", detail)
    if isinstance(gateway, str) and http_status != 200:
        return error_for_status(http_status, gateway, context=context)
    status = _status(body.get("status"))
    if status is not None and status != 200:
        if "data" in body and not any(k in body for k in _MESSAGE_KEYS):
            return None  # a non-200 status with data is not an error shape we know
        return error_for_status(
            http_status if http_status != 200 else status, message_of(body), context=context
        )
    return None


_MESSAGE_KEYS = ("message", "msg", "error_description", "detail", "error")


def message_of(body: dict[str, Any]) -> str:
    """The first non-empty display text among ``message``, ``msg``... ('' if none)."""
    for key in _MESSAGE_KEYS:
        text = clean_detail(body.get(key))
        if text:
            return text
    return ""


def _status(value: object) -> int | None:
    """The body's ``status`` as a whole number (also "200"), or None if it is not one."""
    number = _number(value)
    if number is None or not math.isfinite(number) or not number.is_integer():
        return None
    return int(number)


def decode_json(content: bytes) -> object:
    """Bytes -> JSON value, or MalformedReplyError (never UnicodeError/ValueError)."""
    if len(content) > MAX_REPLY_BYTES:
        raise _malformed(N_("the answer is far too long"))
    try:
        # Bytes: json detects UTF-8 (with or without a BOM), UTF-16 and UTF-32 itself.
        return json.loads(content)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _malformed(N_("not valid JSON")) from None


def parse_reply(body: object, http_status: int = 200, context: str = "api") -> TaskReply:
    """A decoded JSON reply -> :class:`TaskReply`, or the typed error it stands for.

    Raises (never returns) an ``IdPhotoError`` for error replies and malformed ones.
    """
    error = error_from_body(body, http_status, context)
    if error is not None:
        raise error
    if http_status != 200:
        raise error_for_status(http_status, context=context)
    if not isinstance(body, dict):
        raise _malformed(N_("not a JSON object"))
    status = _status(body.get("status", 200))
    if status is None:
        raise _malformed(N_("'status' is not a number"))
    if status != 200:
        if 400 <= status <= 599:
            raise error_for_status(status, context=context)
        raise _malformed(N_(f"'status' is {status}"))
    if "data" not in body:
        raise _malformed(N_("'data' is missing"))
    return parse_task_data(body["data"], status=status)


def parse_reply_bytes(content: bytes, http_status: int = 200, context: str = "api") -> TaskReply:
    """Raw bytes from the wire -> :class:`TaskReply`; errors as :func:`parse_reply`.

    A non-200 HTTP status with a body that is not JSON (a gateway's HTML page) is
    still the status's error, not a malformed reply.
    """
    try:
        body = decode_json(content)
    except MalformedReplyError:
        if http_status != 200:
            raise error_for_status(http_status, context=context) from None
        raise
    return parse_reply(body, http_status, context)


def error_detail(content: bytes) -> str:
    """Best-effort display text from an error body of either shape ('' if none)."""
    try:
        body = decode_json(content)
    except MalformedReplyError:
        return ""
    if not isinstance(body, dict):
        return ""
    gateway = body.get("error")
    if isinstance(gateway, dict):
        return message_of(gateway) or message_of(body)
    return message_of(body)
