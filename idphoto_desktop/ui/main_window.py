"""The counter window: photo in, choices, Generate, check the result, save.

The window only wires widgets to work: every read, recolouring and write runs in
:class:`TaskRunner`, and Generate is one pipeline job (:mod:`idphoto_desktop.pipeline`,
run by :class:`~idphoto_desktop.ui.generate_job.GenerateController`); every outcome
comes back tagged with the photo it belongs to, so a late result from an earlier photo
is dropped, never shown as the current one. Messages appear in the window itself;
modal questions go through the injected :class:`~idphoto_desktop.ui.dialogs.Dialogs`.
Features plug in through extension points: ``add_result_tools``, ``add_side_notice``,
the menu registry ``menus`` and the signals below.
"""

from __future__ import annotations

import base64
import itertools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QMimeData, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from idphoto_desktop.core.errors import (
    CancelledError,
    IdPhotoError,
)
from idphoto_desktop.core.job import (
    CancelToken,
    GenerateParams,
    OutputFormat,
    PhotoSize,
    ProgressCallback,
)
from idphoto_desktop.ui import jobs, on_demand
from idphoto_desktop.ui.dialogs import replace_dialog
from idphoto_desktop.ui.errors import clerk_text, write_failure
from idphoto_desktop.ui.inline_questions import CheckQuestion
from idphoto_desktop.ui.menus import install_actions
from idphoto_desktop.ui.result_panel import ResultPanel
from idphoto_desktop.ui.services import ENGINE_CROPRESIZE, Services
from idphoto_desktop.ui.side_panel import SidePanel
from idphoto_desktop.ui.style import STYLESHEET
from idphoto_desktop.ui.workers import TaskFn, TaskRunner

if TYPE_CHECKING:
    from idphoto_desktop.core.presets import Preset
    from idphoto_desktop.core.uploadneed import UploadNeed
    from idphoto_desktop.ui.generate_job import GenerateController
    from idphoto_desktop.ui.preferences import PreferencesDialog
    from idphoto_desktop.ui.studio import Studio
    from idphoto_desktop.ui.verdict_badge import VerdictBadge

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".heic", ".heif"}
DEFAULT_PRESET = "icao_35x45"


plain_error = clerk_text  # the one way to word a failure for the clerk (ui/errors.py)


class MainWindow(QMainWindow):
    """One counter session; ``services`` holds everything that is not a widget."""

    photoLoaded = Signal()
    photoRejected = Signal(str)
    resultShown = Signal()
    jobFailed = Signal(str)
    saved = Signal(str)
    choicesChanged = Signal()  # preset, size or engine changed (a pending offer is stale)
    resultChanged = Signal()  # a result was shown or recoloured
    stateChanged = Signal(bool)  # buttons were updated; True when a result is shown
    jobStarting = Signal()  # Generate (or an answer to its question) is about to run
    checkReported = Signal(object)  # the capture report of the last job (None: not checked)
    _painted = False  # class default: Qt sends events before __init__ ends

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.settings = services.settings
        self.runner = TaskRunner(self)
        self.setWindowTitle(self.tr("ID Photo Desktop"))
        self.setObjectName("mainWindow")
        self.setAcceptDrops(True)

        self._photo: jobs.LoadedPhoto | None = None
        self._photo_seq = 0
        self._token: str | None = None
        self._token_read = False
        self._token_error: IdPhotoError | None = None
        self._generated: jobs.GeneratedImage | None = None
        self._generated_key: tuple[int, str, str] | None = None
        self._presets: dict[str, Preset] = {}
        self._presets_loaded = False  # set by _load_presets, before the window shows
        self._first_run = False
        self._save_busy = False
        self._closing = False
        # Hidden at start, built on first use (ui/on_demand.py): the first paint needs none.
        self._studio = on_demand.OnDemand(  # or right after the first paint
            lambda: on_demand.studio(self), self._studio_ready
        )
        self._generator = on_demand.OnDemand(lambda: on_demand.generate_controller(self))
        self._verdict = on_demand.OnDemand(self._build_verdict_badge)
        # the clerk's face and frame choice (ui/adjust_view.py, issue 12); None: automatic
        self.framing: Callable[[GenerateParams], GenerateParams] | None = None
        self.preferences_dialog: PreferencesDialog | None = None

        self._build_ui()
        self.setStyleSheet(STYLESHEET)  # once, on the finished tree: cheaper than per widget
        self._build_actions()
        from idphoto_desktop.ui.result_notes import ResultNotes

        self.notes = ResultNotes(self)  # messages cleared and results marked as things change
        self._install_verdict_badge()
        from idphoto_desktop.ui.token_notice import TokenNoticeController

        self.token_notice = TokenNoticeController(self, self.side_panel.keyring_notice)
        self.preset_picker.fill_later(self._fill_presets)
        self._restore_settings()
        # The list is part of the first paint: the clerk never sees it empty (issue 18).
        self.preset_picker.ensure_filled()
        self._update_state()

    # ================================================================== layout
    def _build_ui(self) -> None:
        self.side_panel = side = SidePanel(self._pick_color)
        self.open_button = side.open_button
        self.paste_button = side.paste_button
        self.url_edit = side.url_edit
        self.url_button = side.url_button
        self.photo_info = side.photo_info
        self.photo_error = side.photo_error
        self.preset_picker = side.preset_picker
        self.background = side.background
        self.engine_picker = side.engine_picker
        self.generate_button = side.generate_button
        self.progress = side.progress
        self.progress_label = side.progress_label
        self.cancel_button = side.cancel_button
        self.message = side.message
        side.open_button.clicked.connect(self.open_dialog)
        side.paste_button.clicked.connect(self.paste)
        side.url_edit.returnPressed.connect(self.use_url)
        side.url_button.clicked.connect(self.use_url)
        side.preset_picker.changed.connect(self._choices_changed)
        side.background.changed.connect(self._background_changed)
        side.engine_picker.changed.connect(self._choices_changed)
        self.check_question = CheckQuestion()
        self.check_question.goOn.connect(lambda go_on: self.generator.answer_check(go_on))
        self.add_side_notice(self.check_question)
        for stale in (self.jobStarting, self.photoLoaded, self.choicesChanged):
            stale.connect(self.check_question.withdraw)  # the question is about this job
        side.generate_button.clicked.connect(self.generate)
        side.cancel_button.clicked.connect(self.cancel_job)
        side.engine_picker.preferencesRequested.connect(self.open_preferences)

        # Right: original and result
        self.result_panel = ResultPanel()
        self.result_panel.saveRequested.connect(self.save_as)
        self.result_panel.copyRequested.connect(self.copy_result)
        panel = self.result_panel
        self.original_view = panel.original_view
        self.result_view = panel.result_view
        self.result_info = panel.result_info
        self.overlay_check = panel.overlay_check
        self.zoom_in_button = panel.zoom_in_button
        self.zoom_fit_button = panel.zoom_fit_button
        self.zoom_out_button = panel.zoom_out_button
        self.copy_button = panel.copy_button
        self.save_button = panel.save_button
        self.save_message = panel.save_message

        central = QWidget()
        central.setObjectName("central")
        main = QHBoxLayout(central)
        main.setContentsMargins(0, 0, 0, 0)
        main.setSpacing(0)
        main.addWidget(side)
        main.addWidget(self.result_panel, 1)
        self.setCentralWidget(central)

        self.drop_overlay = QLabel(self.tr("Drop the photo to open it"), central)
        self.drop_overlay.setObjectName("dropOverlay")
        self.drop_overlay.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_overlay.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.drop_overlay.hide()

        chain = [*self.side_panel.focus_chain(), *self.result_panel.focus_chain()]
        for first, second in itertools.pairwise(chain):
            self.setTabOrder(first, second)
        self.statusBar().showMessage(self.tr("Ready"))

    @property
    def studio(self) -> Studio:
        """History, export, sheets and guides: built on first use, or right after the first
        paint (their modules are not needed to show the window)."""
        return self._studio.get()

    def _studio_ready(self, studio: Studio) -> None:
        studio.storedAnswered.connect(lambda use: self.generator.answer_stored(use))
        self.jobStarting.connect(studio.offer.withdraw)
        self._update_state()

    @property
    def generator(self) -> GenerateController:
        """The Generate job (the pipeline): built on the first Generate."""
        return self._generator.get()

    # ====================================================== extension points
    def add_result_tools(self, widget: QWidget) -> None:
        """A feature's tools under the result's description (guides, export, sheets)."""
        layout = self.result_panel.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(2, widget)

    def _install_verdict_badge(self) -> None:
        """The capture check's verdict on the result, where the clerk looks; a retake is
        a blocking problem: Save, Export and Print ask before a wrong photo leaves. The
        badge is built on the first report, in a place kept for it among the tools."""
        self._verdict_place = QWidget(self.result_panel)
        self._verdict_place.setObjectName("verdictPlace")
        place = QVBoxLayout(self._verdict_place)
        place.setContentsMargins(0, 0, 0, 0)
        self._verdict_place.hide()  # takes no room (nor spacing) until the badge is in it
        self.add_result_tools(self._verdict_place)
        self.checkReported.connect(self._show_verdict)
        self.photoLoaded.connect(lambda: self._show_verdict(None))

    def _build_verdict_badge(self) -> VerdictBadge:
        badge = on_demand.verdict_badge(self._verdict_place)
        layout = self._verdict_place.layout()
        assert layout is not None
        layout.addWidget(badge)
        self._verdict_place.show()
        return badge

    @property
    def verdict_badge(self) -> VerdictBadge:
        return self._verdict.get()

    def _show_verdict(self, report: object) -> None:
        badge = self._verdict.built()
        if report is None and badge is None:
            self.notes.set_problem("capture", "")  # nothing was reported yet
            return
        from idphoto_desktop.capture.report import CaptureReport

        shown = report if isinstance(report, CaptureReport) else None
        badge = self.verdict_badge
        badge.set_report(shown)
        blocking = ""
        if shown is not None and shown.retake:
            from idphoto_desktop.core.i18n import join_reasons

            lines = join_reasons(badge.reason_lines(), end=True)
            blocking = self.tr("The capture check says retake: {0}").format(lines)
        self.notes.set_problem("capture", blocking)

    def add_side_notice(self, widget: QWidget) -> None:
        """A notice or question beside Generate, where the clerk looks."""
        holder = self.message.parentWidget()
        layout = holder.layout() if holder is not None else None
        assert isinstance(layout, QVBoxLayout)
        layout.addWidget(widget)

    def _build_actions(self) -> None:
        actions = install_actions(self)
        self.open_action = actions.open
        self.paste_action = actions.paste
        self.save_action = actions.save
        self.copy_action = actions.copy
        self.generate_action = actions.generate
        self.cancel_action = actions.cancel
        self.overlay_action = actions.overlay
        self.prefs_action = actions.prefs
        self.menus = actions.menus  # features add their actions here
        from idphoto_desktop.ui.quick_print import install_quick_print
        from idphoto_desktop.ui.watch_strip import install_watch_folder

        self.watch_folder = install_watch_folder(self)  # camera folder + customer (issue 16)
        self.quick_print = install_quick_print(self)  # one-click print (issue 16)
        from idphoto_desktop.ui.adjust_view import install_frame_adjuster

        self.frame_adjuster = install_frame_adjuster(self)  # face pick + frame (issue 12)

    # ================================================================ settings
    def _load_presets(self) -> None:
        from idphoto_desktop.ui.preset_entries import entries_from_presets

        self._presets_loaded = True
        try:
            presets = self.services.presets()
        except Exception as exc:  # the window must open even if the data is broken
            log.exception("Presets could not be loaded")
            self.message.show_message(
                self.tr(
                    "The document presets could not be loaded ({0}). Custom sizes still work."
                ).format(exc)
            )
            presets = []
        self._presets = {p.id: p for p in presets}
        self.preset_picker.set_entries(
            entries_from_presets(presets), self.settings.recent_presets
        )

    def _restore_settings(self) -> None:
        s = self.settings
        self.preset_picker.set_custom_size(s.custom_width, s.custom_height)
        self._first_run = not s.path.exists()
        if not s.preset_id and not self._first_run:
            self.preset_picker.set_custom(True)  # no preset list to wait for
        self.background.set_output_format(s.format)
        self.background.set_color(s.bg_color)
        self.engine_picker.set_engine(s.engine)
        if s.window_geometry:
            try:
                self.restoreGeometry(QByteArray(base64.b64decode(s.window_geometry)))
            except ValueError:
                log.warning("Window geometry in the settings is unreadable; ignored")
        self._update_background_warning()

    def _fill_presets(self) -> None:
        """The picker's loader (see ``PresetPicker.fill_later``): the presets, then the saved
        choice selected in the same step, so no other preset is ever shown as chosen."""
        self._load_presets()
        s = self.settings
        if self.preset_picker.is_custom():
            return  # a custom size was saved (or chosen meanwhile)
        if s.preset_id and self.preset_picker.select(s.preset_id):
            return
        if self._first_run and self._presets:
            # First start: a common document rather than a bare pixel size.
            default = DEFAULT_PRESET if DEFAULT_PRESET in self._presets else None
            self.preset_picker.select(default or self.preset_picker.first_visible_id())
        else:
            self.preset_picker.set_custom(True)

    def save_settings(self) -> None:
        """Remember the choices and the window for the next start."""
        engine = self.engine_picker.engine()
        geometry = base64.b64encode(bytes(self.saveGeometry().data())).decode("ascii")
        w, h = self.preset_picker.custom_size()
        changes: dict[str, object] = {
            "custom_width": w,
            "custom_height": h,
            "format": self.background.output_format(),
            "bg_color": self.background.color(),
            "window_geometry": geometry,
        }
        if self._presets_loaded or self._first_run or self.preset_picker.is_custom():
            changes["preset_id"] = self.preset_picker.current_id()
        # else the list was never filled (closed at once): the saved preset is still the choice
        if engine != ENGINE_CROPRESIZE:
            changes["engine"] = engine
        try:
            self.settings.update(changes)
        except IdPhotoError as err:
            log.warning("Settings not saved: %s", err)

    def refresh_token_state(self) -> None:
        """Read the keyring (after the first paint, and after Preferences) and keep the
        token in memory: Generate never asks the keyring again."""
        self._token_error = None
        try:
            self._token = self.services.token_store.get()
        except IdPhotoError as err:
            log.warning("Token store: %s", err)
            self._token, self._token_error = None, err
        self._token_read = True
        self.engine_picker.set_has_token(bool(self._token))
        self.token_notice.token_state_known(bool(self._token))  # no keyring: say so

    def token(self) -> str | None:
        """The provider's token, read once (GUI thread) and handed to the job; the
        keyring's own error when it could not be read."""
        if not self._token_read:
            self.refresh_token_state()
        if self._token_error is not None:
            raise self._token_error
        return self._token

    # =============================================================== photo in
    def open_dialog(self) -> None:
        folder = self.settings.last_open_dir or str(Path.home())
        path = self.services.dialogs.open_photo(self, folder)
        if path is not None:
            self.open_path(path)

    def open_path(self, path: Path) -> None:
        """Read a photo file in the background; the current photo stays until it is ready."""
        need = self._upload_need()
        self._start_load(
            lambda progress, cancel: jobs.load_photo_file(path, progress, cancel, need),
            self.tr("Reading {0}…").format(path.name),
            folder=str(path.parent),
        )

    def open_bytes(self, data: bytes, filename: str) -> None:
        self._start_load(
            lambda progress, cancel: jobs.load_photo_bytes(data, filename, progress, cancel),
            self.tr("Reading the pasted image…"),
        )

    def open_qimage(self, image: QImage, filename: str = "pasted.png") -> None:
        def work(progress: ProgressCallback, cancel: CancelToken) -> jobs.LoadedPhoto:
            data = jobs.qimage_to_png(image)
            return jobs.load_photo_bytes(data, filename, progress, cancel)

        self._start_load(work, self.tr("Reading the pasted image…"))

    def use_url(self) -> None:
        """The provider downloads the image itself; nothing is fetched here."""
        text = self.url_edit.text().strip()
        if not text:
            self._reject_photo(self.tr("Type or paste the image's address first (https://…)."))
            return
        from idphoto_desktop.core import validation

        try:
            url = validation.validate_url(text)
        except IdPhotoError as err:
            self._reject_photo(err.full_text())
            return
        self._accept_photo(jobs.LoadedPhoto(label=url, image_url=url))

    def paste(self) -> None:
        """An image, a copied file, or an address from the clipboard."""
        clipboard = QGuiApplication.clipboard()
        mime = clipboard.mimeData()
        if mime is None or not self._take_mime(mime):
            self._reject_photo(
                self.tr("The clipboard holds no image, photo file or image address.")
            )

    def _take_mime(self, mime: QMimeData) -> bool:
        if mime.hasUrls():
            local = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
            if local:
                if len(local) > 1:
                    self.statusBar().showMessage(
                        self.tr("One photo at a time: opened the first one."), 5000
                    )
                self.open_path(Path(local[0]))
                return True
            remote = [u.toString() for u in mime.urls() if u.scheme() in ("http", "https")]
            if remote:
                self.url_edit.setText(remote[0])
                self.use_url()
                return True
        if mime.hasImage():
            image = mime.imageData()
            if isinstance(image, QImage) and not image.isNull():
                self.open_qimage(image)
                return True
        if mime.hasText():
            text = mime.text().strip()
            if text.startswith(("http://", "https://")):
                self.url_edit.setText(text)
                self.use_url()
                return True
            candidate = Path(text.removeprefix("file://"))
            if candidate.suffix.lower() in IMAGE_SUFFIXES and candidate.is_file():
                self.open_path(candidate)
                return True
        return False

    def _start_load(
        self,
        work: TaskFn[jobs.LoadedPhoto],
        text: str,
        folder: str | None = None,
    ) -> None:
        """Only the newest photo asked for is ever accepted (``latest``)."""
        self.photo_error.clear_message()
        self.statusBar().showMessage(text)

        def done(value: jobs.LoadedPhoto) -> None:
            if folder is not None:
                self._remember("last_open_dir", folder)
            self._accept_photo(value)

        def failed(error: BaseException) -> None:
            if not isinstance(error, CancelledError):
                self._reject_photo(clerk_text(error))

        self.runner.submit(work, on_success=done, on_failure=failed, latest="load")

    def _reject_photo(self, text: str) -> None:
        """Say why, in place; whatever photo was there stays."""
        keep = ""
        if self._photo is not None:
            keep = " " + self.tr("The previous photo is still loaded.")
        self.photo_error.show_message(text + keep)
        self.statusBar().showMessage(self.tr("Photo not opened"), 5000)
        self.photoRejected.emit(text)

    def _accept_photo(self, photo: jobs.LoadedPhoto) -> None:
        if self.running:
            self.generator.cancel(say=False)
            self.message.show_message(
                self.tr("The running job was cancelled because a new photo was opened."), "info"
            )
        self._photo_seq += 1
        self._photo = photo
        self._generated = None
        self._generated_key = None
        self.photo_error.clear_message()
        self.result_panel.show_photo(photo)
        self.setWindowTitle(self.tr("{0} — ID Photo Desktop").format(photo.label))
        self.result_panel.result_caption.setText(self.tr("Result"))
        self.photo_info.setText(self._photo_text(photo))
        notes = photo.prepared.notes if photo.prepared is not None else ()
        from idphoto_desktop.ui import i18n

        self.photo_info.setToolTip(i18n.text("\n".join(notes)))
        self.statusBar().showMessage(self.tr("Opened {0}").format(photo.label), 5000)
        self._update_state()
        self.photoLoaded.emit()

    def _photo_text(self, photo: jobs.LoadedPhoto) -> str:
        p = photo.prepared
        if p is None:
            return self.tr("Image address: {0}").format(photo.label)
        text = f"{photo.label} · {p.original_width}×{p.original_height} px"
        if p.scale != 1.0 or p.cropped:
            text += " " + self.tr("(sent as {0}×{1})").format(p.width, p.height)
        return text

    @property
    def photo(self) -> jobs.LoadedPhoto | None:
        return self._photo

    def keep_resized_upload(self, photo: jobs.LoadedPhoto) -> None:
        """The current photo, its upload now sized for the output just made."""
        self._photo = photo

    @property
    def photo_seq(self) -> int:
        """Which photo is loaded: outcomes for an earlier one are dropped."""
        return self._photo_seq

    # ================================================================ drops
    def _drop_mime_ok(self, mime: QMimeData | None) -> bool:
        if mime is None:
            return False
        if mime.hasUrls():
            return any(u.isLocalFile() or u.scheme() in ("http", "https") for u in mime.urls())
        return mime.hasImage()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._drop_mime_ok(event.mimeData()):
            event.acceptProposedAction()
            self._show_drop_overlay(True)
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._show_drop_overlay(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self._show_drop_overlay(False)
        mime = event.mimeData()
        if mime is not None and self._take_mime(mime):
            event.acceptProposedAction()
        else:
            self._reject_photo(self.tr("That is not a photo. Drop an image file."))
            event.ignore()

    def _show_drop_overlay(self, visible: bool) -> None:
        central = self.centralWidget()
        if central is None:
            return
        self.drop_overlay.setGeometry(central.rect().adjusted(12, 12, -12, -12))
        self.drop_overlay.setVisible(visible)
        if visible:
            self.drop_overlay.raise_()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.drop_overlay.isVisible():
            self._show_drop_overlay(True)

    # ============================================================== choices
    def _pick_color(self, initial: str) -> str | None:
        return self.services.dialogs.pick_color(self, initial)

    def _choices_changed(self) -> None:
        self._update_background_warning()
        self._update_state()
        self.choicesChanged.emit()

    def _background_changed(self) -> None:
        self._update_background_warning()
        self._show_generated(recolor=True)
        self._update_state()

    def current_preset(self) -> Preset | None:
        preset_id = self.preset_picker.current_id()
        return self._presets.get(preset_id) if preset_id else None

    def _update_background_warning(self) -> None:
        if not self._presets_loaded:
            return  # checked again when the list is filled (the selection changes then)
        preset = self.current_preset()
        if preset is None or self.background.output_format() is OutputFormat.PNG:
            self.background.set_warning("")
            return
        from idphoto_desktop.core.presets import background_allowed, background_rule

        color = self.background.color()
        if background_allowed(preset, color) is False:
            rule = background_rule(preset, color)
            named = f"{rule.name} (#{color})" if rule is not None else f"#{color}"
            if rule is not None and rule.status == "discouraged":
                warning = self.tr("⚠ The rules for {0} advise against a {1} background.")
            else:
                warning = self.tr("⚠ The rules for {0} forbid a {1} background.")
            from idphoto_desktop.ui.preset_entries import preset_name

            self.background.set_warning(warning.format(preset_name(preset), named))
        else:
            self.background.set_warning("")

    def chosen_color(self) -> str | None:
        if self.background.output_format() is OutputFormat.JPG:
            return self.background.color()
        return None

    # ============================================================== generate
    def generate(self) -> None:
        """One pipeline job in a worker; the button stays locked until done."""
        self.generator.start()

    def _upload_need(self) -> UploadNeed | None:
        """What the chosen output needs from the upload (None: nothing chosen yet); cropped
        only for the paid provider (the Generate job sizes it again if the engine changes)."""
        from idphoto_desktop.core.uploadneed import upload_need
        from idphoto_desktop.ui.services import ENGINE_CLOUD

        crop = self.engine_picker.engine() == ENGINE_CLOUD
        if self.preset_picker.is_custom():
            return upload_need(PhotoSize(*self.preset_picker.custom_size()), crop=crop)
        preset = self.current_preset()
        return None if preset is None else upload_need(preset.size, preset.geometry, crop=crop)

    def cancel_job(self) -> None:
        """The window is free at once (a paid call may finish in the background)."""
        generator = self._generator.built()
        if generator is not None:
            generator.cancel()

    def job_starting(self) -> None:
        self.message.clear_message()
        self.save_message.clear_message()
        self.jobStarting.emit()

    def fail(self, text: str) -> None:
        """A job's failure, in the clerk's words (see ui/errors.py)."""
        self.message.show_message(text, "error")
        self.statusBar().showMessage(self.tr("Not generated"), 5000)
        self.jobFailed.emit(text)

    def show_progress(self, percent: int, text: str) -> None:
        self.progress.setValue(max(0, min(100, percent)))
        self.progress_label.setText(text)

    def set_running(self, running: bool) -> None:
        self.progress.setValue(0)
        self.progress_label.setText(self.tr("Working…") if running else "")
        self._update_state()

    @property
    def running(self) -> bool:
        """A Generate job runs (never before the first Generate)."""
        generator = self._generator.built()
        return generator is not None and generator.running

    @property
    def generated_key(self) -> tuple[int, str, str] | None:
        """(photo, engine, framing key) of a fresh result shown; None for a stored one."""
        return self._generated_key if self._generated is not None else None

    def shows_result_for(self, key: tuple[int, str, str]) -> bool:
        """The shown result is this photo's, engine's and framing's (a colour is free)."""
        return self._generated is not None and self._generated_key == key

    def show_fresh(
        self,
        generated: jobs.GeneratedImage,
        key: tuple[int, str, str],
        what: str,
        preset_id: str | None,
    ) -> None:
        """A new result from the engine for the current photo (already kept)."""
        self._generated = generated
        self._generated_key = key
        self.result_panel.result_caption.setText(self.tr("Result · {0}").format(what))
        if preset_id:
            self._add_recent(preset_id)
        self.studio.fresh_result(preset_id)
        self._show_generated(recolor=False)
        self.statusBar().showMessage(self.tr("Done"), 5000)
        self.resultShown.emit()

    def _add_recent(self, preset_id: str) -> None:
        try:
            self.settings.add_recent_preset(preset_id)
        except IdPhotoError as err:
            log.warning("Recent presets not saved: %s", err)
            return
        current = self.preset_picker.current_id()
        self.preset_picker.set_recent(self.settings.recent_presets)
        if current:
            self.preset_picker.select(current)

    # =============================================================== result
    @property
    def generated(self) -> jobs.GeneratedImage | None:
        return self._generated

    def _show_generated(self, *, recolor: bool) -> None:
        generated = self._generated
        if generated is None:
            return
        result = generated.result
        color = self.chosen_color()
        if recolor and color != generated.shown_color:
            if color is None or result.format is not OutputFormat.PNG:
                self._generated = jobs.GeneratedImage(
                    result, generated.transparent, generated.transparent, None
                )
            else:
                self._recolor(color)
                return
        shown = self._generated.shown if self._generated else generated.shown
        photo = self._photo if self.studio.matches_photo() else None
        self.result_panel.show_result(shown, result, photo, self.chosen_color())
        self.resultChanged.emit()
        self._update_state()

    def show_stored(self, generated: jobs.GeneratedImage, caption: str) -> None:
        """A result from the history, under its own caption (never as a fresh one)."""
        self._generated = generated
        self._generated_key = None  # Generate looks in the history again, and offers
        self.result_panel.result_caption.setText(caption)
        self._show_generated(recolor=True)
        self.resultShown.emit()

    def _recolor(self, color: str) -> None:
        """Composite locally in a worker: no new engine call for a new colour."""
        generated = self._generated
        assert generated is not None
        photo_seq = self._photo_seq

        def work(_progress: ProgressCallback, _cancel: CancelToken) -> QImage:
            return jobs.recolor(generated.result.image, color)

        def done(value: QImage) -> None:
            current = self._generated
            if photo_seq != self._photo_seq or current is None:
                return
            self._generated = jobs.GeneratedImage(current.result, current.transparent, value, color)
            self._show_generated(recolor=False)
            self.resultShown.emit()

        def failed(error: BaseException) -> None:
            self.fail(clerk_text(error))

        self.runner.submit(work, on_success=done, on_failure=failed, latest="recolor")

    # ================================================================= save
    def suggested_path(self) -> Path:
        generated = self._generated
        fmt = self.background.output_format()
        stem = "id-photo"
        if self._photo is not None and self._photo.source_path is not None:
            stem = self._photo.source_path.stem
        what = self.preset_picker.current_id()
        if what is None and generated is not None:
            what = f"{generated.result.width}x{generated.result.height}"
        name = f"{stem}-{what}{fmt.extension}" if what else f"{stem}{fmt.extension}"
        folder = self.settings.last_save_dir or self.settings.last_open_dir or str(Path.home())
        return Path(folder) / name

    def save_as(self) -> None:
        """Ask where (the dialog confirms replacing), then encode and write in a worker."""
        generated = self._generated
        if generated is None or self._save_busy:
            return
        if not self.notes.confirm_save():
            return  # a blocking problem, and the clerk chose not to save
        from idphoto_desktop.core.export import write_atomic
        from idphoto_desktop.core.imagefile import encode_image_file, print_dpi
        from idphoto_desktop.ui import save_choice

        colour = self.background.color()
        default = save_choice.default_kind(self.background.output_format())
        answer = self.services.dialogs.save_image(
            self, self.suggested_path(), save_choice.filters(colour),
            save_choice.KINDS.index(default),
        )
        if answer is None:
            return
        chosen = save_choice.resolve(*answer)
        # The dialog asked before replacing only the name it saw: never replace another.
        overwrite = chosen.typed_name_kept
        kind = chosen.kind
        dpi = print_dpi(self.studio.result_preset())  # the document the result was made for
        image_bytes = generated.result.image
        target = chosen.path
        self._save_busy = True
        self._update_state()
        self.statusBar().showMessage(self.tr("Saving {0}…").format(target.name))

        def work(_progress: ProgressCallback, _cancel: CancelToken) -> Path:
            data = encode_image_file(image_bytes, kind, colour, dpi)
            write_atomic(target, data, overwrite=overwrite)
            return target

        def done(value: object) -> None:
            self._save_busy = False
            self._update_state()
            self._remember("last_save_dir", str(target.parent))
            self.save_message.show_message(self.tr("Saved {0}").format(target), "info")
            self.statusBar().showMessage(self.tr("Saved {0}").format(target.name), 5000)
            self.saved.emit(str(value))

        def failed(error: BaseException) -> None:
            self._save_busy = False
            self._update_state()
            error = write_failure(error, target)
            self.save_message.show_message(clerk_text(error), "error")
            self.statusBar().showMessage(self.tr("Not saved"), 5000)

        self.runner.submit(work, on_success=done, on_failure=failed)

    def copy_result(self) -> None:
        generated = self._generated
        if generated is None:
            return
        QGuiApplication.clipboard().setImage(generated.shown)
        self.statusBar().showMessage(self.tr("Result copied to the clipboard"), 5000)

    def _remember(self, key: str, value: object) -> None:
        try:
            self.settings.set(key, value)
        except IdPhotoError as err:
            log.warning("Setting %s not saved: %s", key, err)

    # ============================================================ preferences
    def open_preferences(self) -> None:
        dialog = on_demand.preferences_dialog(self)
        dialog.finished.connect(lambda _code: self.refresh_token_state())
        replace_dialog(self.preferences_dialog, dialog)
        dialog.open()
        self.preferences_dialog = dialog

    # ================================================================ state
    def _update_state(self) -> None:
        running = self.running
        has_result = self._generated is not None
        self.generate_button.setEnabled(not running and self._photo is not None)
        self.generate_button.setText(self.tr("Generating…") if running else self.tr("Generate"))
        self.generate_action.setEnabled(not running)
        self.cancel_button.setVisible(running)
        self.cancel_action.setEnabled(running)
        self.progress.setVisible(running)
        self.progress_label.setVisible(running)
        self.result_panel.set_result_actions_enabled(
            save=has_result and not self._save_busy, copy=has_result
        )
        self.save_action.setEnabled(has_result and not self._save_busy)
        self.copy_action.setEnabled(has_result)
        self.stateChanged.emit(has_result)

    def event(self, event: QEvent) -> bool:
        """After the first paint, build the studio and read the keyring (slow to import and
        to ask): the window shows first, the rest follows in the next event-loop passes."""
        if not self._painted and event.type() == QEvent.Type.Paint:
            self._painted = True
            QTimer.singleShot(0, self._after_first_paint)
            QTimer.singleShot(100, self.refresh_token_state)
        return super().event(event)

    def _after_first_paint(self) -> None:
        if not self._closing:
            _ = self.studio

    # ================================================================ close
    def closeEvent(self, event: QCloseEvent) -> None:
        """Cancel the job, drain the pool, remember the window: no crash, no hang."""
        if not self._closing:
            self._closing = True
            self.save_settings()
            generator = self._generator.built()
            if generator is not None:
                generator.abort()
            self.runner.shutdown(10_000)
            studio = self._studio.built()
            if studio is not None:
                studio.close()
            else:
                self.services.studio.close()
        super().closeEvent(event)

