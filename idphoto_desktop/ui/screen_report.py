"""What a screenshot run saw, as JSON: for the Xvfb test that looks at real screens.

Why: a picture tells a person what is cut off or left in English; a test needs the
same facts as data. The window's size, whether the side panel had to scroll, which
controls lay outside the window, and the texts of the buttons and titles (so a test
can check they are in the chosen language).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QAbstractButton, QLabel, QScrollArea, QWidget

if TYPE_CHECKING:
    from idphoto_desktop.ui.main_window import MainWindow


def _on_screen(window: MainWindow, widget: QWidget) -> bool:
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    if not window.rect().contains(rect):
        return False
    scroll = window.side_panel.findChild(QScrollArea, "sideScroll")
    if scroll is not None and scroll.isAncestorOf(widget):
        viewport = QRect(scroll.viewport().mapTo(window, QPoint(0, 0)), scroll.viewport().size())
        return viewport.contains(rect)
    return True


def report(window: MainWindow) -> dict[str, object]:
    scroll = window.side_panel.findChild(QScrollArea, "sideScroll")
    controls = [
        w for w in window.findChildren(QAbstractButton) if w.isVisible() and w.text().strip()
    ]
    titles = [w for w in window.findChildren(QLabel, "sectionTitle") if w.isVisible()]
    steps = [
        window.open_button, window.preset_picker.search, window.preset_picker.tree,
        *window.background.swatch_buttons.values(), window.background.more_button,
        window.generate_button, window.save_button, window.result_view,
    ]
    return {
        "window": [window.width(), window.height()],
        "side_scroll_max": scroll.verticalScrollBar().maximum() if scroll is not None else -1,
        "steps_off_screen": [w.objectName() for w in steps if not _on_screen(window, w)],
        "buttons": sorted({w.text() for w in controls}),
        "titles": [w.text() for w in titles],
        "result_shown": window.generated is not None,
    }


def write_report(window: MainWindow, path: Path) -> None:
    path.write_text(json.dumps(report(window), ensure_ascii=False, indent=1), "utf-8")
