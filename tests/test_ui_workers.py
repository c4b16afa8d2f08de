"""The task runner: exactly one outcome per task, on the GUI thread; cancel; drain."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from idphoto_desktop.core.errors import CancelledError, NetworkError
from idphoto_desktop.core.job import CancelToken, ProgressCallback
from idphoto_desktop.ui.workers import TaskRunner

pytestmark = pytest.mark.gui


class Outcomes:
    def __init__(self) -> None:
        self.values: list[object] = []
        self.errors: list[BaseException] = []
        self.progress: list[tuple[int, str]] = []
        self.threads: list[QThread] = []

    def ok(self, value: object) -> None:
        self.threads.append(QThread.currentThread())
        self.values.append(value)

    def bad(self, error: BaseException) -> None:
        self.threads.append(QThread.currentThread())
        self.errors.append(error)

    def step(self, percent: int, text: str) -> None:
        self.progress.append((percent, text))

    @property
    def count(self) -> int:
        return len(self.values) + len(self.errors)


@pytest.fixture
def runner(qtbot: Any) -> Any:
    runner = TaskRunner()
    yield runner
    runner.shutdown(5_000)


def test_success_and_progress_arrive_on_gui_thread(qtbot: Any, runner: TaskRunner) -> None:
    out = Outcomes()
    worker_thread: list[threading.Thread] = []

    def work(progress: ProgressCallback, cancel: CancelToken) -> int:
        worker_thread.append(threading.current_thread())
        progress(50, "half")
        return 42

    runner.submit(work, on_success=out.ok, on_failure=out.bad, on_progress=out.step)
    qtbot.waitUntil(lambda: out.count == 1)
    qtbot.wait(50)
    assert out.values == [42] and out.errors == []
    assert out.progress == [(50, "half")]
    assert worker_thread[0] is not threading.main_thread()
    app = QApplication.instance()
    assert app is not None and out.threads == [app.thread()]
    assert runner.active == 0


@pytest.mark.parametrize("error", [NetworkError("down"), ValueError("bug"), KeyboardInterrupt()])
def test_failure_is_the_one_outcome(qtbot: Any, runner: TaskRunner, error: BaseException) -> None:
    out = Outcomes()

    def work(progress: ProgressCallback, cancel: CancelToken) -> int:
        raise error

    runner.submit(work, on_success=out.ok, on_failure=out.bad)
    qtbot.waitUntil(lambda: out.count == 1)
    qtbot.wait(50)
    assert out.errors == [error] and out.values == []


def test_cancel_before_start_and_shutdown_drains(qtbot: Any) -> None:
    runner = TaskRunner(max_threads=1)
    out = Outcomes()
    release = threading.Event()
    started = threading.Event()

    def blocker(progress: ProgressCallback, cancel: CancelToken) -> str:
        started.set()
        cancel.wait(10)
        release.set()
        cancel.raise_if_cancelled()
        return "done"

    def never(progress: ProgressCallback, cancel: CancelToken) -> str:
        return "ran"

    runner.submit(blocker, on_success=out.ok, on_failure=out.bad)
    queued = runner.submit(never, on_success=out.ok, on_failure=out.bad)
    queued.cancel()
    assert started.wait(5)
    assert runner.shutdown(5_000)
    assert release.is_set()
    qtbot.wait(50)
    assert out.count == 0  # nothing is delivered to a window that is closing
    assert runner.stopping
    with pytest.raises(RuntimeError):
        runner.submit(never, on_success=out.ok, on_failure=out.bad)


def test_cancelled_task_reports_cancelled(qtbot: Any, runner: TaskRunner) -> None:
    out = Outcomes()
    started = threading.Event()

    def work(progress: ProgressCallback, cancel: CancelToken) -> str:
        started.set()
        cancel.wait(10)
        cancel.raise_if_cancelled()
        return "not cancelled"

    handle = runner.submit(work, on_success=out.ok, on_failure=out.bad)
    assert started.wait(5)
    handle.cancel()
    qtbot.waitUntil(lambda: out.count == 1)
    assert isinstance(out.errors[0], CancelledError)
