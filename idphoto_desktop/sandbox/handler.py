"""HTTP request handling for the sandbox: routes, auth, body limits, replies, faults.

HTTP/1.1 with keep-alive, like the provider, so every reply carries Content-Length and
any unread request body is drained (or the connection closed) before answering. Log
lines carry the method, path and status only: headers, and so the token, never.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import socket
import struct
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from idphoto_desktop.sandbox.contract import (
    CREATE_PATH,
    MAX_BODY_BYTES,
    RESULTS_PREFIX,
    TASK_PREFIX,
    ContractError,
    error_body,
    parse_create_form,
)
from idphoto_desktop.sandbox.faults import (
    FAULT_HEADER,
    NO_FAULTS,
    Faults,
    FaultSpecError,
    parse_faults,
)
from idphoto_desktop.sandbox.multipart import (
    MultipartError,
    boundary_from_content_type,
    parse_multipart,
)
from idphoto_desktop.sandbox.tasks import Task

if TYPE_CHECKING:
    from idphoto_desktop.sandbox.server import SandboxServer

log = logging.getLogger("idphoto_desktop.sandbox")

DRAIN_LIMIT_BYTES = 64 * 1024 * 1024  # beyond this, close instead of reading the body
_RESULT_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}\.(png|jpg)$")
_TASK_ID_RE = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_BAD_GATEWAY_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


class SandboxHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its sandbox and can drop open connections on stop."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # 50 clients at once must not overflow the listen backlog

    def __init__(self, address: tuple[str, int], app: SandboxServer) -> None:
        self.app = app
        self.open_sockets: set[socket.socket] = set()
        super().__init__(address, SandboxHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.app.sockets_lock:
            self.open_sockets.add(request)
            self.app.connections_accepted += 1
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.app.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Wake handler threads blocked on idle keep-alive connections."""
        with self.app.sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class SandboxHandler(BaseHTTPRequestHandler):
    """One connection; methods run on that connection's thread."""

    protocol_version = "HTTP/1.1"
    server_version = "IdPhotoSandbox/1.0"
    sys_version = ""
    timeout = 60.0
    _body_read = False

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm and
        # the client's delayed ACK add ~40 ms to every keep-alive reply.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self) -> str:
        return self.server_version

    def parse_request(self) -> bool:
        """The standard parsing, but a header that breaks the ``email`` parser (an RFC
        2231 parameter with a NUL in its charset...) gets a 400 instead of a dropped
        connection."""
        try:
            return super().parse_request()
        except Exception:
            log.debug("malformed request head", exc_info=True)
            self.close_connection = True
            self._body_read = True  # unknown length: the connection closes instead
            if not getattr(self, "request_version", "").startswith("HTTP/1."):
                self.request_version = "HTTP/1.1"
            self.command = getattr(self, "command", None) or "-"
            self._send_json(400, error_body(400, "malformed request headers"))
            return False

    @property
    def app(self) -> SandboxServer:
        server = self.server
        assert isinstance(server, SandboxHTTPServer)
        return server.app

    # ----- logging: request line and status only, never headers -----
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - " + format, self.client_address[0], *args)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        method = self.command or "-"
        path = urlsplit(self.path).path if self.path else "-"
        if path.startswith(RESULTS_PREFIX):
            path = RESULTS_PREFIX + "…"  # the result name works like a password
        log.info("%s %s -> %s", method, path, code)

    # ----- routing -----
    def do_POST(self) -> None:
        self._body_read = False
        path = urlsplit(self.path).path
        if path == CREATE_PATH:
            self.app.counter.add("POST /task/pic/idphoto")
            self._create()
        else:
            self.app.counter.add("POST other")
            self._error(404, "not found")

    def do_GET(self) -> None:
        self._body_read = False
        path = urlsplit(self.path).path
        if path.startswith(RESULTS_PREFIX):
            self.app.counter.add("GET /results")
            self._result(path[len(RESULTS_PREFIX) :])
        elif path == CREATE_PATH:
            self.app.counter.add("GET other")
            self._error(405, "method not allowed", extra={"Allow": "POST"})
        elif path.startswith(TASK_PREFIX) and "/" not in path[len(TASK_PREFIX) :]:
            self.app.counter.add("GET /task/{id}")
            self._poll(path[len(TASK_PREFIX) :])
        else:
            self.app.counter.add("GET other")
            self._error(404, "not found")

    # ----- endpoints -----
    def _create(self) -> None:
        faults = self._authorize_and_faults(rate_limited=True)
        if faults is None:
            return
        length = self._content_length()
        if length is None:
            return
        if length > MAX_BODY_BYTES:
            self._error(413, "request body is larger than 15 MB")
            return
        verdict = self.app.admit(length)
        if verdict == "queue":
            self._error(429, "too many tasks are waiting; try again shortly", retry_after=2)
            return
        if verdict == "memory":
            self._error(503, "the sandbox holds too many uploads; try again shortly", retry_after=5)
            return
        handed_over = False
        try:
            body = self._read_body(length, faults.slow_upload_s)
            if body is None:
                return
            try:
                boundary = boundary_from_content_type(self.headers.get("Content-Type"))
                form = parse_create_form(parse_multipart(body, boundary))
            except MultipartError as exc:
                self._error(400, str(exc))
                return
            except ContractError as exc:
                self._error(exc.status, exc.message)
                return
            except Exception:  # any other malformed input is still the client's error
                log.debug("malformed create request", exc_info=True)
                self._error(400, "the request is malformed")
                return
            del body
            task = Task(form, faults)
            handed_over = True
            if form.sync:
                self.app.submit(task, reserved_bytes=length)
                self.app.wait_for(task)
                self._reply(task.reply_data(), faults)
            else:
                queued = task.reply_data()  # the task as created: state 0, like the provider
                self.app.submit(task, reserved_bytes=length)
                self._reply(queued, faults)
        finally:
            if not handed_over:
                self.app.release(length)

    def _poll(self, task_id: str) -> None:
        faults = self._authorize_and_faults(rate_limited=False)
        if faults is None:
            return
        task = self.app.tasks.get(task_id) if _TASK_ID_RE.match(task_id) else None
        if task is None:
            self._error(404, "task not found")
            return
        self._reply(task.reply_data(), faults)

    def _result(self, name: str) -> None:
        if not _RESULT_NAME_RE.match(name):
            self._send_bytes(404, b"NoSuchKey: The specified key does not exist.", "text/plain")
            return
        stored, expired = self.app.results.get(name)
        if stored is None:
            if expired:
                self._send_bytes(403, b"AccessDenied: Request has expired.", "text/plain")
            else:
                self._send_bytes(404, b"NoSuchKey: The specified key does not exist.", "text/plain")
            return
        if stored.byte_interval_s > 0:
            self._send_bytes(200, stored.data, stored.mime, byte_interval_s=stored.byte_interval_s)
            return
        if stored.trickle_s <= 0:
            self._send_bytes(200, stored.data, stored.mime)
            return
        self.send_response(200)
        self.send_header("Content-Type", stored.mime)
        self.send_header("Content-Length", str(len(stored.data)))
        self.end_headers()
        chunks = 20
        step = max(1, -(-len(stored.data) // chunks))
        for start in range(0, len(stored.data), step):
            if self.app.stop_event.wait(stored.trickle_s / chunks):
                self.close_connection = True
                return
            self.wfile.write(stored.data[start : start + step])

    # ----- auth, rate limit and request faults -----
    def _authorize_and_faults(self, *, rate_limited: bool) -> Faults | None:
        """Faults for this request, or None after an error reply was sent."""
        if not self._token_ok():
            self._error(401, "invalid or missing token")
            return None
        if rate_limited:
            retry_after = self.app.limiter.acquire()
            if retry_after is not None:
                self._error(429, "too many requests", retry_after=retry_after)
                return None
        try:
            faults = parse_faults(self.app.faults, self.headers.get(FAULT_HEADER))
        except FaultSpecError as exc:
            self._error(400, str(exc))
            return None
        if faults is NO_FAULTS:
            return faults
        if faults.delay_s and self.app.stop_event.wait(faults.delay_s):
            self._error(503, "the sandbox is shutting down")
            return None
        if faults.reset:
            self._discard_body()
            self._reset_connection()
            return None
        if faults.status is not None:
            if faults.status_html:
                self._discard_body()
                self._send_bytes(faults.status, _BAD_GATEWAY_HTML, "text/html")
            else:
                self._error(
                    faults.status,
                    "injected error (sandbox fault)",
                    retry_after=faults.retry_after_s,
                )
            return None
        return faults

    def _token_ok(self) -> bool:
        header = self.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return False
        return hmac.compare_digest(value.strip().encode(), self.app.token.encode())

    # ----- request body -----
    def _content_length(self) -> int | None:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            self._error(411, "send the body with a Content-Length")
            return None
        raw = self.headers.get("Content-Length")
        if raw is None or not raw.strip().isdigit():
            self.close_connection = True
            self._error(411, "send the body with a Content-Length")
            return None
        return int(raw)

    def _read_body(self, length: int, spread_s: float = 0.0) -> bytes | None:
        """The whole body; with ``spread_s`` read in slices over that time (a slow link)."""
        try:
            if spread_s <= 0:
                body = self.rfile.read(length)
            else:
                slices, chunks = 20, []
                size = max(1, -(-length // slices))
                remaining = length
                while remaining > 0:
                    if self.app.stop_event.wait(spread_s / slices):
                        self.close_connection = True
                        return None
                    chunk = self.rfile.read(min(size, remaining))
                    if not chunk:
                        break
                    chunks.append(chunk)
                    remaining -= len(chunk)
                body = b"".join(chunks)
        except OSError:
            self.close_connection = True
            return None
        self._body_read = True
        if len(body) != length:
            self.close_connection = True
            self._error(400, "the request body is shorter than Content-Length")
            return None
        return body

    def _discard_body(self) -> None:
        """Read and drop an unread body so keep-alive stays in step; else close."""
        if self._body_read or self.command != "POST":
            return
        self._body_read = True
        raw = self.headers.get("Content-Length", "")
        if self.headers.get("Transfer-Encoding") or not raw.strip().isdigit():
            self.close_connection = True
            return
        remaining = int(raw)
        if remaining > DRAIN_LIMIT_BYTES:
            self.close_connection = True
            return
        try:
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 1024 * 1024))
                if not chunk:
                    break
                remaining -= len(chunk)
        except OSError:
            pass
        if remaining > 0:
            self.close_connection = True

    def _reset_connection(self) -> None:
        """Drop the connection with a TCP RST, as a crashing proxy would."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        log.info("%s %s -> connection reset (sandbox fault)", self.command, self.path)

    # ----- replies -----
    def _reply(self, data: dict[str, Any], faults: Faults) -> None:
        if faults.malformed_json:
            text = json.dumps({"status": 200, "data": data})
            self._send_bytes(200, text[: len(text) // 2].encode(), "application/json")
            return
        if faults.missing_fields:
            for key in ("state", "image", "foreground_rect", "progress"):
                data.pop(key, None)
        if faults.numbers_as_strings:
            data = _numbers_as_strings(data)
        if faults.bad_rect is not None:
            _spoil_rect(data, faults.bad_rect)
        if faults.wrong_types:
            data.update(
                state=str(data["state"]),
                progress=str(data["progress"]),
                foreground_rect=list(data["foreground_rect"].values()),
                image=0,
                image_width=str(data["image_width"]),
                time_elapsed="fast",
            )
        self._send_json(200, {"status": 200, "data": data}, byte_interval_s=faults.trickle_s)

    def _error(
        self,
        status: int,
        message: str,
        *,
        retry_after: int | None = None,
        extra: dict[str, str] | None = None,
    ) -> None:
        self._discard_body()
        headers = dict(extra or {})
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        if status == 413:
            self.close_connection = True
        self._send_json(status, error_body(status, message), headers)

    def _send_json(
        self,
        status: int,
        payload: dict[str, Any],
        headers: dict[str, str] | None = None,
        *,
        byte_interval_s: float = 0.0,
    ) -> None:
        body = json.dumps(payload).encode("utf-8")
        self._send_bytes(
            status,
            body,
            "application/json; charset=utf-8",
            headers,
            byte_interval_s=byte_interval_s,
        )

    def _send_bytes(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
        *,
        byte_interval_s: float = 0.0,
    ) -> None:
        self._discard_body()
        if byte_interval_s > 0:
            self._trickle(status, body, content_type, byte_interval_s)
            return
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            self.close_connection = True

    def _trickle(self, status: int, body: bytes, content_type: str, interval_s: float) -> None:
        """The whole reply, status line included, one byte every ``interval_s`` (a fault).

        Per-read timeouts never trip on this; only a client's overall deadline ends it.
        """
        self.log_request(status, len(body))
        head = (
            f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode("latin-1")
        self.close_connection = True
        try:
            raw = head + body
            for index in range(len(raw)):
                self.wfile.write(raw[index : index + 1])
                self.wfile.flush()
                if self.app.stop_event.wait(interval_s):
                    return
        except OSError:
            return


def _numbers_as_strings(value: Any) -> Any:
    """Every JSON number in ``value`` as a string ("state": "1"), as some gateways send."""
    if isinstance(value, dict):
        return {k: _numbers_as_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers_as_strings(v) for v in value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return str(value)


def _spoil_rect(data: dict[str, Any], kind: str) -> None:
    """A ``foreground_rect`` no client should draw (the bad-rect fault)."""
    rect = data.get("foreground_rect")
    if kind == "missing" or not isinstance(rect, dict):
        data.pop("foreground_rect", None)
        return
    if kind == "negative":
        rect.update(width=-abs(rect.get("width", 1) or 1), x=-5)
    elif kind == "nan":
        rect.update(x=float("nan"), height=float("inf"))
    elif kind == "huge":
        rect.update(width=10**12, height=10**300)
    elif kind == "partial":
        rect.pop("height", None)
    elif kind == "strings":
        data["foreground_rect"] = {k: str(v) for k, v in rect.items()}
