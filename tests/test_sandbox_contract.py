"""The sandbox server speaks the provider's contract: over real HTTP on 127.0.0.1."""

from __future__ import annotations

import io
import json
import logging
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image

from idphoto_desktop.core.errors import FaceError, IdPhotoError
from idphoto_desktop.core.job import CancelToken, GenerateRequest, GenerateResult, ProgressCallback
from idphoto_desktop.engines.cropresize import CropResizeEngine, centre_crop_box
from idphoto_desktop.sandbox.server import SandboxServer
from tests.fixtures.sandbox import (
    CallbackReceiver,
    FileServerFactory,
    SandboxFactory,
    assert_same_shape,
    provider_example_reply,
    wait_until,
)

PHOTO = "hivision_test0.jpg"  # 576x768 JPEG
FINAL = (1,)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def create(
    server: SandboxServer,
    token: str,
    *,
    image: bytes | None = None,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    session: requests.Session | None = None,
) -> requests.Response:
    files: dict[str, Any] = {}
    if image is not None:
        files["image_file"] = ("photo.jpg", image, "image/jpeg")
    for key, value in (fields or {}).items():
        files[key] = (None, value)
    post = session.post if session is not None else requests.post
    return post(
        f"{server.base_url}/task/pic/idphoto",
        headers={**auth(token), **(headers or {})},
        files=files,
        timeout=30,
    )


def poll(server: SandboxServer, token: str, task_id: str) -> dict[str, Any]:
    reply = requests.get(f"{server.base_url}/task/{task_id}", headers=auth(token), timeout=30)
    assert reply.status_code == 200, reply.text
    data = reply.json()["data"]
    assert isinstance(data, dict)
    return data


def poll_until_final(server: SandboxServer, token: str, task_id: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    def final() -> bool:
        seen.append(poll(server, token, task_id))
        return bool(seen[-1]["state"] == 1 or seen[-1]["state"] < 0)

    assert wait_until(final), f"task never ended: {seen[-1]}"
    return seen


@pytest.fixture
def photo(photos_dir: Path) -> bytes:
    return (photos_dir / PHOTO).read_bytes()


def png_bytes(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (120, 130, 140)).save(buffer, format="PNG")
    return buffer.getvalue()


# ----- authentication -----


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer ", "Basic sbx-test-token-0123456789", "Bearer wrong-token", "Token x"],
)
def test_bad_or_missing_token_gives_401_in_the_provider_shape(
    sandbox: SandboxServer, photo: bytes, header: str | None
) -> None:
    headers = {"Authorization": header} if header is not None else {}
    reply = requests.post(
        f"{sandbox.base_url}/task/pic/idphoto",
        headers=headers,
        files={"image_file": ("p.jpg", photo)},
        data={"size": "300x400"},
        timeout=30,
    )
    assert reply.status_code == 401
    body = reply.json()
    assert body["status"] == 401 and isinstance(body["message"], str) and body["message"]
    assert len(sandbox.tasks) == 0


def test_polling_needs_the_token_too(sandbox: SandboxServer, sandbox_token: str) -> None:
    task_id = create(sandbox, sandbox_token, image=png_bytes(200, 200)).json()["data"]["task_id"]
    reply = requests.get(f"{sandbox.base_url}/task/{task_id}", timeout=30)
    assert reply.status_code == 401 and reply.json()["status"] == 401


# ----- validation -----


@pytest.mark.parametrize(
    ("fields", "with_file", "status", "words"),
    [
        ({"size": "99x400"}, True, 400, "size"),
        ({"size": "300x2001"}, True, 400, "size"),
        ({"size": "300X400"}, True, 400, "size"),
        ({"size": "300x"}, True, 400, "size"),
        ({"size": "-300x400"}, True, 400, "size"),
        ({"size": "big"}, True, 400, "size"),
        ({"format": "gif"}, True, 400, "format"),
        ({"format": "jpeg"}, True, 400, "format"),
        ({"format": "jpg", "bg_color": "FFF"}, True, 400, "bg_color"),
        ({"format": "jpg", "bg_color": "GGGGGG"}, True, 400, "bg_color"),
        ({"format": "jpg", "bg_color": "#FFFFFF"}, True, 400, "bg_color"),
        ({"sync": "2"}, True, 400, "sync"),
        ({"sync": "yes"}, True, 400, "sync"),
        ({"image_url": "http://127.0.0.1/a.jpg"}, True, 400, "exclusive"),
        ({"size": "300x400"}, False, 400, "required"),
        ({"image_url": "ftp://127.0.0.1/a.jpg"}, False, 400, "image_url"),
        ({"image_url": "not a url"}, False, 400, "image_url"),
        ({"image_url": "http://127.0.0.1/" + "a" * 600}, False, 400, "512"),
        ({"callback_url": "file:///etc/passwd"}, True, 400, "callback_url"),
    ],
)
def test_every_validation_error_is_400_with_a_message(
    sandbox: SandboxServer,
    sandbox_token: str,
    photo: bytes,
    fields: dict[str, str],
    with_file: bool,
    status: int,
    words: str,
) -> None:
    reply = create(sandbox, sandbox_token, image=photo if with_file else None, fields=fields)
    assert reply.status_code == status
    body = reply.json()
    assert body["status"] == status
    assert words in body["message"]
    assert len(sandbox.tasks) == 0


def test_urlencoded_body_is_refused_as_not_multipart(
    sandbox: SandboxServer, sandbox_token: str
) -> None:
    reply = requests.post(
        f"{sandbox.base_url}/task/pic/idphoto",
        headers=auth(sandbox_token),
        data={"image_url": "http://127.0.0.1/a.jpg", "size": "300x400"},
        timeout=30,
    )
    assert reply.status_code == 400 and "multipart" in reply.json()["message"]


def test_malformed_multipart_is_400(sandbox: SandboxServer, sandbox_token: str) -> None:
    reply = requests.post(
        f"{sandbox.base_url}/task/pic/idphoto",
        headers={**auth(sandbox_token), "Content-Type": "multipart/form-data; boundary=B"},
        data=b'--B\r\nContent-Disposition: form-data; name="size"\r\n\r\n300x400',
        timeout=30,
    )
    assert reply.status_code == 400 and reply.json()["status"] == 400


def test_file_over_15_mb_is_413(sandbox: SandboxServer, sandbox_token: str) -> None:
    reply = create(sandbox, sandbox_token, image=b"\xff" * (15 * 1024 * 1024 + 1))
    assert reply.status_code == 413
    assert reply.json()["status"] == 413


def test_body_far_over_the_limit_is_413_without_parsing(
    sandbox: SandboxServer, sandbox_token: str
) -> None:
    reply = create(sandbox, sandbox_token, image=b"\x00" * (16 * 1024 * 1024))
    assert reply.status_code == 413 and "15 MB" in reply.json()["message"]


def test_unknown_task_id_is_404(sandbox: SandboxServer, sandbox_token: str) -> None:
    for task_id in ("3b950563-e53f-4036-a581-5ac04d0829b3", "../../etc"):
        reply = requests.get(
            f"{sandbox.base_url}/task/{task_id}", headers=auth(sandbox_token), timeout=30
        )
        assert reply.status_code == 404
        assert reply.json()["status"] == 404


def test_unknown_path_and_wrong_method(sandbox: SandboxServer, sandbox_token: str) -> None:
    assert requests.get(f"{sandbox.base_url}/nothing", timeout=30).status_code == 404
    reply = requests.get(
        f"{sandbox.base_url}/task/pic/idphoto", headers=auth(sandbox_token), timeout=30
    )
    assert reply.status_code == 405


# ----- the sync reply -----


def test_sync_reply_has_every_key_and_type_of_the_provider_example(
    sandbox: SandboxServer, sandbox_token: str, photo: bytes
) -> None:
    reply = create(
        sandbox,
        sandbox_token,
        image=photo,
        fields={"size": "300x400", "format": "jpg", "bg_color": "ffffff", "sync": "1"},
    )
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("application/json")
    body = reply.json()
    assert_same_shape(body, provider_example_reply())
    data = body["data"]
    assert body["status"] == 200
    assert (data["state"], data["progress"], data["state_detail"]) == (1, 100, "Complete")
    assert (data["image_width"], data["image_height"]) == (300, 400)
    assert (data["output_type"], data["return_type"], data["result_type"], data["type"]) == (
        2,
        1,
        "object",
        "auto",
    )
    assert data["err_info"] == ""
    assert data["created_at"] <= data["processed_at"] <= data["completed_at"]
    assert data["time_elapsed"] > 0
    assert data["image"].startswith(f"{sandbox.base_url}/results/")
    assert data["image"].endswith(".jpg")


def test_result_image_is_served_with_the_asked_size_and_format(
    sandbox: SandboxServer, sandbox_token: str, photo: bytes
) -> None:
    for fmt, pil_format, mode in (("jpg", "JPEG", "RGB"), ("png", "PNG", "RGBA")):
        data = create(
            sandbox,
            sandbox_token,
            image=photo,
            fields={"size": "413x531", "format": fmt, "sync": "1"},
        ).json()["data"]
        image_reply = requests.get(data["image"], timeout=30)  # no token: a signed URL
        assert image_reply.status_code == 200
        image = Image.open(io.BytesIO(image_reply.content))
        assert (image.format, image.mode, image.size) == (pil_format, mode, (413, 531))


def test_foreground_rect_is_in_the_uploaded_image_grid(
    sandbox: SandboxServer, sandbox_token: str, photos_dir: Path
) -> None:
    path = photos_dir / "fr_two_people.jpg"
    data = create(
        sandbox, sandbox_token, image=path.read_bytes(), fields={"size": "300x400", "sync": "1"}
    ).json()["data"]
    expected = centre_crop_box(1126, 661, 300, 400).as_ints()
    rect = data["foreground_rect"]
    assert (rect["x"], rect["y"], rect["width"], rect["height"]) == expected
    # Not in output pixels: the box is taller than the 400 px output.
    assert rect["height"] == 661


def test_size_omitted_keeps_the_input_size(sandbox: SandboxServer, sandbox_token: str) -> None:
    data = create(sandbox, sandbox_token, image=png_bytes(321, 234), fields={"sync": "1"}).json()[
        "data"
    ]
    assert (data["state"], data["image_width"], data["image_height"]) == (1, 321, 234)


def test_keep_alive_session_survives_refused_bodies(
    sandbox: SandboxServer, sandbox_token: str, photo: bytes
) -> None:
    with requests.Session() as session:
        refused = session.post(
            f"{sandbox.base_url}/task/pic/idphoto",
            headers=auth("wrong"),
            files={"image_file": ("p.jpg", photo)},
            timeout=30,
        )
        assert refused.status_code == 401
        bad = create(sandbox, sandbox_token, image=photo, fields={"size": "1x1"}, session=session)
        assert bad.status_code == 400
        good = create(
            sandbox,
            sandbox_token,
            image=photo,
            fields={"size": "300x400", "sync": "1"},
            session=session,
        )
        assert good.status_code == 200 and good.json()["data"]["state"] == 1


# ----- input the provider refuses as a task state -----


@pytest.mark.parametrize(
    ("image", "words"),
    [
        (b"this is text renamed to .jpg", "invalid"),
        (b"", "invalid"),
        (png_bytes(4097, 16), "4096"),
    ],
)
def test_unusable_images_end_in_state_minus_7(
    sandbox: SandboxServer, sandbox_token: str, image: bytes, words: str
) -> None:
    data = create(sandbox, sandbox_token, image=image, fields={"sync": "1"}).json()["data"]
    assert data["state"] == -7
    assert words in data["err_info"]
    assert data["state_detail"] and data["image"] == ""


def test_truncated_jpeg_is_state_minus_7(
    sandbox: SandboxServer, sandbox_token: str, photo: bytes
) -> None:
    data = create(
        sandbox, sandbox_token, image=photo[: len(photo) // 2], fields={"sync": "1"}
    ).json()["data"]
    assert data["state"] == -7


class RaisingEngine:
    """An engine that fails the way a real one can."""

    name = "raising"
    costs_money = False

    def __init__(self, error: Exception) -> None:
        self.error = error

    def generate(
        self,
        request: GenerateRequest,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> GenerateResult:
        raise self.error


@pytest.mark.parametrize(
    ("error", "state", "detail"),
    [
        (FaceError("No face was found in the photo."), -14, "input does not meet the requirements"),
        (IdPhotoError("Two faces were found."), -1, "Failed"),
        (RuntimeError("boom"), -9, "Internal failure"),
    ],
)
def test_engine_errors_map_to_negative_states(
    sandbox_factory: SandboxFactory,
    sandbox_token: str,
    photo: bytes,
    error: Exception,
    state: int,
    detail: str,
) -> None:
    server = sandbox_factory(engine=RaisingEngine(error))
    body = create(server, sandbox_token, image=photo, fields={"sync": "1"}).json()
    assert_same_shape(body, provider_example_reply())
    data = body["data"]
    assert (data["state"], data["state_detail"]) == (state, detail)
    assert data["err_info"]
    if isinstance(error, IdPhotoError):
        assert data["err_info"] == str(error)


# ----- image_url -----


def test_image_url_is_downloaded_from_a_loopback_server(
    sandbox: SandboxServer, sandbox_token: str, loopback_file_server: str
) -> None:
    data = create(
        sandbox,
        sandbox_token,
        fields={"image_url": f"{loopback_file_server}/{PHOTO}", "size": "300x400", "sync": "1"},
    ).json()["data"]
    assert data["state"] == 1 and isinstance(data["download_time"], int)
    assert data["foreground_rect"] == {"x": 0, "y": 0, "width": 576, "height": 768}


def test_image_url_that_fails_is_state_minus_3(
    sandbox: SandboxServer, sandbox_token: str, loopback_file_server: str
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    for url in (f"{loopback_file_server}/no-such-photo.jpg", f"http://127.0.0.1:{dead_port}/x.jpg"):
        data = create(sandbox, sandbox_token, fields={"image_url": url, "sync": "1"}).json()["data"]
        assert data["state"] == -3, url
        assert data["err_info"]


def test_image_url_over_15_mb_is_state_minus_5(
    sandbox: SandboxServer,
    sandbox_token: str,
    loopback_file_server_factory: FileServerFactory,
    tmp_path: Path,
) -> None:
    (tmp_path / "huge.jpg").write_bytes(b"\xff" * (15 * 1024 * 1024 + 10))
    base = loopback_file_server_factory(tmp_path)
    data = create(
        sandbox, sandbox_token, fields={"image_url": f"{base}/huge.jpg", "sync": "1"}
    ).json()["data"]
    assert data["state"] == -5


# ----- async tasks and progress -----


class GatedEngine:
    """Reports progress, then holds until the test opens the gate."""

    name = "gated"
    costs_money = False

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.inner = CropResizeEngine()

    def generate(
        self,
        request: GenerateRequest,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> GenerateResult:
        if progress is not None:
            progress(40, "working")
        assert self.gate.wait(20), "test never opened the gate"
        return self.inner.generate(request, progress=progress, cancel=cancel)


@pytest.fixture
def gated() -> Iterator[GatedEngine]:
    engine = GatedEngine()
    yield engine
    engine.gate.set()


def test_async_tasks_queue_process_and_complete_with_progress(
    sandbox_factory: SandboxFactory, sandbox_token: str, photo: bytes, gated: GatedEngine
) -> None:
    server = sandbox_factory(engine=gated, workers=1)
    first = create(server, sandbox_token, image=photo, fields={"size": "300x400"})
    second = create(server, sandbox_token, image=photo, fields={"size": "200x200", "sync": "0"})
    for reply in (first, second):
        assert reply.status_code == 200
        assert_same_shape(reply.json(), provider_example_reply())
        assert reply.json()["data"]["state"] == 0
    first_id = first.json()["data"]["task_id"]
    second_id = second.json()["data"]["task_id"]
    assert first_id != second_id

    def engine_reported() -> bool:
        data = poll(server, sandbox_token, first_id)
        return bool(data["state"] == 4 and data["progress"] > 10)

    assert wait_until(engine_reported)  # the engine's 40 % maps into the working range
    running = poll(server, sandbox_token, first_id)
    assert (running["state"], running["state_detail"]) == (4, "Processing")
    assert 10 < running["progress"] < 100 and running["image"] == ""
    assert_same_shape({"data": running}, {"data": provider_example_reply()["data"]})
    queued = poll(server, sandbox_token, second_id)  # the only worker is busy
    assert (queued["state"], queued["progress"], queued["state_detail"]) == (0, 0, "Queued")

    gated.gate.set()
    for task_id, size in ((first_id, (300, 400)), (second_id, (200, 200))):
        seen = poll_until_final(server, sandbox_token, task_id)
        states = [d["state"] for d in seen]
        order = [0, 2, 4, 1]
        assert [order.index(s) for s in states] == sorted(order.index(s) for s in states)
        progress = [d["progress"] for d in seen]
        assert progress == sorted(progress) and progress[-1] == 100
        assert (seen[-1]["image_width"], seen[-1]["image_height"]) == size
    assert server.request_counts["POST /task/pic/idphoto"] == 2
    assert server.request_counts["GET /task/{id}"] >= 4


def test_preparing_state_while_image_url_downloads(
    sandbox: SandboxServer, sandbox_token: str, photo: bytes
) -> None:
    release = threading.Event()

    class SlowPhoto(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            release.wait(20)
            self.send_response(200)
            self.send_header("Content-Length", str(len(photo)))
            self.end_headers()
            self.wfile.write(photo)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), SlowPhoto)
    httpd.daemon_threads = True
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/p.jpg"
        reply = create(sandbox, sandbox_token, fields={"image_url": url})
        task_id = reply.json()["data"]["task_id"]
        assert wait_until(lambda: poll(sandbox, sandbox_token, task_id)["state"] == 2)
        assert poll(sandbox, sandbox_token, task_id)["state_detail"] == "Preparing"
        release.set()
        assert poll_until_final(sandbox, sandbox_token, task_id)[-1]["state"] == 1
    finally:
        release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_processing_delay_keeps_async_tasks_working_then_done(
    sandbox_factory: SandboxFactory, sandbox_token: str, photo: bytes
) -> None:
    server = sandbox_factory(processing_delay_s=0.3)
    data = create(server, sandbox_token, image=photo, fields={"size": "300x400"}).json()["data"]
    assert (data["state"], data["progress"], data["image"]) == (0, 0, "")
    seen = poll_until_final(server, sandbox_token, data["task_id"])
    assert seen[-1]["state"] == 1 and seen[-1]["image"]


# ----- result URLs expire -----


def test_result_url_expires_after_the_ttl(
    sandbox_factory: SandboxFactory, sandbox_token: str, photo: bytes
) -> None:
    server = sandbox_factory(result_ttl_s=0.05)
    data = create(server, sandbox_token, image=photo, fields={"sync": "1"}).json()["data"]
    assert data["state"] == 1
    threading.Event().wait(0.2)
    reply = requests.get(data["image"], timeout=30)
    assert reply.status_code == 403
    assert not reply.headers["Content-Type"].startswith("image/")


def test_unknown_result_name_is_404(sandbox: SandboxServer) -> None:
    for name in ("A" * 32 + ".png", "..%2F..%2Fetc%2Fpasswd", "x.gif"):
        assert requests.get(f"{sandbox.base_url}/results/{name}", timeout=30).status_code == 404
    assert sandbox.request_counts["GET /results"] == 3


# ----- rate limit -----


def test_rate_limit_answers_429_with_retry_after(
    sandbox_factory: SandboxFactory, sandbox_token: str, photo: bytes
) -> None:
    server = sandbox_factory(rate_limit_per_s=0.01)  # one request, then a long refill
    first = create(server, sandbox_token, image=photo, fields={"sync": "1"})
    assert first.status_code == 200
    second = create(server, sandbox_token, image=photo, fields={"sync": "1"})
    assert second.status_code == 429
    assert second.json()["status"] == 429
    assert int(second.headers["Retry-After"]) >= 1
    assert len(server.tasks) == 1  # the refused request created nothing
    poll(server, sandbox_token, first.json()["data"]["task_id"])  # polling is not limited


def test_default_rate_limit_is_two_per_second(
    sandbox_factory: SandboxFactory, sandbox_token: str
) -> None:
    server = sandbox_factory(rate_limit_per_s=2.0)
    statuses = [
        create(server, sandbox_token, fields={"size": "1x1"}).status_code for _ in range(10)
    ]
    assert 429 in statuses and statuses[0] == 400


# ----- callbacks -----


def test_callback_receives_the_same_json_as_the_reply(
    sandbox: SandboxServer, sandbox_token: str, photo: bytes, callback_receiver: CallbackReceiver
) -> None:
    body = create(
        sandbox,
        sandbox_token,
        image=photo,
        fields={"sync": "1", "callback_url": callback_receiver.url},
    ).json()
    (received,) = callback_receiver.wait(1)
    assert received == body
    assert wait_until(lambda: sandbox.callbacks_sent == 1)


def test_callback_after_async_task_and_after_failure(
    sandbox: SandboxServer, sandbox_token: str, callback_receiver: CallbackReceiver
) -> None:
    create(
        sandbox,
        sandbox_token,
        image=png_bytes(300, 300),
        fields={"callback_url": callback_receiver.url},
    )
    create(sandbox, sandbox_token, image=b"junk", fields={"callback_url": callback_receiver.url})
    received = callback_receiver.wait(2)
    assert sorted(r["data"]["state"] for r in received) == [-7, 1]
    assert wait_until(lambda: sandbox.callbacks_sent == 2)


def test_callback_to_plain_http_off_loopback_is_refused_not_fatal(
    sandbox: SandboxServer, sandbox_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="idphoto_desktop.sandbox")
    data = create(
        sandbox,
        sandbox_token,
        image=png_bytes(200, 200),
        fields={"sync": "1", "callback_url": "http://192.0.2.1/hook"},
    ).json()["data"]
    assert data["state"] == 1
    assert wait_until(lambda: "callback refused" in caplog.text)
    assert sandbox.callbacks_sent == 0


def test_callback_receiver_down_is_logged_not_fatal(
    sandbox: SandboxServer, sandbox_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="idphoto_desktop.sandbox")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/hook"
    data = create(
        sandbox,
        sandbox_token,
        image=png_bytes(200, 200),
        fields={"sync": "1", "callback_url": dead},
    ).json()["data"]
    assert data["state"] == 1
    assert wait_until(lambda: "callback to" in caplog.text)
    assert sandbox.callbacks_sent == 0


# ----- secrets and bookkeeping -----


def test_token_never_appears_in_logs(
    sandbox_factory: SandboxFactory,
    sandbox_token: str,
    photo: bytes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    server = sandbox_factory(rate_limit_per_s=0.01)
    data = create(server, sandbox_token, image=photo, fields={"sync": "1"}).json()["data"]
    create(server, sandbox_token, image=photo)  # 429
    create(server, "sbx-wrong-token-zzzzzz", image=photo)  # 401
    poll(server, sandbox_token, data["task_id"])
    requests.get(data["image"], timeout=30)
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("idphoto_desktop"))
    assert "GET /task/" in ours and "-> 401" in ours and "-> 429" in ours
    assert sandbox_token not in caplog.text
    assert "sbx-wrong-token-zzzzzz" not in caplog.text
    assert sandbox_token not in repr(server)
    assert data["image"].rsplit("/", 1)[1] not in ours  # the result name works like a password


def test_urllib_client_works_too(sandbox: SandboxServer, sandbox_token: str) -> None:
    boundary = "----sandbox-urllib"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="image_file"; '
            f'filename="p.png"\r\nContent-Type: image/png\r\n\r\n'
        ).encode()
        + png_bytes(200, 300)
        + (
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="sync"\r\n\r\n1\r\n'
            f"--{boundary}--\r\n"
        ).encode()
    )
    request = urllib.request.Request(
        f"{sandbox.base_url}/task/pic/idphoto",
        data=body,
        method="POST",
        headers={
            **auth(sandbox_token),
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        reply = json.loads(response.read())
    assert reply["data"]["state"] == 1
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{sandbox.base_url}/task/nope", timeout=30)
    assert refused.value.code == 401
    refused.value.close()


def test_stop_is_idempotent_and_frees_the_port(sandbox_factory: SandboxFactory) -> None:
    server = sandbox_factory()
    base = server.base_url
    server.stop()
    server.stop()
    assert not server.running
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/task/x", timeout=5)
