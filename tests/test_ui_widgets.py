"""The window's parts: overlay painting, preset search, colour rules, keyboard, restarts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QWidget

from idphoto_desktop.core.job import OutputFormat
from idphoto_desktop.ui.image_view import OVERLAY_COLOR, ImageView
from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.preset_picker import RECENT_GROUP
from idphoto_desktop.ui.services import Services

pytestmark = pytest.mark.gui

WindowFactory = Callable[[Services], MainWindow]


def test_overlay_is_painted_on_the_mapped_rectangle(qtbot: Any) -> None:
    view = ImageView()
    qtbot.addWidget(view)
    view.resize(420, 320)
    image = QImage(200, 100, QImage.Format.Format_RGB32)
    image.fill(QColor(128, 128, 128))
    view.set_image(image)
    view.set_overlay([(50, 20), (150, 20), (150, 80), (50, 80)])
    view.show()
    qtbot.waitExposed(view)

    def colour_at(x: float, y: float) -> QColor:
        grab = view.grab().toImage()
        p = view.image_to_widget(x, y)
        return QColor(grab.pixel(round(p.x()), round(p.y())))

    assert colour_at(100, 20) == OVERLAY_COLOR  # top edge
    assert colour_at(50, 50) == OVERLAY_COLOR  # left edge
    assert colour_at(100, 50) == QColor(128, 128, 128)  # inside stays the photo
    view.set_overlay_visible(False)
    assert colour_at(100, 20) == QColor(128, 128, 128)
    # zoom keeps the overlay on the same image pixels
    view.set_overlay_visible(True)
    view.zoom_in()
    assert view.zoom > 1.0
    assert colour_at(100, 20) == OVERLAY_COLOR


def test_preset_search_grouping_and_recent_first(
    qtbot: Any, make_window: WindowFactory, ui_services: Callable[..., Services]
) -> None:
    services = ui_services()
    services.settings.recent_presets = ["jp_visa"]
    window = make_window(services)
    picker = window.preset_picker
    # the list is filled right after the first paint, which may follow the exposure
    qtbot.waitUntil(lambda: picker.tree.topLevelItemCount() > 0, timeout=5_000)
    first_group = picker.tree.topLevelItem(0)
    assert first_group is not None and first_group.text(0) == RECENT_GROUP
    assert first_group.child(0) is not None
    tops = [picker.tree.topLevelItem(i) for i in range(picker.tree.topLevelItemCount())]
    groups = {top.text(0) for top in tops if top is not None}
    assert {"China", "United States", "France", "Japan"} <= groups

    qtbot.mouseClick(picker.preset_radio, Qt.MouseButton.LeftButton)
    picker.search.setFocus()
    qtbot.keyClicks(picker.search, "france")
    qtbot.keyClick(picker.search, Qt.Key.Key_Down)
    assert picker.current_id() == "fr_identity"
    assert picker.tree.hasFocus()
    details = picker.details.text()
    assert "35 × 45 mm" in details and "413 × 531 px" in details
    assert "Head:" in details and "Source:" in details


def test_forbidden_colour_warns_and_png_disables_colours(
    qtbot: Any, make_window: WindowFactory, ui_services: Callable[..., Services]
) -> None:
    window = make_window(ui_services())
    window.preset_picker.select("fr_identity")
    bg = window.background
    qtbot.mouseClick(bg.jpg_radio, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(bg.swatch_buttons["FFFFFF"], Qt.MouseButton.LeftButton)
    assert bg.warning_label.isVisible() and "forbid" in bg.warning_label.text()
    qtbot.mouseClick(bg.swatch_buttons["D6E9F8"], Qt.MouseButton.LeftButton)
    assert not bg.warning_label.isVisible()

    qtbot.mouseClick(bg.png_radio, Qt.MouseButton.LeftButton)
    assert bg.output_format() is OutputFormat.PNG
    assert not any(b.isEnabled() for b in bg.swatch_buttons.values())
    assert not bg.more_button.isEnabled()
    assert "Transparent PNG has no background colour" in bg.hint_label.text()


def test_custom_size_is_limited(
    qtbot: Any, make_window: WindowFactory, ui_services: Callable[..., Services]
) -> None:
    window = make_window(ui_services())
    picker = window.preset_picker
    qtbot.mouseClick(picker.custom_radio, Qt.MouseButton.LeftButton)
    assert picker.current_id() is None and picker.width_spin.isVisible()
    picker.width_spin.selectAll()
    qtbot.keyClicks(picker.width_spin, "5000")
    qtbot.keyClick(picker.width_spin, Qt.Key.Key_Tab)
    assert picker.custom_size()[0] <= 2000
    picker.height_spin.setValue(50)
    assert picker.custom_size()[1] == 100


def test_choices_survive_a_restart(
    qtbot: Any, make_window: WindowFactory, ui_services: Callable[..., Services]
) -> None:
    first = make_window(ui_services())
    first.preset_picker.select("us_passport")
    qtbot.mouseClick(first.background.swatch_buttons["E6E6E6"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(first.engine_picker.cloud_radio, Qt.MouseButton.LeftButton)
    first.resize(1100, 760)
    first.close()

    second = make_window(ui_services(engine="cloud"))
    assert second.preset_picker.current_id() == "us_passport"
    assert second.background.color() == "E6E6E6"
    assert second.engine_picker.engine() == "cloud"


def test_keyboard_only_tab_order_and_fits_1280x800(
    qtbot: Any, make_window: WindowFactory, ui_services: Callable[..., Services]
) -> None:
    window = make_window(ui_services())
    assert window.size().width() <= 1280 and window.size().height() <= 800
    window.open_button.setFocus()
    order: list[QWidget | None] = [window.open_button]
    for _ in range(4):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        order.append(QApplication.focusWidget())
    assert order[1] is window.paste_button
    assert order[2] is window.url_edit
    # the primary action is on screen without scrolling at 1280x800
    top_left = window.generate_button.mapTo(window, window.generate_button.rect().topLeft())
    assert 0 <= top_left.y() and top_left.y() + window.generate_button.height() <= window.height()
    assert window.generate_button.toolTip().endswith("(Ctrl+Enter)")
