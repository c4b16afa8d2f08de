"""The capture check run alongside the engine's call, when its verdict decides nothing.

Why: the check (its networks, a few passes) takes a few hundred milliseconds, and the
provider's call is mostly waiting on the network. When the answer
to "retake: pay anyway?" is known before the verdict (the command line without
``--refuse-retake``, a watched folder keeping retakes, an engine that costs nothing),
the verdict only has to be there for the result's own check and the report; the job
then takes about the longer of the two instead of their sum. A check whose verdict
could stop the call, or whose input is the clerk's choice (a face number), runs first,
as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["CheckAlongside"]


class CheckAlongside:
    """One check on its own daemon thread; :meth:`join` gives its outcome on the job's.

    The outcome is what the check returned, or the exception it raised: re-raised at
    :meth:`join`, so the step that waits handles it as if the check had run there.
    """

    def __init__(self, run: Callable[[], Any]) -> None:
        self._run = run
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._target, name="capture-check", daemon=True)
        self._thread.start()

    def _target(self) -> None:
        try:
            self._value = self._run()
        except BaseException as err:  # handed to the job's thread at join()
            self._error = err

    def settle(self, seconds: float) -> bool:
        """Wait at most ``seconds`` for the check to end, its outcome dropped; True if
        it ended. A process must not exit while the check is inside OpenCV: its native
        threads would be torn down under it (``terminate called``, SIGABRT)."""
        self._thread.join(seconds)
        return not self._thread.is_alive()

    def join(self) -> Any:
        """Wait for the check; its report, or its exception raised here."""
        self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        return self._value
