"""Other ways in and out: paste, image address, the drop highlight, never overwrite silently."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QImage
from PySide6.QtWidgets import QApplication

from idphoto_desktop.sandbox.server import SandboxServer
from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.services import Services
from tests.fixtures.ui import ScriptedDialogs, drop_paths, file_mime

pytestmark = pytest.mark.gui

WindowFactory = Callable[[Services], MainWindow]


def test_paste_image_then_paste_file(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    photos_dir: Path,
) -> None:
    window = make_window(ui_services())
    clipboard = QApplication.clipboard()
    image = QImage(str(photos_dir / "fr_alex-lacamoire.png"))
    assert not image.isNull()
    clipboard.setImage(image)
    window.generate_button.setFocus()
    with qtbot.waitSignal(window.photoLoaded, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert window.photo is not None and window.photo.label == "pasted.png"
    assert window.photo.prepared is not None
    assert (window.photo.prepared.original_width, window.photo.prepared.original_height) == (
        image.width(),
        image.height(),
    )

    clipboard.setMimeData(file_mime([photos_dir / "hivision_test3.jpg"]))
    with qtbot.waitSignal(window.photoLoaded, timeout=10_000):
        qtbot.mouseClick(window.paste_button, Qt.MouseButton.LeftButton)
    assert window.photo.label == "hivision_test3.jpg"

    clipboard.setText("just some words")
    with qtbot.waitSignal(window.photoRejected, timeout=2_000):
        qtbot.mouseClick(window.paste_button, Qt.MouseButton.LeftButton)
    assert window.photo.label == "hivision_test3.jpg"  # the photo stays


def test_image_address_goes_to_the_provider(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    sandbox: SandboxServer,
    sandbox_token: str,
    loopback_file_server: str,
) -> None:
    services = ui_services(token=sandbox_token, api_url=sandbox.base_url)
    window = make_window(services)
    url = f"{loopback_file_server}/hivision_test0.jpg"
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.url_edit.hasFocus()
    with qtbot.waitSignal(window.photoLoaded, timeout=2_000):
        qtbot.keyClicks(window.url_edit, url)
        qtbot.keyClick(window.url_edit, Qt.Key.Key_Return)
    assert window.photo is not None and window.photo.image_url == url
    assert "download" in window.original_view.placeholder()
    window.preset_picker.set_custom(True)
    window.preset_picker.set_custom_size(300, 400)

    # the offline engine cannot use an address: said before any work starts
    with qtbot.waitSignal(window.jobFailed, timeout=2_000) as failed:
        qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    assert "offline engine needs the photo" in failed.args[0]

    # the provider downloads it itself
    qtbot.mouseClick(window.engine_picker.cloud_radio, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.running, timeout=20_000)
    assert window.generated is not None, window.message.text()
    assert (window.generated.result.width, window.generated.result.height) == (300, 400)


def test_bad_address_is_refused_in_place(
    qtbot: Any, make_window: WindowFactory, ui_services: Callable[..., Services]
) -> None:
    window = make_window(ui_services())
    window.url_edit.setText("ftp://example.com/a.jpg")
    with qtbot.waitSignal(window.photoRejected, timeout=2_000):
        qtbot.mouseClick(window.url_button, Qt.MouseButton.LeftButton)
    assert window.photo is None and window.photo_error.isVisible()


def test_drag_highlight_and_foreign_drop(
    qtbot: Any, make_window: WindowFactory, ui_services: Callable[..., Services]
) -> None:
    window = make_window(ui_services())
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile("/tmp/whatever.jpg")])
    enter = QDragEnterEvent(
        QPoint(300, 300), Qt.DropAction.CopyAction, mime,
        Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted() and window.drop_overlay.isVisible()
    QApplication.sendEvent(window, QDragLeaveEvent())
    assert not window.drop_overlay.isVisible()

    text_only = QMimeData()
    text_only.setText("hello")
    enter = QDragEnterEvent(
        QPoint(300, 300), Qt.DropAction.CopyAction, text_only,
        Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()


def test_save_never_replaces_a_file_the_dialog_did_not_confirm(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    answers: ScriptedDialogs,
    photos_dir: Path,
    tmp_path: Path,
) -> None:
    window = make_window(ui_services())
    with qtbot.waitSignal(window.photoLoaded, timeout=10_000):
        drop_paths(window, [photos_dir / "hivision_test0.jpg"])
    window.preset_picker.set_custom(True)
    qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.generated is not None, timeout=10_000)

    existing = tmp_path / "card.jpg"
    existing.write_bytes(b"keep me")
    # the clerk typed "card" (no extension): the window adds .jpg, a name the dialog
    # never asked about, so the existing card.jpg must not be replaced
    answers.save_answers.append(tmp_path / "card")
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.save_message.isVisible(), timeout=10_000)
    said = window.save_message.text()
    assert window.save_message.role == "error" and "card.jpg already exists in" in said
    # its own words and what to do, not wrapped in "could not be written: …."
    assert "could not be written" not in said and "Choose another file name" in said
    assert existing.read_bytes() == b"keep me"

    # choosing card.jpg in the dialog (which asked "replace?") does replace it
    answers.save_answers.append(existing)
    with qtbot.waitSignal(window.saved, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert existing.read_bytes()[:3] == b"\xff\xd8\xff"
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind
