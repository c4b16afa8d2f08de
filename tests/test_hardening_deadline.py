"""One overall deadline per request and per download; Cancel inside a blocked read.

The sandbox trickles a reply one byte at a time (faults ``trickle`` and
``trickle-result``): a per-read timeout never trips on that, only the client's overall
deadline (a watcher that cuts the connection) ends it. The bounds on elapsed time below
are not speed measurements: the trickled replies would take minutes, so finishing
within them proves the exchange was cut rather than waited out.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from idphoto_desktop.api.client import ProviderClient
from idphoto_desktop.core.errors import (
    CancelledError,
    MaybeChargedError,
    RequestTimeoutError,
    ValidationError,
)
from idphoto_desktop.core.job import CancelToken, PreparedPhoto
from idphoto_desktop.engines.cloud import client_from_settings
from idphoto_desktop.sandbox.faults import parse_faults
from idphoto_desktop.sandbox.server import SandboxServer
from idphoto_desktop.storage.settings import Settings
from tests.test_api_client import FaultSession, make_request, prepared

POST = "POST /task/pic/idphoto"
POLL = "GET /task/{id}"
RESULT = "GET /results"
TRICKLE = "trickle=0.2"  # ~1 KB reply: over three minutes if waited out
NO_HANG_S = 60.0
QUICK: dict[str, Any] = {
    "poll_initial_s": 0.02,
    "poll_max_s": 0.1,
    "retry_wait_s": 0.01,
    "max_retry_wait_s": 0.05,
    "read_timeout": 10.0,  # each trickled byte comes well within this
}


@pytest.fixture
def photo(photos_dir: Path) -> PreparedPhoto:
    return prepared(photos_dir / "hivision_test0.jpg")


def test_trickle_faults_are_listed_and_parsed() -> None:
    faults = parse_faults("trickle=0.5,trickle-result=0.25")
    assert faults.trickle_s == 0.5
    assert faults.trickle_result_s == 0.25
    assert faults.has_task_faults


def test_a_trickled_create_reply_ends_at_the_deadline_as_maybe_charged(
    sandbox: SandboxServer, sandbox_token: str, photo: PreparedPhoto
) -> None:
    client = ProviderClient(
        sandbox_token,
        sandbox.base_url,
        session=FaultSession(post=[TRICKLE]),
        request_deadline_s=1.5,
        **QUICK,
    )
    started = time.monotonic()
    with pytest.raises(MaybeChargedError) as caught:
        client.generate(make_request(photo, sync=True))
    assert time.monotonic() - started < NO_HANG_S
    assert "within 2 s" in str(caught.value)
    assert sandbox_token not in caught.value.full_text()
    assert sandbox.request_counts[POST] == 1  # never re-sent


def test_a_trickled_poll_ends_at_the_deadline(
    sandbox: SandboxServer, sandbox_token: str, photo: PreparedPhoto
) -> None:
    client = ProviderClient(
        sandbox_token,
        sandbox.base_url,
        session=FaultSession(get=[TRICKLE] * 5),
        request_deadline_s=1.0,
        **QUICK,
    )
    started = time.monotonic()
    with pytest.raises(RequestTimeoutError) as caught:
        client.generate(make_request(photo, sync=False))
    assert not isinstance(caught.value, MaybeChargedError)  # a poll costs nothing
    assert time.monotonic() - started < NO_HANG_S
    counts = sandbox.request_counts
    assert counts[POST] == 1
    assert counts[POLL] == 1  # a server that trickles is not asked again and again


def test_a_trickled_result_download_ends_at_its_deadline(
    sandbox: SandboxServer, sandbox_token: str, photo: PreparedPhoto
) -> None:
    client = ProviderClient(
        sandbox_token,
        sandbox.base_url,
        session=FaultSession(post=["trickle-result=0.2"]),
        download_deadline_s=1.5,
        **QUICK,
    )
    started = time.monotonic()
    with pytest.raises(RequestTimeoutError) as caught:
        client.generate(make_request(photo, sync=True))
    assert time.monotonic() - started < NO_HANG_S
    assert "result did not download within 2 s" in str(caught.value)
    counts = sandbox.request_counts
    assert counts[POST] == 1
    assert counts[RESULT] == 1  # the deadline covers the retries too


@pytest.mark.parametrize(("post", "get"), [([TRICKLE], []), ([], [TRICKLE] * 3)])
def test_cancel_interrupts_a_request_blocked_in_a_read(
    sandbox: SandboxServer,
    sandbox_token: str,
    photo: PreparedPhoto,
    post: list[str],
    get: list[str],
) -> None:
    """Cancel from another thread ends a blocked exchange (the connection is cut)."""
    client = ProviderClient(
        sandbox_token,
        sandbox.base_url,
        session=FaultSession(post=post, get=get),
        request_deadline_s=600.0,
        **QUICK,
    )
    cancel = CancelToken()
    caught: list[BaseException] = []

    def run() -> None:
        try:
            client.generate(make_request(photo, sync=bool(post)), cancel=cancel)
        except BaseException as exc:
            caught.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    # Wait until the trickled exchange is under way (the POST, or the first poll).
    target = POST if post else POLL
    for _ in range(400):
        if sandbox.request_counts[target] >= 1:
            break
        time.sleep(0.025)
    time.sleep(0.5)
    assert worker.is_alive()  # blocked in the trickled reply
    cancel.cancel()
    worker.join(NO_HANG_S)
    assert not worker.is_alive()
    assert len(caught) == 1 and isinstance(caught[0], CancelledError)
    # The photo was sent: the clerk is told the task may still be charged.
    assert "charge" in caught[0].full_text()
    assert sandbox.request_counts[POST] == 1


def test_deadlines_are_settings_with_defaults_the_client_uses(tmp_path: Path) -> None:
    settings = Settings(tmp_path / "settings.json")
    assert settings.request_deadline_s == 180
    assert settings.download_deadline_s == 120
    settings.request_deadline_s = 30
    settings.download_deadline_s = 45
    client = client_from_settings("sbx-abcdef123456", settings=settings)
    assert client.request_deadline_s == 30.0
    assert client.download_policy.deadline_s == 45.0
    assert client.base_url == settings.api_url
    with pytest.raises(ValidationError):
        settings.request_deadline_s = 0
