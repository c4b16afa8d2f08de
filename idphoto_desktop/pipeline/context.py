"""The job context: one photo's way through the pipeline, in one object.

The caller fills in what the clerk chose; each step adds what it made (the prepared
photo, the capture report, the request, the result, the composed bytes, the file) so
the window, the command line and the watched folder read the same outcome. No Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from idphoto_desktop.core.job import (
    GenerateParams,
    GenerateRequest,
    GenerateResult,
    OutputFormat,
    PreparedPhoto,
)
from idphoto_desktop.pipeline.rule import input_digest

if TYPE_CHECKING:
    from idphoto_desktop.core.presets import Preset
    from idphoto_desktop.engines.base import Engine
    from idphoto_desktop.pipeline.check_alongside import CheckAlongside
    from idphoto_desktop.pipeline.questions import Pending
    from idphoto_desktop.storage.history import HistoryEntry, HistoryStore

Checker = Callable[..., Any]
"""``capture.check_photo``-like: (PIL image, *, preset=, size=) -> report with ``verdict``."""


@dataclass(frozen=True)
class Notice:
    """A warning as an English template with ``{0}``, ``{1}``… and its values."""

    template: str
    args: tuple[str, ...] = ()

    def render(self, template: str | None = None) -> str:
        """The text, from ``template`` (a translation of :attr:`template`) if given."""
        text = template if template is not None else self.template
        for index, value in enumerate(self.args):
            text = text.replace(f"{{{index}}}", value)
        return text

    def __str__(self) -> str:
        return self.render()


@dataclass
class JobContext:
    """One job. Fields above the line are the caller's; below, what the steps made."""

    params: GenerateParams  # size, preset, geometry (format and colour: see below)
    engine_name: str  # "cloud", "offline", …: a stored result must come from the same
    engine_factory: Callable[[], Engine]  # called on the worker, only when a call is needed
    paid: bool  # the engine costs money: look in the history first, ask before a retake
    source: Path | None = None  # a photo file, prepared by the first step
    photo: PreparedPhoto | None = None  # or a photo prepared already (the window)
    image_url: str | None = None  # or an address the provider fetches
    source_name: str = ""
    output_format: OutputFormat | None = None  # None: nothing composed (the window shows)
    color: str | None = None  # RRGGBB composed under the result; None: transparent
    out_path: Path | None = None
    overwrite: bool = False
    dpi: int | None = None
    sync: bool = True
    force: bool = False  # a new call even when a stored result serves
    customer: str | None = None
    history: Callable[[], HistoryStore] | None = None  # None: history switched off
    preset: Preset | None = None
    checker: Checker | Literal["auto"] | None = "auto"  # None: no capture check
    recovery_dir: Path | None = None  # default: the data folder's "recovered"
    # ---------------------------------------------------------------- made by the steps
    checked: bool = False
    report: Any = None  # the capture report (verdict, reasons); None when not checked
    check_error: str | None = None  # the photo could not be checked at all
    check_alongside: CheckAlongside | None = None  # a check running beside the engine
    request: GenerateRequest | None = None
    result: GenerateResult | None = None
    stored: HistoryEntry | None = None  # the stored result used instead of a new call
    fresh: bool = False  # the result was made by an engine in this run
    paid_call: bool = False  # … by one that costs money
    kept: bool = False  # the fresh result is in the history or the recovery folder
    entry_id: int | None = None
    recovered: Path | None = None
    composed: bytes | None = None
    written: Path | None = None
    warnings: list[str] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)  # the same, as templates + values
    pending: Pending | None = None
    stack: ExitStack = field(default_factory=ExitStack, repr=False)  # held locks

    @property
    def engine_params(self) -> GenerateParams:
        """What the engine is asked: always a transparent PNG (colours are composed here)."""
        from dataclasses import replace

        return replace(self.params, format=OutputFormat.PNG, bg_color=None)

    @property
    def history_key(self) -> str:
        return self.engine_params.framing_key()

    @property
    def input_digest(self) -> str:
        """What the history and the recovery folder know this job's input by."""
        return input_digest(self.photo.source_sha256 if self.photo else None, self.image_url)

    def warn(self, template: str, *args: object) -> None:
        """A warning for the clerk, also logged. ``template`` is English with ``{0}``…
        (kept in :attr:`notices` so the window shows it translated); ``warnings`` holds
        the English text (the command line prints it)."""
        import logging

        notice = Notice(template, tuple(str(a) for a in args))
        logging.getLogger("idphoto_desktop.pipeline").info("warning: %s", notice)
        self.notices.append(notice)
        self.warnings.append(str(notice))
