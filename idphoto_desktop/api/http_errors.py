"""HTTP status (and gateway error type) -> typed error with a plain message.

NOTES.md: 400 bad parameter, 401 bad token, 404 unknown URL or task, 413 file too large,
429 rate limit, 500 server error. The provider's own text is appended (cleaned and cut
short) because it often names the field at fault; it never holds the token, and the
client scrubs it anyway before it gets here.
"""

from __future__ import annotations

import datetime as _dt
import math
from email.utils import parsedate_to_datetime

from idphoto_desktop.core.errors import (
    AuthenticationError,
    IdPhotoError,
    ImageError,
    MalformedReplyError,
    MaybeChargedError,
    QuotaError,
    RequestTimeoutError,
    ResultExpiredError,
    ServerError,
    ValidationError,
)
from idphoto_desktop.core.i18n import N_
from idphoto_desktop.logsetup import redact

MAX_DETAIL_CHARS = 200
GATEWAY_TIMEOUTS = frozenset({504, 524})  # a gateway gave up waiting: the work may go on
REFUSED_HINT = N_("Check the size, format and photo, or the API address in Preferences.")
MAX_RETRY_AFTER_S = 3600.0


class ServiceBusyError(ServerError):
    """A 5xx that says when to come back (``Retry-After``, usually with 503)."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def clean_detail(text: object) -> str:
    """Provider text fit for a message: one line, printable, at most 200 characters.

    Secrets are scrubbed first, then the text is cut: cutting first could leave a piece
    of the token that no longer matches it.
    """
    if not isinstance(text, str):
        return ""
    text = redact(text[:20_000])
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    if len(flat) > MAX_DETAIL_CHARS:
        flat = flat[: MAX_DETAIL_CHARS - 1] + "…"
    return flat


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta seconds or an HTTP date), bounded."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
            seconds = (when - _dt.datetime.now(_dt.UTC)).total_seconds()
        except (TypeError, ValueError, OverflowError):
            return None
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def _with_detail(message: str, detail: str) -> str:
    return f"{message} (service says: {detail})" if detail else message


def error_for_status(
    status: int, detail: str = "", *, retry_after: float | None = None, context: str = "api"
) -> IdPhotoError:
    """The error for an HTTP (or body) status that is not a success.

    ``context`` is ``"api"`` for the create call, ``"task"`` for a task query (where 404
    means the provider no longer knows the task).
    """
    detail = clean_detail(detail)
    seconds = math.ceil(retry_after or 0)
    wait = " " + N_(f"The service asks to wait {seconds} s.") if retry_after else ""
    if status in (401, 403):
        return AuthenticationError(_with_detail(N_("The service refused the API token."), detail))
    if status == 402:
        return QuotaError(
            _with_detail(N_("The service account is out of credit (HTTP 402)."), detail),
            hint="Top up the account at the provider, or use the offline engine.",
        )
    if status == 400:
        return ValidationError(
            _with_detail(N_("The service refused the request."), detail), hint=REFUSED_HINT
        )
    if status == 404:
        if context == "task":
            return ResultExpiredError(
                _with_detail(N_("The service no longer knows this task."), detail)
            )
        return ValidationError(
            _with_detail(N_("The service address does not offer ID photos (HTTP 404)."), detail),
            hint="Check the API address in Preferences.",
        )
    if status == 408:
        return RequestTimeoutError(
            _with_detail(N_("The service gave up waiting for the request (HTTP 408)."), detail)
        )
    if status == 413:
        return ImageError(
            _with_detail(N_("The photo is too large for the service (over 15 MB)."), detail)
        )
    if status == 429:
        return QuotaError(
            _with_detail(N_("Too many requests, or no credit left at the service."), detail)
            + (" " + N_(f"Wait {seconds} s.") if retry_after else ""),
            retry_after=retry_after,
        )
    if status in GATEWAY_TIMEOUTS and context == "api":
        # The gateway stopped waiting; the provider may still make (and charge) the task.
        return MaybeChargedError(
            _with_detail(
                N_(
                    f"The service's gateway timed out (HTTP {status}); the task may still "
                    "have been made and charged."
                ),
                detail,
            )
        )
    if 500 <= status <= 599:
        message = _with_detail(N_(f"The service had a problem (HTTP {status})."), detail) + wait
        if retry_after:
            return ServiceBusyError(message, retry_after=retry_after)
        return ServerError(message)
    if 400 <= status <= 499:
        return ValidationError(
            _with_detail(N_(f"The service refused the request (HTTP {status})."), detail),
            hint=REFUSED_HINT,
        )
    return MalformedReplyError(f"The service answered with an unexpected status ({status}).")


def error_for_gateway_type(kind: str, detail: str) -> IdPhotoError:
    """A ``{"error": {"type": ...}}`` reply that came with HTTP 200: guess from the type."""
    lowered = kind.lower()
    if "auth" in lowered or "token" in lowered or "key" in lowered:
        return error_for_status(401, detail)
    if "rate" in lowered or "quota" in lowered or "insufficient" in lowered:
        return error_for_status(429, detail)
    if "invalid" in lowered or "request" in lowered:
        return error_for_status(400, detail)
    return error_for_status(500, detail)
