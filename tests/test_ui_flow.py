"""The counter window end to end: drop, choose, generate through the sandbox, check, save."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from idphoto_desktop.engines.offline import OfflineEngine
from idphoto_desktop.sandbox.server import SandboxServer
from idphoto_desktop.ui.image_view import OVERLAY_APPROX_COLOR, OVERLAY_COLOR, ImageView
from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.services import Services
from tests.fixtures.ui import ScriptedDialogs, drop_paths

pytestmark = pytest.mark.gui

WindowFactory = Callable[[Services], MainWindow]
PHOTO = "hivision_test0.jpg"  # 576x768 JPEG, plain grey backdrop


def near(color: QColor, target: QColor, tolerance: int = 40) -> bool:
    return (
        abs(color.red() - target.red()) <= tolerance
        and abs(color.green() - target.green()) <= tolerance
        and abs(color.blue() - target.blue()) <= tolerance
    )


def overlay_painted_at(view: ImageView, x: float, y: float, target: QColor) -> bool:
    """Is the overlay colour painted within a few pixels of image point (x, y)?"""
    grab: QImage = view.grab().toImage()
    point = view.image_to_widget(x, y)
    dpr = grab.devicePixelRatio()
    cx, cy = round(point.x() * dpr), round(point.y() * dpr)
    for dx in range(-8, 9):
        for dy in range(-3, 4):
            px, py = cx + dx, cy + dy
            if 0 <= px < grab.width() and 0 <= py < grab.height():
                if near(QColor(grab.pixel(px, py)), target):
                    return True
    return False


def load_photo(qtbot: Any, window: MainWindow, path: Path) -> None:
    with qtbot.waitSignal(window.photoLoaded, timeout=10_000):
        assert drop_paths(window, [path])


def choose_preset_by_typing(qtbot: Any, window: MainWindow, text: str) -> str:
    picker = window.preset_picker
    qtbot.mouseClick(picker.preset_radio, Qt.MouseButton.LeftButton)
    picker.search.setFocus()
    picker.search.clear()
    qtbot.keyClicks(picker.search, text)
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    chosen = picker.current_id()
    assert chosen is not None
    return chosen


def generate(qtbot: Any, window: MainWindow, timeout: int = 20_000) -> None:
    """Ctrl+Enter, then wait for the outcome; fail with the window's own message."""
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.running
    assert not window.generate_button.isEnabled()  # locked while the job runs
    qtbot.waitUntil(lambda: not window.running, timeout=timeout)
    assert window.generated is not None, window.message.text()
    assert window.generate_button.isEnabled()


def test_drop_generate_through_sandbox_check_overlay_and_save(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    answers: ScriptedDialogs,
    sandbox_factory: Callable[..., SandboxServer],
    sandbox_token: str,
    photos_dir: Path,
    tmp_path: Path,
) -> None:
    # GIVEN the window set to the provider (the sandbox on 127.0.0.1, backed by the
    # offline engine so the reply is a real cut-out) with a token
    sandbox = sandbox_factory(engine=OfflineEngine())
    services = ui_services(token=sandbox_token, api_url=sandbox.base_url, engine="cloud")
    window = make_window(services)
    assert window.engine_picker.engine() == "cloud"
    assert "costs one call" in window.engine_picker.note.text()

    # WHEN a photo is dropped on the window, a preset and a colour are chosen
    load_photo(qtbot, window, photos_dir / PHOTO)
    assert window.photo is not None and window.photo.prepared is not None
    preset_id = choose_preset_by_typing(qtbot, window, "schengen")
    entry = window.preset_picker.current_entry()
    assert entry is not None
    assert "mm" in window.preset_picker.details.text()
    qtbot.mouseClick(window.background.jpg_radio, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.background.swatch_buttons["D6E9F8"], Qt.MouseButton.LeftButton)
    assert window.background.color() == "D6E9F8"
    assert "#D6E9F8" in window.background.current_chip.text()

    # AND Generate runs through the real client and the sandbox
    generate(qtbot, window)

    # THEN the result has the preset's size and one request reached the server
    generated = window.generated
    assert generated is not None
    result = generated.result
    assert (result.width, result.height) == (entry.width, entry.height)
    assert result.foreground_rect is not None
    assert sandbox.counter.snapshot()["POST /task/pic/idphoto"] == 1

    # AND the rectangle is painted on the original where the reply says
    photo = window.photo
    assert photo.prepared is not None
    rect = result.foreground_rect.scaled(photo.display_scale / photo.prepared.scale)
    mid_top = (rect.x + rect.width / 2, rect.y)
    view = window.original_view
    assert overlay_painted_at(view, mid_top[0], max(mid_top[1], 1.0), OVERLAY_COLOR)
    # ... and on the result, through the crop
    assert result.crop is not None
    corners = result.crop.map_rect(result.foreground_rect)
    colour = OVERLAY_APPROX_COLOR if result.crop_is_approximate else OVERLAY_COLOR
    top_y = min(c[1] for c in corners)
    mid_x = sum(c[0] for c in corners) / 4
    assert 0 < top_y < result.height and 0 < mid_x < result.width  # the crown is inside
    assert overlay_painted_at(window.result_view, mid_x, top_y, colour)
    assert not overlay_painted_at(window.result_view, mid_x, top_y + 40, colour)
    window.grab().save(str(tmp_path / "window.png"))

    # AND Ctrl+R hides it on both
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert not window.overlay_check.isChecked()
    assert not overlay_painted_at(view, mid_top[0], max(mid_top[1], 1.0), OVERLAY_COLOR)
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert window.overlay_check.isChecked()

    # AND Save as… (Ctrl+S) writes a JPG of the preset's pixel size
    target = tmp_path / "customer"
    answers.save_answers.append(target)
    with qtbot.waitSignal(window.saved, timeout=10_000) as saved:
        qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    written = Path(saved.args[0])
    assert written == tmp_path / "customer.jpg"
    suggested, name_filter = answers.asked[-1][1]
    assert suggested.name.endswith(f"{preset_id}.jpg") and "jpg" in name_filter
    with Image.open(written) as img:
        assert img.format == "JPEG"
        assert img.size == (entry.width, entry.height)
    assert services.settings.last_save_dir == str(tmp_path)


def test_colour_change_after_result_is_local_and_png_saves_transparent(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    answers: ScriptedDialogs,
    sandbox: SandboxServer,
    sandbox_token: str,
    photos_dir: Path,
    tmp_path: Path,
) -> None:
    services = ui_services(token=sandbox_token, api_url=sandbox.base_url, engine="cloud")
    window = make_window(services)
    load_photo(qtbot, window, photos_dir / PHOTO)
    qtbot.mouseClick(window.preset_picker.custom_radio, Qt.MouseButton.LeftButton)
    window.preset_picker.set_custom_size(300, 400)
    qtbot.mouseClick(window.background.jpg_radio, Qt.MouseButton.LeftButton)
    generate(qtbot, window)
    calls = sandbox.counter.snapshot()
    assert calls["POST /task/pic/idphoto"] == 1

    # WHEN the clerk tries red, then "More…" with a picked colour
    with qtbot.waitSignal(window.resultShown, timeout=5_000):
        qtbot.mouseClick(window.background.swatch_buttons["D9001B"], Qt.MouseButton.LeftButton)
    answers.color_answers.append("123456")
    with qtbot.waitSignal(window.resultShown, timeout=5_000):
        qtbot.mouseClick(window.background.more_button, Qt.MouseButton.LeftButton)
    assert window.background.color() == "123456"
    assert window.generated is not None and window.generated.shown_color == "123456"
    # THEN no new request reached the provider, and Generate again does not pay twice
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not window.running
    assert "nothing was charged" in window.message.text()
    assert sandbox.counter.snapshot() == calls

    # WHEN PNG is chosen the colour controls are disabled and say why
    qtbot.mouseClick(window.background.png_radio, Qt.MouseButton.LeftButton)
    assert not window.background.swatch_buttons["FFFFFF"].isEnabled()
    assert "Transparent PNG" in window.background.hint_label.text()
    answers.save_answers.append(tmp_path / "out.png")
    with qtbot.waitSignal(window.saved, timeout=10_000):
        qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    with Image.open(tmp_path / "out.png") as img:
        assert img.format == "PNG" and img.size == (300, 400)


def test_bad_file_dropped_says_why_and_keeps_the_photo(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    photos_dir: Path,
    tmp_path: Path,
) -> None:
    window = make_window(ui_services())
    load_photo(qtbot, window, photos_dir / PHOTO)
    before = window.photo
    bad = tmp_path / "passport.jpg"
    bad.write_text("this is not a picture\n")
    with qtbot.waitSignal(window.photoRejected, timeout=10_000) as rejected:
        drop_paths(window, [bad], target=window.preset_picker)
    assert window.photo is before
    assert window.photo_error.isVisible()
    assert "passport.jpg" in rejected.args[0]
    assert "previous photo is still loaded" in window.photo_error.text()
    assert window.original_view.image() is not None


def test_open_dialog_and_offline_engine_show_result(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    answers: ScriptedDialogs,
    photos_dir: Path,
) -> None:
    window = make_window(ui_services())
    answers.open_answers.append(photos_dir / "fr_obama.jpg")
    with qtbot.waitSignal(window.photoLoaded, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert answers.asked[0][0] == "open"
    qtbot.mouseClick(window.preset_picker.custom_radio, Qt.MouseButton.LeftButton)
    generate(qtbot, window)
    assert window.result_view.image() is not None
    assert "engine: cropresize" in window.result_info.text()
    # Copy puts the result as shown on the clipboard
    qtbot.mouseClick(window.copy_button, Qt.MouseButton.LeftButton)
    copied = QApplication.clipboard().image()
    assert (copied.width(), copied.height()) == (600, 600)
    # zoom buttons change both views
    qtbot.mouseClick(window.zoom_in_button, Qt.MouseButton.LeftButton)
    assert window.result_view.zoom > 1.0 and window.original_view.zoom > 1.0
    qtbot.mouseClick(window.zoom_fit_button, Qt.MouseButton.LeftButton)
    assert window.result_view.zoom == 1.0
