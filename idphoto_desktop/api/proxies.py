"""Which proxy the environment names for an https address, and SOCKS through it.

Why: a studio's network may only let traffic out through a proxy, set the usual way
(``https_proxy``, else ``all_proxy``; ``no_proxy`` for the exceptions). An ``http://``
proxy is used through ``CONNECT``, an ``https://`` one through ``CONNECT`` inside TLS to
the proxy (:mod:`idphoto_desktop.api.exchange`, :mod:`idphoto_desktop.api.tls_tunnel`).
A local proxy program often offers SOCKS instead: ``socks5://``, or ``socks5h://`` where
the proxy resolves the name (RFC 1928, user and password by RFC 1929), and the older
``socks4://`` (IPv4 resolved here) or ``socks4a://`` (the name resolved by the proxy),
as curl reads them. Their handshakes are here, on the socket before TLS starts, so the
certificate is still checked against the provider's name. Any other kind is refused
before anything is sent, with the variable named, never with its value (a proxy
address may carry a password).
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

__all__ = ["Proxy", "ProxyFailure", "proxy_for", "socks4_connect", "socks5_connect"]

SCHEMES = {
    "http": 80,
    "https": 443,
    "socks4": 1080,
    "socks4a": 1080,
    "socks5": 1080,
    "socks5h": 1080,
}
"""The proxy kinds this app can use, with their usual ports."""

_VARIABLES = ("https", "all")  # urllib's keys for https_proxy and all_proxy, in order


class ProxyFailure(OSError):
    """The proxy could not be used: an unknown kind, or it refused or failed the
    connection. ``sent`` is always False: the provider got nothing through it."""

    def __init__(self, problem: str, *, variable: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.variable = variable


@dataclass(frozen=True)
class Proxy:
    """A proxy to reach one https host through (hashable: part of a connection's key)."""

    kind: str  # a key of SCHEMES: socks4/socks5 resolve names here, socks4a/socks5h there
    host: str
    port: int
    variable: str  # where it was set ("https_proxy"), for the clerk's message
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # never in a log line


def proxy_for(host: str, port: int) -> Proxy | None:
    """The environment's proxy for ``https://host:port`` (None: connect directly).

    ``no_proxy`` is honoured with and without the port. Raises :class:`ProxyFailure` for
    a proxy of a kind this app cannot use (nothing is sent)."""
    import urllib.request  # only for an https address: it costs a few milliseconds

    found = urllib.request.getproxies()
    variable = next((key for key in _VARIABLES if found.get(key)), None)
    if variable is None or urllib.request.proxy_bypass(f"{host}:{port}"):
        return None
    address = found[variable]
    name = f"{variable}_proxy"
    if "://" not in address:
        address = "http://" + address
    try:
        parts = urlsplit(address)
        kind = parts.scheme.lower()
        proxy_host = parts.hostname
        proxy_port = parts.port
    except ValueError:  # a port that is not a number
        raise ProxyFailure("malformed", variable=name) from None
    if kind not in SCHEMES:
        raise ProxyFailure("unsupported", variable=name)
    if not proxy_host:
        raise ProxyFailure("malformed", variable=name)
    username = None if parts.username is None else unquote(parts.username)
    password = None if parts.username is None else unquote(parts.password or "")
    return Proxy(kind, proxy_host, proxy_port or SCHEMES[kind], name, username, password)


_REPLIES = {
    1: "failed",
    2: "not allowed",
    3: "network unreachable",
    4: "host unreachable",
    5: "refused",
    6: "expired",
    7: "command not supported",
    8: "address type not supported",
}


def _read(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ProxyFailure("closed")
        data += chunk
    return data


def _target(proxy: Proxy, host: str, port: int) -> bytes:
    """The CONNECT request's address: the name for socks5h, else an address resolved
    here (as curl does for socks5://)."""
    try:
        resolved = ipaddress.ip_address(host)
    except ValueError:
        if proxy.kind == "socks5h":
            name = host.encode("idna")
            if len(name) > 255:
                raise ProxyFailure("malformed") from None
            return b"\x03" + bytes([len(name)]) + name + struct.pack("!H", port)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        resolved = ipaddress.ip_address(infos[0][4][0])
    kind = b"\x01" if resolved.version == 4 else b"\x04"
    return kind + resolved.packed + struct.pack("!H", port)


def socks5_connect(sock: socket.socket, proxy: Proxy, host: str, port: int) -> None:
    """Ask the SOCKS5 proxy at the other end of ``sock`` for a stream to ``host:port``.

    Raises :class:`ProxyFailure` when the proxy refuses (its reply named) and OSError
    when the connection fails; the provider has been sent nothing either way."""
    with_password = proxy.username is not None
    methods = b"\x00\x02" if with_password else b"\x00"
    sock.sendall(b"\x05" + bytes([len(methods)]) + methods)
    version, method = _read(sock, 2)
    if version != 5:
        raise ProxyFailure("not socks5")
    if method == 2 and with_password:
        user = (proxy.username or "").encode()
        secret = (proxy.password or "").encode()
        if len(user) > 255 or len(secret) > 255:
            raise ProxyFailure("malformed")
        sock.sendall(b"\x01" + bytes([len(user)]) + user + bytes([len(secret)]) + secret)
        if _read(sock, 2)[1] != 0:
            raise ProxyFailure("login refused")
    elif method != 0:
        raise ProxyFailure("login required" if method == 2 else "no acceptable method")
    sock.sendall(b"\x05\x01\x00" + _target(proxy, host, port))
    version, reply, _reserved, kind = _read(sock, 4)
    if version != 5:
        raise ProxyFailure("not socks5")
    if reply != 0:
        raise ProxyFailure(_REPLIES.get(reply, "failed"))
    # the address the proxy bound: read and dropped (4 or 16 bytes, or a name)
    length = {1: 4, 4: 16}.get(kind)
    if length is None:
        if kind != 3:
            raise ProxyFailure("not socks5")
        length = _read(sock, 1)[0]
    _read(sock, length + 2)


_SOCKS4_REPLIES = {
    91: "refused",
    92: "login required",  # the proxy could not ask the client's identd
    93: "login refused",  # identd's user is not the one given
}


def _ipv4(host: str, port: int) -> bytes:
    """SOCKS4 carries an IPv4 address only: the host's, resolved here."""
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        infos = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_STREAM)
        return socket.inet_aton(str(infos[0][4][0]))
    if literal.version != 4:
        raise ProxyFailure("address type not supported")
    return literal.packed


def socks4_connect(sock: socket.socket, proxy: Proxy, host: str, port: int) -> None:
    """Ask the SOCKS4 (or 4a) proxy at the other end of ``sock`` for a stream to
    ``host:port``; the user name, if the address gives one, is SOCKS4's user id (the
    protocol has no password). Raises as :func:`socks5_connect` does."""
    user = (proxy.username or "").encode()
    if b"\0" in user or len(user) > 255:
        raise ProxyFailure("malformed")
    if proxy.kind == "socks4a" and not _is_ip_literal(host):
        name = host.encode("idna")
        if len(name) > 255:
            raise ProxyFailure("malformed")
        # 0.0.0.1: "the name follows" (SOCKS4a), after the user id
        request = struct.pack("!BBH", 4, 1, port) + b"\0\0\0\1" + user + b"\0" + name + b"\0"
    else:
        request = struct.pack("!BBH", 4, 1, port) + _ipv4(host, port) + user + b"\0"
    sock.sendall(request)
    version, reply = _read(sock, 8)[:2]
    if version != 0:
        raise ProxyFailure("not socks4")
    if reply != 90:
        raise ProxyFailure(_SOCKS4_REPLIES.get(reply, "failed"))


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
