"""The window's keyboard shortcuts and menus, in one table-like place.

Every command is a ``QAction`` on the window (``WindowShortcut``), so it works from
anywhere in the window and appears in the menu with its key, for keyboard-only use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from idphoto_desktop.ui.main_window import MainWindow


@dataclass(frozen=True)
class WindowActions:
    """The actions the window enables and disables as its state changes."""

    open: QAction
    paste: QAction
    save: QAction
    copy: QAction
    generate: QAction
    cancel: QAction
    overlay: QAction
    prefs: QAction


def install_actions(window: MainWindow) -> WindowActions:
    """Create the actions, add them to the window and build the menu bar."""

    def action(
        text: str, keys: list[QKeySequence], slot: Callable[[], object], name: str
    ) -> QAction:
        act = QAction(text, window)
        act.setObjectName(name)
        act.setShortcuts(keys)
        act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        act.triggered.connect(slot)
        window.addAction(act)
        return act

    std = QKeySequence.StandardKey
    open_ = action("&Open…", [QKeySequence(std.Open)], window.open_dialog, "actOpen")
    paste = action("&Paste photo", [QKeySequence(std.Paste)], window.paste, "actPaste")
    url = action("Image &address…", [QKeySequence("Ctrl+L")], window.url_edit.setFocus, "actUrl")
    save = action("&Save as…", [QKeySequence(std.Save)], window.save_as, "actSave")
    copy = action("&Copy result", [QKeySequence("Ctrl+Shift+C")], window.copy_result, "actCopy")
    quit_ = action("&Quit", [QKeySequence(std.Quit)], window.close, "actQuit")
    generate = action(
        "&Generate",
        [QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")],
        window.generate,
        "actGenerate",
    )
    cancel = action("&Cancel", [QKeySequence("Esc")], window.cancel_job, "actCancel")
    overlay = action(
        "Show foreground &rectangle",
        [QKeySequence("Ctrl+R")],
        window.result_panel.overlay_check.toggle,
        "actOverlay",
    )
    zoom_in = action(
        "Zoom &in",
        [QKeySequence(std.ZoomIn), QKeySequence("Ctrl+=")],
        window.result_panel.zoom_in,
        "actZoomIn",
    )
    zoom_out = action(
        "Zoom &out", [QKeySequence(std.ZoomOut)], window.result_panel.zoom_out, "actZoomOut"
    )
    zoom_fit = action("&Fit", [QKeySequence("Ctrl+0")], window.result_panel.zoom_fit, "actFit")
    prefs = action(
        "&Preferences…",
        [QKeySequence(std.Preferences), QKeySequence("Ctrl+,")],
        window.open_preferences,
        "actPrefs",
    )

    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    for act in (open_, paste, url):
        file_menu.addAction(act)
    file_menu.addSeparator()
    file_menu.addAction(save)
    file_menu.addAction(copy)
    file_menu.addSeparator()
    file_menu.addAction(quit_)
    photo_menu = bar.addMenu("&Photo")
    photo_menu.addAction(generate)
    photo_menu.addAction(cancel)
    view_menu = bar.addMenu("&View")
    for act in (overlay, zoom_in, zoom_out, zoom_fit):
        view_menu.addAction(act)
    edit_menu = bar.addMenu("&Edit")
    edit_menu.addAction(prefs)
    return WindowActions(
        open=open_,
        paste=paste,
        save=save,
        copy=copy,
        generate=generate,
        cancel=cancel,
        overlay=overlay,
        prefs=prefs,
    )
