"""Work off the GUI thread: a runnable plus a signal carrier that emits exactly one outcome.

Every slow thing the window does (reading a photo, a pipeline job, recolouring, writing a
file, testing the connection) goes through :class:`TaskRunner`. The carrier lives on the
GUI thread, so its signals arrive there as queued events and the callbacks run where
widgets may be touched. The runner is generic over the task's result type, so callbacks
receive what the task returned, typed. ``latest="name"`` keeps only the newest task of
that name: submitting another cancels the older one and its outcome is never delivered.
A failure that is not an :class:`IdPhotoError` is a bug: it is logged at ERROR with its
traceback, where it happened. The runner owns its pool and drains it at shutdown: a
"stopping" flag first, then cancel, then ``waitForDone`` (never terminate).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from idphoto_desktop.core.errors import IdPhotoError
from idphoto_desktop.core.job import CancelToken, ProgressCallback

log = logging.getLogger(__name__)

T = TypeVar("T")

TaskFn = Callable[[ProgressCallback, CancelToken], T]
FailureFn = Callable[[BaseException], None]
ProgressFn = Callable[[int, str], None]


class _Carrier(QObject, Generic[T]):
    """Created on the GUI thread; the worker emits, the GUI thread runs the callbacks."""

    progress = Signal(int, str)
    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        task_id: int,
        on_success: Callable[[T], None],
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
        if self._on_progress is not None and self._runner._current(self._task_id):
            self._on_progress(percent, text)

    @Slot(object)
    def _deliver_success(self, value: Any) -> None:
        if self._runner._finish(self._task_id):
            self._on_success(value)

    @Slot(object)
    def _deliver_failure(self, error: object) -> None:
        if self._runner._finish(self._task_id):
            assert isinstance(error, BaseException)
            self._on_failure(error)


def log_failure(error: BaseException, what: str = "Background work") -> None:
    """Unexpected failures (not the clerk's situation, a bug) go to the log at ERROR."""
    if not isinstance(error, IdPhotoError):
        log.error("%s failed", what, exc_info=error)


class _Task(QRunnable, Generic[T]):
    """Runs ``fn`` and emits success or failure, never both, never neither."""

    def __init__(self, fn: TaskFn[T], carrier: _Carrier[T], cancel: CancelToken) -> None:
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
            log_failure(exc)
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
        self._live: dict[int, tuple[QObject, CancelToken]] = {}
        self._latest: dict[str, int] = {}
        self._names: dict[int, str] = {}
        self.stopping = False

    @property
    def active(self) -> int:
        """Tasks submitted whose outcome has not yet reached the GUI thread."""
        return len(self._live)

    def submit(
        self,
        fn: TaskFn[T],
        *,
        on_success: Callable[[T], None],
        on_failure: FailureFn,
        on_progress: ProgressFn | None = None,
        latest: str | None = None,
    ) -> TaskHandle:
        """Start ``fn(progress, cancel)`` on the pool; callbacks run on the GUI thread.

        With ``latest``, an older task of that name is cancelled and superseded.
        """
        if self.stopping:
            raise RuntimeError("The task runner is shutting down.")
        task_id = next(self._ids)
        cancel = CancelToken()
        if latest is not None:
            self.cancel_latest(latest)
            self._latest[latest] = task_id
            self._names[task_id] = latest
        carrier: _Carrier[T] = _Carrier(self, task_id, on_success, on_failure, on_progress)
        self._live[task_id] = (carrier, cancel)  # keeps the carrier alive until delivery
        self._pool.start(_Task(fn, carrier, cancel))
        return TaskHandle(task_id, cancel)

    def cancel_latest(self, name: str) -> None:
        """Cancel the newest task of ``name``; its outcome is dropped."""
        older = self._latest.pop(name, None)
        if older is not None and older in self._live:
            self._live[older][1].cancel()

    def _current(self, task_id: int) -> bool:
        """The outcome may be delivered: not stopping, and not superseded."""
        if self.stopping or task_id not in self._live:
            return False
        name = self._names.get(task_id)
        return name is None or self._latest.get(name) == task_id

    def _finish(self, task_id: int) -> bool:
        deliver = self._current(task_id)
        self._live.pop(task_id, None)
        name = self._names.pop(task_id, None)
        if name is not None and self._latest.get(name) == task_id:
            del self._latest[name]
        return deliver

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
