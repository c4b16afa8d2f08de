"""Start-up (issue 18): the first paint is the real window; hidden parts come on first use."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QPlainTextEdit

from idphoto_desktop.ui.crash import CrashHandler
from idphoto_desktop.ui.main_window import DEFAULT_PRESET, MainWindow
from idphoto_desktop.ui.on_demand import OnDemand
from idphoto_desktop.ui.services import Services

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parent.parent


def test_on_demand_builds_once_and_only_when_asked() -> None:
    built: list[int] = []
    ready: list[int] = []
    part = OnDemand(lambda: built.append(1) or len(built), ready.append)
    assert part.built() is None and not built
    assert part.get() == 1 and part.get() == 1
    assert built == [1] and ready == [1] and part.built() == 1


def test_window_lists_presets_before_it_shows_and_defers_hidden_parts(
    qtbot: Any, ui_services: Callable[..., Services]
) -> None:
    window = MainWindow(ui_services())
    qtbot.addWidget(window)
    # THEN before any paint: the presets are listed, the first start's choice selected
    tree = window.preset_picker.tree
    assert tree.topLevelItemCount() > 5
    current = tree.currentItem()
    assert current is not None and current.data(0, Qt.ItemDataRole.UserRole) == DEFAULT_PRESET
    assert window.generate_button.text() and not window.running
    # AND the parts nobody sees yet are not built
    assert window._generator.built() is None
    assert window._verdict.built() is None
    assert window._studio.built() is None
    # WHEN asked for, each is built once and stays
    generator = window.generator
    assert window._generator.built() is generator and window.generator is generator
    badge = window.verdict_badge
    assert window.result_panel.isAncestorOf(badge) and not badge.isVisible()
    window.close()


def test_smoke_start_imports_neither_the_pipeline_nor_the_capture_check(
    private_app_home: Path,
) -> None:
    code = (
        "import sys\n"
        "from idphoto_desktop.ui.app import main\n"
        "status = main(['--smoke'])\n"
        "deferred = ('idphoto_desktop.pipeline', 'idphoto_desktop.capture',\n"
        "            'idphoto_desktop.ui.studio', 'idphoto_desktop.ui.crash_dialog')\n"
        "print('LOADED', sorted(set(deferred) & set(sys.modules)))\n"
        "sys.exit(status)\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "IDPHOTO_HOME": str(private_app_home),
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
    }
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "LOADED []" in proc.stdout, proc.stdout


def test_default_crash_dialog_is_built_on_the_first_crash(qtbot: Any) -> None:
    handler = CrashHandler()  # the real dialog, imported only now
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        exc_type, exc, tb = sys.exc_info()
    assert exc_type is not None and exc is not None
    handler.handle(exc_type, exc, tb)
    dialogs = [
        w for w in QApplication.topLevelWidgets()
        if isinstance(w, QDialog) and w.objectName() == "crashDialog" and w.isVisible()
    ]
    assert len(dialogs) == 1
    report = dialogs[0].findChild(QPlainTextEdit, "crashReport")
    assert report is not None and "RuntimeError: a bug" in report.toPlainText()
    dialogs[0].close()
