"""Never paying twice, in the window: the in-window offer of a stored result.

The rule itself (which stored result serves a request, and keeping every fresh result
before anything can fail) lives in :mod:`idphoto_desktop.pipeline`; the window runs
that pipeline. :class:`StoredResultOffer` is the in-window choice shown when the job
paused at "use the stored result?": "Use the stored result" (the default, focused) or
"Call the provider again". :class:`RecordingEngine` is the pipeline's record step for a
caller that runs an engine on its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from idphoto_desktop.pipeline import JobContext
from idphoto_desktop.pipeline import input_digest as _digest
from idphoto_desktop.pipeline.steps import record

if TYPE_CHECKING:
    from idphoto_desktop.core.job import (
        CancelToken,
        GenerateParams,
        GenerateRequest,
        GenerateResult,
        ProgressCallback,
    )
    from idphoto_desktop.engines.base import Engine
    from idphoto_desktop.storage.history import HistoryStore


def input_digest(request: GenerateRequest) -> str:
    """The SHA-256 that identifies the input: the photo file's bytes, else the address."""
    return _digest(request.photo.source_sha256 if request.photo else None, request.image_url)


@dataclass(frozen=True)
class RecordTarget:
    """What to store a result under."""

    digest: str
    params: GenerateParams
    source_name: str
    customer: str | None = None


class RecordingEngine:
    """An engine that keeps each result the moment it returns (the pipeline's record step)."""

    def __init__(
        self, inner: Engine, history: Callable[[], HistoryStore], target: RecordTarget
    ) -> None:
        self._inner = inner
        self._history = history
        self._target = target
        self.name = inner.name
        self.costs_money = inner.costs_money
        self.entry_id: int | None = None

    def generate(
        self,
        request: GenerateRequest,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> GenerateResult:
        from idphoto_desktop.core.job import CancelToken as Token
        from idphoto_desktop.pipeline.questions import FixedQuestions
        from idphoto_desktop.pipeline.run import JobRun

        result = self._inner.generate(request, progress=progress, cancel=cancel)
        ctx = JobContext(
            params=self._target.params, engine_name=self.name, engine_factory=lambda: self,
            paid=self.costs_money, photo=request.photo, image_url=request.image_url,
            source_name=self._target.source_name, history=self._history,
            customer=self._target.customer,
            result=result, fresh=True, paid_call=self.costs_money,
        )
        token = Token()
        record(ctx, JobRun(FixedQuestions(), lambda _p, _t: None, token, token))
        self.entry_id = ctx.entry_id
        if ctx.warnings:
            notes = tuple(
                QCoreApplication.translate("HistoryGate", "Not kept in the history: {0}")
                .replace("{0}", w.removeprefix("Not kept in the history: "))
                if w.startswith("Not kept in the history: ") else w
                for w in ctx.warnings
            )
            result = dataclasses.replace(result, warnings=(*result.warnings, *notes))
        return result


class InlineQuestion(QFrame):
    """A question in the window (never modal): a sentence, a default answer and another.

    ``yes_button`` is the default, focused answer; ``no_button`` the other one. Either
    hides the question and emits :attr:`answered` (True for yes).
    """

    answered = Signal(bool)

    def __init__(
        self,
        name: str,
        yes: tuple[str, str, str],
        no: tuple[str, str, str],
        parent: QWidget | None = None,
    ) -> None:
        """``yes`` and ``no``: (label, tooltip, object name) of each button."""
        super().__init__(parent)
        self.setObjectName(name)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.text = QLabel()
        self.text.setObjectName(f"{name}Text")
        self.text.setWordWrap(True)
        buttons = QHBoxLayout()
        made = []
        for (label, tip, object_name), answer in ((yes, True), (no, False)):
            button = QPushButton(label)
            button.setObjectName(object_name)
            button.setToolTip(tip)
            button.clicked.connect(lambda _checked=False, a=answer: self._answer(a))
            buttons.addWidget(button, 1 if answer else 0)
            made.append(button)
        self.yes_button, self.no_button = made
        self.yes_button.setDefault(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        self.hide()

    def ask(self, text: str) -> None:
        self.text.setText(text)
        self.show()
        self.yes_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def withdraw(self) -> None:
        self.hide()

    def _answer(self, answer: bool) -> None:
        self.hide()
        self.answered.emit(answer)


class StoredResultOffer(InlineQuestion):
    """The in-window choice between the stored result (yes) and a new paid call."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "storedOffer",
            (
                self.tr("Use the stored result"),
                self.tr("Show the result already paid for (no new call)"),
                "useStoredButton",
            ),
            (
                self.tr("Call the provider again"),
                self.tr("Send the photo again: this costs one more call"),
                "callAgainButton",
            ),
            parent,
        )
        self.use_button, self.again_button = self.yes_button, self.no_button

    def offer(self, when: str, engine: str) -> None:
        self.ask(
            self.tr(
                "This photo was already made with these settings ({0}, {1}). "
                "Use the stored result, or pay for a new call?"
            ).replace("{0}", when).replace("{1}", engine)
        )


class CheckQuestion(InlineQuestion):
    """Before a paid call the capture check says retake: retake first (default), or send
    anyway: :attr:`goOn` says whether to pay for the call."""

    goOn = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "checkQuestion",
            (self.tr("Retake the photo first"), "", "retakeButton"),
            (
                self.tr("Send it anyway"),
                self.tr("This costs one call, and the photo may be refused"),
                "sendAnywayButton",
            ),
            parent,
        )
        self.answered.connect(lambda retake: self.goOn.emit(not retake))

    def ask_check(self, subject: object) -> None:
        """``subject``: the capture report (its reasons are listed) or why it failed."""
        if isinstance(subject, str):
            why = subject
        else:
            reasons = getattr(subject, "reasons", ()) or ()
            why = "; ".join(str(getattr(r, "message", r)).rstrip(".") for r in reasons)
        self.ask(
            self.tr(
                "The photo check says this photo would be refused ({0}). Retake it, or pay "
                "for a provider call anyway?"
            ).replace("{0}", why or self.tr("retake"))
        )
