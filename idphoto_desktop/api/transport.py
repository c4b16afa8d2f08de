"""Telling network failures apart: was anything sent, is it worth another try?

The difference matters for money: a POST that failed before a connection existed was
never seen by the provider and may be tried again; one that failed after the request
went out (reset, read timeout) may have been charged and must not be repeated. Each
exchange (:mod:`idphoto_desktop.api.exchange`) says which in its
:class:`~idphoto_desktop.api.exchange.TransportError`.
"""

from __future__ import annotations

from idphoto_desktop.api.exchange import TransportError
from idphoto_desktop.core.errors import (
    CancelledError,
    IdPhotoError,
    MaybeChargedError,
    NetworkError,
    RequestTimeoutError,
)
from idphoto_desktop.core.job import CancelToken


def nothing_sent(exc: BaseException) -> bool:
    """True when the request surely never left: no connection was made at all."""
    return isinstance(exc, TransportError) and not exc.sent


def is_transport_error(exc: BaseException) -> bool:
    """A failure of the connection itself (not an HTTP status)."""
    return isinstance(exc, TransportError)


def cannot_help_to_retry(exc: BaseException) -> bool:
    """True when trying again cannot help: the computer names a proxy this app cannot use."""
    return isinstance(exc, TransportError) and exc.proxy_problem in ("unsupported", "malformed")


def network_error(exc: BaseException, *, after_send_is_charged: bool) -> IdPhotoError:
    """The clerk's error for a transport failure.

    ``after_send_is_charged`` is True for the paid POST: a failure after sending then
    becomes :class:`MaybeChargedError` instead of a plain network error.
    """
    sent = not nothing_sent(exc)
    timeout = isinstance(exc, TransportError) and exc.timeout
    if isinstance(exc, TransportError) and exc.proxy and not sent and not exc.tls:
        return _proxy_error(exc.proxy, exc.proxy_problem, timeout=timeout)
    if after_send_is_charged and sent:
        if timeout:
            return MaybeChargedError(
                "The service did not answer in time after receiving the photo."
            )
        return MaybeChargedError("The connection to the service broke after the photo was sent.")
    if isinstance(exc, TransportError) and exc.tls:
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


def _proxy_error(variable: str, problem: str, *, timeout: bool) -> IdPhotoError:
    """The clerk's error when the proxy the computer names stood in the way (nothing
    was sent): which variable to look at, never its value (it may hold a password)."""
    if problem == "unsupported":
        return NetworkError(
            f"The proxy set in {variable} is of a kind this app cannot use.",
            hint="Give an http://, https://, socks4:// or socks5:// proxy address there, "
            "or remove it.",
        )
    if problem == "malformed":
        return NetworkError(
            f"The proxy address set in {variable} cannot be read.",
            hint="Correct it (for example http://proxy.example:3128), or remove it.",
        )
    if problem == "login required":
        return NetworkError(
            f"The proxy set in {variable} asks for a user name and password.",
            hint="Put them in the proxy's address there (for example "
            "http://user:password@proxy.example:3128).",
        )
    if problem == "login refused":
        return NetworkError(
            f"The proxy set in {variable} refused its user name or password.",
            hint="Correct them in the proxy's address there, or ask who runs the proxy.",
        )
    if timeout:
        return RequestTimeoutError(
            f"The service could not be reached in time through the proxy set in {variable}."
        )
    return NetworkError(
        f"The service could not be reached through the proxy set in {variable}.",
        hint="Check that the proxy is running and lets this computer through.",
    )


def wait_or_cancel(cancel: CancelToken | None, seconds: float) -> None:
    """Sleep ``seconds``; raise CancelledError at once if the clerk cancels meanwhile."""
    if seconds <= 0:
        if cancel is not None:
            cancel.raise_if_cancelled()
        return
    token = cancel if cancel is not None else CancelToken()
    if token.wait(seconds):
        raise CancelledError("Cancelled.")
