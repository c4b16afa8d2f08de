"""The sandbox's own outgoing HTTP: fetching ``image_url`` and posting ``callback_url``.

Standard library only, with the provider's limits: one 10 s deadline per fetch, 15 MB
cap; ``image_url`` only to hosts on an allow-list (loopback by default), every redirect
hop checked again.
Callbacks go only to https or to http on loopback, so a training sandbox never
sprays a studio's network with plain-text POSTs.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import logging
import re
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from idphoto_desktop.core.netaddr import is_loopback_host
from idphoto_desktop.sandbox.contract import MAX_UPLOAD_BYTES, URL_TIMEOUT_S

log = logging.getLogger("idphoto_desktop.sandbox")


class DownloadError(Exception):
    """``image_url`` could not be fetched (task state -3)."""


class DownloadTooLargeError(DownloadError):
    """``image_url`` is over 15 MB (task state -5)."""


FETCH_FAILED = "could not download image_url"
"""One text for every network failure: the sandbox must not tell open ports from closed."""
MAX_FETCH_REDIRECTS = 3
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class HostAllowList:
    """Where ``image_url`` may point: networks (CIDR) and exact host names.

    Loopback only by default: a sandbox on a studio PC must not become a way to reach
    the studio's network or a cloud metadata address (169.254.169.254).
    """

    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = (
        ipaddress.ip_network("127.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    )
    names: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, entries: list[str] | tuple[str, ...]) -> HostAllowList:
        """``["127.0.0.1", "10.0.0.0/8", "photos.example.com"]`` (loopback always in)."""
        base = cls()
        networks = list(base.networks)
        names: set[str] = set()
        for entry in entries:
            text = entry.strip().lower().strip("[]")
            if not text:
                continue
            try:
                networks.append(ipaddress.ip_network(text, strict=False))
            except ValueError:
                if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", text):
                    raise ValueError(f"not a host name or network: {entry!r}") from None
                names.add(text.rstrip("."))
        return cls(tuple(networks), frozenset(names))

    def address_allowed(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.split("%")[0])
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in network for network in self.networks)

    def resolve(self, host: str, port: int) -> list[tuple[int, str]]:
        """The (family, address) pairs to connect to; DownloadError if none is allowed.

        A listed name may resolve anywhere; any other host must resolve only to
        allowed networks (every address is checked, so DNS cannot slip one past).
        """
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError, ValueError):
            raise DownloadError(FETCH_FAILED) from None
        found = [(int(info[0]), str(info[4][0])) for info in infos]
        if not found:
            raise DownloadError(FETCH_FAILED)
        if host.lower().rstrip(".") in self.names:
            return found
        if not all(self.address_allowed(address) for _family, address in found):
            raise DownloadError("image_url points to a host this sandbox may not fetch from")
        return found


LOOPBACK_ONLY = HostAllowList()


def safe_url(url: str) -> str:
    """The URL without query or credentials, for log lines."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(invalid URL)"
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _connection(
    url: str, allow: HostAllowList, timeout_s: float
) -> tuple[http.client.HTTPConnection, str]:
    """A connection to an allowed address of ``url``'s host, and the request target."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        raise DownloadError("image_url is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise DownloadError("image_url is not http or https")
    https = parts.scheme == "https"
    port = port or (443 if https else 80)
    family, address = allow.resolve(host, port)[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout_s)
        sock.connect((address, port))
    except OSError:
        sock.close()
        raise DownloadError(FETCH_FAILED) from None
    conn: http.client.HTTPConnection
    if https:
        context = ssl.create_default_context()
        try:
            wrapped = context.wrap_socket(sock, server_hostname=host)
        except (OSError, ssl.SSLError):
            sock.close()
            raise DownloadError(FETCH_FAILED) from None
        conn = http.client.HTTPSConnection(host, port, timeout=timeout_s, context=context)
        conn.sock = wrapped
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
        conn.sock = sock
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return conn, target


def download_image(
    url: str,
    *,
    timeout_s: float = URL_TIMEOUT_S,
    max_bytes: int = MAX_UPLOAD_BYTES,
    allow: HostAllowList = LOOPBACK_ONLY,
) -> bytes:
    """Fetch ``url`` within one overall deadline, from allowed hosts only, capped.

    Redirects are followed by hand (at most 3) and each hop is checked again. A
    watchdog closes the connection at the deadline, so a server that trickles its
    answer cannot hold a worker longer than ``timeout_s``.
    """
    deadline = time.monotonic() + timeout_s
    current = url
    for _hop in range(MAX_FETCH_REDIRECTS + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DownloadError(FETCH_FAILED)
        conn, target = _connection(current, allow, remaining)
        sock = conn.sock
        timer = threading.Timer(remaining, _cut, args=(sock,))
        timer.daemon = True
        timer.start()
        response: http.client.HTTPResponse | None = None
        try:
            conn.request("GET", target, headers={"User-Agent": "idphoto-sandbox"})
            response = conn.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location") or ""
                current = urljoin(current, location)
                continue
            if response.status != 200:
                log.debug("image_url %s answered HTTP %d", safe_url(current), response.status)
                raise DownloadError(FETCH_FAILED)
            declared = response.getheader("Content-Length")
            if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
                raise DownloadTooLargeError("image_url is larger than 15 MB")
            chunks: list[bytes] = []
            total = 0
            while True:
                chunk = response.read1(_CHUNK)
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
                if total > max_bytes:
                    raise DownloadTooLargeError("image_url is larger than 15 MB")
                if time.monotonic() > deadline:
                    raise DownloadError(FETCH_FAILED)
            if time.monotonic() > deadline:  # the watchdog cut a trickle short
                raise DownloadError(FETCH_FAILED)
            if declared is not None and declared.strip().isdigit() and total != int(declared):
                raise DownloadError(FETCH_FAILED)  # cut short: never half a photo
            return b"".join(chunks)
        except DownloadError:
            raise
        except (OSError, http.client.HTTPException, ValueError):
            raise DownloadError(FETCH_FAILED) from None
        finally:
            timer.cancel()
            if response is not None:
                response.close()
            conn.close()
            if isinstance(sock, socket.socket):
                sock.close()
    raise DownloadError("image_url redirects too many times")


def _cut(sock: object) -> None:
    if isinstance(sock, socket.socket):
        try:
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass


def callback_allowed(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and is_loopback_host(parts.hostname))


def post_callback(url: str, payload: dict[str, Any], *, timeout_s: float = 10.0) -> bool:
    """POST the task's JSON to ``url``; True on a 2xx answer. Never raises."""
    if not callback_allowed(url):
        log.warning("callback refused (only https, or http to loopback): %s", safe_url(url))
        return False
    body = json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - scheme checked by callback_allowed
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "idphoto-sandbox"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            response.read()
            status = int(response.status)
            ok = 200 <= status < 300
    except urllib.error.HTTPError as exc:
        exc.close()
        log.warning("callback to %s answered HTTP %s", safe_url(url), exc.code)
        return False
    except (urllib.error.URLError, OSError, ValueError) as exc:
        log.warning("callback to %s failed: %s", safe_url(url), getattr(exc, "reason", exc))
        return False
    if not ok:
        log.warning("callback to %s answered HTTP %s", safe_url(url), status)
    return ok
