"""PySide6-Essentials 6.12.0 on Python 3.11 released a reference to None on every Qt call
that returns nothing, and the process aborted ("Fatal Python error: none_dealloc") after a
few thousand calls. We pin 6.11.2, which does not; this test keeps any new pin honest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

MANY_QT_CALLS = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
import idphoto_desktop.ui
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
widget = QWidget()
for i in range(30000):  # about six times what None's references allowed
    widget.update()
    if i % 500 == 0:
        app.processEvents()
print("survived")
"""


@pytest.mark.gui
def test_thousands_of_qt_calls_do_not_abort_the_process(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), IDPHOTO_HOME=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-c", MANY_QT_CALLS], env=env, capture_output=True, text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "survived" in proc.stdout
    assert "Fatal Python error" not in proc.stderr
