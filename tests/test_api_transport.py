"""What goes over the wire, against a scripted HTTP server on 127.0.0.1.

The sandbox speaks the contract; this small server instead answers whatever a test
scripts (a gateway's error shape, redirects, a flaky result host) and records every
request, so the exact form fields and headers can be checked. Real HTTP throughout.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from PIL import Image

from idphoto_desktop.api.client import ProviderClient
from idphoto_desktop.api.download import DownloadPolicy, check_image, download_result
from idphoto_desktop.api.exchange import Session
from idphoto_desktop.api.form import build_form
from idphoto_desktop.core.errors import (
    AuthenticationError,
    MalformedReplyError,
    QuotaError,
    ResultExpiredError,
    ServerError,
    ValidationError,
)
from idphoto_desktop.core.geometry import Rect
from idphoto_desktop.core.job import OutputFormat, PreparedPhoto
from idphoto_desktop.sandbox.multipart import boundary_from_content_type, parse_multipart
from tests.test_api_client import FAST, make_request

TOKEN = "sk-scripted-token-987654321"
SESSION = Session()  # downloads need no token


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Scripted:
    """Answers queued replies in order (then 500), recording each request."""

    url: str = ""
    replies: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reply(self, status: int, body: bytes | dict[str, Any] = b"", **headers: str) -> None:
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        self.replies.append((status, {k.replace("_", "-"): v for k, v in headers.items()}, data))

    def next(self, recorded: Recorded) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.requests.append(recorded)
            return self.replies.pop(0) if self.replies else (500, {}, b"script exhausted")


@pytest.fixture
def scripted() -> Iterator[Scripted]:
    script = Scripted()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length", "0") or 0)
            body = self.rfile.read(length) if length else b""
            status, headers, data = script.next(
                Recorded(self.command, self.path, dict(self.headers.items()), body)
            )
            self.send_response(status)
            headers.setdefault("Content-Type", "application/json")
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = _answer
        do_POST = _answer

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


def png(width: int = 300, height: int = 400) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (10, 20, 30, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


def done_reply(image: str, **changes: Any) -> dict[str, Any]:
    data = {
        "completed_at": 2,
        "created_at": 1,
        "download_time": 5,
        "err_info": "",
        "foreground_rect": {"x": 10, "y": 20, "width": 100, "height": 200},
        "image": image,
        "image_height": 400,
        "image_width": 300,
        "output_type": 2,
        "processed_at": 1,
        "progress": 100,
        "result_type": "object",
        "return_type": 1,
        "state": 1,
        "state_detail": "Complete",
        "task_id": "t-1",
        "time_elapsed": 12.5,
        "type": "auto",
    }
    data.update(changes)
    return {"status": 200, "data": data}


PHOTO = PreparedPhoto(
    png(50, 60), "image/png", "C:\\Users\\clerk\\Fotos\\Müller photo.png", 50, 60, 50, 60, 1.0, "0"
)


def client(script: Scripted, **kwargs: Any) -> ProviderClient:
    return ProviderClient(TOKEN, script.url, **{**FAST, **kwargs})


def form_of(recorded: Recorded) -> dict[str, tuple[bytes, str | None, str | None]]:
    boundary = boundary_from_content_type(recorded.headers["Content-Type"])
    parts = parse_multipart(recorded.body, boundary)
    names = [part.name for part in parts]
    assert len(names) == len(set(names))  # each field once
    return {part.name: (part.data, part.filename, part.content_type) for part in parts}


# ----- exactly what the contract names -----


def test_file_upload_form(scripted: Scripted) -> None:
    scripted.reply(200, done_reply(scripted.url + "/r.png"))
    scripted.reply(200, png(), Content_Type="image/png")
    result = client(scripted).generate(make_request(PHOTO, sync=True))
    post, download = scripted.requests
    assert (post.method, post.path) == ("POST", "/task/pic/idphoto")
    assert post.headers["Authorization"] == f"Bearer {TOKEN}"
    assert post.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    form = form_of(post)
    assert set(form) == {"image_file", "size", "format", "sync"}
    data, filename, mime = form["image_file"]
    assert data == PHOTO.data and mime == "image/png"
    assert filename == "M_ller_photo.png"  # the base name only, ASCII
    assert (form["size"][0], form["format"][0], form["sync"][0]) == (b"300x400", b"png", b"1")
    assert form["size"][1] is None  # text fields, not files
    # The result host gets no token.
    assert download.method == "GET" and "Authorization" not in download.headers
    assert result.foreground_rect == Rect(10, 20, 100, 200)
    assert result.timings_ms["time_elapsed"] == 12.5 and result.timings_ms["download_time"] == 5


def test_jpg_url_and_callback_form() -> None:
    request = make_request(
        None,
        fmt=OutputFormat.JPG,
        bg="#a0b1c2",
        sync=False,
        image_url="https://example.com/portrait.png",
        callback_url="https://example.com/cb",
    )
    fields = {name: value for name, value in build_form(request)}
    assert set(fields) == {"image_url", "size", "format", "bg_color", "sync", "callback_url"}
    assert fields["bg_color"] == (None, "A0B1C2")
    assert fields["format"] == (None, "jpg") and fields["sync"] == (None, "0")
    assert fields["image_url"] == (None, "https://example.com/portrait.png")


def test_bg_color_is_sent_only_with_jpg() -> None:
    fields = dict(build_form(make_request(PHOTO, fmt=OutputFormat.PNG, bg="FFFFFF")))
    assert "bg_color" not in fields
    fields = dict(build_form(make_request(PHOTO, fmt=OutputFormat.JPG, bg=None)))
    assert "bg_color" not in fields  # the provider's default (white)


# ----- error shapes and statuses over HTTP -----


def test_gateway_error_shape_over_http(scripted: Scripted) -> None:
    scripted.reply(401, {"error": {"message": "Invalid API key", "type": "invalid_request"}})
    with pytest.raises(AuthenticationError, match="Invalid API key"):
        client(scripted).generate(make_request(PHOTO))
    scripted.reply(200, {"error": {"message": "quota exhausted", "type": "insufficient_quota"}})
    with pytest.raises(QuotaError):
        client(scripted).generate(make_request(PHOTO))
    assert [r.method for r in scripted.requests] == ["POST", "POST"]


def test_a_token_echoed_by_the_server_is_scrubbed(scripted: Scripted) -> None:
    scripted.reply(400, {"status": 400, "message": f"bad header Bearer {TOKEN}"})
    with pytest.raises(ValidationError) as caught:
        client(scripted).generate(make_request(PHOTO))
    assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value)
    assert "***" in str(caught.value)
    # The same for a failed task's err_info.
    scripted.reply(200, done_reply("", state=-1, err_info=f"token {TOKEN} refused"))
    with pytest.raises(Exception) as caught_task:
        client(scripted).generate(make_request(PHOTO))
    assert TOKEN not in str(caught_task.value)
    assert TOKEN not in str(getattr(caught_task.value, "err_info", ""))


def test_api_redirects_are_refused(scripted: Scripted) -> None:
    scripted.reply(301, b"", Location="http://api.example.com/task/pic/idphoto")
    with pytest.raises(ValidationError, match="https"):
        client(scripted).generate(make_request(PHOTO))
    scripted.reply(307, b"", Location="https://other.example.com/task/pic/idphoto")
    with pytest.raises(ValidationError, match="redirects"):
        client(scripted).generate(make_request(PHOTO))
    assert len(scripted.requests) == 2  # never followed, so never re-posted


def test_done_without_an_image_is_malformed(scripted: Scripted) -> None:
    scripted.reply(200, done_reply(""))
    with pytest.raises(MalformedReplyError, match="no image"):
        client(scripted).generate(make_request(PHOTO))


def test_a_query_without_a_rectangle_keeps_the_create_replys(scripted: Scripted) -> None:
    scripted.reply(200, done_reply("", state=2, progress=5))
    rect_less = done_reply(scripted.url + "/r.png")
    del rect_less["data"]["foreground_rect"]
    scripted.reply(200, rect_less)
    scripted.reply(200, png(), Content_Type="image/png")
    result = client(scripted).generate(make_request(PHOTO, sync=False))
    assert result.foreground_rect == Rect(10, 20, 100, 200)
    assert [r.path for r in scripted.requests][1] == "/task/t-1"


# ----- result downloads -----


def test_result_urls_must_be_https(scripted: Scripted) -> None:
    scripted.reply(200, done_reply("http://results.example.com/r.png"))
    with pytest.raises(ValidationError, match="result address"):
        client(scripted).generate(make_request(PHOTO))
    assert len(scripted.requests) == 1


def test_result_redirect_to_http_is_refused(scripted: Scripted) -> None:
    scripted.reply(302, b"", Location="http://results.example.com/r.png")
    with pytest.raises(ValidationError, match="https"):
        download_result(SESSION, scripted.url + "/r.png")


def test_result_redirect_within_loopback_is_followed(scripted: Scripted) -> None:
    scripted.reply(302, b"", Location="/elsewhere.png")
    scripted.reply(200, png(), Content_Type="image/png")
    got = download_result(SESSION, scripted.url + "/r.png")
    assert (got.width, got.height, got.format) == (300, 400, OutputFormat.PNG)
    assert [r.path for r in scripted.requests] == ["/r.png", "/elsewhere.png"]


def test_transient_download_failures_are_retried(scripted: Scripted) -> None:
    scripted.reply(503, b"busy")
    scripted.reply(429, b"slow down", Retry_After="0")
    scripted.reply(200, png(), Content_Type="image/png")
    policy = DownloadPolicy(retries=3, retry_wait_s=0.01, max_retry_wait_s=0.05)
    got = download_result(
        SESSION, scripted.url + "/r.png", policy=policy
    )
    assert got.data == png() and len(scripted.requests) == 3


def test_download_retries_are_bounded(scripted: Scripted) -> None:
    for _ in range(5):
        scripted.reply(500, b"down")
    policy = DownloadPolicy(retries=2, retry_wait_s=0.01, max_retry_wait_s=0.05)
    with pytest.raises(ServerError):
        download_result(SESSION, scripted.url + "/r.png", policy=policy)
    assert len(scripted.requests) == 3


@pytest.mark.parametrize("status", [403, 404, 410])
def test_an_expired_result_is_not_retried(scripted: Scripted, status: int) -> None:
    scripted.reply(status, b"AccessDenied")
    with pytest.raises(ResultExpiredError):
        download_result(SESSION, scripted.url + "/r.png")
    assert len(scripted.requests) == 1


def test_download_size_cap(scripted: Scripted) -> None:
    scripted.reply(200, png(), Content_Type="image/png")
    policy = DownloadPolicy(max_bytes=500)
    with pytest.raises(MalformedReplyError, match="larger"):
        download_result(SESSION, scripted.url + "/r.png", policy=policy)


def test_check_image() -> None:
    assert check_image(png()) == (OutputFormat.PNG, 300, 400)
    buffer = io.BytesIO()
    Image.new("RGB", (300, 400)).save(buffer, format="GIF")
    with pytest.raises(MalformedReplyError, match="PNG or JPEG"):
        check_image(buffer.getvalue())
    with pytest.raises(MalformedReplyError):
        check_image(png()[:200])  # truncated
    with pytest.raises(MalformedReplyError):
        check_image(b"")


def test_a_result_in_another_format_is_converted_with_a_warning(scripted: Scripted) -> None:
    """Never a PNG labelled JPG: the bytes are converted to what was asked, and said."""
    scripted.reply(200, done_reply(scripted.url + "/r.png"))
    scripted.reply(200, png(), Content_Type="image/png")
    result = client(scripted).generate(make_request(PHOTO, fmt=OutputFormat.JPG))
    assert result.format is OutputFormat.JPG
    assert result.image.startswith(b"\xff\xd8\xff")
    assert result.warnings and "PNG" in result.warnings[0] and "converted" in result.warnings[0]
