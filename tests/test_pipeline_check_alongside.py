"""The capture check beside the engine's call: only when its verdict decides nothing.

The checker here is a plain function that looks at the sandbox's request counter: it
sees the provider's POST arrive only if the call was started while it was still running.
The provider is the sandbox server on 127.0.0.1 through the real client.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from idphoto_desktop.api.client import ProviderClient
from idphoto_desktop.capture.report import CaptureReport, Reason
from idphoto_desktop.core import validation
from idphoto_desktop.core.errors import ValidationError
from idphoto_desktop.core.job import OutputFormat, PhotoSize
from idphoto_desktop.engines.cloud import CloudEngine
from idphoto_desktop.engines.offline.models import ModelsUnavailableError
from idphoto_desktop.pipeline import (
    Answers,
    CheckRefusedError,
    FixedQuestions,
    JobContext,
    run_job,
)
from idphoto_desktop.sandbox.server import SandboxServer
from tests.fixtures.sandbox import SandboxFactory

POST = "POST /task/pic/idphoto"
PHOTO = "hivision_test0.jpg"
SEEN_WITHIN_S = 20.0  # how long the checker waits to see the POST (a bound, not a timing)


Report = CaptureReport


def _report(verdict: str, *texts: str) -> CaptureReport:
    """A real report, so the result check after the call runs on it as on the checker's."""
    reasons = tuple(Reason("head_yaw", verdict, text, None, None, {}) for text in texts)
    return CaptureReport(verdict, reasons, (), None, {})


@dataclass
class WatchingChecker:
    """Says "retake" and notes whether the provider's POST arrived while it ran."""

    server: SandboxServer
    wait_for_post: bool
    saw_post: bool = False
    thread: str = ""
    calls: list[str] = field(default_factory=list)

    def __call__(self, image: Any, **_kwargs: Any) -> Report:
        self.thread = threading.current_thread().name
        self.calls.append("check")
        deadline = time.monotonic() + (SEEN_WITHIN_S if self.wait_for_post else 0.0)
        while True:
            if self.server.request_counts[POST] >= 1:
                self.saw_post = True
                break
            if time.monotonic() >= deadline:
                break
            time.sleep(0.01)
        return _report("retake", "the head is turned")


def _ctx(server: SandboxServer, token: str, photo: Path, checker: Any,
         **kwargs: Any) -> JobContext:
    params = validation.make_params(PhotoSize(300, 400), OutputFormat.PNG, **kwargs)
    engine: Callable[[], CloudEngine] = lambda: CloudEngine(  # noqa: E731
        ProviderClient(token, base_url=server.base_url)
    )
    return JobContext(params=params, engine_name="cloud", engine_factory=engine, paid=True,
                      source=photo, history=None, checker=checker)


def test_a_check_whose_verdict_decides_nothing_runs_beside_the_paid_call(
    sandbox_factory: SandboxFactory, sandbox_token: str, photos_dir: Path
) -> None:
    server = sandbox_factory(faults="delay=1.0")
    checker = WatchingChecker(server, wait_for_post=True)
    ctx = run_job(_ctx(server, sandbox_token, photos_dir / PHOTO, checker),
                  questions=FixedQuestions(Answers(go_on_despite_check=True)))
    # the call started while the check ran, and the verdict is still there in the end
    assert checker.saw_post and checker.thread == "capture-check"
    assert ctx.result is not None and ctx.report.verdict == "retake"
    assert ctx.check_alongside is None and server.request_counts[POST] == 1


def test_a_check_that_may_stop_the_call_runs_first_and_nothing_is_paid(
    sandbox_factory: SandboxFactory, sandbox_token: str, photos_dir: Path
) -> None:
    server = sandbox_factory()
    checker = WatchingChecker(server, wait_for_post=False)
    ctx = _ctx(server, sandbox_token, photos_dir / PHOTO, checker)
    with pytest.raises(CheckRefusedError):
        run_job(ctx, questions=FixedQuestions(Answers(go_on_despite_check=False)))
    assert not checker.saw_post and checker.thread == threading.current_thread().name
    assert server.request_counts[POST] == 0
    # unanswered (the window asks the clerk): also first, the job pauses with the verdict
    paused = run_job(_ctx(server, sandbox_token, photos_dir / PHOTO, checker),
                     questions=FixedQuestions(Answers(go_on_despite_check=None)))
    assert paused.pending is not None and paused.pending.kind == "go_on_despite_check"
    assert paused.report.verdict == "retake" and server.request_counts[POST] == 0


def test_a_chosen_face_is_checked_before_paying_even_when_retakes_are_paid_for(
    sandbox_factory: SandboxFactory, sandbox_token: str, photos_dir: Path
) -> None:
    server = sandbox_factory()

    def no_such_face(image: Any, **kwargs: Any) -> Report:
        raise ValidationError(f"There is no face {kwargs['face']} in the photo.")

    ctx = _ctx(server, sandbox_token, photos_dir / PHOTO, no_such_face, face_index=3)
    with pytest.raises(ValidationError, match="no face 3"):
        run_job(ctx, questions=FixedQuestions(Answers(go_on_despite_check=True)))
    assert server.request_counts[POST] == 0


def test_a_check_beside_the_call_that_cannot_run_is_a_warning_and_a_failed_call_waits_for_it(
    sandbox_factory: SandboxFactory, sandbox_token: str, photos_dir: Path
) -> None:
    server = sandbox_factory()

    def no_models(image: Any, **_kwargs: Any) -> Report:
        time.sleep(0.2)
        raise ModelsUnavailableError("The face models are missing.")

    ctx = run_job(_ctx(server, sandbox_token, photos_dir / PHOTO, no_models),
                  questions=FixedQuestions(Answers(go_on_despite_check=True)))
    assert ctx.result is not None and ctx.report is None
    assert ctx.check_error is not None and "models are missing" in ctx.check_error
    assert any("was not checked" in w for w in ctx.warnings)

    finished: list[str] = []

    def slow_ok(image: Any, **_kwargs: Any) -> Report:
        time.sleep(0.5)
        finished.append("done")
        return _report("ok")

    bad_token = _ctx(server, "not-the-token-0123456789", photos_dir / PHOTO, slow_ok)
    with pytest.raises(Exception) as raised:
        run_job(bad_token, questions=FixedQuestions(Answers(go_on_despite_check=True)))
    assert "token" in str(raised.value).lower()  # the call's failure is what is raised
    assert finished == ["done"] and bad_token.check_alongside is None  # and none left running


def test_the_checks_modules_load_beside_a_paid_call_and_first_for_an_engine_here(
    sandbox_factory: SandboxFactory,
    sandbox_token: str,
    photos_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Loading the check (its imports) waits on nothing: beside a provider's reply it is
    done on the check's thread while the call is out; the job's thread goes on only once
    it has ended, so no two threads import at once. For an engine on this computer (it
    imports its own modules during its call) the job's thread loads it first."""
    from idphoto_desktop.pipeline import steps

    server = sandbox_factory(faults="delay=0.2")
    checker = WatchingChecker(server, wait_for_post=False)
    loads: list[tuple[str, bool]] = []
    after_load: list[str] = []

    def loading() -> Any:
        seen = False
        deadline = time.monotonic() + SEEN_WITHIN_S
        while not seen and time.monotonic() < deadline:
            seen = server.request_counts[POST] >= 1
            time.sleep(0.01)
        time.sleep(1.0)  # a slow import, outlasting the call: the job's thread waits
        loads.append((threading.current_thread().name, seen))
        return checker

    def check_result(ctx: JobContext, run: Any) -> None:
        after_load.append("next step" if loads else "next step before the load ended")
        steps.check_result(ctx, run)

    monkeypatch.setattr(steps, "default_checker", loading)
    job_steps = tuple(
        steps.Step(s.name, check_result if s.name == "check_result" else s.fn, s.percent,
                   s.text)
        for s in steps.DEFAULT_STEPS
    )
    ctx = run_job(_ctx(server, sandbox_token, photos_dir / PHOTO, "auto"), job_steps,
                  questions=FixedQuestions(Answers(go_on_despite_check=True)))
    assert loads == [("capture-check", True)]
    assert after_load == ["next step"]
    assert ctx.result is not None and ctx.report.verdict == "retake"

    # the same engine said to cost nothing: loaded on the job's thread, before the call
    loads.clear()
    free = _ctx(server, sandbox_token, photos_dir / PHOTO, "auto")
    paid_factory = free.engine_factory

    def free_engine() -> Any:
        engine = paid_factory()
        engine.costs_money = False
        return engine

    free.engine_factory = free_engine
    free.paid = False
    before = server.request_counts[POST]

    def loading_first() -> Any:
        loads.append((threading.current_thread().name, server.request_counts[POST] > before))
        return checker

    monkeypatch.setattr(steps, "default_checker", loading_first)
    run_job(free, questions=FixedQuestions(Answers(go_on_despite_check=True)))
    assert loads == [(threading.current_thread().name, False)]


def test_the_result_is_decoded_while_the_check_of_the_photo_still_runs(
    sandbox_factory: SandboxFactory,
    sandbox_token: str,
    photos_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After a paid call the job's thread decodes the result before it waits for the
    check beside the call (both release the GIL: on two cores the decode is free), once,
    and the result check uses those pixels."""
    from idphoto_desktop.capture import result_check
    from idphoto_desktop.pipeline import steps

    server = sandbox_factory()
    decoded = threading.Event()
    decoders: list[str] = []
    real = result_check.result_pixels

    def pixels(result: Any) -> Any:
        decoders.append(threading.current_thread().name)
        out = real(result)
        decoded.set()
        return out

    seen: list[bool] = []

    def checker(image: Any, **_kwargs: Any) -> CaptureReport:
        seen.append(decoded.wait(SEEN_WITHIN_S))  # a bound, not a timing
        return CaptureReport("ok", (), (), 1, {})

    monkeypatch.setattr(result_check, "result_pixels", pixels)
    monkeypatch.setattr(steps, "default_checker", lambda: checker)
    ctx = run_job(_ctx(server, sandbox_token, photos_dir / PHOTO, "auto"),
                  questions=FixedQuestions(Answers(go_on_despite_check=True)))
    assert seen == [True]
    assert decoders == [threading.current_thread().name]
    assert ctx.report is not None and "background_left" in ctx.report.measures


@dataclass
class InterruptedCall:
    """A paid engine whose call is stopped by Ctrl+C (KeyboardInterrupt) on the way."""

    costs_money: bool = True
    name: str = "cloud"

    def generate(self, request: Any, **_kwargs: Any) -> Any:
        raise KeyboardInterrupt


def test_ctrl_c_never_waits_for_a_check_whose_loading_does_not_end(
    photos_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check's loading hangs (a stuck import, a hung disk): Ctrl+C during the call
    still stops the job after run_job's bounded wait, not after the loading."""
    from idphoto_desktop.pipeline import run as run_module
    from idphoto_desktop.pipeline import steps

    release = threading.Event()
    loaded: list[bool] = []

    def stuck_loader() -> None:
        release.wait(10.0)  # without a bound on Ctrl+C, run_job returns only after this
        loaded.append(True)

    monkeypatch.setattr(steps, "default_checker", stuck_loader)
    monkeypatch.setattr(run_module, "CHECK_SETTLE_S", 0.1)
    params = validation.make_params(PhotoSize(300, 400), OutputFormat.PNG)
    ctx = JobContext(params=params, engine_name="cloud", engine_factory=InterruptedCall,
                     paid=True, source=photos_dir / PHOTO, history=None, checker="auto")
    try:
        with pytest.raises(KeyboardInterrupt):
            run_job(ctx, questions=FixedQuestions(Answers(go_on_despite_check=True)))
        loaded_when_stopped = bool(loaded)
    finally:
        release.set()
    assert not loaded_when_stopped  # the job stopped while the loading was still stuck
