"""Issue 6, load: the real client, many at once, against one sandbox server.

tests/test_sandbox_load.py already sends 50 concurrent sync requests and 200 queued
async tasks with bare ``requests``. Here the app's own client does it, so its rules
hold under load too: no request is repeated, nothing fails, and polling follows the
backoff schedule (the server's poll count stays within what the schedule allows).
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from idphoto_desktop.api.client import ProviderClient
from idphoto_desktop.core.job import GenerateResult, PreparedPhoto
from tests.fixtures.sandbox import SandboxFactory
from tests.test_api_client import make_request, prepared
from tests.test_reliability_faults import FAST, POLL, POST, RESULT, polls_allowed

SYNC_CLIENTS = 50
ASYNC_CLIENTS = 40


@pytest.fixture
def photo(photos_dir: Path) -> PreparedPhoto:
    return prepared(photos_dir / "hivision_test3.jpg")


def test_fifty_clients_at_once_each_pay_once(
    sandbox_factory: SandboxFactory,
    sandbox_token: str,
    photo: PreparedPhoto,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="idphoto_desktop.api")
    server = sandbox_factory(workers=2)

    def one(_index: int) -> GenerateResult:
        with ProviderClient(sandbox_token, server.base_url, **FAST) as client:
            return client.generate(make_request(photo, size=(240, 320)))

    with ThreadPoolExecutor(SYNC_CLIENTS) as pool:
        results = list(pool.map(one, range(SYNC_CLIENTS)))
    assert {(r.width, r.height) for r in results} == {(240, 320)}
    assert len({r.task_id for r in results}) == SYNC_CLIENTS
    counts = server.request_counts
    assert counts[POST] == SYNC_CLIENTS and counts[RESULT] == SYNC_CLIENTS
    assert not caplog.records  # no retry, no warning: nothing went wrong under load


def test_queued_async_tasks_are_polled_within_the_backoff_bound(
    sandbox_factory: SandboxFactory, sandbox_token: str, photo: PreparedPhoto
) -> None:
    # One worker and a little work per task: most tasks wait in the queue (state 0).
    server = sandbox_factory(workers=1, processing_delay_s=0.02)
    options = {**FAST, "poll_initial_s": 0.05, "poll_max_s": 0.5, "poll_deadline_s": 60.0}
    allowed: list[int] = []

    def one(_index: int) -> GenerateResult:
        with ProviderClient(sandbox_token, server.base_url, **options) as client:
            started = time.monotonic()
            result = client.generate(make_request(photo, size=(240, 320), sync=False))
            allowed.append(polls_allowed(client, time.monotonic() - started))
            return result

    with ThreadPoolExecutor(ASYNC_CLIENTS) as pool:
        results = list(pool.map(one, range(ASYNC_CLIENTS)))
    assert {(r.width, r.height) for r in results} == {(240, 320)}
    counts = server.request_counts
    assert counts[POST] == ASYNC_CLIENTS and counts[RESULT] == ASYNC_CLIENTS
    assert ASYNC_CLIENTS <= counts[POLL] <= sum(allowed)
