"""The studio features on the counter window: history, never paying twice, export for
online forms, print sheets and compliance guides.

One controller object plugs them into :class:`MainWindow` through its extension
points (``add_result_tools``, ``add_side_notice``, the menu registry, and the window's
signals ``photoLoaded``, ``resultChanged``, ``stateChanged``); the window calls back only
to offer a stored result (``offer_stored`` → ``storedAnswered``), to label one
(``stored_caption``) and to note a fresh one (``fresh_result``).
It keeps track of where the shown result came from (:class:`ResultOrigin`): a result
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
from PySide6.QtWidgets import QDockWidget, QPushButton

from idphoto_desktop.core.errors import IdPhotoError
from idphoto_desktop.core.job import OutputFormat, PreparedPhoto
from idphoto_desktop.ui import jobs
from idphoto_desktop.ui.dialogs import replace_dialog
from idphoto_desktop.ui.errors import clerk_text
from idphoto_desktop.ui.export_dialog import ExportDialog, upload_candidates
from idphoto_desktop.ui.guides import GuidesBar
from idphoto_desktop.ui.history_panel import HistoryPanel, local_time
from idphoto_desktop.ui.inline_questions import StoredResultOffer
from idphoto_desktop.ui.sheet_dialog import SheetDialog

if TYPE_CHECKING:
    from idphoto_desktop.core.presets import Preset
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
    customer: str | None = None  # the stored entry's customer (a history result)
    framing_key: str = ""  # the stored entry's (face and frame adjustment, issue 12)


def _entry_image(
    entry: HistoryEntry, color: str | None, photo: PreparedPhoto | None = None
) -> jobs.GeneratedImage:
    """Worker: decode a stored result and colour it as the window shows results now; made
    from ``photo`` (the same file), its rectangle and crop in that upload's pixels."""
    from idphoto_desktop.core.stored_grid import from_stored_grid

    result = entry.to_result()
    if photo is not None and photo.source_sha256 == entry.input_sha256:
        result = from_stored_grid(result, photo, entry.grid_scale)
    return jobs.to_generated(result, color)


class Studio(QObject):
    """History, offer, export, sheets and guides for one window."""

    storedAnswered = Signal(bool)  # the clerk chose the stored result (True) or a new call

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.services = window.services.studio
        self.origin: ResultOrigin | None = None
        self.export_dialog: ExportDialog | None = None
        self.sheet_dialog: SheetDialog | None = None
        try:
            self._presets: dict[str, Preset] = {p.id: p for p in window.services.presets()}
        except Exception:  # the window already says the data is broken
            self._presets = {}
        self._build()
        window.photoLoaded.connect(self._photo_changed)
        window.choicesChanged.connect(self.offer.withdraw)
        window.resultChanged.connect(self._result_changed)
        window.stateChanged.connect(self.update_state)
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
        w.add_result_tools(self.guides)  # under the result's description

        self.offer = StoredResultOffer()
        self.offer.answered.connect(self.storedAnswered)
        w.add_side_notice(self.offer)  # beside Generate, where the clerk looks

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
        w.menus.add("file", self.export_action, self.print_action)
        w.menus.add("view", self.guides_action, self.history_action, separated=True)

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

    def matches_photo(self) -> bool:
        return self.origin is None or self.origin.matches_photo

    def _photo_digest(self) -> str | None:
        photo = self.window.photo
        if photo is None:
            return None
        if photo.prepared is not None:
            return photo.prepared.source_sha256
        from idphoto_desktop.pipeline import input_digest

        return input_digest(None, photo.image_url)

    # ========================================================= never pay twice
    def offer_stored(self, entry: HistoryEntry) -> None:
        """The job paused at "use the stored result?": ask in the window (no modal)."""
        self.offer.offer(local_time(entry.created_at), entry.engine)
        self.window.statusBar().showMessage(self.tr("Already made: nothing was sent."), 5000)

    def stored_caption(self, entry: HistoryEntry) -> str:
        """The shown result is a stored one, used instead of a new call: say so."""
        self.origin = ResultOrigin(
            entry.preset_id, from_history=True, matches_photo=True, entry_id=entry.id,
            when=local_time(entry.created_at), framing_key=entry.framing_key,
        )
        return self.tr("Result · {0} (stored {1}, no new call)").replace(
            "{0}", self._preset_name(entry.preset_id)
        ).replace("{1}", self.origin.when)

    def customer_field(self) -> str | None:
        """What the clerk typed in the customer field (the watch bar holds it)."""
        watch = getattr(self.window, "watch_folder", None)
        return watch.strip.customer() if watch is not None else None

    def customer(self) -> str | None:
        """Whose result is shown: a stored result's customer, else the field's."""
        if self.origin is not None and self.origin.from_history:
            return self.origin.customer
        return self.customer_field()

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
        shown = self.window.photo
        prepared = shown.prepared if shown is not None else None

        def work(_p: object, _c: object) -> tuple[jobs.GeneratedImage, HistoryEntry]:
            entry = history().get(entry_id)
            return _entry_image(entry, color, prepared), entry

        def done(value: object) -> None:
            assert isinstance(value, tuple)
            generated, entry = value
            matches = self._photo_digest() == entry.input_sha256
            when = local_time(entry.created_at)
            self.origin = ResultOrigin(
                entry.preset_id, True, matches, entry.id, when, entry.customer,
                entry.framing_key,
            )
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
            self.history_panel.message.show_message(clerk_text(error), "error")

        self.window.runner.submit(work, on_success=done, on_failure=failed)

    # ================================================================ results
    def _photo_changed(self) -> None:
        self.origin = None
        self.offer.withdraw()
        self.guides.refresh(None, None, None)

    def _result_changed(self) -> None:
        """The window showed a result (or recoloured it)."""
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
        if generated is None or not self.window.notes.confirm_output():
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
        replace_dialog(self.export_dialog, dialog)
        self.export_dialog = dialog
        dialog.open()

    def print_current(self) -> None:
        generated = self.window.generated
        if generated is None or not self.window.notes.confirm_output():
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
            self.window.suggested_path(), self.window, caption=self.customer(),
        )
        replace_dialog(self.sheet_dialog, dialog)
        self.sheet_dialog = dialog
        self._remember_sheet_choices(dialog)
        dialog.open()

    def _remember_sheet_choices(self, dialog: SheetDialog) -> None:
        """The last paper and copies (settings ``sheet_paper``, ``sheet_copies``)."""
        settings = self.window.settings
        dialog.select_paper(settings.sheet_paper)
        dialog.copies_spin.setValue(settings.sheet_copies)

        def save() -> None:
            paper = dialog.paper()
            changes: dict[str, object] = {"sheet_copies": dialog.copies_spin.value()}
            if paper is not None:
                changes["sheet_paper"] = paper.key
            try:
                settings.update(changes)
            except IdPhotoError as err:
                log.warning("Sheet choices not saved: %s", err)

        dialog.paper_combo.currentIndexChanged.connect(save)
        dialog.copies_spin.valueChanged.connect(save)

    def close(self) -> None:
        """After the window's workers have drained: close dialogs and the history."""
        for dialog in (self.export_dialog, self.sheet_dialog):
            if dialog is not None:
                dialog.close()
        self.services.close()
