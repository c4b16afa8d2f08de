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
    open_ = action(
        QCoreApplication.translate("Menus", "&Open…"),
        [QKeySequence(std.Open)],
        window.open_dialog,
        "actOpen",
    )
    paste = action(
        QCoreApplication.translate("Menus", "&Paste photo"),
        [QKeySequence(std.Paste)],
        window.paste,
        "actPaste",
    )
    url = action(
        QCoreApplication.translate("Menus", "Image &address…"),
        [QKeySequence("Ctrl+L")],
        window.url_edit.setFocus,
        "actUrl",
    )
    save = action(
        QCoreApplication.translate("Menus", "&Save as…"),
        [QKeySequence(std.Save)],
        window.save_as,
        "actSave",
    )
    copy = action(
        QCoreApplication.translate("Menus", "&Copy result"),
        [QKeySequence("Ctrl+Shift+C")],
        window.copy_result,
        "actCopy",
    )
    quit_ = action(
        QCoreApplication.translate("Menus", "&Quit"),
        [QKeySequence(std.Quit)],
        window.close,
        "actQuit",
    )
    generate = action(
        QCoreApplication.translate("Menus", "&Generate"),
        [QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")],
        window.generate,
        "actGenerate",
    )
    cancel = action(
        QCoreApplication.translate("Menus", "&Cancel"),
        [QKeySequence("Esc")],
        window.cancel_job,
        "actCancel",
    )
    overlay = action(
        QCoreApplication.translate("Menus", "Show foreground &rectangle"),
        [QKeySequence("Ctrl+R")],
        window.result_panel.overlay_check.toggle,
        "actOverlay",
    )
    zoom_in = action(
        QCoreApplication.translate("Menus", "Zoom &in"),
        [QKeySequence(std.ZoomIn), QKeySequence("Ctrl+=")],
        window.result_panel.zoom_in,
        "actZoomIn",
    )
    zoom_out = action(
        QCoreApplication.translate("Menus", "Zoom &out"),
        [QKeySequence(std.ZoomOut)],
        window.result_panel.zoom_out,
        "actZoomOut",
    )
    zoom_fit = action(
        QCoreApplication.translate("Menus", "&Fit"),
        [QKeySequence("Ctrl+0")],
        window.result_panel.zoom_fit,
        "actFit",
    )
    prefs = action(
        QCoreApplication.translate("Menus", "&Preferences…"),
        [QKeySequence(std.Preferences), QKeySequence("Ctrl+,")],
        window.open_preferences,
        "actPrefs",
    )

    bar = window.menuBar()
    file_menu = bar.addMenu(QCoreApplication.translate("Menus", "&File"))
    for act in (open_, paste, url):
        file_menu.addAction(act)
    file_menu.addSeparator()
    file_menu.addAction(save)
    file_menu.addAction(copy)
    before_quit = file_menu.addSeparator()
    file_menu.addAction(quit_)
    photo_menu = bar.addMenu(QCoreApplication.translate("Menus", "&Photo"))
    photo_menu.addAction(generate)
    photo_menu.addAction(cancel)
    view_menu = bar.addMenu(QCoreApplication.translate("Menus", "&View"))
    for act in (overlay, zoom_in, zoom_out, zoom_fit):
        view_menu.addAction(act)
    edit_menu = bar.addMenu(QCoreApplication.translate("Menus", "&Edit"))
    edit_menu.addAction(prefs)
    def open_about() -> None:
        from idphoto_desktop.ui.about import show_about  # on use: not needed to show the window

        show_about(window)

    about = action(
        QCoreApplication.translate("Menus", "&About ID Photo Desktop"),
        [],
        open_about,
        "actAbout",
    )
    about.setMenuRole(QAction.MenuRole.AboutRole)
    help_menu = bar.addMenu(QCoreApplication.translate("Menus", "&Help"))
    help_menu.addAction(about)
    menus = MenuRegistry()
    menus.register("file", file_menu, before=before_quit)
    menus.register("photo", photo_menu)
    menus.register("view", view_menu)
    menus.register("edit", edit_menu)
    menus.register("help", help_menu)
    return WindowActions(
        open=open_,
        paste=paste,
        save=save,
        copy=copy,
        generate=generate,
        cancel=cancel,
        overlay=overlay,
        prefs=prefs,
        menus=menus,
    )
