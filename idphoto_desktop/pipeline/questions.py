"""The clerk's decisions, asked by the pipeline through one small interface.

The command line answers from its flags, the window from its dialogs and in-window
offers, the watched folder from its settings. An answer of ``None`` means "not now":
the job stops with :attr:`JobContext.pending` set, and the caller asks the clerk in its
own way and runs the same context again with the answer given (steps already done are
not repeated).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from idphoto_desktop.pipeline.context import JobContext
    from idphoto_desktop.storage.history import HistoryEntry

QuestionKind = Literal["use_stored", "go_on_despite_check", "overwrite"]


class Questions(Protocol):
    """What the pipeline may ask. Called on the job's (worker) thread."""

    def use_stored(self, ctx: JobContext, entry: HistoryEntry) -> bool | None:
        """A stored result serves this request: use it (no new call)?"""

    def go_on_despite_check(self, ctx: JobContext, report: Any) -> bool | None:
        """The capture check says retake (or could not check): pay for a call anyway?"""

    def overwrite(self, ctx: JobContext, path: Path) -> bool | None:
        """The output file exists: replace it?"""

    def decided(self, kind: QuestionKind) -> bool | None:
        """The answer to ``kind`` whatever it is asked about (a flag, a setting), or
        None when it depends on the subject or the clerk. Lets the pipeline run work
        whose outcome this answer would otherwise have to wait for (the capture check
        beside the engine's call)."""


@dataclass
class Answers:
    """Answers known in advance (flags, settings, or what the clerk already said).

    ``None`` leaves the question open: the job pauses with it pending.
    """

    use_stored: bool | None = True
    go_on_despite_check: bool | None = False
    overwrite: bool | None = False



class FixedQuestions:
    """:class:`Questions` answered from an :class:`Answers` record."""

    def __init__(self, answers: Answers | None = None) -> None:
        self.answers = answers if answers is not None else Answers()

    def use_stored(self, ctx: JobContext, entry: HistoryEntry) -> bool | None:
        return self.answers.use_stored

    def go_on_despite_check(self, ctx: JobContext, report: Any) -> bool | None:
        return self.answers.go_on_despite_check

    def overwrite(self, ctx: JobContext, path: Path) -> bool | None:
        return self.answers.overwrite

    def decided(self, kind: QuestionKind) -> bool | None:
        answer: bool | None = getattr(self.answers, kind)
        return answer


@dataclass(frozen=True)
class Pending:
    """A question the job stopped at; ``subject`` is the entry, report or path."""

    kind: QuestionKind
    subject: Any
