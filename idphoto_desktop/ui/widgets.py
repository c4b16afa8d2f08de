"""Small building blocks of the window: numbered section titles and a message banner."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget


def section_title(number: int, text: str) -> QWidget:
    """"1  Photo": the steps read top to bottom, in the order the clerk works."""
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 6, 0, 0)
    row.setSpacing(8)
    badge = QLabel(str(number))
    badge.setObjectName("stepBadge")
    badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
    title = QLabel(text)
    title.setObjectName("sectionTitle")
    row.addWidget(badge)
    row.addWidget(title, 1)
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
        self.setText(text)
        self.setProperty("role", role)
        self.style().unpolish(self)
        self.style().polish(self)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.setText("")
        self.hide()

    @property
    def role(self) -> str:
        return str(self.property("role") or "")
