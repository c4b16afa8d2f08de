"""The last line of defence: log, write a report, show it with a Copy button.

``install`` sets ``sys.excepthook``, ``threading.excepthook`` and Qt's message handler
before the first widget exists. Reports come from ``logsetup.format_crash_report``, which
redacts every registered secret, so the token never reaches the dialog or the file.
An exception on a worker thread is handed to the GUI thread through a queued signal.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from PySide6.QtCore import (
    QMessageLogContext,
    QObject,
    QThread,
    QtMsgType,
    Signal,
    Slot,
    qInstallMessageHandler,
)
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

log = logging.getLogger("idphoto_desktop.crash")
qt_log = logging.getLogger("qt")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
QtMessageHandler = Callable[[QtMsgType, QMessageLogContext, str], Any]


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


class CrashHandler(QObject):
    """Turns uncaught exceptions into a log record, a report file and a dialog."""

    reported = Signal(str)
    _fromWorker = Signal(object)

    def __init__(self, show: Callable[[str, str], None] | None = None) -> None:
        super().__init__()
        self._show = show if show is not None else show_crash_dialog
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        self._installed = False
        self._previous_qt_handler: QtMessageHandler | None = None
        self._fromWorker.connect(self._on_gui_thread)

    def install(self) -> None:
        """Before the first widget: every uncaught exception and Qt warning is logged."""
        sys.excepthook = self.handle
        threading.excepthook = self._thread_hook
        self._previous_qt_handler = qInstallMessageHandler(qt_message_handler)
        self._installed = True

    def uninstall(self) -> None:
        if self._installed:
            sys.excepthook = self._previous_hook
            threading.excepthook = self._previous_thread_hook
            qInstallMessageHandler(self._previous_qt_handler)
            self._installed = False

    def handle(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        """``sys.excepthook``: may run on any thread; the dialog opens on the GUI thread."""
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous_hook(exc_type, exc, tb)
            return
        log.critical("Uncaught exception", exc_info=(exc_type, exc, tb))
        app = QApplication.instance()
        if app is not None and QThread.currentThread() is not app.thread():
            self._fromWorker.emit((exc_type, exc, tb))
            return
        self._report((exc_type, exc, tb))

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        self.handle(args.exc_type, args.exc_value, args.exc_traceback)

    @Slot(object)
    def _on_gui_thread(self, info: object) -> None:
        assert isinstance(info, tuple)
        self._report(info)

    def _report(self, info: ExcInfo) -> None:
        from idphoto_desktop.logsetup import format_crash_report, write_crash_report

        exc_type, exc, tb = info
        report = format_crash_report(exc_type, exc, tb)
        path = ""
        try:
            path = str(write_crash_report(exc_type, exc, tb))
        except Exception:  # the dialog still shows the report
            log.exception("The crash report could not be written")
        self.reported.emit(report)
        try:
            self._show(report, path)
        except Exception:  # never recurse into the hook
            log.exception("The crash dialog could not be shown")


_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def qt_message_handler(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Qt's own warnings go to our (redacted, rotating) log instead of stderr only."""
    level = _QT_LEVELS.get(mode, logging.WARNING)
    category = context.category or "default"
    qt_log.log(level, "[%s] %s", category, message)
