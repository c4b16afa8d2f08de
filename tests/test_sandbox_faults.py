"""Fault injection: each fault the sandbox lists is played, and only when asked."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image

from idphoto_desktop.sandbox.faults import (
    FAULT_HEADER,
    NO_FAULTS,
    SUPPORTED_FAULTS,
    FaultSpecError,
    parse_faults,
)
from idphoto_desktop.sandbox.server import SandboxServer
from tests.fixtures.sandbox import SandboxFactory, wait_until


@pytest.fixture
def photo(photos_dir: Path) -> bytes:
    return (photos_dir / "hivision_test3.jpg").read_bytes()


def post(
    server: SandboxServer, token: str, photo: bytes, fault: str | None, **fields: str
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if fault is not None:
        headers[FAULT_HEADER] = fault
    files: dict[str, Any] = {"image_file": ("p.jpg", photo, "image/jpeg")}
    files.update({k: (None, v) for k, v in {"size": "300x400", **fields}.items()})
    return requests.post(
        f"{server.base_url}/task/pic/idphoto", headers=headers, files=files, timeout=30
    )


def get_task(server: SandboxServer, token: str, task_id: str, fault: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    if fault is not None:
        headers[FAULT_HEADER] = fault
    return requests.get(f"{server.base_url}/task/{task_id}", headers=headers, timeout=30)


# ----- the list and its parser -----


def test_every_listed_fault_parses() -> None:
    for name in SUPPORTED_FAULTS:
        spec = {"status": "status=500", "delay": "delay=0.1"}.get(name, name)
        assert name in parse_faults(spec).names


def test_parser_merges_specs_and_reads_values() -> None:
    faults = parse_faults("delay=1.5", "status=502-html, task-fails=-14,429=7")
    assert faults.delay_s == 1.5
    assert faults.task_fails_state == -14
    assert (faults.status, faults.retry_after_s) == (429, 7)
    assert parse_faults(None, "") is NO_FAULTS
    assert parse_faults("result-wrong-size").result_wrong_size == "0.5"
    assert parse_faults("result-wrong-size=wide").result_wrong_size == "wide"


@pytest.mark.parametrize(
    "spec",
    [
        "explode",
        "delay=soon",
        "delay=1000",
        "status=200",
        "status=abc",
        "task-fails=3",
        "result-wrong-size=9",
        "result-wrong-size=tall",
    ],
)
def test_parser_refuses_unknown_or_bad_faults(spec: str) -> None:
    with pytest.raises(FaultSpecError):
        parse_faults(spec)


def test_unknown_fault_header_is_a_400_naming_the_known_ones(
    sandbox: SandboxServer, sandbox_token: str, photo: bytes
) -> None:
    reply = post(sandbox, sandbox_token, photo, "explode")
    assert reply.status_code == 400 and "task-fails" in reply.json()["message"]


# ----- request faults -----


@pytest.mark.parametrize("status", [401, 403, 413, 500, 503])
def test_status_fault_answers_that_status_in_the_provider_shape(
    sandbox: SandboxServer, sandbox_token: str, photo: bytes, status: int
) -> None:
    reply = post(sandbox, sandbox_token, photo, f"status={status}", sync="1")
    assert reply.status_code == status
    assert reply.json()["status"] == status
    assert len(sandbox.tasks) == 0


def test_502_html_fault_is_a_gateway_page(
    sandbox: SandboxServer, sandbox_token: str, photo: bytes
) -> None:
    reply = post(sandbox, sandbox_token, photo, "status=502-html")
    assert reply.status_code == 502
    assert reply.headers["Content-Type"].startswith("text/html")
    assert "Bad Gateway" in reply.text
    with pytest.raises(json.JSONDecodeError):
        json.loads(reply.text)


@pytest.mark.parametrize(
    ("spec", "retry_after"), [("429", "1"), ("429=7", "7"), ("status=429", "1")]
)
def test_429_fault_has_retry_after(
    sandbox: SandboxServer, sandbox_token: str, photo: bytes, spec: str, retry_after: str
) -> None:
    reply = post(sandbox, sandbox_token, photo, spec)
    assert reply.status_code == 429
    assert reply.headers["Retry-After"] == retry_after
    assert reply.json()["status"] == 429


def test_delay_fault_holds_the_reply(
    sandbox: SandboxServer, sandbox_token: str, photo: bytes
) -> None:
    started = time.monotonic()
    reply = post(sandbox, sandbox_token, photo, "delay=0.3", sync="1")
    assert time.monotonic() - started >= 0.29  # a lower bound only: the delay was played
    assert reply.status_code == 200 and reply.json()["data"]["state"] == 1


def test_reset_fault_drops_the_connection_and_the_server_lives_on(
    sandbox: SandboxServer, sandbox_token: str, photo: bytes
) -> None:
    with pytest.raises(requests.ConnectionError):
        post(sandbox, sandbox_token, photo, "reset", sync="1")
    assert post(sandbox, sandbox_token, photo, None, sync="1").json()["data"]["state"] == 1
    assert sandbox.request_counts["POST /task/pic/idphoto"] == 2


def test_malformed_json_fault_still_creates_the_task(
    sandbox: SandboxServer, sandbox_token: str, photo: bytes
) -> None:
    reply = post(sandbox, sandbox_token, photo, "malformed-json", sync="1")
    assert reply.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(reply.text)
    assert len(sandbox.tasks) == 1  # charged: the reason a client must not repeat the POST


def test_missing_fields_fault(sandbox: SandboxServer, sandbox_token: str, photo: bytes) -> None:
    data = post(sandbox, sandbox_token, photo, "missing-fields", sync="1").json()["data"]
    assert "state" not in data and "image" not in data and "foreground_rect" not in data
    assert "task_id" in data


def test_wrong_types_fault(sandbox: SandboxServer, sandbox_token: str, photo: bytes) -> None:
    data = post(sandbox, sandbox_token, photo, "wrong-types", sync="1").json()["data"]
    assert data["state"] == "1" and isinstance(data["foreground_rect"], list)
    assert data["image"] == 0


def test_request_faults_apply_to_polls_too(
    sandbox: SandboxServer, sandbox_token: str, photo: bytes
) -> None:
    task_id = post(sandbox, sandbox_token, photo, None).json()["data"]["task_id"]
    assert get_task(sandbox, sandbox_token, task_id, "status=500").status_code == 500
    bad = get_task(sandbox, sandbox_token, task_id, "malformed-json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(bad.text)
    assert get_task(sandbox, sandbox_token, task_id).json()["status"] == 200


def test_server_wide_faults_need_no_header(
    sandbox_factory: SandboxFactory, sandbox_token: str, photo: bytes
) -> None:
    server = sandbox_factory(faults="status=502-html")
    assert post(server, sandbox_token, photo, None).status_code == 502
    server.faults = ""
    assert post(server, sandbox_token, photo, None, sync="1").status_code == 200


def test_faults_come_after_authentication(sandbox: SandboxServer, photo: bytes) -> None:
    assert post(sandbox, "wrong", photo, "status=500").status_code == 401


# ----- task faults -----


@pytest.mark.parametrize(("spec", "state"), [("task-fails", -1), ("task-fails=-14", -14)])
def test_task_fails_fault(
    sandbox: SandboxServer, sandbox_token: str, photo: bytes, spec: str, state: int
) -> None:
    data = post(sandbox, sandbox_token, photo, spec, sync="1").json()["data"]
    assert data["state"] == state and "injected" in data["err_info"] and data["image"] == ""


def test_stuck_task_stays_processing(
    sandbox: SandboxServer, sandbox_token: str, photo: bytes
) -> None:
    task_id = post(sandbox, sandbox_token, photo, "stuck").json()["data"]["task_id"]

    def stuck_at_half() -> bool:
        data = get_task(sandbox, sandbox_token, task_id).json()["data"]
        return bool((data["state"], data["progress"]) == (4, 50))

    assert wait_until(stuck_at_half)
    task = sandbox.tasks.get(task_id)
    assert task is not None and not task.done.is_set()
    for _ in range(3):
        data = get_task(sandbox, sandbox_token, task_id).json()["data"]
        assert (data["state"], data["progress"]) == (4, 50)
    # Other tasks are not held up by it.
    assert post(sandbox, sandbox_token, photo, None, sync="1").json()["data"]["state"] == 1


def test_expired_result_fault(sandbox: SandboxServer, sandbox_token: str, photo: bytes) -> None:
    data = post(sandbox, sandbox_token, photo, "expired-result", sync="1").json()["data"]
    assert data["state"] == 1
    assert requests.get(data["image"], timeout=30).status_code == 403


def test_result_not_image_fault(sandbox: SandboxServer, sandbox_token: str, photo: bytes) -> None:
    data = post(sandbox, sandbox_token, photo, "result-not-image", sync="1").json()["data"]
    reply = requests.get(data["image"], timeout=30)
    assert reply.status_code == 200 and reply.headers["Content-Type"] == "image/png"
    with pytest.raises(OSError):
        Image.open(io.BytesIO(reply.content))


def test_result_wrong_size_fault(sandbox: SandboxServer, sandbox_token: str, photo: bytes) -> None:
    data = post(sandbox, sandbox_token, photo, "result-wrong-size", sync="1", format="jpg").json()[
        "data"
    ]
    assert (data["image_width"], data["image_height"]) == (300, 400)
    image = Image.open(io.BytesIO(requests.get(data["image"], timeout=30).content))
    assert image.size == (150, 200) and image.format == "JPEG"


def test_slow_result_fault_still_delivers_every_byte(
    sandbox: SandboxServer, sandbox_token: str, photo: bytes
) -> None:
    data = post(sandbox, sandbox_token, photo, "slow-result=0.2", sync="1").json()["data"]
    started = time.monotonic()
    reply = requests.get(data["image"], timeout=30)
    assert time.monotonic() - started >= 0.19
    assert Image.open(io.BytesIO(reply.content)).size == (300, 400)


def test_slow_upload_fault_reads_the_whole_body_slowly(
    sandbox: SandboxServer, sandbox_token: str, photo: bytes
) -> None:
    started = time.monotonic()
    data = post(sandbox, sandbox_token, photo, "slow-upload=0.2", sync="1").json()["data"]
    assert time.monotonic() - started >= 0.19
    assert data["state"] == 1 and data["foreground_rect"]["width"] > 0


def test_task_faults_do_not_leak_to_other_tasks(
    sandbox: SandboxServer, sandbox_token: str, photo: bytes
) -> None:
    post(sandbox, sandbox_token, photo, "task-fails", sync="1")
    data = post(sandbox, sandbox_token, photo, None, sync="1").json()["data"]
    assert data["state"] == 1
    assert requests.get(data["image"], timeout=30).status_code == 200
