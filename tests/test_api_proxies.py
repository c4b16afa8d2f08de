"""Proxies named by the environment (api/proxies.py, api/exchange.py) against real sockets.

A real SOCKS5 server (RFC 1928, user and password by RFC 1929) runs on 127.0.0.1 in
front of a real TLS server, as a local proxy program would. It records what each
client asked for and always dials 127.0.0.1 (the asked port), so ``localhost`` cannot
reach ::1 where nothing listens. A proxy kind the app cannot use, or one that fails,
must give the clerk the variable to look at, never its value (it may hold a password),
and must not cost a second try. Nothing is mocked.
"""

from __future__ import annotations

import base64
import logging
import socket
import socketserver
import ssl
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from idphoto_desktop.api.client import ProviderClient
from idphoto_desktop.api.exchange import Session, TransportError
from idphoto_desktop.api.transport import network_error
from idphoto_desktop.core.errors import NetworkError
from tests import test_api_exchange as exchange_tests
from tests.test_api_client import FAST, make_request, prepared
from tests.test_api_exchange import TEXT, Server, body_of, connect_proxy, pipe, tcp_server
from tests.test_api_exchange import Proxy as ConnectProxy

# the exchange tests' fixtures: a clean proxy environment, a session, a TLS server
clean_environment = exchange_tests.clean_environment
session = exchange_tests.session
cert_files = exchange_tests.cert_files
tls_server = exchange_tests.tls_server

SECRET = "p@ss-w0rd-9f8e"


@dataclass
class Socks:
    """What the SOCKS5 server saw, and how it behaves."""

    port: int = 0
    login: tuple[str, str] | None = None  # required user and password, None: no login
    refuse_with: int = 0  # a CONNECT reply code other than 0 to refuse with
    targets: list[tuple[int, str, int]] = field(default_factory=list)  # (ATYP, host, port)
    logins: list[tuple[str, str]] = field(default_factory=list)


def _exact(stream: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = stream.recv(count - len(data))
        if not chunk:
            raise ConnectionError("client went away")
        data += chunk
    return data


@pytest.fixture
def socks() -> Iterator[Socks]:
    record = Socks()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            conn: socket.socket = self.request
            version, count = _exact(conn, 2)
            methods = _exact(conn, count)
            assert version == 5
            if record.login is not None:
                if 2 not in methods:
                    conn.sendall(b"\x05\xff")  # no acceptable method
                    return
                conn.sendall(b"\x05\x02")
                _exact(conn, 1)
                user = _exact(conn, _exact(conn, 1)[0]).decode()
                secret = _exact(conn, _exact(conn, 1)[0]).decode()
                record.logins.append((user, secret))
                if (user, secret) != record.login:
                    conn.sendall(b"\x01\x01")
                    return
                conn.sendall(b"\x01\x00")
            else:
                conn.sendall(b"\x05\x00")
            _version, command, _reserved, kind = _exact(conn, 4)
            assert command == 1  # CONNECT
            if kind == 1:
                host = socket.inet_ntop(socket.AF_INET, _exact(conn, 4))
            elif kind == 4:
                host = socket.inet_ntop(socket.AF_INET6, _exact(conn, 16))
            else:
                host = _exact(conn, _exact(conn, 1)[0]).decode()
            (port,) = struct.unpack("!H", _exact(conn, 2))
            record.targets.append((kind, host, port))
            if record.refuse_with:
                conn.sendall(bytes([5, record.refuse_with, 0, 1]) + bytes(6))
                return
            with socket.create_connection(("127.0.0.1", port), timeout=5.0) as upstream:
                bound = upstream.getsockname()
                conn.sendall(
                    b"\x05\x00\x00\x01" + socket.inet_aton(bound[0]) + struct.pack("!H", bound[1])
                )
                pipe(conn, upstream)

    with tcp_server(Handler) as record.port:
        yield record


@pytest.fixture
def trusted(cert_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_files[0]))
    monkeypatch.setenv("no_proxy", "")


@pytest.mark.usefixtures("trusted")
def test_https_goes_through_a_socks5h_proxy_named_by_all_proxy(
    socks: Socks, tls_server: Server, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("all_proxy", f"socks5h://127.0.0.1:{socks.port}")
    for _ in range(2):
        assert body_of(session, f"https://localhost:{tls_server.port}/x") == TEXT
    # the name went to the proxy (ATYP 3); one tunnel, kept alive; TLS checked for it
    assert socks.targets == [(3, "localhost", tls_server.port)]
    assert tls_server.requests[0][1]["Host"] == f"localhost:{tls_server.port}"


@pytest.mark.usefixtures("trusted")
def test_socks5_resolves_the_name_here(
    socks: Socks, tls_server: Server, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("https_proxy", f"socks5://127.0.0.1:{socks.port}")
    monkeypatch.setenv("all_proxy", "http://127.0.0.1:9")  # https_proxy comes first
    assert body_of(session, f"https://localhost:{tls_server.port}/x") == TEXT
    [(kind, host, port)] = socks.targets
    assert kind in (1, 4) and host in ("127.0.0.1", "::1") and port == tls_server.port


@pytest.mark.usefixtures("trusted")
def test_socks5_logs_in_with_the_address_s_user_and_password(
    socks: Socks, tls_server: Server, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    socks.login = ("studio", SECRET)
    monkeypatch.setenv("https_proxy", f"socks5h://studio:p%40ss-w0rd-9f8e@127.0.0.1:{socks.port}")
    assert body_of(session, f"https://localhost:{tls_server.port}/x") == TEXT
    assert socks.logins == [("studio", SECRET)]


def _failure(session: Session, url: str) -> TransportError:
    with pytest.raises(TransportError) as caught:
        body_of(session, url)
    return caught.value


@pytest.mark.usefixtures("trusted")
@pytest.mark.parametrize(
    ("login", "given", "problem"),
    [
        (None, "", "refused"),  # the proxy cannot reach the service (reply 5)
        (("studio", SECRET), "studio:wrong@", "login refused"),
        (("studio", SECRET), "", "no acceptable method"),  # it wants a login
    ],
)
def test_a_socks_proxy_that_fails_is_named_and_sent_nothing(
    socks: Socks,
    tls_server: Server,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    login: tuple[str, str] | None,
    given: str,
    problem: str,
) -> None:
    socks.login = login
    socks.refuse_with = 5
    monkeypatch.setenv("https_proxy", f"socks5h://{given}127.0.0.1:{socks.port}")
    error = _failure(session, f"https://localhost:{tls_server.port}/x")
    assert (error.sent, error.proxy, error.proxy_problem) == (False, "https_proxy", problem)
    said = network_error(error, after_send_is_charged=True)
    assert isinstance(said, NetworkError)  # nothing left: not "maybe charged"
    assert "https_proxy" in said.full_text() and "wrong" not in said.full_text()
    assert tls_server.requests == []


@pytest.mark.usefixtures("trusted")
def test_an_http_proxy_that_cannot_be_reached_is_named(
    tls_server: Server, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
    error = _failure(session, f"https://localhost:{tls_server.port}/x")
    assert (error.sent, error.proxy, error.proxy_problem) == (False, "https_proxy", "")
    said = network_error(error, after_send_is_charged=False).full_text()
    assert "through the proxy set in https_proxy" in said


@pytest.mark.usefixtures("trusted")
@pytest.mark.parametrize(
    ("address", "problem"),
    [
        (f"ftp://studio:{SECRET}@proxy.example:3129", "unsupported"),
        (f"socks6://studio:{SECRET}@127.0.0.1:1080", "unsupported"),
        (f"http://studio:{SECRET}@127.0.0.1:notaport", "malformed"),
    ],
)
def test_a_proxy_the_app_cannot_use_is_named_never_shown(
    tls_server: Server,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    address: str,
    problem: str,
) -> None:
    monkeypatch.setenv("https_proxy", address)
    error = _failure(session, f"https://localhost:{tls_server.port}/x")
    assert (error.sent, error.proxy, error.proxy_problem) == (False, "https_proxy", problem)
    said = network_error(error, after_send_is_charged=True).full_text()
    assert "https_proxy" in said and SECRET not in said and "studio" not in said
    assert SECRET not in str(error) and SECRET not in repr(error)
    assert tls_server.requests == []


@pytest.mark.usefixtures("trusted")
def test_the_client_does_not_try_an_unusable_proxy_twice(
    tls_server: Server,
    monkeypatch: pytest.MonkeyPatch,
    photos_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A connection that failed before sending is tried once more after a wait; a proxy
    of a kind the app cannot use would fail the same way again."""
    monkeypatch.setenv("https_proxy", f"socks6://studio:{SECRET}@127.0.0.1:1080")
    client = ProviderClient(
        "sk-proxy-check-0a1b", base_url=f"https://localhost:{tls_server.port}", **FAST
    )
    caplog.set_level(logging.WARNING, logger="idphoto_desktop.api")
    with pytest.raises(NetworkError) as caught:
        client.generate(make_request(prepared(photos_dir / "hivision_test0.jpg")))
    client.close()
    assert "https_proxy" in caught.value.full_text()
    assert not [r for r in caplog.records if "trying once more" in r.getMessage()]
    assert any("POST" in r.getMessage() for r in caplog.records)  # the failure was logged
    assert all(SECRET not in r.getMessage() for r in caplog.records)
    assert tls_server.requests == []


@pytest.mark.usefixtures("trusted")
def test_checking_the_token_through_an_unusable_proxy_says_so_at_once(
    tls_server: Server, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Preferences' "Test connection" is a GET, which is retried after network trouble;
    not when the trouble is a proxy the app cannot use."""
    monkeypatch.setenv("https_proxy", "socks6://127.0.0.1:1080")
    client = ProviderClient(
        "sk-proxy-check-0a1b", base_url=f"https://localhost:{tls_server.port}", **FAST
    )
    caplog.set_level(logging.WARNING, logger="idphoto_desktop.api")
    with pytest.raises(NetworkError) as caught:
        client.test_connection()
    client.close()
    assert "https_proxy" in caught.value.full_text()
    assert not [r for r in caplog.records if "retry" in r.getMessage()]
    assert tls_server.requests == []


@pytest.mark.usefixtures("trusted")
def test_a_result_download_through_an_unusable_proxy_is_not_retried(
    tls_server: Server,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from idphoto_desktop.api.download import DownloadPolicy, download_result

    monkeypatch.setenv("https_proxy", "socks6://127.0.0.1:1080")
    caplog.set_level(logging.WARNING, logger="idphoto_desktop.api")
    policy = DownloadPolicy(retry_wait_s=0.01, max_retry_wait_s=0.01)
    with pytest.raises(NetworkError) as caught:
        download_result(
            session, f"https://localhost:{tls_server.port}/r.png", policy=policy
        )
    assert "https_proxy" in caught.value.full_text()
    assert not [r for r in caplog.records if "attempt" in r.getMessage()]


# ----- SOCKS4 and SOCKS4a -----


@dataclass
class Socks4:
    """What the SOCKS4 server saw (user id, then the name for 4a or the address)."""

    port: int = 0
    refuse_with: int = 0  # a reply code other than 90 (granted) to refuse with
    targets: list[tuple[str, str, int]] = field(default_factory=list)  # (user, host, port)


def _until_nul(stream: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\0"):
        data += _exact(stream, 1)
    return data[:-1]


@pytest.fixture
def socks4() -> Iterator[Socks4]:
    record = Socks4()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            conn: socket.socket = self.request
            version, command, port = struct.unpack("!BBH", _exact(conn, 4))
            address = _exact(conn, 4)
            assert (version, command) == (4, 1)  # SOCKS4 CONNECT
            user = _until_nul(conn).decode()
            if address[:3] == b"\0\0\0" and address[3]:  # 4a: the name follows
                host = _until_nul(conn).decode()
            else:
                host = socket.inet_ntoa(address)
            record.targets.append((user, host, port))
            if record.refuse_with:
                conn.sendall(bytes([0, record.refuse_with]) + bytes(6))
                return
            with socket.create_connection(("127.0.0.1", port), timeout=5.0) as upstream:
                conn.sendall(b"\0\x5a" + bytes(6))
                pipe(conn, upstream)

    with tcp_server(Handler) as record.port:
        yield record


@pytest.mark.usefixtures("trusted")
@pytest.mark.parametrize(("kind", "host"), [("socks4", "127.0.0.1"), ("socks4a", "localhost")])
def test_https_goes_through_a_socks4_proxy(
    socks4: Socks4,
    tls_server: Server,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    host: str,
) -> None:
    """socks4:// gets the address resolved here, socks4a:// the name (as curl reads them);
    the user name is SOCKS4's user id. TLS is still checked for the provider's name."""
    monkeypatch.setenv("https_proxy", f"{kind}://studio@127.0.0.1:{socks4.port}")
    for _ in range(2):
        assert body_of(session, f"https://localhost:{tls_server.port}/x") == TEXT
    assert socks4.targets == [("studio", host, tls_server.port)]  # one tunnel, kept alive


@pytest.mark.usefixtures("trusted")
def test_a_socks4_proxy_that_refuses_is_named_and_sent_nothing(
    socks4: Socks4, tls_server: Server, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    socks4.refuse_with = 91
    monkeypatch.setenv("https_proxy", f"socks4a://127.0.0.1:{socks4.port}")
    error = _failure(session, f"https://localhost:{tls_server.port}/x")
    assert (error.sent, error.proxy, error.proxy_problem) == (False, "https_proxy", "refused")
    assert tls_server.requests == []


# ----- an https:// proxy: CONNECT inside TLS to the proxy -----


@pytest.fixture
def tls_proxy(cert_files: tuple[Path, Path]) -> Iterator[ConnectProxy]:
    """A CONNECT proxy spoken to over TLS (the test certificate: 127.0.0.1, localhost)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*cert_files)
    with connect_proxy(context) as record:
        yield record


@pytest.mark.usefixtures("trusted")
def test_https_goes_through_an_https_proxy(
    tls_proxy: ConnectProxy, tls_server: Server, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TLS to the proxy (its certificate checked), CONNECT inside, TLS to the provider
    inside that (checked for the provider's name); the tunnel is kept alive."""
    monkeypatch.setenv("https_proxy", f"https://studio:{SECRET}@localhost:{tls_proxy.port}")
    for _ in range(2):
        assert body_of(session, f"https://localhost:{tls_server.port}/x") == TEXT
    assert tls_proxy.targets == [f"localhost:{tls_server.port}"]
    login = base64.b64encode(f"studio:{SECRET}".encode()).decode()
    assert tls_proxy.logins == [f"Basic {login}"]  # sent only inside the proxy's TLS
    assert [path for path, _ in tls_server.requests] == ["/x", "/x"]


def test_an_https_proxy_with_an_untrusted_certificate_is_named_and_sent_nothing(
    tls_proxy: ConnectProxy, tls_server: Server, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("no_proxy", "")
    monkeypatch.setenv("https_proxy", f"https://localhost:{tls_proxy.port}")
    error = _failure(session, f"https://localhost:{tls_server.port}/x")
    assert (error.sent, error.tls, error.proxy) == (False, True, "https_proxy")
    assert tls_proxy.targets == [] and tls_server.requests == []


@pytest.mark.usefixtures("trusted")
@pytest.mark.parametrize(
    ("given", "problem", "words"),
    [
        ("", "login required", "asks for a user name and password"),
        ("studio:wrong-one@", "login refused", "refused its user name or password"),
    ],
)
def test_a_proxy_that_wants_a_login_says_so(
    tls_proxy: ConnectProxy,
    tls_server: Server,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    given: str,
    problem: str,
    words: str,
) -> None:
    """A 407 from the proxy: the clerk is told it is the proxy's login, never its text."""
    tls_proxy.login = "Basic " + base64.b64encode(f"studio:{SECRET}".encode()).decode()
    monkeypatch.setenv("https_proxy", f"https://{given}localhost:{tls_proxy.port}")
    error = _failure(session, f"https://localhost:{tls_server.port}/x")
    assert (error.sent, error.proxy, error.proxy_problem) == (False, "https_proxy", problem)
    said = network_error(error, after_send_is_charged=True)
    assert isinstance(said, NetworkError) and words in said.full_text()
    assert "wrong-one" not in said.full_text() and "https_proxy" in said.full_text()
    assert tls_proxy.targets == [] and tls_server.requests == []
