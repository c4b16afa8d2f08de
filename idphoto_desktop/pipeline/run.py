"""Run a job's steps: progress, the clerk's Cancel, shutdown, and never losing a result.

Two stop switches: ``cancel`` is the clerk's (the job stops at the next step; a paid
call already under way is left to finish, and its result is kept and reported with
:class:`KeptAfterCancelError`), ``abort`` is the application's at shutdown (passed
into every engine call, paid or not).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from idphoto_desktop.core.errors import CancelledError
from idphoto_desktop.core.i18n import N_
from idphoto_desktop.core.job import CancelToken, ProgressCallback
from idphoto_desktop.pipeline.context import JobContext
from idphoto_desktop.pipeline.questions import FixedQuestions, Questions
from idphoto_desktop.pipeline.steps import DEFAULT_STEPS, Step, await_check, record

log = logging.getLogger(__name__)


class KeptAfterCancelError(CancelledError):
    """Cancelled, but the paid call had already been made: its result is kept."""

    default_hint = "Press Generate again to use it: nothing more is charged."

    def __init__(self, ctx: JobContext) -> None:
        # whole sentences, each one in the message catalogue
        if ctx.entry_id is not None:
            said = N_(
                "Cancelled, but the provider had already made the photo: it was paid for "
                "and kept in the history."
            )
        elif ctx.recovered is not None:
            said = N_(
                "Cancelled, but the provider had already made the photo: it was paid for "
                f"and kept in {ctx.recovered}."
            )
        else:
            said = N_(
                "Cancelled, but the provider had already made the photo: it was paid for "
                "and kept on the screen."
            )
        super().__init__(said)
        self.context = ctx


class _Either(CancelToken):
    """Cancelled when either token is: the clerk's Cancel or shutdown."""

    def __init__(self, first: CancelToken, second: CancelToken) -> None:
        super().__init__()
        self._pair = (first, second)

    def cancel(self) -> None:
        for token in self._pair:
            token.cancel()

    @property
    def cancelled(self) -> bool:
        return any(token.cancelled for token in self._pair)

    def raise_if_cancelled(self) -> None:
        if self.cancelled:
            raise CancelledError("Cancelled.")

    def wait(self, seconds: float) -> bool:
        step = 0.05
        waited = 0.0
        while not self.cancelled and waited < seconds:
            self._pair[1].wait(min(step, seconds - waited))
            waited += step
        return self.cancelled


class JobRun:
    """What the steps need besides the context: questions, progress, the stop switches."""

    def __init__(
        self,
        questions: Questions,
        progress: ProgressCallback,
        cancel: CancelToken,
        abort: CancelToken,
    ) -> None:
        self.questions = questions
        self.progress = progress
        self.cancel = cancel
        self.abort = abort
        self.either: CancelToken = cancel if cancel is abort else _Either(cancel, abort)

    def engine_progress(self, percent: int, text: str) -> None:
        """The engine's own 0..100, as it says (the call is most of the job's time)."""
        self.progress(max(0, min(100, int(percent))), text)


def _settle_check(ctx: JobContext) -> None:
    """A job that fails waits for a check still running beside it (never left working
    while the process exits); the failure, not the check's, is what is raised. The
    clerk's Cancel does not wait: the window goes on and the check's thread ends on its
    own; Ctrl+C waits only for the check to leave OpenCV (:func:`_stop_check`)."""
    try:
        await_check(ctx)
    except Exception:  # the job's own error is the one to report
        log.debug("the check beside a failed job failed too", exc_info=True)


CHECK_SETTLE_S = 5.0
"""How long Ctrl+C waits for a check beside the call (it ends within about half a second;
the bound is only for a check that hangs)."""


def _stop_check(ctx: JobContext) -> None:
    """Ctrl+C or shutdown: the process is about to exit, so a check still inside OpenCV
    is let finish first (an exit under it aborts the process); its report is dropped."""
    pending, ctx.check_alongside = ctx.check_alongside, None
    if pending is not None and not pending.settle(CHECK_SETTLE_S):
        log.warning("the capture check did not end within %.0f s of the stop", CHECK_SETTLE_S)


def _no_progress(_percent: int, _text: str) -> None:
    return None


def run_job(
    ctx: JobContext,
    steps: Sequence[Step] = DEFAULT_STEPS,
    *,
    questions: Questions | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    abort: CancelToken | None = None,
    report_steps: bool = True,
) -> JobContext:
    """Run ``steps`` on ``ctx``; returns it done, or with ``ctx.pending`` set.

    ``progress`` receives the engine's progress, and each step's start unless
    ``report_steps`` is False (the command line prints only the engine's).

    Raises the step's ``IdPhotoError`` (clerk's words) or ``CancelledError``; a fresh
    result is kept before any error leaves this function.
    """
    cancel = cancel if cancel is not None else CancelToken()
    run = JobRun(
        questions if questions is not None else FixedQuestions(),
        progress if progress is not None else _no_progress,
        cancel,
        abort if abort is not None else cancel,
    )
    ctx.pending = None
    with ctx.stack:
        try:
            for step in steps:
                if not ctx.fresh:  # once paid for, the result is kept before stopping
                    run.either.raise_if_cancelled()
                if report_steps:
                    run.progress(step.percent, step.text)
                step.fn(ctx, run)
                if ctx.pending is not None:
                    await_check(ctx)  # the caller shows the verdict with its question
                    return ctx
            await_check(ctx)  # steps without the result's check still get the verdict
        except BaseException as err:
            if ctx.fresh and not ctx.kept:
                record(ctx, run)
            if isinstance(err, KeyboardInterrupt) or run.abort.cancelled:
                _stop_check(ctx)  # the process is about to exit
            elif not isinstance(err, CancelledError):  # the clerk's Cancel never waits
                _settle_check(ctx)
            raise
    if cancel.cancelled and ctx.fresh:
        if ctx.paid_call:
            raise KeptAfterCancelError(ctx)
        raise CancelledError("Cancelled.")
    if report_steps:
        run.progress(100, "Done")
    return ctx
