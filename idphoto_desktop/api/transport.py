"""Telling network failures apart: was anything sent, is it worth another try?

The difference matters for money: a POST that failed before a connection existed was
never seen by the provider and may be tried again; one that failed after the request
went out (reset, read timeout) may have been charged and must not be repeated. The
``requests`` exceptions carry that distinction only in their urllib3 causes.
"""

from __future__ import annotations

import requests
import urllib3.exceptions

from idphoto_desktop.core.errors import (
    CancelledError,
    IdPhotoError,
    MaybeChargedError,
    NetworkError,
    RequestTimeoutError,
)
from idphoto_desktop.core.job import CancelToken

_NOT_SENT = (
    urllib3.exceptions.NewConnectionError,  # refused, unreachable, DNS (NameResolutionError)
    urllib3.exceptions.ConnectTimeoutError,
)


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and everything it wraps (args, ``reason``, ``__cause__``, ``__context__``)."""
    seen: list[BaseException] = []
    stack: list[object] = [exc]
    while stack and len(seen) < 32:
        item = stack.pop()
        if not isinstance(item, BaseException) or any(item is s for s in seen):
            continue
        seen.append(item)
        stack.extend(item.args)
        stack.append(getattr(item, "reason", None))
        stack.append(item.__cause__)
        stack.append(item.__context__)
    return seen


def nothing_sent(exc: BaseException) -> bool:
    """True when the request surely never left: no connection was made at all."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.SSLError):
        return True  # the handshake failed before any request byte was sent
    return any(isinstance(cause, _NOT_SENT) for cause in _causes(exc))


def is_transport_error(exc: BaseException) -> bool:
    """A failure of the connection itself (not an HTTP status)."""
    return isinstance(
        exc,
        requests.exceptions.ConnectionError
        | requests.exceptions.Timeout
        | requests.exceptions.ChunkedEncodingError
        | requests.exceptions.ContentDecodingError,
    )


def network_error(exc: BaseException, *, after_send_is_charged: bool) -> IdPhotoError:
    """The clerk's error for a transport failure.

    ``after_send_is_charged`` is True for the paid POST: a failure after sending then
    becomes :class:`MaybeChargedError` instead of a plain network error.
    """
    sent = not nothing_sent(exc)
    # urllib3's NewConnectionError (refused, unreachable) subclasses its TimeoutError for
    # old reasons; requests does not count it as a timeout, and neither do we.
    timeout = isinstance(exc, requests.exceptions.Timeout) or any(
        isinstance(c, TimeoutError | urllib3.exceptions.TimeoutError)
        and not isinstance(c, urllib3.exceptions.NewConnectionError)
        for c in _causes(exc)
    )
    if after_send_is_charged and sent:
        if timeout:
            return MaybeChargedError(
                "The service did not answer in time after receiving the photo."
            )
        return MaybeChargedError("The connection to the service broke after the photo was sent.")
    if isinstance(exc, requests.exceptions.SSLError):
        return NetworkError(
            "A secure connection to the service could not be made (certificate or TLS error).",
            hint="Check the computer's date and time, the network, or the API address.",
        )
    if timeout:
        if sent:
            return RequestTimeoutError("The service did not answer in time.")
        return RequestTimeoutError("The service could not be reached in time.")
    if sent:
        return NetworkError("The connection to the service broke.")
    return NetworkError("The service could not be reached.")


def wait_or_cancel(cancel: CancelToken | None, seconds: float) -> None:
    """Sleep ``seconds``; raise CancelledError at once if the clerk cancels meanwhile."""
    if seconds <= 0:
        if cancel is not None:
            cancel.raise_if_cancelled()
        return
    token = cancel if cancel is not None else CancelToken()
    if token.wait(seconds):
        raise CancelledError("Cancelled.")
