"""The window's Generate: one pipeline job at a time, the clerk's questions in the window.

The job itself (capture check, the history rule, the engine call, keeping the result)
is the Qt-free :mod:`idphoto_desktop.pipeline`; this controller builds its context from
the window's choices, runs it on the task runner, and turns a paused question into an
in-window offer (use the stored result?) or question (the check says retake: send
anyway?), then runs the same context again with the clerk's answer.

Cancel gives the window back at once. A free engine stops; a paid call already under
way is left to finish in the background (it may have been charged): its result is kept
in the history, the clerk is told so, and the next Generate uses it.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject

from idphoto_desktop.core.errors import CancelledError, IdPhotoError, ValidationError
from idphoto_desktop.core.job import CancelToken, GenerateParams, OutputFormat, ProgressCallback
from idphoto_desktop.pipeline import (
    Answers,
    FixedQuestions,
    JobContext,
    run_job,
)
from idphoto_desktop.ui import jobs
from idphoto_desktop.ui.errors import clerk_text
from idphoto_desktop.ui.services import ENGINE_CLOUD

if TYPE_CHECKING:
    from idphoto_desktop.ui.main_window import MainWindow
    from idphoto_desktop.ui.workers import TaskHandle

log = logging.getLogger(__name__)

JobOutcome = tuple[JobContext, "jobs.GeneratedImage | None"]

# The pipeline is Qt-free and reports its steps in English: marked here for translation,
# translated when shown (a Chinese clerk reads them in Chinese).
STEP_TEXTS = (
    QT_TRANSLATE_NOOP("Pipeline", "Reading the photo"),
    QT_TRANSLATE_NOOP("Pipeline", "Checking the photo"),
    QT_TRANSLATE_NOOP("Pipeline", "Checking the choices"),
    QT_TRANSLATE_NOOP("Pipeline", "Looking in the history"),
    QT_TRANSLATE_NOOP("Pipeline", "Starting the engine"),
    QT_TRANSLATE_NOOP("Pipeline", "Checking the result"),
    QT_TRANSLATE_NOOP("Pipeline", "Composing the photo"),
    QT_TRANSLATE_NOOP("Pipeline", "Writing the file"),
    QT_TRANSLATE_NOOP("Pipeline", "Keeping the result"),
    QT_TRANSLATE_NOOP("Pipeline", "Done"),
)
NOTICE_TEXTS = (
    QT_TRANSLATE_NOOP("Pipeline", "The photo could not be checked; look at it carefully."),
    QT_TRANSLATE_NOOP("Pipeline", "The photo was not checked ({0}); look at it carefully."),
    QT_TRANSLATE_NOOP("Pipeline", "The made photo could not be checked; look at it carefully."),
    QT_TRANSLATE_NOOP(
        "Pipeline", "The history could not be searched ({0}); a new result is made."
    ),
    QT_TRANSLATE_NOOP(
        "Pipeline",
        "The {0} engine returned the photo without a transparent background: its own "
        "background is kept.",
    ),
    QT_TRANSLATE_NOOP("Pipeline", "Not kept in the history: {0}"),
    QT_TRANSLATE_NOOP("Pipeline", "The paid result could not be kept anywhere: {0}"),
    QT_TRANSLATE_NOOP("Pipeline", "The paid result was kept in {0}."),
)


def shown_notices(ctx: JobContext) -> tuple[str, ...]:
    """The job's warnings in the clerk's language."""
    return tuple(
        n.render(QCoreApplication.translate("Pipeline", n.template)) for n in ctx.notices
    )


def _history_notice(ctx: JobContext) -> tuple[str, ...]:
    """Worker: the shared history's plain sentence when its database is away (the
    counter works on its own history meanwhile); translated where it is shown."""
    if ctx.history is None:
        return ()
    try:
        warning = getattr(ctx.history(), "warning", None)
    except Exception:  # the history's own failure was already a notice of the job
        return ()
    return (warning,) if isinstance(warning, str) and warning else ()


@dataclass
class _Plan:
    """One Generate: the pipeline's context and what the window needs to show it."""

    ctx: JobContext
    answers: Answers
    photo_seq: int
    key: tuple[int, str, str]
    what: str
    loaded: jobs.LoadedPhoto | None = None  # the opened photo, to size its upload again


def _sized_for(plan: _Plan) -> jobs.LoadedPhoto | None:
    """Worker: when the photo's upload was sized for another output, size it for this one
    (from the one decode kept at opening) and use it; the window then keeps it."""
    from idphoto_desktop.core.uploadneed import upload_need
    from idphoto_desktop.pipeline.steps import crops_upload

    loaded, ctx = plan.loaded, plan.ctx
    if loaded is None or loaded.decoded is None or ctx.photo is None:
        return None
    need = upload_need(
        ctx.params.size, ctx.params.geometry, ctx.params.face_index, crop=crops_upload(ctx)
    )
    if need == loaded.need:
        return None
    resized = jobs.upload_for(loaded, need)
    if resized is loaded:  # the same size: the photo shown stays the same object
        return None
    ctx.photo = resized.prepared
    return resized


class GenerateController(QObject):
    """Runs the window's pipeline jobs; the window shows what comes back."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.job: TaskHandle | None = None
        self._clerk_cancel = CancelToken()
        self._plan: _Plan | None = None  # the running job's, or the one paused at a question
        self._detached: dict[int, int] = {}  # cancelled job id -> its photo sequence
        self._kept_for: int | None = None  # photo whose cancelled paid call was kept

    @property
    def running(self) -> bool:
        return self.job is not None

    # ============================================================== starting
    def _params(self) -> GenerateParams:
        """Validate before any thread starts; the engine is always asked for a PNG."""
        params = self._chosen_params()
        framing = self.window.framing  # the clerk's face and frame (ui/adjust_view.py)
        return params if framing is None else framing(params)

    def _chosen_params(self) -> GenerateParams:
        from idphoto_desktop.core import validation

        w = self.window
        if w.photo is None:
            raise ValidationError(
                self.tr("Open a photo first."),
                hint=self.tr("Drop it on the window, or press Ctrl+O."),
            )
        preset = w.current_preset()
        if w.preset_picker.is_custom():
            size = validation.validate_size(*w.preset_picker.custom_size())
            return validation.make_params(size, OutputFormat.PNG)
        if preset is not None:
            size = validation.validate_size(preset.width_px, preset.height_px)
            return validation.make_params(
                size, OutputFormat.PNG, preset_id=preset.id, geometry=preset.geometry
            )
        raise ValidationError(
            self.tr("Choose a document preset or a custom size."),
            hint=self.tr("See step 2 on the left."),
        )

    def _token(self, kind: str) -> str | None:
        """The provider's token (read once by the window), or a refusal in plain words."""
        if kind != ENGINE_CLOUD:
            return None
        token = self.window.token()
        if not token:
            self.window.engine_picker.set_has_token(False)
            raise ValidationError(
                self.tr(
                    "No API token is set for the provider. Enter it in Preferences "
                    "(Ctrl+,), or choose the offline engine."
                ),
                hint="",
            )
        return token

    def start(self) -> None:
        """Generate: validate here, then one pipeline job in a worker."""
        w = self.window
        if self.job is not None:
            return
        w.job_starting()
        try:
            params = self._params()
            photo = w.photo
            assert photo is not None
            kind = w.engine_picker.engine()
            if photo.prepared is None and kind != ENGINE_CLOUD:
                raise ValidationError(
                    self.tr(
                        "The offline engine needs the photo itself, not an address. Save the "
                        "image and open the file, or choose the provider."
                    ),
                    hint="",
                )
            token = self._token(kind)
        except IdPhotoError as err:
            w.fail(err.full_text())
            return
        key = (w.photo_seq, kind, params.framing_key())
        if w.shows_result_for(key) and kind == ENGINE_CLOUD:
            w.message.show_message(
                self.tr(
                    "This result is already here: nothing was sent, nothing was charged. "
                    "Changing the background colour is free."
                ),
                "info",
            )
            return
        services, settings = w.services, w.settings
        api_url = settings.api_url
        paid = kind == ENGINE_CLOUD
        source = photo.source_path.name if photo.source_path is not None else photo.label
        ctx = JobContext(
            params=params,
            engine_name=kind,
            engine_factory=lambda: services.engine(kind, token, api_url),
            paid=paid,
            photo=photo.prepared,
            image_url=photo.image_url,
            source_name=source,
            sync=settings.sync_mode == "sync",
            # a free engine simply runs again (its result is kept too); with reuse_history
            # off the clerk asked for a new call every time
            force=not paid or not settings.reuse_history,
            history=services.studio.history if settings.history_enabled else None,
            preset=w.current_preset(),
            checker=services.capture_check,
            customer=w.watch_folder.strip.customer(),  # the customer field (issue 16)
        )
        chosen = w.current_preset()
        from idphoto_desktop.ui.preset_entries import preset_label

        # the result's caption names the document in the clerk's language
        what = preset_label(chosen) if chosen is not None and params.preset_id else (
            f"{params.size} px"
        )
        use_kept = True if self._kept_for == w.photo_seq else None
        answers = Answers(use_stored=use_kept, go_on_despite_check=None, overwrite=False)
        self._submit(_Plan(ctx, answers, w.photo_seq, key, what, photo))

    def _submit(self, plan: _Plan) -> None:
        clerk = CancelToken()
        color = self.window.chosen_color()

        def work(progress: ProgressCallback, abort: CancelToken) -> JobOutcome:
            resized = _sized_for(plan)
            ctx = run_job(
                plan.ctx, questions=FixedQuestions(plan.answers), progress=progress,
                cancel=clerk, abort=abort,
            )
            if ctx.pending is not None or ctx.result is None:
                return ctx, None
            # the job's warnings (not kept in the history, …) travel with the result and
            # are shown under it, like the engine's own
            result = dataclasses.replace(
                ctx.result,
                warnings=(*ctx.result.warnings, *shown_notices(ctx), *_history_notice(ctx)),
            )
            return ctx, jobs.to_generated(result, color, resized)

        ids: list[int] = []
        handle = self.window.runner.submit(
            work,
            on_success=lambda out: self._done(ids[0], plan, out),
            on_failure=lambda error: self._failed(ids[0], plan, error),
            on_progress=self._progress,
        )
        ids.append(handle.id)
        self.job, self._clerk_cancel, self._plan = handle, clerk, plan
        self.window.set_running(True)

    def _progress(self, percent: int, text: str) -> None:
        if self.job is not None:
            self.window.show_progress(percent, QCoreApplication.translate("Pipeline", text))

    # ============================================================== outcomes
    def _finish(self, task_id: int) -> bool:
        """True when this outcome is the running job's (and the window is free again)."""
        if self.job is None or self.job.id != task_id:
            return False
        self.job = None
        self.window.set_running(False)
        return True

    def _done(self, task_id: int, plan: _Plan, out: JobOutcome) -> None:
        ctx, generated = out
        if task_id in self._detached:  # cancelled, but it finished
            self._kept_after_cancel(self._detached.pop(task_id), ctx, None)
            return
        if not self._finish(task_id) or plan.photo_seq != self.window.photo_seq:
            return  # an earlier photo's: never shown as the current one
        self.window.checkReported.emit(ctx.report)
        if ctx.pending is not None:
            self._ask(plan)
            return
        assert generated is not None
        self._kept_for = None
        w = self.window
        if generated.photo is not None:
            w.keep_resized_upload(generated.photo)
        if ctx.stored is not None:
            w.show_stored(generated, w.studio.stored_caption(ctx.stored))
            w.message.show_message(
                self.tr("The stored result is shown: nothing was sent, nothing was charged."),
                "info",
            )
        else:
            w.show_fresh(generated, plan.key, plan.what, plan.ctx.params.preset_id)

    def _failed(self, task_id: int, plan: _Plan, error: BaseException) -> None:
        if task_id in self._detached:
            self._kept_after_cancel(self._detached.pop(task_id), plan.ctx, error)
            return
        if not self._finish(task_id):
            return
        if isinstance(error, CancelledError):
            self._say_cancelled(plan)
            return
        self.window.fail(clerk_text(error))

    def _kept_after_cancel(
        self, photo_seq: int, ctx: JobContext, error: BaseException | None
    ) -> None:
        """A cancelled job ended: a paid result that came anyway is kept; say so."""
        if not (ctx.fresh and ctx.paid_call):
            return
        self._kept_for = photo_seq
        if photo_seq != self.window.photo_seq:
            return
        if ctx.entry_id is not None:
            text = self.tr(
                "The cancelled call had already been made: it was paid for and kept in the "
                "history. Press Generate to use it: nothing more is charged."
            )
        else:  # the history could not keep it: the recovery folder did (or nothing could)
            text = clerk_text(error) if error is not None else ""
            text = "\n".join(filter(None, (text, *shown_notices(ctx))))
        self.window.message.show_message(text, "info")

    # ============================================================== questions
    def _ask(self, plan: _Plan) -> None:
        pending = plan.ctx.pending
        assert pending is not None
        self._plan = plan
        w = self.window
        if pending.kind == "use_stored":
            w.studio.offer_stored(pending.subject)
        elif pending.kind == "go_on_despite_check":
            w.check_question.ask_check(pending.subject)
        else:  # the window writes no file in a job: nothing else is ever asked
            log.error("Unexpected question from the pipeline: %s", pending.kind)

    def answer_stored(self, use: bool) -> None:
        """The clerk chose the stored result (True) or a new call (False)."""
        plan = self._answer_plan("use_stored")
        if plan is not None:
            plan.answers.use_stored = use
            self._submit(plan)

    def answer_check(self, go_on: bool) -> None:
        """Send anyway (True), or retake first: nothing is sent, the job ends here."""
        plan = self._answer_plan("go_on_despite_check")
        if plan is None:
            return
        if not go_on:
            self._plan = None
            self.window.fail(
                self.tr("Nothing was sent: the photo should be taken again first.")
            )
            return
        plan.answers.go_on_despite_check = True
        self._submit(plan)

    def _answer_plan(self, kind: str) -> _Plan | None:
        plan = self._plan
        if (
            self.job is not None
            or plan is None
            or plan.ctx.pending is None
            or plan.ctx.pending.kind != kind
            or plan.photo_seq != self.window.photo_seq
        ):
            return None
        self.window.job_starting()
        return plan

    # ================================================================= cancel
    def cancel(self, *, say: bool = True) -> None:
        """Give the window back now; a paid call under way may finish in the background."""
        job, plan = self.job, self._plan
        if job is None or plan is None:
            return
        self._clerk_cancel.cancel()
        self._detached[job.id] = plan.photo_seq
        self.job = None
        self.window.set_running(False)
        if say:
            self._say_cancelled(plan)

    def _say_cancelled(self, plan: _Plan) -> None:
        if plan.ctx.paid:
            text = self.tr(
                "Cancelled. The photo and your choices are kept. If the provider had already "
                "made the photo, it is kept in the history and not charged again."
            )
        else:
            text = self.tr("Cancelled. The photo and your choices are kept.")
        self.window.message.show_message(text, "info")
        self.window.jobFailed.emit("cancelled")

    def abort(self) -> None:
        """Closing: stop everything, paid or not (the runner's shutdown does the rest)."""
        self._clerk_cancel.cancel()
