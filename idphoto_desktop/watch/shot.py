"""One shot from the camera → its ID photos, through the shared job pipeline.

Why one module: the headless watch and the bench run exactly this. The shot is read,
prepared and checked once (the pipeline's prepare and check steps); each document
(passport + visa from one shot) is then one :func:`~idphoto_desktop.pipeline.run_job`
on that same prepared photo and report, written under a new name in the output folder
(``DSC_0001-us_passport.jpg``, then ``-2``, ``-3``… — an existing file is never
replaced). The watched folder answers the pipeline's questions from its settings: a
stored result is used (never paid twice), a retake is made only when asked to.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from idphoto_desktop.core.errors import IdPhotoError
from idphoto_desktop.core.export import OutputExistsError, write_atomic
from idphoto_desktop.core.i18n import N_
from idphoto_desktop.core.job import CancelToken, GenerateParams, OutputFormat

if TYPE_CHECKING:
    from idphoto_desktop.core.presets import Preset
    from idphoto_desktop.engines.base import Engine
    from idphoto_desktop.pipeline import JobContext
    from idphoto_desktop.storage.history import HistoryStore

log = logging.getLogger(__name__)

MAX_NAME_TRIES = 999
VERDICT_UNCHECKED = "unchecked"
PRINT_DPI = 300


@dataclass(frozen=True)
class Verdict:
    """The capture check's answer for one shot: ok / check / retake, and why."""

    verdict: str
    reasons: tuple[str, ...] = ()

    @property
    def retake(self) -> bool:
        return self.verdict == "retake"


@dataclass
class ShotResult:
    """What one shot gave: the verdict, the files written, one message per failure."""

    source: Path
    verdict: Verdict
    written: list[Path] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    contexts: list[JobContext] = field(default_factory=list)  # one per document made


@dataclass(frozen=True)
class Document:
    """One document to make from each shot: its params and the name part for the file."""

    params: GenerateParams
    label: str  # preset id or WxH
    preset: Preset | None = None


@dataclass(frozen=True)
class EngineChoice:
    """Which engine makes the photos; ``factory`` is called once, on first need."""

    name: str  # "offline" | "cloud"
    factory: Callable[[], Engine]
    paid: bool


def free_name(folder: Path, stem: str, extension: str) -> Path:
    """``folder/stem.ext``, or ``stem-2.ext``, ``stem-3.ext``…: the first unused name."""
    candidate = folder / f"{stem}{extension}"
    n = 2
    while candidate.exists() and n <= MAX_NAME_TRIES:
        candidate = folder / f"{stem}-{n}{extension}"
        n += 1
    return candidate


def write_new(folder: Path, stem: str, extension: str, data: bytes) -> Path:
    """Write under the first free name, race-free; an existing file is never replaced."""
    for n in range(1, MAX_NAME_TRIES + 1):
        name = f"{stem}{extension}" if n == 1 else f"{stem}-{n}{extension}"
        try:
            return write_atomic(folder / name, data, overwrite=False)
        except OutputExistsError:
            continue
    raise IdPhotoError(f"Too many files named {stem}… in {folder}.",
                       hint="Move earlier results out of the output folder.")


def verdict_of(ctx: JobContext) -> Verdict:
    """The verdict the pipeline's check step left in ``ctx``."""
    return verdict_from(ctx.report, ctx.check_error)


def verdict_from(report: object, check_error: str | None = None) -> Verdict:
    """A capture report (or the reason it could not be made) as a :class:`Verdict`."""
    if check_error is not None:
        return Verdict("retake", (check_error,))
    if report is None:
        return Verdict(VERDICT_UNCHECKED, (N_("the capture check is not installed in this build"),))
    reasons = tuple(str(getattr(r, "message", r)) for r in getattr(report, "reasons", ()))
    return Verdict(str(getattr(report, "verdict", VERDICT_UNCHECKED)), reasons)


def check_shot(
    source: Path,
    data: bytes,
    document: Document,
    engine: EngineChoice,
    *,
    history: Callable[[], HistoryStore] | None = None,
    customer: str | None = None,
) -> JobContext:
    """Prepare and check the shot once (the pipeline's first two steps); raises the
    clerk's message when the file is not a usable photo."""
    from idphoto_desktop.core.imageprep import prepare_photo_bytes
    from idphoto_desktop.pipeline import DEFAULT_STEPS, JobContext, run_job

    ctx = JobContext(
        params=document.params, engine_name=engine.name, engine_factory=engine.factory,
        paid=False,  # the check alone never asks; the jobs below decide about a retake
        photo=prepare_photo_bytes(data, source.name), source_name=source.name,
        customer=customer, history=history, preset=document.preset,
    )
    run_job(ctx, [s for s in DEFAULT_STEPS if s.name in ("prepare", "check")])
    return ctx


def make_document(
    checked: JobContext,
    document: Document,
    engine: EngineChoice,
    out_dir: Path,
    *,
    keep_retakes: bool,
    cancel: CancelToken | None = None,
    abort: CancelToken | None = None,
) -> JobContext:
    """One document of a checked shot: the pipeline's job, written under a new name.

    ``cancel`` stops between steps and cuts a free engine short; a paid call already
    under way finishes and is kept (the pipeline's rule); only ``abort`` cuts it.
    """
    from idphoto_desktop.pipeline import Answers, FixedQuestions, JobContext, run_job

    fmt = OutputFormat(document.params.format)
    stem = f"{Path(checked.source_name).stem}-{document.label}"
    ctx = JobContext(
        params=document.params, engine_name=engine.name, engine_factory=engine.factory,
        paid=engine.paid, photo=checked.photo, source_name=checked.source_name,
        output_format=fmt, color=document.params.bg_color,
        out_path=free_name(out_dir, stem, fmt.extension), overwrite=False,
        dpi=PRINT_DPI, customer=checked.customer, history=checked.history,
        preset=document.preset, checked=True,
    )
    ctx.report, ctx.check_error = checked.report, checked.check_error
    answers = Answers(use_stored=True, go_on_despite_check=keep_retakes, overwrite=False)
    while True:
        try:
            return run_job(ctx, questions=FixedQuestions(answers), cancel=cancel, abort=abort)
        except OutputExistsError:
            if ctx.composed is not None:  # made meanwhile under that name: the next one
                ctx.written = write_new(out_dir, stem, fmt.extension, ctx.composed)
                return ctx
            ctx.out_path = free_name(out_dir, stem, fmt.extension)


def process_shot(
    source: Path,
    data: bytes,
    documents: Sequence[Document],
    engine: EngineChoice,
    out_dir: Path,
    *,
    history: Callable[[], HistoryStore] | None = None,
    customer: str | None = None,
    keep_retakes: bool = False,
    cancel: CancelToken | None = None,
    abort: CancelToken | None = None,
) -> ShotResult:
    """Check the shot, make each document, write each under a new name in ``out_dir``.

    Raises only for a shot that cannot be read at all (an :class:`IdPhotoError` with the
    clerk's message); a document that fails is one failure line, the others go on.
    """
    checked = check_shot(source, data, documents[0], engine, history=history,
                         customer=customer)
    shot = ShotResult(source, verdict_of(checked))
    if shot.verdict.retake and not keep_retakes:
        shot.failures.append(
            f"{source.name}: retake ({'; '.join(shot.verdict.reasons) or 'see the check'}); "
            "no ID photo made (--keep-retakes makes it anyway)."
        )
        return shot
    for doc in documents:
        try:
            ctx = make_document(checked, doc, engine, out_dir, keep_retakes=keep_retakes,
                                cancel=cancel, abort=abort)
        except IdPhotoError as err:
            shot.failures.append(f"{source.name} ({doc.label}): {err.full_text()}")
            continue
        shot.contexts.append(ctx)
        if ctx.written is not None:
            shot.written.append(ctx.written)
        shot.warnings.extend(f"{source.name} ({doc.label}): {w}" for w in ctx.warnings)
    return shot


def describe(shot: ShotResult) -> list[str]:
    """The lines the headless watch prints for one shot (stdout)."""
    v = shot.verdict
    reasons = f" ({'; '.join(v.reasons)})" if v.reasons else ""
    lines = [f"{shot.source.name}: verdict {v.verdict}{reasons}"]
    for ctx in shot.contexts:
        if ctx.written is not None:
            how = " (stored result, no new call)" if ctx.stored is not None else ""
            lines.append(f"  wrote {ctx.written}{how}")
    return lines


def engine_choice(name: str, make: Callable[[], Engine]) -> EngineChoice:
    """One engine for the whole watch: made on first need, then reused (models stay loaded)."""
    made: list[Engine] = []

    def factory() -> Engine:
        if not made:
            made.append(make())
        return made[0]

    return EngineChoice(name, factory, paid=name == "cloud")

