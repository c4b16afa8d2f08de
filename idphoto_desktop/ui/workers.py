"""Work off the GUI thread: a runnable plus a signal carrier that emits exactly one outcome.

Every slow thing the window does (reading a photo, calling an engine, recolouring,
writing a file, testing the connection) goes through :class:`TaskRunner`. The carrier
lives on the GUI thread, so its signals arrive there as queued events and the
callbacks run where widgets may be touched. The runner owns its pool and drains it at
shutdown: a "stopping" flag first, then cancel, then ``waitForDone`` (never terminate).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from idphoto_desktop.core.errors import CancelledError
from idphoto_desktop.core.job import CancelToken, ProgressCallback

log = logging.getLogger(__name__)

TaskFn = Callable[[ProgressCallback, CancelToken], Any]
SuccessFn = Callable[[Any], None]
FailureFn = Callable[[BaseException], None]
ProgressFn = Callable[[int, str], None]


class _Carrier(QObject):
    """Created on the GUI thread; the worker emits, the GUI thread runs the callbacks."""

    progress = Signal(int, str)
    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        task_id: int,
        on_success: SuccessFn,
        on_failure: FailureFn,
        on_progress: ProgressFn | None,
    ) -> None:
        super().__init__()
        self._runner = runner
        self._task_id = task_id
        self._on_success = on_success
        self._on_failure = on_failure
        self._on_progress = on_progress
        self.progress.connect(self._deliver_progress)
        self.succeeded.connect(self._deliver_success)
        self.failed.connect(self._deliver_failure)

    @Slot(int, str)
    def _deliver_progress(self, percent: int, text: str) -> None:
        if self._on_progress is not None and not self._runner.stopping:
            self._on_progress(percent, text)

    @Slot(object)
    def _deliver_success(self, value: object) -> None:
        self._runner._finish(self._task_id)
        if not self._runner.stopping:
            self._on_success(value)

    @Slot(object)
    def _deliver_failure(self, error: object) -> None:
        self._runner._finish(self._task_id)
        if not self._runner.stopping:
            assert isinstance(error, BaseException)
            self._on_failure(error)


class _Task(QRunnable):
    """Runs ``fn`` and emits success or failure, never both, never neither."""

    def __init__(self, fn: TaskFn, carrier: _Carrier, cancel: CancelToken) -> None:
        super().__init__()
        self._fn = fn
        self._carrier = carrier
        self._cancel = cancel
        self.setAutoDelete(True)

    def run(self) -> None:
        carrier = self._carrier

        def progress(percent: int, text: str) -> None:
            carrier.progress.emit(int(percent), str(text))

        try:
            self._cancel.raise_if_cancelled()
            value = self._fn(progress, self._cancel)
        except BaseException as exc:  # the GUI thread decides what to show
            if not isinstance(exc, CancelledError):
                log.debug("task failed", exc_info=True)
            carrier.failed.emit(exc)
        else:
            carrier.succeeded.emit(value)


class TaskHandle:
    """What the caller keeps: the id and the cancel switch of one submitted task."""

    def __init__(self, task_id: int, cancel: CancelToken) -> None:
        self.id = task_id
        self.cancel_token = cancel

    def cancel(self) -> None:
        self.cancel_token.cancel()


class TaskRunner(QObject):
    """Owns a thread pool; ``submit`` work, ``shutdown`` to cancel and drain it."""

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 2) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._ids = itertools.count(1)
        self._live: dict[int, tuple[_Carrier, CancelToken]] = {}
        self.stopping = False

    @property
    def active(self) -> int:
        """Tasks submitted whose outcome has not yet reached the GUI thread."""
        return len(self._live)

    def submit(
        self,
        fn: TaskFn,
        *,
        on_success: SuccessFn,
        on_failure: FailureFn,
        on_progress: ProgressFn | None = None,
    ) -> TaskHandle:
        """Start ``fn(progress, cancel)`` on the pool; callbacks run on the GUI thread."""
        if self.stopping:
            raise RuntimeError("The task runner is shutting down.")
        task_id = next(self._ids)
        cancel = CancelToken()
        carrier = _Carrier(self, task_id, on_success, on_failure, on_progress)
        self._live[task_id] = (carrier, cancel)  # keeps the carrier alive until delivery
        self._pool.start(_Task(fn, carrier, cancel))
        return TaskHandle(task_id, cancel)

    def _finish(self, task_id: int) -> None:
        self._live.pop(task_id, None)

    def cancel_all(self) -> None:
        for _carrier, cancel in self._live.values():
            cancel.cancel()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop delivering outcomes, cancel every task and wait for the pool to drain."""
        self.stopping = True
        self.cancel_all()
        done = self._pool.waitForDone(timeout_ms)
        if not done:
            log.warning("Some background work did not stop within %d ms.", timeout_ms)
        return bool(done)

    def wait_idle(self, timeout_ms: int = 10_000) -> bool:
        """Block until the pool is empty (tests and shutdown only)."""
        return bool(self._pool.waitForDone(timeout_ms))
