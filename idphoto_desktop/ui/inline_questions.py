"""Questions asked in the window itself, never modal: a sentence and two answers.

Why apart from :mod:`idphoto_desktop.ui.history_gate`: the window places the check
question beside Generate before it shows, and these widgets need Qt only, not the
pipeline that the history gate's recording engine runs (issue 18: start-up).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


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
        from idphoto_desktop.core.i18n import join_reasons, translate

        if isinstance(subject, str):
            why = translate(subject)
        else:
            reasons = getattr(subject, "reasons", ()) or ()
            why = join_reasons(translate(str(getattr(r, "message", r))) for r in reasons)
        self.ask(
            self.tr(
                "The photo check says this photo would be refused ({0}). Retake it, or pay "
                "for a provider call anyway?"
            ).replace("{0}", why or self.tr("retake"))
        )
