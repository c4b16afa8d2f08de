"""What the clerk sees when things go wrong: plain words in the window, nothing lost."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from idphoto_desktop.sandbox.server import SandboxServer
from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.services import Services
from tests.fixtures.ui import SlowEngine, drop_paths

pytestmark = pytest.mark.gui

WindowFactory = Callable[[Services], MainWindow]
PHOTO = "hivision_test3.jpg"


def ready_window(
    qtbot: Any, make_window: WindowFactory, services: Services, photos_dir: Path
) -> MainWindow:
    window = make_window(services)
    with qtbot.waitSignal(window.photoLoaded, timeout=10_000):
        drop_paths(window, [photos_dir / PHOTO])
    qtbot.mouseClick(window.preset_picker.custom_radio, Qt.MouseButton.LeftButton)
    window.preset_picker.set_custom_size(354, 472)
    return window


def run_and_fail(qtbot: Any, window: MainWindow) -> str:
    with qtbot.waitSignal(window.jobFailed, timeout=20_000) as failed:
        qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    assert not window.running and window.generate_button.isEnabled()
    assert window.photo is not None  # the photo stays
    assert window.preset_picker.custom_size() == (354, 472)  # and the choices
    assert window.generated is None
    return str(failed.args[0])


def test_bad_token_is_explained(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    sandbox: SandboxServer,
    photos_dir: Path,
) -> None:
    services = ui_services(
        token="not-the-right-token-123", api_url=sandbox.base_url, engine="cloud"
    )
    window = ready_window(qtbot, make_window, services, photos_dir)
    text = run_and_fail(qtbot, window)
    assert "token" in text.lower()
    assert "not-the-right-token-123" not in text
    assert window.message.role == "error" and window.message.isVisible()


def test_server_down_is_explained(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    sandbox_token: str,
    photos_dir: Path,
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    services = ui_services(
        token=sandbox_token, api_url=f"http://127.0.0.1:{port}", engine="cloud"
    )
    window = ready_window(qtbot, make_window, services, photos_dir)
    text = run_and_fail(qtbot, window)
    assert "offline engine" in text.lower() or "connect" in text.lower()
    assert sandbox_token not in text


def test_no_token_stops_before_any_call(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    sandbox: SandboxServer,
    photos_dir: Path,
) -> None:
    services = ui_services(api_url=sandbox.base_url, engine="cloud")
    window = ready_window(qtbot, make_window, services, photos_dir)
    qtbot.waitUntil(lambda: "needs an API token" in window.engine_picker.note.text())
    with qtbot.waitSignal(window.jobFailed, timeout=2_000) as failed:
        qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    assert "Preferences" in failed.args[0]
    assert not window.running
    assert sum(sandbox.counter.snapshot().values()) == 0


def test_cancel_keeps_photo_and_unlocks(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    photos_dir: Path,
) -> None:
    slow = SlowEngine()
    services = ui_services(engine_factory=lambda kind, token, url: slow)
    window = ready_window(qtbot, make_window, services, photos_dir)
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.running and not window.generate_button.isEnabled()
    assert window.cancel_button.isVisible()
    assert slow.started.wait(5)
    qtbot.waitUntil(lambda: window.progress.value() == 40)  # progress reached the bar
    with qtbot.waitSignal(window.jobFailed, timeout=5_000) as failed:
        qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    assert failed.args[0] == "cancelled"
    assert "Cancelled" in window.message.text()
    assert not window.running and window.generate_button.isEnabled()
    assert window.photo is not None and window.generated is None


def test_new_photo_during_job_never_shows_old_result(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    photos_dir: Path,
) -> None:
    slow = SlowEngine(seconds=0.5)
    services = ui_services(engine_factory=lambda kind, token, url: slow)
    window = ready_window(qtbot, make_window, services, photos_dir)
    qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    assert slow.started.wait(5)
    with qtbot.waitSignal(window.photoLoaded, timeout=10_000):
        drop_paths(window, [photos_dir / "fr_obama.jpg"])
    assert slow.finished.wait(5)
    qtbot.wait(300)  # let any late outcome arrive
    assert window.generated is None
    assert window.result_view.image() is None
    assert window.photo is not None and window.photo.label == "fr_obama.jpg"


def test_close_during_job_cancels_and_drains(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    photos_dir: Path,
) -> None:
    slow = SlowEngine(seconds=30)
    services = ui_services(engine_factory=lambda kind, token, url: slow)
    window = ready_window(qtbot, make_window, services, photos_dir)
    qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    assert slow.started.wait(5)
    window.close()
    assert slow.finished.is_set()  # drained, not abandoned
    assert window.runner.stopping
    assert services.settings.custom_width == 354  # choices remembered on close
