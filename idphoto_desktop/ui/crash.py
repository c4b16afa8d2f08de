"""The last line of defence: log, write a report, show it with a Copy button.

The dialog itself is in :mod:`idphoto_desktop.ui.crash_dialog`, imported on the first
crash (``ui/on_demand.py``): the handler must be installed before the first widget, the
dialog's widgets are not needed until something goes wrong.

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
from PySide6.QtWidgets import QApplication

from idphoto_desktop.ui import on_demand

log = logging.getLogger("idphoto_desktop.crash")
qt_log = logging.getLogger("qt")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
QtMessageHandler = Callable[[QtMsgType, QMessageLogContext, str], Any]


class CrashHandler(QObject):
    """Turns uncaught exceptions into a log record, a report file and a dialog."""

    reported = Signal(str)
    _fromWorker = Signal(object)

    def __init__(self, show: Callable[[str, str], None] | None = None) -> None:
        super().__init__()
        # The dialog (ui/crash_dialog.py) is built on the first crash, not at start.
        self._show = show if show is not None else on_demand.show_crash_dialog
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
