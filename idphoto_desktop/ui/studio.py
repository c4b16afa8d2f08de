"""The studio features on the counter window: history, never paying twice, export for
online forms, print sheets and compliance guides.

One controller object wires them into :class:`MainWindow` with a handful of calls
from the window (``intercept``, ``recorder``, ``fresh_result``, ``result_changed``,
``update_state``, ``close``), so the window itself stays a thin list of steps. It
keeps track of where the shown result came from (:class:`ResultOrigin`): a result
reopened from the history is labelled as such and is never drawn over the current
photo unless the photo's SHA-256 is the one it was made from.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu, QPushButton, QVBoxLayout

from idphoto_desktop.core.errors import IdPhotoError
from idphoto_desktop.core.job import OutputFormat
from idphoto_desktop.ui import jobs
from idphoto_desktop.ui.export_dialog import ExportDialog, upload_candidates
from idphoto_desktop.ui.guides import GuidesBar
from idphoto_desktop.ui.history_gate import (
    RecordingEngine,
    RecordTarget,
    StoredResultOffer,
    find_stored,
    input_digest,
)
from idphoto_desktop.ui.history_panel import HistoryPanel, local_time
from idphoto_desktop.ui.services import ENGINE_CLOUD
from idphoto_desktop.ui.sheet_dialog import SheetDialog

if TYPE_CHECKING:
    from idphoto_desktop.core.job import GenerateRequest
    from idphoto_desktop.core.presets import Preset
    from idphoto_desktop.engines.base import Engine
    from idphoto_desktop.storage.history import HistoryEntry
    from idphoto_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResultOrigin:
    """Where the shown result came from."""

    preset_id: str | None
    from_history: bool = False
    matches_photo: bool = True  # made from the photo on the left
    entry_id: int | None = None
    when: str = ""


def _entry_image(entry: HistoryEntry, color: str | None) -> jobs.GeneratedImage:
    """Worker: decode a stored result and colour it as the window shows results now."""
    result = entry.to_result()
    transparent = jobs.decode_image(result.image, "stored")
    if color is not None and result.format is OutputFormat.PNG:
        return jobs.GeneratedImage(result, transparent, jobs.recolor(result.image, color), color)
    return jobs.GeneratedImage(result, transparent, transparent, None)


class Studio(QObject):
    """History, offer, export, sheets and guides for one window."""

    busyChanged = Signal()  # the history lookup before a provider call started or ended

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.services = window.services.studio
        self.origin: ResultOrigin | None = None
        self._force_next = False
        self._lookup_pending = False
        self._stored: tuple[jobs.GeneratedImage, HistoryEntry] | None = None
        self.export_dialog: ExportDialog | None = None
        self.sheet_dialog: SheetDialog | None = None
        try:
            self._presets: dict[str, Preset] = {p.id: p for p in window.services.presets()}
        except Exception:  # the window already says the data is broken
            self._presets = {}
        self._build()
        window.photoLoaded.connect(self._photo_changed)
        window.preset_picker.changed.connect(self.offer.withdraw)
        window.engine_picker.changed.connect(self.offer.withdraw)
        window.background.changed.connect(self._refresh_guides)

    # ================================================================ building
    def _build(self) -> None:
        w = self.window
        self.guides = GuidesBar(w.result_view)
        self.export_button = QPushButton(self.tr("Export for form…"))
        self.export_button.setObjectName("exportButton")
        self.export_button.setToolTip(self.tr("A JPEG that meets the online form's rules (Ctrl+E)"))
        self.sheet_button = QPushButton(self.tr("Print sheet…"))
        self.sheet_button.setObjectName("sheetButton")
        self.sheet_button.setToolTip(self.tr("Copies on photo paper at true size (Ctrl+P)"))
        self.export_button.clicked.connect(self.export_current)
        self.sheet_button.clicked.connect(self.print_current)
        self.guides.tools.addWidget(self.export_button)
        self.guides.tools.addWidget(self.sheet_button)
        panel_layout = w.result_panel.layout()
        assert isinstance(panel_layout, QVBoxLayout)
        panel_layout.insertWidget(2, self.guides)  # under the result's description

        self.offer = StoredResultOffer()
        self.offer.useStored.connect(self._use_stored)
        self.offer.callAgain.connect(self._call_again)
        holder = w.message.parentWidget()
        holder_layout = holder.layout() if holder is not None else None
        assert isinstance(holder_layout, QVBoxLayout)
        holder_layout.addWidget(self.offer)  # beside Generate, where the clerk looks

        self.history_panel = HistoryPanel(
            self.services.history,
            w.runner,
            lambda: self.services.confirm,
            self._preset_name,
        )
        self.history_panel.openRequested.connect(lambda i: self.open_entry(i))
        self.history_panel.exportRequested.connect(
            lambda i: self.open_entry(i, then=self.export_current)
        )
        self.history_panel.printRequested.connect(
            lambda i: self.open_entry(i, then=self.print_current)
        )
        self.dock = QDockWidget(self.tr("History"), w)
        self.dock.setObjectName("historyDock")
        self.dock.setWidget(self.history_panel)
        self.dock.setMinimumWidth(260)
        w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.dock.visibilityChanged.connect(self._dock_visibility)
        self._install_actions()

    def _install_actions(self) -> None:
        w = self.window

        def action(text: str, keys: str, slot: Callable[[], object], name: str) -> QAction:
            act = QAction(text, w)
            act.setObjectName(name)
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(slot)
            w.addAction(act)
            return act

        self.export_action = action(
            self.tr("&Export for online form…"), "Ctrl+E", self.export_current, "actExport"
        )
        self.print_action = action(
            self.tr("Print &sheet…"), "Ctrl+P", self.print_current, "actPrintSheet"
        )
        self.guides_action = action(
            self.tr("Compliance &guides"), "Ctrl+G", self.guides.toggle.toggle, "actGuides"
        )
        self.history_action = self.dock.toggleViewAction()
        self.history_action.setText(self.tr("&History"))
        self.history_action.setObjectName("actHistory")
        self.history_action.setShortcut(QKeySequence("Ctrl+H"))
        self.history_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        w.addAction(self.history_action)
        file_menu = self._menu_holding("actSave")
        if file_menu is not None:
            quit_action = next(
                (a for a in file_menu.actions() if a.objectName() == "actQuit"), None
            )
            before = quit_action
            if quit_action is not None:
                index = file_menu.actions().index(quit_action)
                before = file_menu.actions()[max(0, index - 1)]  # the separator before Quit
            for act in (self.export_action, self.print_action):
                if before is not None:
                    file_menu.insertAction(before, act)
                else:
                    file_menu.addAction(act)
        view_menu = self._menu_holding("actOverlay")
        if view_menu is not None:
            view_menu.addSeparator()
            view_menu.addAction(self.guides_action)
            view_menu.addAction(self.history_action)

    def _menu_holding(self, action_name: str) -> QMenu | None:
        for top in self.window.menuBar().actions():
            menu = top.menu()
            if isinstance(menu, QMenu) and any(
                a.objectName() == action_name for a in menu.actions()
            ):
                return menu
        return None

    # ================================================================ helpers
    def preset(self, preset_id: str | None) -> Preset | None:
        return self._presets.get(preset_id) if preset_id else None

    def _preset_name(self, preset_id: str | None) -> str:
        preset = self.preset(preset_id)
        if preset is not None:
            from idphoto_desktop.ui.preset_entries import preset_name

            return preset_name(preset)
        return preset_id or self.tr("custom size")

    def _color(self) -> str | None:
        background = self.window.background
        return background.color() if background.output_format() is OutputFormat.JPG else None

    def result_preset(self) -> Preset | None:
        """The preset the shown result was made for; else the chosen one if the size fits."""
        generated = self.window.generated
        if generated is None:
            return None
        if self.origin is not None and self.origin.preset_id:
            found = self.preset(self.origin.preset_id)
            if found is not None:
                return found
        chosen = self.window.current_preset()
        result = generated.result
        if chosen is not None and (chosen.width_px, chosen.height_px) == (
            result.width, result.height
        ):
            return chosen
        return None

    @property
    def busy(self) -> bool:
        """The history is being searched before a provider call."""
        return self._lookup_pending

    def _set_pending(self, pending: bool) -> None:
        self._lookup_pending = pending
        self.busyChanged.emit()

    def matches_photo(self) -> bool:
        return self.origin is None or self.origin.matches_photo

    def _photo_digest(self) -> str | None:
        photo = self.window.photo
        if photo is None:
            return None
        if photo.prepared is not None:
            return photo.prepared.source_sha256
        from idphoto_desktop.core.job import GenerateParams, PhotoSize
        from idphoto_desktop.core.job import GenerateRequest as Request

        assert photo.image_url is not None
        probe = Request(GenerateParams(PhotoSize(100, 100)), image_url=photo.image_url)
        return input_digest(probe)

    # ========================================================= never pay twice
    def intercept(self, request: GenerateRequest, kind: str) -> bool:
        """Before a provider call: look in the history first. True when Generate waits.

        The offline engine is free, so it simply runs again (its result is stored too).
        """
        if kind != ENGINE_CLOUD:
            return False
        if self._force_next:
            self._force_next = False
            return False
        if self._lookup_pending:
            return True
        self.offer.withdraw()
        digest, params, photo = input_digest(request), request.params, self.window.photo
        history, color = self.services.history, self._color()

        def work(_p: object, _c: object) -> tuple[jobs.GeneratedImage, HistoryEntry] | None:
            entry = find_stored(history, digest, params, ENGINE_CLOUD)
            return None if entry is None else (_entry_image(entry, color), entry)

        def done(value: object) -> None:
            self._set_pending(False)
            if self.window.photo is not photo:
                return  # another photo meanwhile: the clerk presses Generate again
            if value is None:
                self._generate_now()
                return
            assert isinstance(value, tuple)
            self._stored = value
            entry = value[1]
            self.offer.offer(local_time(entry.created_at), entry.engine)
            self.window.statusBar().showMessage(
                self.tr("Already made: nothing was sent."), 5000
            )

        def failed(error: BaseException) -> None:
            self._set_pending(False)
            log.warning("History lookup failed: %s", error)
            self.window.statusBar().showMessage(
                self.tr("The history could not be searched; calling the provider."), 5000
            )
            if self.window.photo is photo:
                self._generate_now()

        self.window.runner.submit(work, on_success=done, on_failure=failed)
        self._set_pending(True)
        return True

    def _generate_now(self) -> None:
        self._force_next = True
        self.window.generate()
        self._force_next = False  # consumed, or Generate refused before asking

    def _use_stored(self) -> None:
        stored, self._stored = self._stored, None
        if stored is None:
            return
        generated, entry = stored
        self.origin = ResultOrigin(
            entry.preset_id, from_history=True, matches_photo=True, entry_id=entry.id,
            when=local_time(entry.created_at),
        )
        caption = self.tr("Result · {0} (stored {1}, no new call)").replace(
            "{0}", self._preset_name(entry.preset_id)
        ).replace("{1}", self.origin.when)
        self.window.show_stored(generated, caption)
        self.window.message.show_message(
            self.tr("The stored result is shown: nothing was sent, nothing was charged."),
            "info",
        )

    def _call_again(self) -> None:
        self._stored = None
        self._generate_now()

    def recorder(self, request: GenerateRequest) -> Callable[[Engine], Engine]:
        """Wraps the engine (on the worker) so its result is stored the moment it arrives."""
        photo = self.window.photo
        name = ""
        if photo is not None:
            name = photo.source_path.name if photo.source_path is not None else photo.label
        target = RecordTarget(input_digest(request), request.params, name)
        history = self.services.history

        def wrap(engine: Engine) -> Engine:
            return RecordingEngine(engine, history, target)

        return wrap

    def fresh_result(self, preset_id: str | None) -> None:
        """A new result from the engine for the current photo (already stored)."""
        self.origin = ResultOrigin(preset_id)
        if self.dock.isVisible():
            self.history_panel.refresh()

    # ============================================================ history panel
    def _dock_visibility(self, visible: bool) -> None:
        if visible:
            self.history_panel.refresh()

    def open_entry(self, entry_id: int, then: Callable[[], None] | None = None) -> None:
        """Show a stored result, labelled as from the history."""
        history, color = self.services.history, self._color()

        def work(_p: object, _c: object) -> tuple[jobs.GeneratedImage, HistoryEntry]:
            entry = history().get(entry_id)
            return _entry_image(entry, color), entry

        def done(value: object) -> None:
            assert isinstance(value, tuple)
            generated, entry = value
            matches = self._photo_digest() == entry.input_sha256
            when = local_time(entry.created_at)
            self.origin = ResultOrigin(entry.preset_id, True, matches, entry.id, when)
            what = self._preset_name(entry.preset_id)
            if matches:
                caption = self.tr("Result · {0} (from the history, {1})")
            else:
                caption = self.tr("From the history · {0} · {1}: not the photo on the left")
            caption = caption.replace("{0}", what).replace("{1}", when)
            if entry.source_name and not matches:
                caption += f" ({entry.source_name})"
            self.window.show_stored(generated, caption)
            if then is not None:
                then()

        def failed(error: BaseException) -> None:
            text = error.full_text() if isinstance(error, IdPhotoError) else str(error)
            self.history_panel.message.show_message(text, "error")

        self.window.runner.submit(work, on_success=done, on_failure=failed)

    # ================================================================ results
    def _photo_changed(self) -> None:
        self.origin = None
        self._stored = None
        self.offer.withdraw()
        self.guides.refresh(None, None, None)

    def result_changed(self) -> None:
        """Called by the window after it shows a result."""
        if not self.matches_photo():
            self.window.original_view.set_overlay(None)
        self._refresh_guides()

    def _refresh_guides(self) -> None:
        generated = self.window.generated
        result = generated.result if generated is not None else None
        self.guides.refresh(result, self.result_preset(), self._color())

    def update_state(self, has_result: bool) -> None:
        for widget in (self.export_button, self.sheet_button):
            widget.setEnabled(has_result)
        self.export_action.setEnabled(has_result)
        self.print_action.setEnabled(has_result)

    # ================================================================ output
    def export_current(self) -> None:
        generated = self.window.generated
        if generated is None:
            return
        result = generated.result
        candidates = upload_candidates(
            list(self._presets.values()), self.result_preset(), result.width, result.height
        )
        if not candidates:
            self.window.save_message.show_message(
                self.tr("No online-form preset fits this result's size. Generate it with a "
                        "document preset first."),
                "error",
            )
            return
        dialog = ExportDialog(
            result, candidates, self._color(), self.window.runner,
            self.window.services.dialogs, self.window.suggested_path(), self.window,
        )
        self.export_dialog = dialog
        dialog.open()

    def print_current(self) -> None:
        generated = self.window.generated
        if generated is None:
            return
        preset = self.result_preset()
        if preset is None:
            self.window.save_message.show_message(
                self.tr("A print sheet needs the document preset the photo was made for. "
                        "Generate it with a document preset first."),
                "error",
            )
            return
        dialog = SheetDialog(
            generated.result, preset, self._color(), self.window.runner,
            self.window.services.dialogs, self.services.setup_printer,
            self.window.suggested_path(), self.window,
        )
        self.sheet_dialog = dialog
        dialog.open()

    def close(self) -> None:
        """After the window's workers have drained: close dialogs and the history."""
        for dialog in (self.export_dialog, self.sheet_dialog):
            if dialog is not None:
                dialog.close()
        self.services.close()
