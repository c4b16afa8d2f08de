"""One overall deadline per HTTP exchange, and a Cancel that works inside a blocked read.

Socket timeouts bound each socket operation, not the exchange: a server that
trickles its reply a byte at a time never trips a read timeout and holds the caller for
ever. So every request runs inside a :class:`Watch`: a small watcher thread that, when
the deadline passes or the clerk cancels, shuts the connection's socket down from
outside. The blocked read then returns at once with a connection error, and the caller
asks the watch why (``fired``) to give the right message.

The watch finds the connection through the thread-local "current watch": each exchange
(:mod:`idphoto_desktop.api.exchange`) hands over its socket the moment it exists, before
any TLS handshake, always in the requesting thread (:func:`attach_current`).
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Literal

from idphoto_desktop.core.job import CancelToken
from idphoto_desktop.core.netaddr import is_non_public_address

WATCH_INTERVAL_S = 0.05
"""How often the watcher looks at the clock and the cancel token (cancel within ~0.1 s)."""
MIN_TIMEOUT_S = 0.05

Reason = Literal["deadline", "cancel"]

_local = threading.local()


def _current() -> Watch | None:
    stack: list[Watch] | None = getattr(_local, "stack", None)
    return stack[-1] if stack else None


def _shutdown(sock: object) -> None:
    """Wake a thread blocked on ``sock``: shutdown (not close) is safe across threads.

    The plain ``socket.shutdown`` is called even on an SSL socket: the TLS layer's own
    shutdown would first drop its state under the reading thread's feet.
    """
    if isinstance(sock, socket.socket):
        try:
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass


class Watch:
    """Enforces ``seconds`` for everything done inside ``with`` (connect, send, reply).

    ``fired`` is None while all is well, ``"deadline"`` or ``"cancel"`` once the watch
    has cut the connection. Watches nest per thread (the innermost one is current).
    """

    def __init__(
        self,
        seconds: float,
        cancel: CancelToken | None = None,
        *,
        public_peers_only: bool = False,
    ) -> None:
        self.seconds = max(0.0, seconds)
        self.public_peers_only = public_peers_only
        """Refuse a direct connection whose peer is a private or link-local address
        (a result URL whose name resolves into the studio's network)."""
        self.refused_peer = False
        self.deadline = time.monotonic() + self.seconds
        self.cancel = cancel
        self.fired: Reason | None = None
        self._sockets: list[object] = []
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def timeouts(self, connect: float, read: float) -> tuple[float, float]:
        """(connect, read) socket timeouts never longer than what is left of the deadline."""
        left = max(MIN_TIMEOUT_S, self.remaining())
        return (min(connect, left), min(read, left))

    def attach(self, sock: object) -> None:
        """A socket this exchange uses; cut at once if the watch has already fired."""
        with self._lock:
            self._sockets.append(sock)
            fired = self.fired is not None
        if fired:
            _shutdown(sock)

    def check(self) -> None:
        """Fire now if due (also called by the watcher thread)."""
        if self.fired is None:
            if self.cancel is not None and self.cancel.cancelled:
                self.fired = "cancel"
            elif time.monotonic() >= self.deadline:
                self.fired = "deadline"
        if self.fired is not None:
            with self._lock:
                sockets = list(self._sockets)
            for sock in sockets:
                _shutdown(sock)

    def _run(self) -> None:
        while not self._done.wait(WATCH_INTERVAL_S):
            self.check()

    def __enter__(self) -> Watch:
        stack: list[Watch] = getattr(_local, "stack", None) or []
        stack.append(self)
        _local.stack = stack
        self._thread = threading.Thread(target=self._run, name="http-watch", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._done.set()
        stack: list[Watch] = getattr(_local, "stack", [])
        if stack and stack[-1] is self:
            stack.pop()
        if exc is not None and self.fired is None:
            # A failure at the very moment the watch was due: say why.
            if self.cancel is not None and self.cancel.cancelled:
                self.fired = "cancel"
            elif time.monotonic() >= self.deadline:
                self.fired = "deadline"


def _check_peer(sock: socket.socket, watch: Watch) -> None:
    if not watch.public_peers_only:
        return
    try:
        peer = sock.getpeername()[0]
    except (OSError, IndexError):
        return
    if is_non_public_address(str(peer)):
        watch.refused_peer = True
        raise OSError("the address is not a public one")  # the caller says it to the clerk


def attach_current(sock: socket.socket, *, proxied: bool = False) -> None:
    """Hand a new connection's socket to the requesting thread's :class:`Watch` (if
    any), refusing a private peer first when the watch asks for public ones only (a
    proxy's own address is the studio's choice, so a proxied socket is not judged)."""
    watch = _current()
    if watch is None:
        return
    if not proxied:
        _check_peer(sock, watch)
    watch.attach(sock)
