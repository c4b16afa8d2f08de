"""One HTTP/1.1 exchange on the standard library: connect, send, read the reply.

Why not ``requests``: importing it (with urllib3, idna, charset_normalizer) took about
0.2 s, more than everything else a one-photo ``idphoto generate`` does before its
upload, and its exceptions said only in their causes whether the request had left. The
client needs little: one kept-alive connection per host (looked at before reuse: one
the server has closed is not used, so a paid POST does not meet a dead socket), no
redirects (the callers follow or refuse them by hand), the body read under the caller's
cap, and one question answered exactly:
**was anything sent?** A failure while connecting (name, refusal, connect timeout,
TLS handshake) sent nothing; any later one may have reached the server.

Every socket is handed to the thread's current :class:`~idphoto_desktop.api.deadline.Watch`
as soon as it exists (before the TLS handshake), so a deadline or the clerk's Cancel
can cut it from outside. A proxy from the environment (``https_proxy``, else
``all_proxy``; ``no_proxy``) is used for https, through ``CONNECT`` (in TLS to an
``https://`` proxy) or SOCKS4/5 (:mod:`idphoto_desktop.api.proxies`); loopback is never
proxied. Certificates are checked against certifi's bundle, or the file
``REQUESTS_CA_BUNDLE`` or ``SSL_CERT_FILE`` names, as with ``requests``.
"""

from __future__ import annotations

import base64
import functools
import http.client
import os
import re
import select
import socket
import threading
import weakref
import zlib
from collections.abc import Callable, Iterator, Mapping
from email.message import Message
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from idphoto_desktop.api.deadline import attach_current
from idphoto_desktop.api.proxies import (
    Proxy,
    ProxyFailure,
    proxy_for,
    socks4_connect,
    socks5_connect,
)
from idphoto_desktop.core.netaddr import is_loopback_host

__all__ = ["REDIRECTS", "Response", "Session", "TransportError", "target_of"]

REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}


class TransportError(Exception):
    """The connection failed (not an HTTP status).

    ``sent``: whether any byte of the request may have reached the server (False only
    when no connection was made at all). ``timeout``: the failure was a timeout.
    ``tls``: the secure connection could not be made (certificate, handshake).
    ``proxy``: the variable naming the proxy the connection went through or could not
    use (``"https_proxy"``); ``proxy_problem`` what went wrong with the proxy itself
    (``"unsupported"``, ``"refused"``...), empty when that is not known.
    """

    def __init__(
        self,
        message: str,
        *,
        sent: bool,
        timeout: bool = False,
        tls: bool = False,
        proxy: str = "",
        proxy_problem: str = "",
    ) -> None:
        super().__init__(message)
        self.sent = sent
        self.timeout = timeout
        self.tls = tls
        self.proxy = proxy
        self.proxy_problem = proxy_problem


def _failure(exc: BaseException, *, sent: bool) -> TransportError:
    """Our error for a socket, TLS or protocol failure, named without its text (a
    server's words or an address may be in it)."""
    import ssl  # imported by http.client already; named here for the isinstance

    timeout = isinstance(exc, TimeoutError | socket.timeout)
    tls = isinstance(exc, ssl.SSLError | ssl.CertificateError) and not sent
    return TransportError(type(exc).__name__, sent=sent, timeout=timeout, tls=tls)


def target_of(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, request target) of ``url``, as this module connects.

    The host is :func:`urllib.parse.urlsplit`'s, the same parser that
    :func:`~idphoto_desktop.api.urls.check_secure_url` judges the address with, so
    the check and the connection cannot disagree. User info in the URL is never sent.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host:
        raise ValueError("not an http(s) address")
    if not host.isascii():  # an international name travels as its ASCII (punycode) form
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError("the address's host name is not a valid name") from None
    port = parts.port or _DEFAULT_PORTS[scheme]
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    if any(ch in path for ch in " \r\n\t") or not path.isascii():
        raise ValueError("the address holds characters a request line cannot carry")
    return scheme, host, port, path


def _host_header(scheme: str, host: str, port: int) -> str:
    name = f"[{host}]" if ":" in host else host
    return name if port == _DEFAULT_PORTS[scheme] else f"{name}:{port}"


def _proxy_for(scheme: str, host: str, port: int) -> Proxy | None:
    """The environment's proxy for an https ``host``; None for plain http (loopback
    only), for a loopback address, and for hosts ``no_proxy`` names."""
    if scheme != "https" or is_loopback_host(host):
        return None
    try:
        return proxy_for(host, port)
    except ProxyFailure as err:
        raise TransportError(
            "UnsupportedProxy", sent=False, proxy=err.variable, proxy_problem=err.problem
        ) from None


def _basic(proxy: Proxy) -> str | None:
    """The ``Proxy-Authorization`` of an http proxy with a user name, else None."""
    if proxy.username is None:
        return None
    pair = f"{proxy.username}:{proxy.password or ''}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")
"""A studio behind a TLS-inspecting proxy names its own roots here (as with requests)."""


def _tls_context() -> Any:
    """Certificates checked, host names matched: against the file a variable of
    :data:`CA_BUNDLE_VARIABLES` names, else certifi's roots, else the system's."""
    for name in CA_BUNDLE_VARIABLES:
        bundle = os.environ.get(name, "").strip()
        if bundle:
            return _context_for(bundle)
    return _context_for(None)


@functools.lru_cache(maxsize=4)
def _context_for(bundle: str | None) -> Any:
    """One context per roots file, shared by every connection (building one parses
    the whole bundle: about 40 ms, once per new connection before). A file that cannot
    be read raises, and is tried again next time; one that was read is not read again
    while the program runs."""
    import ssl

    if bundle is not None:
        return ssl.create_default_context(cafile=bundle)
    try:
        import certifi
    except ImportError:
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


class Response:
    """A reply whose headers are read; the body is read through :meth:`iter_content`.

    Closing it hands a connection whose reply was read to the end back to its session
    (kept alive for the next exchange with the same host); any other is closed.
    """

    def __init__(self, url: str, conn: http.client.HTTPConnection, raw: Any,
                 release: Callable[[http.client.HTTPConnection], None]) -> None:
        self.url = url
        self._conn = conn
        self._raw = raw
        self._release = release
        self.status_code: int = raw.status
        self.headers: Message = raw.msg

    @property
    def is_redirect(self) -> bool:
        return self.status_code in REDIRECTS and "Location" in self.headers

    def _decoder(self) -> Any:
        coding = (self.headers.get("Content-Encoding") or "").strip().lower()
        if coding in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        if coding == "deflate":
            return zlib.decompressobj()
        return None  # identity (asked for); an unknown coding is left to the caller's checks

    def iter_content(self, size: int) -> Iterator[bytes]:
        """The body in pieces of at most ``size`` bytes (decoded if the server
        compressed it anyway: never more than ``size`` out per step, so a small
        compressed body cannot blow up in memory before the caller's cap)."""
        decoder = self._decoder()
        while True:
            try:
                chunk = self._raw.read(size)
            except (OSError, http.client.HTTPException) as exc:
                raise _failure(exc, sent=True) from None
            if not chunk:
                break
            if decoder is None:
                yield chunk
                continue
            data = chunk
            while data:
                try:
                    out = decoder.decompress(data, size)
                except zlib.error:
                    raise TransportError("ContentDecodingError", sent=True) from None
                data = decoder.unconsumed_tail
                if out:
                    yield out

    def close(self) -> None:
        raw, self._raw = self._raw, None
        if raw is None:
            return
        if raw.isclosed() and not raw.will_close:  # read to the end: reusable
            self._release(self._conn)
        else:
            raw.close()
            self._conn.close()

    def __enter__(self) -> Response:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


_Key = tuple[str, str, int, Proxy | None]


_TUNNEL_REFUSED = re.compile(r"Tunnel connection failed: (\d{3})")


def _proxy_problem(exc: BaseException, proxy: Proxy) -> str:
    """What the proxy itself said: a SOCKS reply, or the status http.client's CONNECT
    got (407: a login is needed or was refused; 403: not allowed), else ""."""
    if isinstance(exc, ProxyFailure):
        return exc.problem
    refused = _TUNNEL_REFUSED.match(str(exc)) if isinstance(exc, OSError) else None
    if refused is None:
        return ""
    status = int(refused.group(1))
    if status == 407:
        return "login refused" if proxy.username is not None else "login required"
    return "not allowed" if status == 403 else "refused"


class _ThroughTlsProxy(http.client.HTTPSConnection):
    """https through an ``https://`` proxy: TLS to the proxy (made when the socket is
    opened), ``CONNECT`` inside it, then TLS to the provider inside that."""

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)  # the proxy's TLS socket, and CONNECT
        from idphoto_desktop.api.tls_tunnel import TlsInTls

        host: str = vars(self)["_tunnel_host"]  # http.client's own, set by set_tunnel
        self.sock = TlsInTls(self.sock, vars(self)["_context"], host)


def _dropped(sock: socket.socket | None) -> bool:
    """An idle kept-alive socket that is readable has been closed by the server (or
    holds bytes nobody asked for): not to be reused, as urllib3 also judged."""
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _cut_off(exc: BaseException) -> bool:
    """The server closed the connection while the request went out (not a timeout)."""
    import ssl  # imported by http.client already

    return isinstance(exc, BrokenPipeError | ConnectionResetError | ssl.SSLEOFError)


def _early_reply(conn: http.client.HTTPConnection) -> http.client.HTTPResponse | None:
    """The reply a server sent before the request's body broke off, if one arrived."""
    try:
        raw = conn.getresponse()
    except (OSError, http.client.HTTPException):
        return None
    raw.will_close = True  # the rest of the request never left: nothing to keep alive
    return raw


def _close_all(idle: dict[_Key, http.client.HTTPConnection], lock: threading.Lock) -> None:
    with lock:
        conns = list(idle.values())
        idle.clear()
    for conn in conns:
        conn.close()


class Session:
    """Makes exchanges, keeping one idle connection per host alive between them (a
    batch of photos, a task's polls and its download then share a TLS handshake).
    Tests subclass :meth:`request`."""

    user_agent = "idphoto-desktop/0.1"

    def __init__(self) -> None:
        self._idle: dict[_Key, http.client.HTTPConnection] = {}
        self._lock = threading.Lock()
        # A session dropped without close() still closes its sockets (as urllib3's did).
        weakref.finalize(self, _close_all, self._idle, self._lock)

    def _take(self, key: _Key) -> http.client.HTTPConnection | None:
        with self._lock:
            conn = self._idle.pop(key, None)
        if conn is not None and _dropped(conn.sock):
            conn.close()
            return None
        return conn

    def _keep(self, key: _Key, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            old = self._idle.pop(key, None)
            self._idle[key] = conn
        if old is not None:
            old.close()

    def _open(self, key: _Key, connect_s: float) -> http.client.HTTPConnection:
        """A new connection to ``key``'s host, its socket handed to the current watch."""
        scheme, host, port, proxy = key
        socks = proxy if proxy is not None and proxy.kind.startswith("socks") else None
        conn: http.client.HTTPConnection
        context: Any = None
        if scheme == "https":
            try:
                context = _tls_context()
            except (OSError, ValueError):  # a roots file that cannot be read or used
                raise TransportError("CertificateStoreError", sent=False, tls=True) from None
            if proxy is None or socks is not None:  # SOCKS: the socket is the tunnel
                conn = http.client.HTTPSConnection(host, port, timeout=connect_s, context=context)
            else:
                kind = _ThroughTlsProxy if proxy.kind == "https" else http.client.HTTPSConnection
                conn = kind(proxy.host, proxy.port, timeout=connect_s, context=context)
                auth = _basic(proxy)
                conn.set_tunnel(host, port, headers={"Proxy-Authorization": auth} if auth else None)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=connect_s)

        def opened(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
            if socks is not None:
                address = (socks.host, socks.port)
            sock = socket.create_connection(address, *args, **kwargs)
            try:
                attach_current(sock, proxied=proxy is not None)
                if socks is not None and socks.kind.startswith("socks4"):
                    socks4_connect(sock, socks, host, port)
                elif socks is not None:
                    socks5_connect(sock, socks, host, port)
                elif proxy is not None and proxy.kind == "https":  # TLS to the proxy first
                    sock = context.wrap_socket(sock, server_hostname=proxy.host)
            except BaseException:
                sock.close()
                raise
            return sock

        conn._create_connection = opened  # type: ignore[attr-defined]
        try:
            conn.connect()
        except TransportError:
            conn.close()
            raise
        except (OSError, http.client.HTTPException, ValueError) as exc:
            conn.close()
            failure = _failure(exc, sent=False)
            if proxy is not None:
                failure.proxy = proxy.variable
                failure.proxy_problem = _proxy_problem(exc, proxy)
            raise failure from None
        return conn

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        timeout: tuple[float, float] = (10.0, 60.0),
    ) -> Response:
        """Send one request and read the reply's headers.

        Raises :class:`TransportError` (``sent`` as the module doc says) or ValueError
        for an address or a header that cannot be sent (nothing was).
        """
        scheme, host, port, path = target_of(url)
        connect_s, read_s = timeout
        key: _Key = (scheme, host, port, _proxy_for(scheme, host, port))
        lines = {
            "Host": _host_header(scheme, host, port),
            "User-Agent": self.user_agent,
            "Accept-Encoding": "identity",
            **(headers or {}),
        }
        if body is not None:
            lines["Content-Length"] = str(len(body))
        conn = self._take(key)
        if conn is None:
            conn = self._open(key, connect_s)
        else:
            attach_current(conn.sock, proxied=key[3] is not None)
        try:
            assert conn.sock is not None
            conn.sock.settimeout(read_s)
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in lines.items():
                conn.putheader(name, value)
        except ValueError:
            conn.close()
            raise
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise _failure(exc, sent=False) from None
        try:
            conn.endheaders(body)
        except (OSError, http.client.HTTPException) as exc:
            # A server may answer before it has read the body and close (a gateway's
            # 413 for a body over its limit): its answer says more than the broken pipe.
            early = _early_reply(conn) if _cut_off(exc) else None
            if early is None:
                conn.close()
                raise _failure(exc, sent=True) from None
            return Response(url, conn, early, functools.partial(self._keep, key))
        try:
            raw = conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise _failure(exc, sent=True) from None
        return Response(url, conn, raw, functools.partial(self._keep, key))

    def get(self, url: str, **kwargs: Any) -> Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Response:
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        """Close the idle connections."""
        _close_all(self._idle, self._lock)
