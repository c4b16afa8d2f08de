"""What the studio features (history, export, sheets, printing) need that is not a widget.

Kept apart from :mod:`~idphoto_desktop.ui.services` so tests can inject the modal
questions (confirmations, the print dialog) and point the history at any file. The
history database is opened on first use, on whichever worker thread asks first, and
shared (it is thread-safe).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter

    from idphoto_desktop.storage.history import HistoryStore

ConfirmFn = Callable[[QWidget, str, str], bool]
"""(parent, title, question) -> True when the clerk agrees. GUI thread."""

PrinterSetupFn = Callable[[QWidget, "QPrinter"], bool]
"""(parent, printer) -> True to print; may change the printer's settings. GUI thread."""


def ask_yes_no(parent: QWidget, title: str, question: str) -> bool:
    """A modal question whose safe answer (No) is the default."""
    answer = QMessageBox.question(
        parent,
        title,
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def native_print_dialog(parent: QWidget, printer: QPrinter) -> bool:
    """The platform's print dialog (QPrintDialog)."""
    from PySide6.QtPrintSupport import QPrintDialog

    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(QCoreApplication.translate("PrintSupport", "Print the sheet"))
    return dialog.exec() == QPrintDialog.DialogCode.Accepted


@dataclass
class StudioServices:
    """History, confirmations and the print dialog; one instance per window."""

    history_path: Path | None = None  # None: the user data folder (IDPHOTO_HOME in tests)
    confirm: ConfirmFn = ask_yes_no
    setup_printer: PrinterSetupFn = native_print_dialog
    _history: HistoryStore | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def history(self) -> HistoryStore:
        """The results database, opened once (call from a worker: it touches the disk)."""
        with self._lock:
            if self._history is None:
                from idphoto_desktop.storage.history import open_history

                self._history = open_history(path=self.history_path)
            return self._history

    def close(self) -> None:
        """Close the database after the workers have drained (window close)."""
        with self._lock:
            if self._history is not None:
                self._history.close()
                self._history = None
