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


class StoredResultOffer(QFrame):
    """The in-window choice between the stored result and a new paid call."""

    useStored = Signal()
    callAgain = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("storedOffer")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.text = QLabel()
        self.text.setObjectName("storedOfferText")
        self.text.setWordWrap(True)
        self.use_button = QPushButton(self.tr("Use the stored result"))
        self.use_button.setObjectName("useStoredButton")
        self.use_button.setDefault(True)
        self.use_button.setToolTip(self.tr("Show the result already paid for (no new call)"))
        self.again_button = QPushButton(self.tr("Call the provider again"))
        self.again_button.setObjectName("callAgainButton")
        self.again_button.setToolTip(self.tr("Send the photo again: this costs one more call"))
        self.use_button.clicked.connect(self._use)
        self.again_button.clicked.connect(self._again)
        buttons = QHBoxLayout()
        buttons.addWidget(self.use_button, 1)
        buttons.addWidget(self.again_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        self.hide()

    def offer(self, when: str, engine: str) -> None:
        self.text.setText(
            self.tr(
                "This photo was already made with these settings ({0}, {1}). "
                "Use the stored result, or pay for a new call?"
            ).replace("{0}", when).replace("{1}", engine)
        )
        self.show()
        self.use_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def withdraw(self) -> None:
        self.hide()

    def _use(self) -> None:
        self.hide()
        self.useStored.emit()

    def _again(self) -> None:
        self.hide()
        self.callAgain.emit()


class CheckQuestion(QFrame):
    """Before a paid call: the capture check says retake. Retake first (default) or send."""

    answered = Signal(bool)  # True: send anyway

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("checkQuestion")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.text = QLabel()
        self.text.setObjectName("checkQuestionText")
        self.text.setWordWrap(True)
        self.retake_button = QPushButton(self.tr("Retake the photo first"))
        self.retake_button.setObjectName("retakeButton")
        self.retake_button.setDefault(True)
        self.send_button = QPushButton(self.tr("Send it anyway"))
        self.send_button.setObjectName("sendAnywayButton")
        self.send_button.setToolTip(self.tr("This costs one call, and the photo may be refused"))
        self.retake_button.clicked.connect(lambda: self._answer(False))
        self.send_button.clicked.connect(lambda: self._answer(True))
        buttons = QHBoxLayout()
        buttons.addWidget(self.retake_button, 1)
        buttons.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        self.hide()

    def ask_check(self, subject: object) -> None:
        """``subject``: the capture report (its reasons are listed) or why it failed."""
        if isinstance(subject, str):
            why = subject
        else:
            reasons = getattr(subject, "reasons", ()) or ()
            why = "; ".join(str(getattr(r, "message", r)).rstrip(".") for r in reasons)
        self.text.setText(
            self.tr(
                "The photo check says this photo would be refused ({0}). Retake it, or pay "
                "for a provider call anyway?"
            ).replace("{0}", why or self.tr("retake"))
        )
        self.show()
        self.retake_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def withdraw(self) -> None:
        self.hide()

    def _answer(self, go_on: bool) -> None:
        self.hide()
        self.answered.emit(go_on)
