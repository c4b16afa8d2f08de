"""Preferences (address, masked token, Test connection) and the crash report."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from idphoto_desktop.logsetup import register_secret
from idphoto_desktop.sandbox.server import SandboxServer
from idphoto_desktop.ui.crash import CrashHandler
from idphoto_desktop.ui.crash_dialog import CrashDialog
from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.preferences import PreferencesDialog
from idphoto_desktop.ui.services import Services

pytestmark = pytest.mark.gui

WindowFactory = Callable[[Services], MainWindow]


def open_prefs(qtbot: Any, window: MainWindow) -> PreferencesDialog:
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialog = window.preferences_dialog
    qtbot.waitExposed(dialog)
    return dialog


def test_token_saved_to_store_tested_and_never_in_settings(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    sandbox: SandboxServer,
    sandbox_token: str,
) -> None:
    services = ui_services(engine="cloud")
    window = make_window(services)
    qtbot.waitUntil(lambda: window.engine_picker.token_button.isVisible())

    # GIVEN the Preferences dialog opened with Ctrl+,
    dialog = open_prefs(qtbot, window)
    assert dialog.token.echoMode() is QLineEdit.EchoMode.Password
    assert "session" in dialog.where.text().lower() or "keyring" in dialog.where.text().lower()

    # WHEN the clerk types the address and a wrong token, then tests
    dialog.api_url.setText("")
    qtbot.keyClicks(dialog.api_url, sandbox.base_url)
    qtbot.keyClicks(dialog.token, "wrong-token-abcdef")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert dialog.testing and not dialog.test_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.testing, timeout=10_000)
    assert dialog.test_result.role == "error"
    assert "wrong-token-abcdef" not in dialog.test_result.text()

    # AND the right one
    dialog.token.clear()
    qtbot.keyClicks(dialog.token, sandbox_token)
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    assert dialog.token.echoMode() is QLineEdit.EchoMode.Normal
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    assert dialog.token.echoMode() is QLineEdit.EchoMode.Password
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.testing, timeout=10_000)
    assert dialog.test_result.role == "info", dialog.test_result.text()

    # AND switches to polling (async) calls
    qtbot.mouseClick(dialog.sync_check, Qt.MouseButton.LeftButton)
    # THEN Save stores the token in the store and the address in the settings file only
    with qtbot.waitSignal(dialog.finished, timeout=2_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert services.token_store.get() == sandbox_token
    assert services.settings.api_url == sandbox.base_url
    assert services.settings.sync_mode == "async"
    assert sandbox_token not in services.settings.path.read_text()
    qtbot.waitUntil(lambda: not window.engine_picker.token_button.isVisible())


def test_invalid_address_is_refused_in_place(
    qtbot: Any, make_window: WindowFactory, ui_services: Callable[..., Services]
) -> None:
    window = make_window(ui_services())
    dialog = open_prefs(qtbot, window)
    dialog.api_url.setText("http://example.com")  # plain http off this computer
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.error.isVisible() and "https" in dialog.error.text()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_crash_report_is_copyable_and_has_no_token(qtbot: Any) -> None:
    token = "sk-live-secret-0123456789"
    register_secret(token)
    shown: list[tuple[str, str]] = []
    handler = CrashHandler(show=lambda report, path: shown.append((report, path)))
    try:
        raise RuntimeError(f"request failed with Authorization: Bearer {token}")
    except RuntimeError:
        exc_type, exc, tb = sys.exc_info()
    assert exc_type is not None and exc is not None
    handler.handle(exc_type, exc, tb)
    assert len(shown) == 1
    report, path = shown[0]
    assert "RuntimeError" in report and token not in report
    assert path and token not in Path(path).read_text(encoding="utf-8")

    dialog = CrashDialog(report, path)
    qtbot.addWidget(dialog)
    dialog.copy_report()
    clipboard = QApplication.clipboard()
    assert clipboard.text() == report


def test_worker_thread_crash_reaches_gui_thread(qtbot: Any) -> None:
    shown: list[str] = []
    handler = CrashHandler(show=lambda report, path: shown.append(report))

    def boom() -> None:
        try:
            raise ValueError("worker bug")
        except ValueError:
            exc_type, exc, tb = sys.exc_info()
            assert exc_type is not None and exc is not None
            handler.handle(exc_type, exc, tb)

    thread = threading.Thread(target=boom)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: len(shown) == 1)
    assert "worker bug" in shown[0]


def test_install_routes_hooks_and_qt_messages_to_the_log(
    qtbot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from PySide6.QtCore import qWarning

    previous = sys.excepthook
    handler = CrashHandler(show=lambda report, path: None)
    handler.install()
    try:
        assert sys.excepthook == handler.handle
        with caplog.at_level("WARNING", logger="qt"):
            qWarning("a Qt warning for the log")
        assert any("a Qt warning for the log" in r.getMessage() for r in caplog.records)
    finally:
        handler.uninstall()
    assert sys.excepthook is previous
