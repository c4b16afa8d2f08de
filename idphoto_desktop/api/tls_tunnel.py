"""TLS to the provider inside TLS to an ``https://`` proxy.

Why: a studio's proxy may itself be reached over TLS (``https_proxy=https://...``). The
standard library's sockets cannot wrap a TLS socket in a second TLS layer, so the
inner layer here is an :class:`ssl.SSLObject` over memory buffers, fed from and
flushed to the outer TLS socket. It offers what :mod:`http.client` and the exchange use
of a socket (send, receive, a binary file to read the reply from, timeouts, close);
the provider's certificate is checked against its own name as on a direct connection.
"""

from __future__ import annotations

import io
import ssl
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["TlsInTls"]

T = TypeVar("T")
_CHUNK = 64 * 1024


class TlsInTls:
    """A TLS session to ``server_hostname`` carried by ``outer`` (TLS to the proxy, past
    its ``CONNECT``). The handshake is done by the constructor."""

    def __init__(self, outer: ssl.SSLSocket, context: ssl.SSLContext, server_hostname: str):
        self._outer = outer
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._tls = context.wrap_bio(
            self._incoming, self._outgoing, server_hostname=server_hostname
        )
        self._closed = False
        self._io(self._tls.do_handshake)

    # ------------------------------------------------------------- the engine
    def _flush(self) -> None:
        data = self._outgoing.read()
        if data:
            self._outer.sendall(data)

    def _io(self, operation: Callable[..., T], *args: Any) -> T:
        """Run one TLS operation, moving bytes through the outer socket until it is done."""
        while True:
            try:
                result = operation(*args)
            except ssl.SSLWantReadError:
                self._flush()
                data = self._outer.recv(_CHUNK)
                if data:
                    self._incoming.write(data)
                else:
                    self._incoming.write_eof()
                continue
            self._flush()
            return result

    # ------------------------------------------------------- the socket's part
    def recv(self, size: int = _CHUNK) -> bytes:
        try:
            return self._io(self._tls.read, size)
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            return b""  # the server closed, cleanly or not: the end of the stream

    def recv_into(self, buffer: Any, size: int = 0) -> int:
        view = memoryview(buffer).cast("B")
        data = self.recv(size or len(view))
        view[: len(data)] = data
        return len(data)

    def send(self, data: Any) -> int:
        return self._io(self._tls.write, bytes(data))

    def sendall(self, data: Any) -> None:
        view = memoryview(data).cast("B")
        while view:
            sent = self.send(view[:_CHUNK])
            view = view[sent:]

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        if mode not in ("r", "rb"):
            raise ValueError("only a binary reader is offered")
        return io.BufferedReader(_Reader(self))

    def settimeout(self, value: float | None) -> None:
        self._outer.settimeout(value)

    def gettimeout(self) -> float | None:
        return self._outer.gettimeout()

    def setsockopt(self, *args: Any) -> None:
        self._outer.setsockopt(*args)

    def fileno(self) -> int:
        """The outer socket's: readable when the proxy sends anything (select())."""
        return self._outer.fileno()

    def pending(self) -> int:
        return self._tls.pending()

    def getpeercert(self, binary_form: bool = False) -> Any:
        return self._tls.getpeercert(binary_form)

    def version(self) -> str | None:
        return self._tls.version()

    def shutdown(self, how: int) -> None:
        self._outer.shutdown(how)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._outer.close()


class _Reader(io.RawIOBase):
    """The raw stream under :meth:`TlsInTls.makefile` (http.client reads replies so)."""

    def __init__(self, tunnel: TlsInTls) -> None:
        super().__init__()
        self._tunnel = tunnel

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._tunnel.recv_into(buffer)
