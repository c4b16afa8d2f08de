"""The window's size on the clerk's screen: all four steps and the result at once.

Why: Qt's default size for the window is its size hint (about 950x510), which hides
step 3 on a 1366x768 laptop. The first start takes most of the screen; a saved
size larger than the current screen (a laptop unplugged from its monitor) is shrunk
to fit, and never below what the window needs (it is laid out for 1024x700).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QWidget

PREFERRED = QSize(1280, 800)
SMALLEST = QSize(1024, 700)


def initial_size(available: QSize) -> QSize:
    """The first-start size on a screen whose free area is ``available``."""
    return QSize(
        min(PREFERRED.width(), available.width()), min(PREFERRED.height(), available.height())
    )


def fitted(frame: QRect, available: QRect) -> QRect:
    """``frame`` moved and shrunk to lie inside ``available``."""
    width = min(frame.width(), available.width())
    height = min(frame.height(), available.height())
    x = min(max(frame.x(), available.x()), available.right() + 1 - width)
    y = min(max(frame.y(), available.y()), available.bottom() + 1 - height)
    return QRect(x, y, width, height)


def fit_to_screen(window: QWidget, *, restored: bool) -> None:
    """Size ``window`` for its screen before it is shown."""
    screen = window.screen()
    if screen is None:
        return
    available = screen.availableGeometry()
    if not restored:
        size = initial_size(available.size())
        window.resize(size)
        window.move(
            available.x() + (available.width() - size.width()) // 2,
            available.y() + (available.height() - size.height()) // 2,
        )
        return
    geometry = fitted(window.geometry(), available)
    if geometry != window.geometry():
        window.setGeometry(geometry)
