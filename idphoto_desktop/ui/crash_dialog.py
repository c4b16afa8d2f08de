"""The crash report dialog: a plain report the clerk can copy and send.

Built on the first crash only (:func:`idphoto_desktop.ui.on_demand.show_crash_dialog`);
:class:`idphoto_desktop.ui.crash.CrashHandler` decides when.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class CrashDialog(QDialog):
    """A plain report the clerk can copy and send; the app keeps running if it can."""

    def __init__(self, report: str, report_path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crashDialog")
        self.setWindowTitle(self.tr("ID Photo Desktop: unexpected error"))
        self.resize(640, 420)
        intro = QLabel(
            self.tr(
                "Something went wrong inside the program. Your photo and choices are still in "
                "the window. Please copy this report and send it to support."
            )
            + ("\n" + self.tr("A copy was saved to {0}").format(report_path) if report_path else "")
        )
        intro.setWordWrap(True)
        self.text = QPlainTextEdit(report)
        self.text.setObjectName("crashReport")
        self.text.setReadOnly(True)
        copy = QPushButton(self.tr("Copy report"))
        copy.setObjectName("copyReport")
        copy.clicked.connect(self.copy_report)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())


def show_crash_dialog(report: str, report_path: str) -> None:
    """The default way to show a report: a window-modal dialog that does not block."""
    parent = QApplication.activeWindow() if QApplication.instance() is not None else None
    dialog = CrashDialog(report, report_path, parent)
    _open_dialogs.append(dialog)  # keep it alive until closed
    dialog.finished.connect(lambda _code: _open_dialogs.remove(dialog))
    dialog.open()


_open_dialogs: list[CrashDialog] = []
