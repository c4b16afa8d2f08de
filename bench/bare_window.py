"""The floor: a bare PySide6 QMainWindow, shown, closed at its first paint (a script).

Quits the same way ``idphoto-desktop --smoke`` does (an event filter on the first Paint
event), so the two processes differ only in what the app itself does. ``--rss`` prints
the process's peak RSS in MB (VmHWM) on stdout before exiting (the memory figure's baseline).
``--qt-enums`` touches ``Qt.AlignmentFlag.AlignCenter`` before the window is shown, as
any real window does (a layout's alignment, a focus policy): the first use of the ``Qt``
namespace makes PySide6 create all of its Python enums (bench/startup.py's context row).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


class _FirstPaint(QObject):
    def __init__(self, app: QApplication) -> None:
        super().__init__()
        self._app = app

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            target = os.environ.get("IDPHOTO_SMOKE_PAINT_FILE")
            if target:  # as idphoto-desktop --smoke does, for bench/startup.py
                Path(target).write_text(repr(time.monotonic()), encoding="ascii")
            QTimer.singleShot(0, self._app.quit)
        return False


def _use_qt_enums() -> object:
    """One enum of the Qt namespace, as a layout alignment or focus policy reads one."""
    from PySide6.QtCore import Qt

    return Qt.AlignmentFlag.AlignCenter


def main() -> int:
    app = QApplication([sys.argv[0]])
    window = QMainWindow()
    window.setWindowTitle("bare")
    first_paint = _FirstPaint(app)
    window.installEventFilter(first_paint)
    if "--qt-enums" in sys.argv[1:]:
        _use_qt_enums()
    window.show()
    status = app.exec()
    window.close()
    if "--rss" in sys.argv[1:]:
        # VmHWM, not ru_maxrss: Linux carries the spawning parent's peak over exec.
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                print(int(line.split()[1]) / 1024.0, flush=True)
    return int(status)


if __name__ == "__main__":
    raise SystemExit(main())
