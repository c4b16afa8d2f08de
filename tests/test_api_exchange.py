"""The standard-library HTTP exchange (api/exchange.py) against real sockets on 127.0.0.1.

The client dropped ``requests``, so what urllib3 used to do for us is now our code and
is checked here with real servers: certificates refused or trusted through
``REQUESTS_CA_BUNDLE``/``SSL_CERT_FILE``, an https proxy through ``CONNECT`` (never for
loopback), the "was anything sent?" answer the money rule rests on, kept-alive
connections (and a dead one not reused), a compressed reply decoded in bounded pieces,
and the multipart body read back by the sandbox's strict parser. Nothing is mocked.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import gzip
import ipaddress
import select
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from idphoto_desktop.api.client import ProviderClient
from idphoto_desktop.api.exchange import Session, TransportError, target_of
from idphoto_desktop.api.form import build_form, encode_form
from idphoto_desktop.core.errors import NetworkError
from idphoto_desktop.core.job import OutputFormat
from idphoto_desktop.sandbox.multipart import boundary_from_content_type, parse_multipart
from tests.test_api_client import FAST, make_request, prepared

TOKEN = "sk-exchange-check-0a1b2c3d4e5f"
TEXT = b"The quick brown fox jumps over the lazy dog. " * 2000
ENV_VARIABLES = (
    *("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "no_proxy", "NO_PROXY"),
    *("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"),
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy and no CA bundle from the machine running the tests (tests set their own)."""
    for name in ENV_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def session() -> Iterator[Session]:
    s = Session()
    yield s
    s.close()


# ----- a self-signed certificate for 127.0.0.1 and localhost -----


@pytest.fixture(scope="module")
def cert_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idphoto test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


# ----- a real http.server, optionally behind TLS, counting its connections -----


class Handler(BaseHTTPRequestHandler):
    """GET /gzip, /bomb: a gzip body we did not ask for; /close: ``Connection: close``;
    /drop: the connection silently closed after the reply; else: TEXT."""

    protocol_version = "HTTP/1.1"
    server: Server

    def do_GET(self) -> None:
        self.server.record(self.path, dict(self.headers.items()))
        headers = {"Content-Type": "text/plain"}
        data = TEXT
        if self.path == "/gzip":
            data, headers["Content-Encoding"] = gzip.compress(TEXT), "gzip"
        elif self.path == "/bomb":
            data, headers["Content-Encoding"] = bomb(), "gzip"
        elif self.path == "/close":
            headers["Connection"] = "close"
        self.send_response(200)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        if self.path in ("/close", "/drop"):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, tls: ssl.SSLContext | None) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.tls = tls
        self.accepted = 0
        self.closed = threading.Semaphore(0)
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def record(self, path: str, headers: dict[str, str]) -> None:
        with self.lock:
            self.requests.append((path, headers))

    def get_request(self) -> tuple[Any, Any]:
        sock, address = super().get_request()
        with self.lock:
            self.accepted += 1
        return sock, address

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        try:  # the handshake in the connection's own thread
            wrapped = self.tls.wrap_socket(request, server_side=True)
        except OSError:
            return  # the client refused our certificate
        try:
            super().finish_request(wrapped, client_address)
        finally:
            wrapped.close()

    def shutdown_request(self, request: Any) -> None:
        super().shutdown_request(request)
        self.closed.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that stopped reading a bomb


@contextlib.contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[None]:
    """``server`` answering on a thread until the block ends, then closed."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextlib.contextmanager
def tcp_server(handler: type[socketserver.BaseRequestHandler]) -> Iterator[int]:
    """A threading TCP server on 127.0.0.1 with ``handler``, answering until the block
    ends; yields its port."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    with serving(server):
        yield int(server.server_address[1])


def serve(tls: ssl.SSLContext | None) -> Iterator[Server]:
    httpd = Server(tls)
    with serving(httpd):
        yield httpd


@pytest.fixture
def plain() -> Iterator[Server]:
    yield from serve(None)


@pytest.fixture
def tls_server(cert_files: tuple[Path, Path]) -> Iterator[Server]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*cert_files)
    yield from serve(context)


def body_of(session: Session, url: str, size: int = 65536) -> bytes:
    with session.get(url, timeout=(2.0, 5.0)) as response:
        assert response.status_code == 200
        return b"".join(response.iter_content(size))


# ----- TLS -----


def test_an_untrusted_certificate_is_refused_before_any_request(
    tls_server: Server, session: Session
) -> None:
    with pytest.raises(TransportError) as caught:
        session.get(f"https://127.0.0.1:{tls_server.port}/x", timeout=(2.0, 2.0))
    assert caught.value.sent is False and caught.value.tls is True
    client = ProviderClient(TOKEN, f"https://127.0.0.1:{tls_server.port}", **FAST)
    with pytest.raises(NetworkError, match="secure connection"):
        client.generate(make_request(None, image_url="https://example.com/p.jpg"))
    assert tls_server.accepted >= 2  # the client did connect...
    assert tls_server.requests == []  # ...but sent no HTTP request


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"])
def test_a_certificate_trusted_through_the_environment_is_accepted(
    tls_server: Server,
    session: Session,
    cert_files: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
) -> None:
    monkeypatch.setenv(variable, str(cert_files[0]))
    assert body_of(session, f"https://127.0.0.1:{tls_server.port}/x") == TEXT
    assert body_of(session, f"https://127.0.0.1:{tls_server.port}/y") == TEXT
    assert [path for path, _ in tls_server.requests] == ["/x", "/y"]
    assert tls_server.accepted == 1  # one handshake, the connection kept alive


# ----- an https proxy through CONNECT -----


@dataclass
class Proxy:
    """What a CONNECT proxy saw, and whether it asks for a login."""

    port: int = 0
    targets: list[str] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)  # Proxy-Authorization headers seen
    login: str | None = None  # the Proxy-Authorization it requires (else 407)


def pipe(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until either side closes (minding bytes a TLS socket has
    decrypted but not handed out: select() cannot see those)."""
    while True:
        held = [s for s in (a, b) if isinstance(s, ssl.SSLSocket) and s.pending()]
        readable = held or select.select([a, b], [], [], 5.0)[0]
        if not readable:
            return
        for source in readable:
            data = source.recv(65536)
            if not data:
                return
            (b if source is a else a).sendall(data)


@contextlib.contextmanager
def connect_proxy(tls: ssl.SSLContext | None = None) -> Iterator[Proxy]:
    """A CONNECT proxy (spoken to over TLS with ``tls``) that records each target and
    always dials 127.0.0.1 (the target's port), so ``localhost`` cannot reach ::1 where
    nothing listens."""
    record = Proxy()

    class Tunnel(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            request_line = self.rfile.readline().decode("latin-1").split()
            while (line := self.rfile.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "proxy-authorization":
                    record.logins.append(value.strip())
            if len(request_line) < 2 or request_line[0] != "CONNECT":
                self.wfile.write(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
                return
            if record.login is not None and record.logins[-1:] != [record.login]:
                self.wfile.write(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                    b'Proxy-Authenticate: Basic realm="studio"\r\nContent-Length: 0\r\n\r\n'
                )
                return
            record.targets.append(request_line[1])
            port = int(request_line[1].rpartition(":")[2])
            with socket.create_connection(("127.0.0.1", port), timeout=5.0) as upstream:
                self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self.wfile.flush()
                pipe(self.connection, upstream)

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True

        def get_request(self) -> tuple[socket.socket, Any]:
            sock, address = super().get_request()
            return (sock if tls is None else tls.wrap_socket(sock, server_side=True)), address

    server = Server(("127.0.0.1", 0), Tunnel)
    record.port = int(server.server_address[1])
    with serving(server):
        yield record


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    with connect_proxy() as record:
        yield record


@pytest.fixture
def proxied(proxy: Proxy, cert_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Proxy:
    monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.setenv("no_proxy", "")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_files[0]))
    return proxy


def test_https_goes_through_the_environment_proxy(
    proxied: Proxy, tls_server: Server, session: Session
) -> None:
    for _ in range(2):
        assert body_of(session, f"https://localhost:{tls_server.port}/x") == TEXT
    assert proxied.targets == [f"localhost:{tls_server.port}"]  # one tunnel, kept alive
    assert tls_server.requests[0][1]["Host"] == f"localhost:{tls_server.port}"


def test_loopback_is_never_proxied(proxied: Proxy, tls_server: Server, session: Session) -> None:
    assert body_of(session, f"https://127.0.0.1:{tls_server.port}/x") == TEXT
    assert proxied.targets == []


@pytest.mark.parametrize("entry", ["localhost", "localhost:{port}"])
def test_no_proxy_names_a_host_with_or_without_its_port(
    entry: str,
    proxied: Proxy,
    tls_server: Server,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("no_proxy", entry.format(port=tls_server.port))
    assert body_of(session, f"https://localhost:{tls_server.port}/x") == TEXT
    assert proxied.targets == []


# ----- was anything sent? -----


def test_a_refused_connection_sent_nothing(session: Session) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransportError) as caught:
        session.post(f"http://127.0.0.1:{port}/task", body=b"photo", timeout=(2.0, 2.0))
    assert caught.value.sent is False and caught.value.tls is False


def _read_until(conn: socket.socket, marker: bytes) -> bytes:
    """What a raw test server reads until ``marker`` arrives (or the client closes)."""
    data = b""
    while marker not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_a_server_that_hangs_up_after_the_request_may_have_received_it(
    session: Session,
) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5.0)  # never a thread left waiting if the client fails
    received: list[bytes] = []

    def read_then_hang_up() -> None:
        conn, _ = listener.accept()
        with conn:
            received.append(_read_until(conn, b"photo"))

    thread = threading.Thread(target=read_then_hang_up)
    thread.start()
    try:
        port = listener.getsockname()[1]
        with pytest.raises(TransportError) as caught:
            session.post(f"http://127.0.0.1:{port}/task", body=b"photo", timeout=(2.0, 2.0))
    finally:
        thread.join(5.0)
        listener.close()
    assert caught.value.sent is True and caught.value.timeout is False
    assert received and received[0].startswith(b"POST /task HTTP/1.1\r\n")


def _answer_early(
    reply: bytes | None, *, linger: bool, tls: ssl.SSLContext | None = None
) -> tuple[int, threading.Thread]:
    """A server that reads only the request's head, sends ``reply`` (or nothing) and
    closes without reading the body, as a gateway does for a body over its limit."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5.0)

    def serve() -> None:
        try:
            accepted, _ = listener.accept()
            conn = tls.wrap_socket(accepted, server_side=True) if tls else accepted
            with conn:
                if b"\r\n\r\n" not in _read_until(conn, b"\r\n\r\n"):
                    return
                if reply is not None:
                    conn.sendall(reply)
                if linger:  # our side done, the unread body then resets the connection
                    conn.shutdown(socket.SHUT_WR)
                    select.select([], [], [], 0.3)
        finally:
            listener.close()

    thread = threading.Thread(target=serve)
    thread.start()
    return listener.getsockname()[1], thread


def _too_large() -> bytes:
    body = b'{"status": 413, "message": "Request Entity Too Large"}'
    return (
        b"HTTP/1.1 413 Request Entity Too Large\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
    )


BIG_BODY = bytes(range(256)) * (24 * 1024)  # 6 MB: more than the socket buffers hold


@pytest.mark.parametrize(("linger", "secure"), [(False, False), (True, False), (True, True)])
def test_an_answer_sent_before_the_body_was_read_is_the_reply(
    session: Session,
    cert_files: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    linger: bool,
    secure: bool,
) -> None:
    """A 413 sent while the body still goes out, then the connection broken: the reply
    is what the caller gets, not a broken pipe (which would read as 'maybe charged')."""
    tls = None
    if secure:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(*cert_files)
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_files[0]))
    port, thread = _answer_early(_too_large(), linger=linger, tls=tls)
    scheme = "https" if secure else "http"
    try:
        with session.post(f"{scheme}://127.0.0.1:{port}/task", body=BIG_BODY,
                          timeout=(2.0, 5.0)) as reply:
            assert reply.status_code == 413
            assert b"".join(reply.iter_content(1024)) == (
                b'{"status": 413, "message": "Request Entity Too Large"}'
            )
    finally:
        thread.join(5.0)


def test_a_hang_up_without_an_answer_before_the_body_was_read_may_have_been_received(
    session: Session,
) -> None:
    port, thread = _answer_early(None, linger=False)
    try:
        with pytest.raises(TransportError) as caught:
            session.post(f"http://127.0.0.1:{port}/task", body=BIG_BODY, timeout=(2.0, 5.0))
    finally:
        thread.join(5.0)
    assert caught.value.sent is True


def test_the_client_says_too_large_for_a_gateway_s_early_413(photos_dir: Path) -> None:
    """Through the provider client: the clerk is told the photo is too large, not that
    the connection broke after sending (no possible charge to warn of)."""
    from idphoto_desktop.core.errors import ImageError, MaybeChargedError

    port, thread = _answer_early(_too_large(), linger=True)
    photo = prepared(photos_dir / "hivision_test0.jpg")
    big = replace(photo, data=photo.data + BIG_BODY)  # the server never looks at it
    client = ProviderClient(TOKEN, base_url=f"http://127.0.0.1:{port}", **FAST)
    try:
        with pytest.raises(ImageError) as caught:
            client.generate(make_request(big))
    finally:
        thread.join(5.0)
        client.close()
    assert not isinstance(caught.value, MaybeChargedError)
    assert "too large" in str(caught.value)


# ----- kept-alive connections -----


def test_two_requests_share_one_connection(plain: Server, session: Session) -> None:
    url = f"http://127.0.0.1:{plain.port}/x"
    assert body_of(session, url) == TEXT
    assert body_of(session, url) == TEXT
    assert plain.accepted == 1 and len(plain.requests) == 2


@pytest.mark.parametrize("first", ["/close", "/drop"])
def test_a_connection_the_server_closed_is_not_reused(
    plain: Server, session: Session, first: str
) -> None:
    """``/close`` says so in its reply; ``/drop`` hangs up silently once the reply is
    out, so only the look before reuse can tell the connection is dead."""
    base = f"http://127.0.0.1:{plain.port}"
    assert body_of(session, base + first) == TEXT
    assert plain.closed.acquire(timeout=5.0)  # the server has closed its end
    assert body_of(session, base + "/x") == TEXT
    assert plain.accepted == 2


# ----- a compressed reply we did not ask for -----


@functools.cache
def bomb() -> bytes:
    """50 MB of zeros in about 50 kB (made once, when first asked for)."""
    return gzip.compress(bytes(50 * 1024 * 1024), compresslevel=6)


@pytest.mark.parametrize("size", [1000, 65536])
def test_a_gzip_reply_is_decoded(plain: Server, session: Session, size: int) -> None:
    assert body_of(session, f"http://127.0.0.1:{plain.port}/gzip", size) == TEXT
    assert plain.requests[0][1]["Accept-Encoding"] == "identity"


def test_a_gzip_bomb_comes_out_in_bounded_pieces(plain: Server, session: Session) -> None:
    assert len(bomb()) < 100_000
    with session.get(f"http://127.0.0.1:{plain.port}/bomb", timeout=(2.0, 5.0)) as response:
        pieces = response.iter_content(65536)
        sizes = [len(next(pieces)) for _ in range(5)]
    assert sizes == [65536] * 5


# ----- the multipart body -----


def test_the_multipart_body_reads_back_unchanged(photos_dir: Path) -> None:
    photo = prepared(photos_dir / "hivision_test0.jpg")
    request = make_request(
        photo, fmt=OutputFormat.JPG, bg="#ff00aa", sync=False, callback_url="https://cb.example/h"
    )
    body, content_type = encode_form(build_form(request))
    parts = parse_multipart(body, boundary_from_content_type(content_type))
    fields = {part.name: part for part in parts}
    assert [part.name for part in parts] == [
        "image_file",
        "size",
        "format",
        "bg_color",
        "sync",
        "callback_url",
    ]
    image = fields["image_file"]
    assert image.data == photo.data
    assert (image.filename, image.content_type) == ("hivision_test0.jpg", "image/jpeg")
    texts = {name: part.text() for name, part in fields.items() if part.filename is None}
    assert texts == {
        "size": "300x400",
        "format": "jpg",
        "bg_color": "FF00AA",
        "sync": "0",
        "callback_url": "https://cb.example/h",
    }


def test_the_target_is_what_the_request_line_and_host_header_carry() -> None:
    assert target_of("https://api.example:8443/task/1?x=2#frag") == (
        "https", "api.example", 8443, "/task/1?x=2"
    )
    assert target_of("http://[::1]/") == ("http", "::1", 80, "/")
    # an international name is sent as punycode (Host header, TLS name, DNS alike)
    assert target_of("https://bücher.example/r.png")[1] == "xn--bcher-kva.example"
    for bad in ("ftp://127.0.0.1/", "https:///x", "https://api.example/a b"):
        with pytest.raises(ValueError):
            target_of(bad)
