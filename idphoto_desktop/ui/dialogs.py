"""The modal questions the window asks, behind one small interface.

The window never calls ``QFileDialog`` or ``QColorDialog`` directly: it asks its
:class:`Dialogs`, so tests inject answers and no modal dialog is ever left open.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QDialog, QFileDialog, QWidget

PHOTO_PATTERNS = "*.jpg *.jpeg *.png *.webp *.bmp *.tif *.tiff *.heic *.heif"
PHOTO_FILTER = f"Photos ({PHOTO_PATTERNS});;All files (*)"



class Dialogs(Protocol):
    """What the window asks the clerk in a modal dialog."""

    def open_photo(self, parent: QWidget, folder: str) -> Path | None:
        """A photo file to open, or None when the clerk cancels."""
        ...

    def save_path(self, parent: QWidget, suggested: Path, name_filter: str) -> Path | None:
        """Where to save; the dialog has already asked before overwriting a file."""
        ...

    def pick_color(self, parent: QWidget, initial: str) -> str | None:
        """A colour as RRGGBB, or None when cancelled."""
        ...


class NativeDialogs:
    """The platform's own file and colour dialogs."""

    def open_photo(self, parent: QWidget, folder: str) -> Path | None:
        name_filter = QCoreApplication.translate("Dialogs", "Photos ({0});;All files (*)").format(
            PHOTO_PATTERNS
        )
        title = QCoreApplication.translate("Dialogs", "Open a photo")
        name, _ = QFileDialog.getOpenFileName(parent, title, folder, name_filter)
        return Path(name) if name else None

    def save_path(self, parent: QWidget, suggested: Path, name_filter: str) -> Path | None:
        # QFileDialog asks "replace?" itself unless DontConfirmOverwrite is set.
        name, _ = QFileDialog.getSaveFileName(
            parent,
            QCoreApplication.translate("Dialogs", "Save the ID photo"),
            str(suggested),
            name_filter,
        )
        return Path(name) if name else None

    def pick_color(self, parent: QWidget, initial: str) -> str | None:
        color = QColorDialog.getColor(
            QColor(f"#{initial}"),
            parent,
            QCoreApplication.translate("Dialogs", "Background colour"),
        )
        if not color.isValid():
            return None
        return color.name(QColor.NameFormat.HexRgb)[1:].upper()


def replace_dialog(old: QDialog | None, new: QDialog) -> None:
    """One live dialog of a kind: the previous one is closed and deleted, so closed
    dialogs (and the results they hold) do not pile up for the whole session."""
    if old is None or old is new:
        return
    with contextlib.suppress(RuntimeError):  # already deleted by Qt
        old.close()
        old.deleteLater()
