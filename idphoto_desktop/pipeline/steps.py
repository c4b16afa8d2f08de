"""The steps of one job, in order: each reads and adds to the :class:`JobContext`.

prepare → check → validate → look up → engine → compose → write → record.
Every step skips what is already done, so a job paused at a question runs again from
the same context without repeating work. A fresh result is kept (history, else the
recovery folder) even when composing or writing fails: see ``run.keep_result``.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from idphoto_desktop.core.errors import IdPhotoError, UnusableResultError, ValidationError
from idphoto_desktop.core.i18n import SOURCE_LANGUAGE, join_reasons
from idphoto_desktop.core.job import GenerateResult, OutputFormat
from idphoto_desktop.pipeline import rule
from idphoto_desktop.pipeline.check_alongside import CheckAlongside
from idphoto_desktop.pipeline.context import Checker, JobContext
from idphoto_desktop.pipeline.questions import Pending

if TYPE_CHECKING:
    from PIL import Image

    from idphoto_desktop.core.uploadcrop import FaceBox
    from idphoto_desktop.pipeline.run import JobRun

log = logging.getLogger(__name__)

StepFn = Callable[[JobContext, "JobRun"], None]


@dataclass(frozen=True)
class Step:
    """One named step; ``percent`` and ``text`` are the progress shown when it starts."""

    name: str
    fn: StepFn
    percent: int
    text: str


class CheckRefusedError(ValidationError):
    """The capture check says retake and the clerk chose not to pay for a call."""

    default_hint = "Take the photo again, or confirm that it should be sent anyway."


def _answer(ctx: JobContext, kind: Any, subject: Any, answer: bool | None) -> bool | None:
    if answer is None:
        ctx.pending = Pending(kind, subject)
    return answer


# ------------------------------------------------------------------------- prepare
def prepare(ctx: JobContext, run: JobRun) -> None:
    """Read the photo file (type by content, upright, metadata stripped)."""
    if ctx.photo is not None or ctx.image_url:
        return
    if ctx.source is None:
        raise ValidationError("No photo was given.", hint="Open a photo file.")
    from idphoto_desktop.core.imageprep import prepare_photo
    from idphoto_desktop.core.uploadneed import upload_need

    # Sized from the need: never more pixels than the output needs, never fewer (the
    # face detector's faces are looked for only in a photo larger than the need), and
    # cropped to the region the output can come from when there is one face.
    ctx.photo = prepare_photo(
        ctx.source,
        need=upload_need(
            ctx.params.size, ctx.params.geometry, ctx.params.face_index,
            crop=crops_upload(ctx),
        ),
        locate_faces=_locate_faces,
    )
    if not ctx.source_name:
        ctx.source_name = ctx.source.name


def crops_upload(ctx: JobContext) -> bool:
    """Whether the upload may be cropped to the region the output can come from: only
    when it goes to the paid provider (bytes and privacy; the offline engine uploads
    nothing) and the frame is the automatic one (an adjusted frame may reach anywhere)."""
    adjust = ctx.params.adjust
    return ctx.paid and (adjust is None or adjust.is_identity)


def _locate_faces(image: Image.Image) -> list[FaceBox] | None:
    """The offline detector's faces (loaded only for a photo larger than the need)."""
    from idphoto_desktop.engines.offline.headsize import locate_faces

    return locate_faces(image)


# --------------------------------------------------------------------------- check
def default_checker() -> Checker | None:
    """``capture.check_photo`` when that package is installed, else no check."""
    import importlib

    try:  # written in parallel: absent on some branches, so imported by name
        module = importlib.import_module("idphoto_desktop.capture")
    except ImportError:
        return None
    checker: Checker | None = getattr(module, "check_photo", None)
    return checker


def _checked_report(ctx: JobContext, checker: Checker) -> Any:
    """The checker's report on the prepared photo (may raise: see :func:`_take_report`)."""
    from PIL import Image

    assert ctx.photo is not None
    with Image.open(io.BytesIO(ctx.photo.data)) as opened:
        image = opened.convert("RGB")
    chosen = {} if ctx.params.face_index is None else {"face": ctx.params.face_index}
    return checker(image, preset=ctx.preset, size=ctx.params.size, **chosen)


def _take_report(ctx: JobContext, report: Callable[[], Any]) -> None:
    """Keep the report ``report()`` gives; a check that cannot run is a warning."""
    try:
        ctx.report = report()
    except ValidationError:  # the clerk's choice is wrong (a face number that is not there)
        raise
    except IdPhotoError as err:  # it cannot be checked here (no models, …): said, not fatal
        ctx.check_error = str(err)
        ctx.warn("The photo was not checked ({0}); look at it carefully.", str(err).rstrip("."))
    except Exception:  # a checker's bug must not stop the counter; it is logged
        log.exception("The capture check failed")
        ctx.warn("The photo could not be checked; look at it carefully.")


def _verdict_decides_nothing(ctx: JobContext, run: JobRun) -> bool:
    """True when no verdict can change what happens before the engine's call: the call
    costs nothing, or "pay despite a retake" is answered yes in advance. A chosen face
    is checked first all the same: a number that is not there must stop the job unpaid."""
    if ctx.params.face_index is not None:
        return False
    return not ctx.paid or run.questions.decided("go_on_despite_check") is True


def check(ctx: JobContext, run: JobRun) -> None:
    """The capture check; a retake verdict before a paid call asks whether to go on.

    When the verdict cannot change that (see :func:`_verdict_decides_nothing`) the check
    runs alongside the engine's call (started by :func:`call_engine`, which says on
    which thread its modules are imported) and :func:`await_check` collects it."""
    if not ctx.checked and ctx.photo is not None and ctx.checker is not None:
        given = ctx.checker

        def load() -> Checker | None:
            return default_checker() if given == "auto" else given

        if _verdict_decides_nothing(ctx, run):
            ctx.check_alongside = CheckAlongside(load, partial(_checked_report, ctx))
        else:
            checker = load()
            if checker is not None:
                _take_report(ctx, partial(_checked_report, ctx, checker))
    ctx.checked = True
    verdict = getattr(ctx.report, "verdict", None)
    if not ctx.paid or verdict != "retake":
        return  # a check that could not run is a warning, never a refusal
    subject = ctx.report
    go_on = _answer(
        ctx, "go_on_despite_check", subject, run.questions.go_on_despite_check(ctx, subject)
    )
    if go_on is False:
        raise CheckRefusedError(f"The photo should be taken again: {_reasons(ctx)}.")


def await_check(ctx: JobContext) -> None:
    """The report of a check that ran alongside the engine (nothing to wait for else)."""
    pending, ctx.check_alongside = ctx.check_alongside, None
    if pending is not None:
        _take_report(ctx, pending.join)


def _reasons(ctx: JobContext) -> str:
    reasons = getattr(ctx.report, "reasons", ()) or ()
    texts = (str(getattr(r, "message", r)) for r in reasons)
    return join_reasons(texts, SOURCE_LANGUAGE) or "the capture check says retake"


# ------------------------------------------------------------------------ validate
def validate(ctx: JobContext, run: JobRun) -> None:
    """The request (always a transparent PNG), and an existing output file (asked about
    before anything is paid for). A file that then cannot be written still leaves the
    result kept (the record step runs after a failed write)."""
    from idphoto_desktop.core import validation

    ctx.request = validation.make_request(
        ctx.engine_params, photo=ctx.photo, image_url=ctx.image_url, sync=ctx.sync
    )
    out = ctx.out_path
    if out is None:
        return
    if ctx.output_format is None:
        raise ValueError("an output file needs an output format")
    if out.exists() and not ctx.overwrite:
        answer = _answer(ctx, "overwrite", out, run.questions.overwrite(ctx, out))
        if answer is False:
            from idphoto_desktop.core.export import OutputExistsError

            raise OutputExistsError(f"{out} already exists.", hint="Use --overwrite to replace it.")
        ctx.overwrite = bool(answer)


# ------------------------------------------------------------------------- look up
def look_up(ctx: JobContext, run: JobRun) -> None:
    """Hold the photo's reservation, then use a stored result that serves the request."""
    if ctx.result is not None or ctx.history is None:
        return
    digest = ctx.input_digest
    key = ctx.history_key
    try:
        store = ctx.history()
        if ctx.paid:  # two windows or processes never pay twice for the same photo
            ctx.stack.enter_context(store.reserve(digest, key))
        if ctx.force:
            return
        entry = rule.pick(store.find_candidates(digest, key), ctx.engine_name, ctx.color)
    except IdPhotoError as err:
        ctx.warn("The history could not be searched ({0}); a new result is made.", err)
        return
    if entry is None:
        return
    use = _answer(ctx, "use_stored", entry, run.questions.use_stored(ctx, entry))
    if use:
        from idphoto_desktop.core.stored_grid import from_stored_grid

        ctx.result = from_stored_grid(entry.to_result(), ctx.photo, entry.grid_scale)
        ctx.stored = entry


# -------------------------------------------------------------------------- engine
def call_engine(ctx: JobContext, run: JobRun) -> None:
    """The engine's call. A paid call that has started is not cut off by the clerk's
    Cancel (only by shutting down): its result is kept, not thrown away."""
    if ctx.result is not None:
        return
    assert ctx.request is not None
    engine = ctx.engine_factory()
    costs = bool(engine.costs_money)
    cancel = run.abort if costs else run.either
    pending = ctx.check_alongside
    if pending is not None:
        # A provider's call waits on the network: the check's modules are imported
        # beside it. An engine on this computer imports its own modules as it goes, so
        # the check's are imported here first (see pipeline/check_alongside.py).
        pending.start(load_here=not costs)
    interrupted = False
    try:
        ctx.result = engine.generate(ctx.request, progress=run.engine_progress, cancel=cancel)
    except UnusableResultError as err:
        raise _kept_unusable(ctx, err, engine=engine.name if costs else None) from None
    except KeyboardInterrupt:
        # The process is stopping: nothing more is imported here, and run_job waits
        # for the check at most CHECK_SETTLE_S. Waiting for its imports instead had no
        # bound (a Ctrl+C could hang on a check whose loading never ended).
        interrupted = True
        raise
    finally:
        if pending is not None and not interrupted:
            pending.wait_loaded()  # no imports on two threads at once from here on
    ctx.fresh = True
    ctx.paid_call = costs


def _kept_unusable(
    ctx: JobContext, unusable: UnusableResultError, *, engine: str | None
) -> IdPhotoError:
    """The error to show for a result that arrived but cannot be used: a paid one's
    bytes are kept in the recovery folder first (unless the clerk switched the history
    off, when nothing is kept on disk), and the message says where, or that they could
    not be kept. ``engine`` is the paid engine's name, None for a free one."""
    if engine is None or ctx.history is None:
        return unusable
    from idphoto_desktop.pipeline.recovery import keep_bytes

    digest = ctx.input_digest
    try:
        path = keep_bytes(unusable.image, unusable.extension, digest, engine, ctx.recovery_dir)
    except (IdPhotoError, OSError) as err:
        log.error("A paid result could not be kept anywhere: %s", err)
        note = f"The paid result could not be kept anywhere: {err}"
        path = None
    else:
        log.warning("an unusable paid result was kept in %s", path)
        ctx.recovered = path
        note = f"The paid result was kept in {path}."
    said = UnusableResultError(
        unusable.message,
        image=unusable.image,
        extension=unusable.extension,
        hint=f"{note.rstrip('.')}. {unusable.hint}",
    )
    said.kept = None if path is None else str(path)
    return said


# ------------------------------------------------------------------ compose, write
def compose(ctx: JobContext, run: JobRun) -> None:
    """The format and colour asked for, made locally from the result."""
    if ctx.output_format is None or ctx.result is None:
        return
    from idphoto_desktop.core import background

    image = ctx.result.image
    wants_cutout = ctx.color is not None or ctx.output_format is OutputFormat.PNG
    if wants_cutout and not background.has_transparency(background.open_result(image)):
        ctx.warn(
            "The {0} engine returned the photo without a transparent background: its own "
            "background is kept.",
            ctx.result.engine,
        )
    ctx.composed = background.compose(image, ctx.output_format, ctx.color, dpi=ctx.dpi)


def write(ctx: JobContext, run: JobRun) -> None:
    """The output file, atomically, before anything else that could fail."""
    if ctx.out_path is None or ctx.composed is None:
        return
    from idphoto_desktop.core.export import write_atomic

    ctx.written = write_atomic(ctx.out_path, ctx.composed, overwrite=ctx.overwrite)


# -------------------------------------------------------------------------- record
def record(ctx: JobContext, run: JobRun) -> None:
    """Keep a fresh result: the history, else (paid) the recovery folder. A failure
    here is a warning, never a lost result. With the history switched off (``history``
    None, the clerk's privacy choice) nothing is kept on disk besides the output."""
    if not ctx.fresh or ctx.kept or ctx.result is None:
        return
    ctx.kept = True
    if ctx.history is None:
        return  # the clerk switched the history off: nothing is kept on disk by choice
    digest = ctx.input_digest
    from idphoto_desktop.core.stored_grid import to_stored_grid

    try:  # the history first; the recovery folder when it cannot keep a paid result
        ctx.entry_id = ctx.history().add(
            digest, ctx.engine_params, to_stored_grid(ctx.result, ctx.photo), ctx.source_name,
            customer=ctx.customer, key=ctx.history_key,
        )
        return
    except (IdPhotoError, ValueError, OSError) as err:
        ctx.warn("Not kept in the history: {0}", err)
    if not ctx.paid_call:
        return
    from idphoto_desktop.pipeline.recovery import keep_in_folder

    try:
        ctx.recovered = keep_in_folder(ctx.result, digest, ctx.recovery_dir)
    except (IdPhotoError, OSError) as err:
        log.error("A paid result could not be kept anywhere: %s", err)
        if ctx.written is None:
            ctx.warn("The paid result could not be kept anywhere: {0}", err)
        return
    ctx.warn("The paid result was kept in {0}.", ctx.recovered)


def _result_pixels(result: GenerateResult) -> Any:
    """``capture.result_check.result_pixels``, or None without that package (or on a
    checker's bug: the result check then decodes, and says, as it would)."""
    try:
        from idphoto_desktop.capture.result_check import result_pixels

        return result_pixels(result)
    except Exception:
        log.debug("The result was not decoded ahead of its check", exc_info=True)
        return None


def check_result(ctx: JobContext, run: JobRun) -> None:
    """The made ID photo checked too (what is left of the old background, a face in it):
    after the engine, so it never delays or blocks a paid call; the verdict can only
    get worse. A stored result is checked the same way.

    The result's pixels are decoded before waiting for a check still running on its
    thread: decoding and the check's networks release the GIL, so on two cores the
    decode (10-20 ms of a 600x600 result) costs no wall time."""
    pixels = None
    if ctx.check_alongside is not None and ctx.result is not None and ctx.checker == "auto":
        pixels = _result_pixels(ctx.result)
    await_check(ctx)
    if ctx.report is None or ctx.result is None or ctx.checker != "auto":
        return
    try:
        from idphoto_desktop.capture.result_check import with_result
    except ImportError:  # the check's models or package are absent: nothing to add
        return
    try:
        ctx.report = with_result(ctx.report, ctx.result, pixels=pixels)
    except Exception:  # a checker's bug must not cost the (maybe paid) result
        log.exception("The result check failed")
        ctx.warn("The made photo could not be checked; look at it carefully.")


DEFAULT_STEPS: tuple[Step, ...] = (
    Step("prepare", prepare, 2, "Reading the photo"),
    Step("check", check, 5, "Checking the photo"),
    Step("validate", validate, 8, "Checking the choices"),
    Step("look_up", look_up, 9, "Looking in the history"),
    Step("engine", call_engine, 10, "Starting the engine"),
    Step("check_result", check_result, 93, "Checking the result"),
    Step("compose", compose, 95, "Composing the photo"),
    Step("write", write, 97, "Writing the file"),
    Step("record", record, 99, "Keeping the result"),
)
