"""The window fits the counter's screen: 1366x768 without scrolling, usable at 1024x700,
and History shares the window's width instead of growing it past the screen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QScrollArea, QWidget

from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.preset_picker import VISIBLE_ROWS
from idphoto_desktop.ui.services import Services
from idphoto_desktop.ui.window_fit import fitted, initial_size
from tests.test_ui_flow import generate, load_photo

pytestmark = pytest.mark.gui

WindowFactory = Callable[[Services], MainWindow]
PHOTO = "hivision_test0.jpg"
# The client area of a window on a 1366x768 laptop: a taskbar and a title bar off the top.
LAPTOP = QSize(1366, 768 - 60)
SMALL = QSize(1024, 700)


def _rect_in_window(window: MainWindow, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def _fully_shown(window: MainWindow, widget: QWidget) -> bool:
    """Visible, not clipped by the window, and not scrolled out of the side panel."""
    if not widget.isVisible():
        return False
    rect = _rect_in_window(window, widget)
    if not window.rect().contains(rect):
        return False
    scroll = window.side_panel.findChild(QScrollArea, "sideScroll")
    assert scroll is not None
    if scroll.isAncestorOf(widget):
        viewport = QRect(scroll.viewport().mapTo(window, QPoint(0, 0)), scroll.viewport().size())
        return viewport.contains(rect)
    return True


def _steps(window: MainWindow) -> list[QWidget]:
    picker, bg = window.preset_picker, window.background
    return [
        window.open_button, window.paste_button, window.url_edit, window.photo_info,
        picker.preset_radio, picker.custom_radio, picker.search, picker.tree, picker.details,
        bg.jpg_radio, bg.png_radio, *bg.swatch_buttons.values(), bg.more_button,
        window.engine_picker.offline_radio, window.engine_picker.cloud_radio,
        window.generate_button,
        window.original_view, window.result_view, window.save_button, window.copy_button,
        window.overlay_check, window.zoom_in_button,
        window.studio.export_button, window.studio.sheet_button, window.studio.guides.toggle,
    ]


def _with_result(
    qtbot: Any, make_window: WindowFactory, ui_services: Callable[..., Services], photos: Path
) -> MainWindow:
    window = make_window(ui_services())
    load_photo(qtbot, window, photos / PHOTO)
    window.preset_picker.select("us_passport")
    generate(qtbot, window)
    return window


@pytest.mark.parametrize("size", [LAPTOP, SMALL], ids=["1366x768", "1024x700"])
def test_four_steps_and_the_result_fit_without_scrolling(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    photos_dir: Path,
    size: QSize,
) -> None:
    # GIVEN a result on screen
    window = _with_result(qtbot, make_window, ui_services, photos_dir)
    # WHEN the window has the laptop's size
    window.resize(size)
    qtbot.waitUntil(lambda: window.size() == size, timeout=2_000)
    qtbot.wait(50)
    # THEN the side panel does not scroll and every step and tool is fully on screen
    scroll = window.side_panel.findChild(QScrollArea, "sideScroll")
    assert scroll is not None
    assert scroll.verticalScrollBar().maximum() == 0
    hidden = [w.objectName() or type(w).__name__ for w in _steps(window)
              if not _fully_shown(window, w)]
    assert not hidden, hidden
    # AND the preset list shows at least twelve rows
    tree = window.preset_picker.tree
    row = tree.visualItemRect(tree.topLevelItem(0)).height()
    assert tree.viewport().height() >= VISIBLE_ROWS * row
    # AND the window can be as small as 1024x700
    assert window.minimumSizeHint().width() <= SMALL.width()
    assert window.minimumSizeHint().height() <= SMALL.height()


@pytest.mark.parametrize("size", [LAPTOP, SMALL], ids=["1366x768", "1024x700"])
def test_history_and_a_stored_result_never_widen_the_window(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    photos_dir: Path,
    size: QSize,
) -> None:
    window = _with_result(qtbot, make_window, ui_services, photos_dir)
    window.resize(size)
    qtbot.waitUntil(lambda: window.size() == size, timeout=2_000)
    # WHEN History opens (Ctrl+H)
    qtbot.keyClick(window, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    dock = window.studio.dock
    qtbot.waitUntil(dock.isVisible, timeout=2_000)
    qtbot.wait(100)
    # THEN the window keeps its size and the panel lies inside it
    assert window.size() == size
    assert window.rect().contains(_rect_in_window(window, dock))
    # WHEN a stored result with a long caption is shown
    generated = window.generated
    assert generated is not None
    long_caption = "Result · " + "United States passport (2x2 in), stored 2026-12-03 09:41 " * 4
    window.show_stored(generated, long_caption)
    qtbot.wait(100)
    # THEN the window still keeps its size; the caption is cut, the whole of it in the tooltip
    assert window.size() == size
    assert window.result_panel.result_caption.text() == long_caption
    assert long_caption in window.result_panel.result_caption.toolTip()
    # AND every tool under the result is still on screen, none overlapping another
    tools = [window.save_button, window.copy_button, window.overlay_check,
             window.zoom_in_button, window.zoom_out_button, window.zoom_fit_button,
             window.studio.export_button, window.studio.sheet_button, window.studio.guides.toggle]
    hidden = [w.objectName() for w in tools if not _fully_shown(window, w)]
    assert not hidden, hidden
    rects = [_rect_in_window(window, w) for w in tools]
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            assert not a.intersects(b), (a, b)
    assert window.generate_button.isVisible() and _fully_shown(window, window.generate_button)


def test_first_start_size_fits_the_screen() -> None:
    assert initial_size(QSize(1366, 728)) == QSize(1280, 728)
    assert initial_size(QSize(1920, 1040)) == QSize(1280, 800)
    assert initial_size(QSize(1024, 660)) == QSize(1024, 660)
    moved = fitted(QRect(1500, 200, 1416, 900), QRect(0, 0, 1366, 728))
    assert moved == QRect(0, 0, 1366, 728)
    kept = fitted(QRect(10, 10, 800, 600), QRect(0, 0, 1366, 728))
    assert kept == QRect(10, 10, 800, 600)


def test_the_no_keyring_notice_keeps_every_step_on_a_1024x700_screen(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    photos_dir: Path,
) -> None:
    from keyring.backends import fail

    from idphoto_desktop.storage.token_store import TokenStore

    # GIVEN a computer without a keyring (the notice beside step 4 is shown)
    services = ui_services()
    services.token_store = TokenStore(backend=fail.Keyring())
    window = make_window(services)
    qtbot.waitUntil(window.side_panel.keyring_notice.isVisible, timeout=5_000)
    load_photo(qtbot, window, photos_dir / PHOTO)
    window.preset_picker.select("us_passport")
    generate(qtbot, window)
    window.resize(SMALL)
    qtbot.waitUntil(lambda: window.size() == SMALL, timeout=2_000)
    qtbot.wait(50)
    # THEN nothing scrolls and every step is on screen, the notice and its action too
    scroll = window.side_panel.findChild(QScrollArea, "sideScroll")
    assert scroll is not None and scroll.verticalScrollBar().maximum() == 0
    notice = window.side_panel.keyring_notice
    shown = [*_steps(window), notice.text, notice.action]
    hidden = [w.objectName() or type(w).__name__ for w in shown if not _fully_shown(window, w)]
    assert not hidden, hidden
