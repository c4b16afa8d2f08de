"""Small building blocks of the window: numbered section titles and a message banner."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayout, QSizePolicy, QWidget


def set_role(widget: QWidget, role: str) -> None:
    """Set the ``role`` property the style sheet colours by (error, info, hint, …).

    Re-polished only when the role changes on a widget already polished: before its
    first polish Qt reads the new role anyway. So building the window never asks for the
    widget's QStyle from Python, which costs start-up 17 ms of enum set-up (issue 18).
    """
    if widget.property("role") == role:
        return
    widget.setProperty("role", role)
    if widget.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
        style = widget.style()
        style.unpolish(widget)
        style.polish(widget)


def section_title(number: int, text: str, extra: QLayout | None = None) -> QWidget:
    """"1  Photo": the steps read top to bottom, in the order the clerk works. ``extra``
    (the step's first choices) sits at the right of the title, saving a row."""
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 2, 0, 0)
    row.setSpacing(8)
    badge = QLabel(str(number))
    badge.setObjectName("stepBadge")
    badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
    title = QLabel(text)
    title.setObjectName("sectionTitle")
    row.addWidget(badge)
    row.addWidget(title, 1)
    if extra is not None:
        row.addLayout(extra)
    return box


class Banner(QLabel):
    """A message in the window itself (never a modal box): error, info or nothing."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.hide()

    def show_message(self, text: str, role: str = "error") -> None:
        """``text`` in the clerk's language: a message made in core/, api/ or engines/ is
        translated here, where it is shown (``core.i18n``)."""
        from idphoto_desktop.core.i18n import translate

        text = translate(text)
        self.setText(text)
        set_role(self, role)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.setText("")
        self.hide()

    @property
    def role(self) -> str:
        return str(self.property("role") or "")


class ElidedLines(QLabel):
    """One line per line of text, each cut with "…" to the width; the whole text in the
    tooltip. The details stay four short lines, so the steps below stay on screen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def setText(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def text(self) -> str:
        return self._full

    def shown_text(self) -> str:
        return super().text()

    def _elide(self) -> None:
        metrics = self.fontMetrics()
        margins = self.contentsMargins()
        width = max(40, self.width() - margins.left() - margins.right() - 14)
        lines = [
            metrics.elidedText(line, Qt.TextElideMode.ElideRight, width)
            for line in self._full.splitlines()
        ]
        super().setText("\n".join(lines))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()


class TranslatedLabel(QLabel):
    """A label for text made outside the window (progress from an engine): translated
    when set, through the message catalogue (``core.i18n``)."""

    def setText(self, text: str) -> None:
        from idphoto_desktop.core.i18n import translate

        super().setText(translate(text))
