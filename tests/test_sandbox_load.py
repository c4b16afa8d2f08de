"""The sandbox under the load issue 6 names: 50 concurrent sync requests, 200 queued tasks."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from PIL import Image

from idphoto_desktop.sandbox.server import SandboxServer
from tests.fixtures.sandbox import wait_until


def _small_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (160, 200), (10, 200, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def _create(server: SandboxServer, token: str, image: bytes, sync: str) -> requests.Response:
    files: dict[str, Any] = {
        "image_file": ("p.png", image, "image/png"),
        "size": (None, "120x150"),
        "sync": (None, sync),
    }
    return requests.post(
        f"{server.base_url}/task/pic/idphoto",
        headers={"Authorization": f"Bearer {token}"},
        files=files,
        timeout=60,
    )


def test_fifty_concurrent_sync_requests(sandbox: SandboxServer, sandbox_token: str) -> None:
    image = _small_png()
    with ThreadPoolExecutor(50) as pool:
        replies = list(pool.map(lambda _i: _create(sandbox, sandbox_token, image, "1"), range(50)))
    assert [r.status_code for r in replies] == [200] * 50
    data = [r.json()["data"] for r in replies]
    assert all(d["state"] == 1 for d in data)
    assert len({d["task_id"] for d in data}) == 50
    assert len({d["image"] for d in data}) == 50
    assert sandbox.request_counts["POST /task/pic/idphoto"] == 50


def test_two_hundred_queued_async_tasks_all_finish(
    sandbox: SandboxServer, sandbox_token: str
) -> None:
    image = _small_png()
    with requests.Session() as session:
        ids = []
        for _ in range(200):
            reply = session.post(
                f"{sandbox.base_url}/task/pic/idphoto",
                headers={"Authorization": f"Bearer {sandbox_token}"},
                files={"image_file": ("p.png", image, "image/png")},
                timeout=60,
            )
            assert reply.status_code == 200
            ids.append(reply.json()["data"]["task_id"])
    assert len(set(ids)) == 200
    assert wait_until(
        lambda: all(t is not None and t.done.is_set() for t in map(sandbox.tasks.get, ids)),
        timeout=60,
    )
    states = {sandbox.tasks.get(i).state for i in ids}  # type: ignore[union-attr]
    assert states == {1}
