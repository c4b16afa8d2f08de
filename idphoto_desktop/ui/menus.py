"""The window's keyboard shortcuts and menus, in one table-like place.

Every command is a ``QAction`` on the window (``WindowShortcut``), so it works from
anywhere in the window and appears in the menu with its key, for keyboard-only use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from idphoto_desktop.ui import on_demand

if TYPE_CHECKING:
    from idphoto_desktop.ui.main_window import MainWindow


class MenuRegistry:
    """The window's menus by name, and where a feature's actions go in each.

    Features (the studio, …) add their actions here instead of searching the menu bar
    for another feature's actions: ``add("file", act)`` puts it in the file menu's
    place for more output commands (above Quit).
    """

    def __init__(self) -> None:
        self._menus: dict[str, QMenu] = {}
        self._anchors: dict[str, QAction | None] = {}

    def register(self, key: str, menu: QMenu, before: QAction | None = None) -> None:
        self._menus[key] = menu
        self._anchors[key] = before

    def menu(self, key: str) -> QMenu:
        return self._menus[key]

    def add(self, key: str, *actions: QAction, separated: bool = False) -> None:
        menu = self._menus[key]
        before = self._anchors[key]
        if separated:
            if before is None:
                menu.addSeparator()
            else:
                menu.insertSeparator(before)
        for act in actions:
            if before is None:
                menu.addAction(act)
            else:
                menu.insertAction(before, act)


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
    menus: MenuRegistry


def _open_about(window: MainWindow) -> None:
    on_demand.show_about(window)  # built on use: not needed to show the window


def _menu_titles() -> dict[str, str]:
    return {
        "file": QCoreApplication.translate("Menus", "&File"),
        "photo": QCoreApplication.translate("Menus", "&Photo"),
        "view": QCoreApplication.translate("Menus", "&View"),
        "edit": QCoreApplication.translate("Menus", "&Edit"),
        "help": QCoreApplication.translate("Menus", "&Help"),
    }


def install_actions(window: MainWindow) -> WindowActions:
    """Create the actions from one table, add them to the window, build the menu bar."""
    std = QKeySequence.StandardKey
    key = QKeySequence
    panel = window.result_panel
    # (menu, object name, text, shortcuts, slot); a row without a name is a separator
    Row = tuple[str, str, str, list[QKeySequence], Callable[[], object] | None]
    table: list[Row] = [
        ("file", "actOpen", QCoreApplication.translate("Menus", "&Open…"),
         [key(std.Open)], window.open_dialog),
        ("file", "actPaste", QCoreApplication.translate("Menus", "&Paste photo"),
         [key(std.Paste)], window.paste),
        ("file", "actUrl", QCoreApplication.translate("Menus", "Image &address…"),
         [key("Ctrl+L")], window.url_edit.setFocus),
        ("file", "", "", [], None),
        ("file", "actSave", QCoreApplication.translate("Menus", "&Save as…"),
         [key(std.Save)], window.save_as),
        ("file", "actCopy", QCoreApplication.translate("Menus", "&Copy result"),
         [key("Ctrl+Shift+C")], window.copy_result),
        ("file", "", "", [], None),  # features add their output commands above it
        ("file", "actQuit", QCoreApplication.translate("Menus", "&Quit"),
         [key(std.Quit)], window.close),
        ("photo", "actGenerate", QCoreApplication.translate("Menus", "&Generate"),
         [key("Ctrl+Return"), key("Ctrl+Enter")], window.generate),
        ("photo", "actCancel", QCoreApplication.translate("Menus", "&Cancel"),
         [key("Esc")], window.cancel_job),
        ("view", "actOverlay", QCoreApplication.translate("Menus", "Show foreground &rectangle"),
         [key("Ctrl+R")], panel.overlay_check.toggle),
        ("view", "actZoomIn", QCoreApplication.translate("Menus", "Zoom &in"),
         [key(std.ZoomIn), key("Ctrl+=")], panel.zoom_in),
        ("view", "actZoomOut", QCoreApplication.translate("Menus", "Zoom &out"),
         [key(std.ZoomOut)], panel.zoom_out),
        ("view", "actFit", QCoreApplication.translate("Menus", "&Fit"),
         [key("Ctrl+0")], panel.zoom_fit),
        ("edit", "actPrefs", QCoreApplication.translate("Menus", "&Preferences…"),
         [key(std.Preferences), key("Ctrl+,")], window.open_preferences),
        ("help", "actAbout", QCoreApplication.translate("Menus", "&About ID Photo Desktop"),
         [], lambda: _open_about(window)),
    ]
    bar = window.menuBar()
    menus = {name: bar.addMenu(title) for name, title in _menu_titles().items()}
    acts: dict[str, QAction] = {}
    separators: dict[str, QAction] = {}
    for menu, name, text, keys, slot in table:
        if not name:
            separators[menu] = menus[menu].addSeparator()
            continue
        act = QAction(text, window)
        act.setObjectName(name)
        act.setShortcuts(keys)
        act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        assert slot is not None
        act.triggered.connect(slot)
        window.addAction(act)
        menus[menu].addAction(act)
        acts[name] = act
    acts["actAbout"].setMenuRole(QAction.MenuRole.AboutRole)
    registry = MenuRegistry()
    for name, menu_widget in menus.items():
        anchor = separators.get(name) if name == "file" else None  # the one before Quit
        registry.register(name, menu_widget, before=anchor)
    return WindowActions(
        open=acts["actOpen"],
        paste=acts["actPaste"],
        save=acts["actSave"],
        copy=acts["actCopy"],
        generate=acts["actGenerate"],
        cancel=acts["actCancel"],
        overlay=acts["actOverlay"],
        prefs=acts["actPrefs"],
        menus=registry,
    )
