"""The capture check run alongside the engine's call, when its verdict decides nothing.

Why: the check (its modules, its networks, a few passes) takes a few hundred
milliseconds, and the provider's call is mostly waiting on the network. When the answer
to "retake: pay anyway?" is known before the verdict (the command line without
``--refuse-retake``, a watched folder keeping retakes, an engine that costs nothing),
the verdict only has to be there for the result's own check and the report; the job
then takes about the longer of the two instead of their sum. A check whose verdict
could stop the call, or whose input is the clerk's choice (a face number), runs first,
as before.

Imports: two threads importing this package's modules at once can meet a
half-initialised module (an import cycle across threads). So the check's modules are
imported either on the job's thread before the checking starts beside it (an engine
that works on this computer: it imports its own modules during its call), or on the
check's thread while the job's thread waits on a provider's reply; then the job's thread
waits for that import to end (:meth:`CheckAlongside.wait_loaded`) before it goes on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["CheckAlongside"]


class CheckAlongside:
    """One check on its own daemon thread; :meth:`join` gives its outcome on the job's.

    ``load`` imports the checker and returns it (None: nothing to check with); ``check``
    runs it. Nothing runs until :meth:`start`. The outcome is what the check returned,
    or the exception it raised: re-raised at :meth:`join`, so the step that waits handles
    it as if the check had run there.
    """

    def __init__(self, load: Callable[[], Any], check: Callable[[Any], Any]) -> None:
        self._load = load
        self._check = check
        self._value: Any = None
        self._error: BaseException | None = None
        self._loaded = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def started(self) -> bool:
        return self._thread is not None

    def start(self, *, load_here: bool) -> None:
        """Start the checking beside the caller. ``load_here``: import the checker on
        the calling thread first (see the module's docstring)."""
        if self._thread is not None:
            return
        checker: Any = None
        loaded = False
        if load_here:
            try:
                checker, loaded = self._load(), True
            except BaseException as err:  # handed to the job's thread at join()
                self._error = err
            self._loaded.set()
        self._thread = threading.Thread(
            target=self._target, args=(checker, loaded), name="capture-check", daemon=True
        )
        self._thread.start()

    def _target(self, checker: Any, loaded: bool) -> None:
        try:
            if self._error is not None:
                return
            if not loaded:
                try:
                    checker = self._load()
                finally:
                    self._loaded.set()
            self._value = self._checked(checker)
        except BaseException as err:  # handed to the job's thread at join()
            self._error = err

    def _checked(self, checker: Any) -> Any:
        """The check's outcome with ``checker`` (None: nothing to check with)."""
        return None if checker is None else self._check(checker)

    def wait_loaded(self) -> None:
        """Return once the checker's modules are imported (at once if never started)."""
        if self._thread is not None:
            self._loaded.wait()

    def settle(self, seconds: float) -> bool:
        """Wait at most ``seconds`` for the check to end, its outcome dropped; True if
        it ended (or never started). A process must not exit while the check is inside
        OpenCV: its native threads would be torn down under it (``terminate called``,
        SIGABRT)."""
        if self._thread is None:
            return True
        self._thread.join(seconds)
        return not self._thread.is_alive()

    def join(self) -> Any:
        """Wait for the check; its report, or its exception raised here. A check never
        started (the engine was not called: a stored result) runs here, now."""
        if self._thread is None:
            return self._checked(self._load())
        self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        return self._value
