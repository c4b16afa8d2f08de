"""Issue 6, transport: https for the provider and the results, plain http only to loopback.

What already has tests elsewhere (test_api_client, test_api_transport, test_storage_
settings, test_ui_preferences): http API addresses and result URLs off this computer
are refused, API redirects are never followed, result redirects to http are refused.
Here: the gaps. Addresses that two URL parsers could read differently (our check and
the exchange that connects), redirects on the free GETs (polls, the connection test),
result redirects to such addresses, and the command line's ``--api-url``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from idphoto_desktop.api.client import ProviderClient
from idphoto_desktop.api.download import download_result
from idphoto_desktop.api.exchange import Session, target_of
from idphoto_desktop.api.urls import check_secure_url, is_loopback_host
from idphoto_desktop.core.errors import ValidationError
from tests.test_api_client import FAST, make_request, prepared

TOKEN = "sk-https-check-5f0e1d2c3b4a"

# Addresses whose host some parsers read one way and others another
TRICKY_HTTP = [
    "http://evil.example\\@127.0.0.1/r.png",  # urlsplit: 127.0.0.1; urllib3: evil.example
    "http://127.0.0.1\\@evil.example/r.png",
    "http://127.0.0.1@evil.example/r.png",
    "http://evil.example#@127.0.0.1/r.png",
    "http://evil.example?@127.0.0.1/r.png",
    "http://[::1]@evil.example/r.png",
    "http://127.0.0.1.nip.io/r.png",
    "http://0x7f000001/r.png",
    "http://2130706433/r.png",
    "http://127.1/r.png",
    "http://localhost/r.png",
    "http://evil.example:80@127.0.0.1/r.png",
    "http://evil.example%2f@127.0.0.1/r.png",
    "HTTP://127.0.0.1/r.png",
    "http://[::1]:8080/r.png",
]


def host_the_exchange_connects_to(url: str) -> str | None:
    try:
        return target_of(url)[1]
    except ValueError:
        return None


@pytest.mark.parametrize("url", TRICKY_HTTP)
def test_plain_http_is_allowed_only_when_the_connection_really_stays_local(url: str) -> None:
    """The check and the connection must agree: never plain http to another machine."""
    try:
        check_secure_url(url, "The result address")
    except ValidationError as err:
        assert "https" in str(err) or "not a valid" in str(err)
        return
    assert is_loopback_host(host_the_exchange_connects_to(url)), f"{url} passed the https check"


def test_a_backslash_address_is_refused_for_the_api_and_the_result() -> None:
    url = "http://evil.example\\@127.0.0.1"
    with pytest.raises(ValidationError, match="https"):
        ProviderClient(TOKEN, url)
    with pytest.raises(ValidationError, match="https"):
        download_result(Session(), url + "/r.png")


# ----- a loopback server that redirects wherever a test says -----


class Redirector:
    """Answers POSTs with a queued task, GETs with a redirect to ``location``."""

    def __init__(self) -> None:
        self.url = ""
        self.location = ""
        self.status = 302
        self.post_reply: dict[str, Any] = {}
        self.seen: list[tuple[str, str]] = []


@pytest.fixture
def redirector() -> Iterator[Redirector]:
    script = Redirector()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
            script.seen.append(("POST", self.path))
            body = json.dumps(script.post_reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            script.seen.append(("GET", self.path))
            self.send_response(script.status)
            self.send_header("Location", script.location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    script.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield script
    httpd.shutdown()
    httpd.server_close()
    thread.join()


QUEUED = {"status": 200, "data": {"task_id": "t-9", "state": 0, "progress": 0}}


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_poll_redirected_to_http_is_refused_not_followed(
    redirector: Redirector, photos_dir: Path, status: int
) -> None:
    redirector.post_reply, redirector.status = QUEUED, status
    redirector.location = "http://api.example.com/task/t-9"
    client = ProviderClient(TOKEN, redirector.url, **FAST)
    photo = prepared(photos_dir / "hivision_test3.jpg")
    with pytest.raises(ValidationError, match="https") as caught:
        client.generate(make_request(photo, sync=False))
    assert TOKEN not in str(caught.value)
    assert redirector.seen == [("POST", "/task/pic/idphoto"), ("GET", "/task/t-9")]


def test_the_connection_test_does_not_follow_a_redirect(redirector: Redirector) -> None:
    redirector.location = "https://elsewhere.example.com/task/x"
    client = ProviderClient(TOKEN, redirector.url, **FAST)
    with pytest.raises(ValidationError, match="redirects"):
        client.test_connection()
    assert len(redirector.seen) == 1  # the token went to nobody else


def test_a_result_redirect_to_a_tricky_http_address_is_refused(redirector: Redirector) -> None:
    redirector.location = "http://evil.example\\@127.0.0.1/r.png"
    with pytest.raises(ValidationError, match="https"):
        download_result(Session(), redirector.url + "/r.png")
    assert redirector.seen == [("GET", "/r.png")]


def test_the_command_line_refuses_a_plain_http_api(
    photos_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from idphoto_desktop.cli import main

    monkeypatch.setenv("IDPHOTO_TOKEN", TOKEN)
    out = tmp_path / "out.png"
    code = main(
        [
            "generate",
            str(photos_dir / "hivision_test3.jpg"),
            "--size",
            "300x400",
            "--api-url",
            "http://api.example.com",
            "-o",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "https://" in err and TOKEN not in err
    assert not out.exists()
