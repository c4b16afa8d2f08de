"""Which URLs the client may talk to: https everywhere, plain http only on loopback.

The token and the customers' photos travel in these requests, so plain http is
refused except to 127.0.0.0/8 and ::1 (the sandbox server and tests). ``localhost``
is not trusted for http: a hosts file can point it anywhere.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from idphoto_desktop.core.errors import ValidationError
from idphoto_desktop.core.netaddr import is_loopback_host

__all__ = ["check_secure_url", "describe_url", "is_loopback_host"]


def check_secure_url(url: str, what: str = "The service address") -> str:
    """``url`` if it is https (or http to loopback); else a ValidationError.

    ``what`` names the URL in the message ("The result address", ...). The URL itself
    is not echoed in full: a result URL works like a password for an hour.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ValidationError(f"{what} is not a valid web address.") from None
    scheme = parts.scheme.lower()
    if not host or scheme not in ("https", "http"):
        raise ValidationError(f"{what} must start with https://.")
    if scheme == "http" and not (is_loopback_host(host) and is_loopback_host(_host_as_sent(url))):
        raise ValidationError(
            f"{what} must use https:// (plain http is allowed only to this computer, 127.0.0.1).",
            hint="Use the https:// address of the service.",
        )
    return url


def _host_as_sent(url: str) -> str | None:
    """The host a plain-http request really goes to, or None when the address hides
    it: user info (``http://evil.com\\@127.0.0.1/`` reads as 127.0.0.1 to one parser
    and evil.com to another) or a backslash before the query. The exchange
    connects to :func:`urlsplit`'s host (api/exchange.py), and plain http is allowed
    only to an address nobody could read another way."""
    parts = urlsplit(url)
    if "@" in parts.netloc or "\\" in url.split("?", 1)[0].split("#", 1)[0]:
        return None
    return parts.hostname


def describe_url(url: str) -> str:
    """Scheme and host only, for log lines (paths of result URLs are secrets)."""
    try:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
    except ValueError:
        return "(invalid URL)"
