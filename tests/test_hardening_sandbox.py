"""The sandbox as a hostile client or a careless admin would meet it (issue 14, item 10):
image_url allow-list and deadline, bounded queue and memory, 400 for every malformed
request, SIGTERM, options and the token from the environment. Real sockets throughout."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from idphoto_desktop.sandbox.fetch import (
    FETCH_FAILED,
    DownloadError,
    HostAllowList,
    download_image,
)
from idphoto_desktop.sandbox.server import SandboxServer
from tests.fixtures.sandbox import SandboxFactory

NO_HANG_S = 60.0
BOUNDARY = "b0undary"


class _Hostile(BaseHTTPRequestHandler):
    """/redirect?to=URL redirects; /missing is 404; /trickle sends a byte every 0.2 s;
    anything else is a JPEG."""

    photo = b""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/redirect?to="):
            self.send_response(302)
            self.send_header("Location", self.path.partition("=")[2])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/missing":
            self.send_response(404)
            self.send_header("Content-Length", "9")
            self.end_headers()
            self.wfile.write(b"not found")
        elif self.path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(100000):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                return
        else:
            self.send_response(200)
            self.send_header("Content-Length", str(len(self.photo)))
            self.end_headers()
            self.wfile.write(self.photo)


@pytest.fixture
def hostile(photos_dir: Path) -> Iterator[str]:
    _Hostile.photo = (photos_dir / "hivision_test0.jpg").read_bytes()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ----- image_url -----


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3:8080/photo.jpg",
        "http://[fe80::1]/photo.jpg",
        "http://192.168.0.1/photo.jpg",
    ],
)
def test_image_url_outside_the_allow_list_is_refused(url: str) -> None:
    with pytest.raises(DownloadError, match="may not fetch"):
        download_image(url)


def test_a_redirect_is_checked_again(hostile: str) -> None:
    assert download_image(f"{hostile}/photo.jpg")[:3] == b"\xff\xd8\xff"
    with pytest.raises(DownloadError, match="may not fetch"):
        download_image(f"{hostile}/redirect?to=http://169.254.169.254/latest/")


def test_open_and_closed_ports_look_the_same(hostile: str) -> None:
    texts = []
    for url in (f"http://127.0.0.1:{_closed_port()}/x.jpg", f"{hostile}/missing"):
        with pytest.raises(DownloadError) as caught:
            download_image(url)
        texts.append(str(caught.value))
    assert texts == [FETCH_FAILED, FETCH_FAILED]


def test_a_trickling_url_ends_at_the_fetch_deadline(hostile: str) -> None:
    started = time.monotonic()
    with pytest.raises(DownloadError):
        download_image(f"{hostile}/trickle", timeout_s=1.0)
    assert time.monotonic() - started < NO_HANG_S  # 100000 bytes would take hours


def test_the_allow_list_takes_names_and_networks(hostile: str) -> None:
    allow = HostAllowList.parse(["localhost", "10.0.0.0/8"])
    port = hostile.rsplit(":", 1)[1]
    assert download_image(f"http://localhost:{port}/p.jpg", allow=allow)[:2] == b"\xff\xd8"
    assert allow.address_allowed("10.9.8.7") and not allow.address_allowed("11.0.0.1")
    with pytest.raises(ValueError):
        HostAllowList.parse(["bad host!"])


def test_a_task_with_a_forbidden_url_fails_with_state_minus_3(
    sandbox: SandboxServer, sandbox_token: str
) -> None:
    status, reply = _post(
        sandbox,
        sandbox_token,
        {"image_url": "http://169.254.169.254/latest/meta-data/", "sync": "1"},
    )
    assert status == 200
    assert reply["data"]["state"] == -3


# ----- capacity -----


def _form(fields: dict[str, str], file: bytes | None = None) -> bytes:
    chunks = []
    for name, value in fields.items():
        chunks.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    body = "".join(chunks).encode()
    if file is not None:
        body += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="image_file"; '
            'filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode() + file + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


def _post_raw(
    server: SandboxServer, token: str, body: bytes, content_type: str | None = None
) -> tuple[int, dict[str, str], dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=NO_HANG_S)
    try:
        conn.request(
            "POST",
            "/task/pic/idphoto",
            body=body,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": content_type or f"multipart/form-data; boundary={BOUNDARY}",
            },
        )
        response = conn.getresponse()
        data = json.loads(response.read() or b"{}")
        return response.status, dict(response.getheaders()), data
    finally:
        conn.close()


def _post(server: SandboxServer, token: str, fields: dict[str, str]) -> tuple[int, Any]:
    status, _headers, data = _post_raw(server, token, _form(fields))
    return status, data


def test_a_full_queue_answers_429_and_a_memory_cap_503(
    sandbox_factory: SandboxFactory, sandbox_token: str, photos_dir: Path
) -> None:
    photo = (photos_dir / "hivision_test0.jpg").read_bytes()
    fields = {"size": "300x400", "sync": "0"}
    queued = sandbox_factory(max_pending_tasks=1, processing_delay_s=30.0)
    status, _, first = _post_raw(queued, sandbox_token, _form(fields, photo))
    assert status == 200 and first["data"]["state"] == 0
    status, headers, second = _post_raw(queued, sandbox_token, _form(fields, photo))
    assert status == 429 and "Retry-After" in headers and second["status"] == 429
    small = sandbox_factory(max_pending_bytes=len(photo) // 2)
    status, headers, _third = _post_raw(small, sandbox_token, _form(fields, photo))
    assert status == 503 and "Retry-After" in headers
    assert small.pending == (0, 0)  # refused uploads hold nothing


# ----- malformed requests: a 400, never a dropped connection -----

MALFORMED = {
    "rfc2231-continuations": (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name*0*=utf-8''%ZZ; "
        f"name*1*=%E4%B8; name*3=x\r\n\r\n300x400\r\n--{BOUNDARY}--\r\n"
    ).encode(),
    "nul-in-charset": (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"image_file\"; "
        f"filename*=utf\x00-8''p.jpg\r\n\r\nxx\r\n--{BOUNDARY}--\r\n"
    ).encode(),
    "bad-ipv6-url": _form({"image_url": "http://[::1/photo.jpg"}),
    "bad-port-url": _form({"image_url": "http://127.0.0.1:99999/photo.jpg"}),
    "no-closing-boundary": f"--{BOUNDARY}\r\nContent-Disposition: form-data".encode(),
    "not-utf8-headers": f"--{BOUNDARY}\r\n".encode() + b"\xff\xfe: x\r\n\r\nx\r\n",
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_every_malformed_request_gets_a_400(
    sandbox: SandboxServer, sandbox_token: str, case: str
) -> None:
    status, _headers, reply = _post_raw(sandbox, sandbox_token, MALFORMED[case])
    assert status == 400
    assert reply["status"] == 400 and reply["message"]


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data; boundary*0*=us-ascii''a; boundary*1*=%ZZ",
        "multipart/form-data; boundary*=utf\x00-8''abc",
        "multipart/form-data",
        "text/plain",
    ],
)
def test_a_malformed_content_type_gets_a_400(
    sandbox: SandboxServer, sandbox_token: str, content_type: str
) -> None:
    status, _headers, _reply = _post_raw(sandbox, sandbox_token, b"x", content_type)
    assert status == 400


# ----- the command -----


def _sandbox_process(args: list[str], env_extra: dict[str, str]) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "IDPHOTO_SANDBOX_TOKEN"}
    env.update(env_extra)
    return subprocess.Popen(
        [sys.executable, "-m", "idphoto_desktop.cli", "sandbox", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.skipif(os.name != "posix", reason="signals and /proc")
@pytest.mark.parametrize("via_env", [False, True])
def test_idphoto_sandbox_takes_its_options_and_stops_on_sigterm(via_env: bool) -> None:
    token = "sbx-process-token-424242"
    args = ["--port", "0", "--engine", "cropresize", "--rate-limit", "0"]
    if not via_env:
        args += ["--token", token]
    process = _sandbox_process(args, {"IDPHOTO_SANDBOX_TOKEN": token} if via_env else {})
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("Sandbox serving http://127.0.0.1:"), line
        base = line.split()[2]
        if via_env:  # not visible in ps
            cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes()
            assert token.encode() not in cmdline
        port = int(base.rsplit(":", 1)[1])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=NO_HANG_S)
        conn.request("GET", "/task/unknown", headers={"Authorization": f"Bearer {token}"})
        assert conn.getresponse().status == 404  # the token was accepted
        conn.close()
        process.send_signal(signal.SIGTERM)
        out, _err = process.communicate(timeout=NO_HANG_S)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "Sandbox stopped." in out


def test_idphoto_sandbox_without_a_token_says_so() -> None:
    process = _sandbox_process(["--port", "0"], {})
    _out, err = process.communicate(timeout=NO_HANG_S)
    assert process.returncode == 2
    assert "IDPHOTO_SANDBOX_TOKEN" in err and "Traceback" not in err
