"""The counter window: photo in, choices, Generate, check the result, save.

The window only wires widgets to work: every read, engine call, recolouring and
write runs in :class:`TaskRunner`; every outcome comes back tagged with the photo
it belongs to, so a late result from an earlier photo is dropped, never shown as
the current one. Messages appear in the window itself; modal questions go through
the injected :class:`~idphoto_desktop.ui.dialogs.Dialogs`.
"""

from __future__ import annotations

import base64
import itertools
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QCoreApplication, QEvent, QMimeData, Qt, QTimer, Signal
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
    QWidget,
)

from idphoto_desktop.core.errors import (
    CancelledError,
    IdPhotoError,
    StorageError,
    ValidationError,
)
from idphoto_desktop.core.job import CancelToken, OutputFormat, ProgressCallback
from idphoto_desktop.ui import jobs
from idphoto_desktop.ui.menus import install_actions
from idphoto_desktop.ui.result_panel import ResultPanel
from idphoto_desktop.ui.services import ENGINE_CLOUD, ENGINE_CROPRESIZE, Services
from idphoto_desktop.ui.side_panel import SidePanel
from idphoto_desktop.ui.style import STYLESHEET
from idphoto_desktop.ui.workers import TaskFn, TaskHandle, TaskRunner

if TYPE_CHECKING:
    from idphoto_desktop.core.job import GenerateRequest
    from idphoto_desktop.core.presets import Preset
    from idphoto_desktop.ui.studio import Studio

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".heic", ".heif"}
DEFAULT_PRESET = "icao_35x45"


def plain_error(error: BaseException) -> str:
    """What the clerk reads: our message and hint, never a traceback."""
    if isinstance(error, IdPhotoError):
        return error.full_text()
    return QCoreApplication.translate(
        "MainWindow",
        "Something went wrong ({0}). The photo and your choices are kept; try again, and "
        "if it happens again send the log file to support.",
    ).format(type(error).__name__)


class MainWindow(QMainWindow):
    """One counter session; ``services`` holds everything that is not a widget."""

    photoLoaded = Signal()
    photoRejected = Signal(str)
    resultShown = Signal()
    jobFailed = Signal(str)
    saved = Signal(str)
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
        self._load: TaskHandle | None = None
        self._job: TaskHandle | None = None
        self._job_photo_seq = -1
        self._generated: jobs.GeneratedImage | None = None
        self._generated_key: tuple[int, str, str] | None = None
        self._recolor_seq = 0
        self._presets: dict[str, Preset] = {}
        self._presets_loaded = False  # the list is filled after the first paint
        self._first_run = False
        self._save_busy = False
        self._closing = False
        self._studio: Studio | None = None  # built right after the first paint, or on use

        self._build_ui()
        self.setStyleSheet(STYLESHEET)  # once, on the finished tree: cheaper than per widget
        self._build_actions()
        from idphoto_desktop.ui.result_notes import ResultNotes

        self.notes = ResultNotes(self)  # messages cleared and results marked as things change
        from idphoto_desktop.ui.token_notice import TokenNoticeController

        self.token_notice = TokenNoticeController(self, self.side_panel.keyring_notice)
        self.preset_picker.fill_later(self._fill_presets)
        self._restore_settings()
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
        if self._studio is None:
            from idphoto_desktop.ui.studio import Studio

            self._studio = Studio(self)
            self._studio.busyChanged.connect(self._update_state)
            self._update_state()
        return self._studio

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
        """Read the keyring after the first paint and say whether a token is set."""
        try:
            has_token: bool | None = bool(self.services.token_store.get())
        except IdPhotoError as err:
            log.warning("Token store: %s", err)
            has_token = False
        self.engine_picker.set_has_token(has_token)
        self.token_notice.token_state_known(has_token)  # no keyring: say so, maybe offline

    # =============================================================== photo in
    def open_dialog(self) -> None:
        folder = self.settings.last_open_dir or str(Path.home())
        path = self.services.dialogs.open_photo(self, folder)
        if path is not None:
            self.open_path(path)

    def open_path(self, path: Path) -> None:
        """Read a photo file in the background; the current photo stays until it is ready."""
        self._start_load(
            lambda progress, cancel: jobs.load_photo_file(path, progress, cancel),
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
        work: TaskFn,
        text: str,
        folder: str | None = None,
    ) -> None:
        if self._load is not None:
            self._load.cancel()
        self.photo_error.clear_message()
        self.statusBar().showMessage(text)
        handle: list[TaskHandle] = []

        def done(value: object) -> None:
            if self._load is None or self._load.id != handle[0].id:
                return  # a newer photo was asked for meanwhile
            self._load = None
            assert isinstance(value, jobs.LoadedPhoto)
            if folder is not None:
                self._remember("last_open_dir", folder)
            self._accept_photo(value)

        def failed(error: BaseException) -> None:
            if self._load is None or self._load.id != handle[0].id:
                return
            self._load = None
            if isinstance(error, CancelledError):
                return
            self._reject_photo(plain_error(error))

        handle.append(self.runner.submit(work, on_success=done, on_failure=failed))
        self._load = handle[0]

    def _reject_photo(self, text: str) -> None:
        """Say why, in place; whatever photo was there stays."""
        keep = ""
        if self._photo is not None:
            keep = " " + self.tr("The previous photo is still loaded.")
        self.photo_error.show_message(text + keep)
        self.statusBar().showMessage(self.tr("Photo not opened"), 5000)
        self.photoRejected.emit(text)

    def _accept_photo(self, photo: jobs.LoadedPhoto) -> None:
        if self._job is not None:
            self._job.cancel()
            self._job = None
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
        if p.scale != 1.0:
            text += " " + self.tr("(sent as {0}×{1})").format(p.width, p.height)
        return text

    @property
    def photo(self) -> jobs.LoadedPhoto | None:
        return self._photo

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

    def _chosen_color(self) -> str | None:
        if self.background.output_format() is OutputFormat.JPG:
            return self.background.color()
        return None

    # ============================================================== generate
    def _build_request(self) -> GenerateRequest:
        """Validate before any thread starts; the engine is always asked for a PNG."""
        from idphoto_desktop.core import validation

        if self._photo is None:
            raise ValidationError(
                self.tr("Open a photo first."),
                hint=self.tr("Drop it on the window, or press Ctrl+O."),
            )
        preset = self.current_preset()
        if self.preset_picker.is_custom():
            size = validation.validate_size(*self.preset_picker.custom_size())
            params = validation.make_params(size, OutputFormat.PNG)
        elif preset is not None:
            size = validation.validate_size(preset.width_px, preset.height_px)
            params = validation.make_params(
                size, OutputFormat.PNG, preset_id=preset.id, geometry=preset.geometry
            )
        else:
            raise ValidationError(
                self.tr("Choose a document preset or a custom size."),
                hint=self.tr("See step 2 on the left."),
            )
        return validation.make_request(
            params,
            photo=self._photo.prepared,
            image_url=self._photo.image_url,
            sync=self.settings.sync_mode == "sync",
        )

    def generate(self) -> None:
        """Validate, then run the engine in a worker; the button stays locked until done."""
        if self._job is not None:
            return
        self.message.clear_message()
        self.save_message.clear_message()
        try:
            request = self._build_request()
        except IdPhotoError as err:
            self._fail(err.full_text())
            return
        kind = self.engine_picker.engine()
        if request.photo is None and kind != ENGINE_CLOUD:
            self._fail(
                self.tr(
                    "The offline engine needs the photo itself, not an address. Save the image "
                    "and open the file, or choose the provider."
                )
            )
            return
        token: str | None = None
        if kind == ENGINE_CLOUD:
            try:
                token = self.services.token_store.get()
            except IdPhotoError as err:
                self._fail(err.full_text())
                return
            if not token:
                self.engine_picker.set_has_token(False)
                self._fail(
                    self.tr(
                        "No API token is set for the provider. Enter it in Preferences "
                        "(Ctrl+,), or choose the offline engine."
                    )
                )
                return
        key = (self._photo_seq, kind, request.params.cache_key())
        if self._generated is not None and self._generated_key == key and kind == ENGINE_CLOUD:
            self.message.show_message(
                self.tr(
                    "This result is already here: nothing was sent, nothing was charged. "
                    "Changing the background colour is free."
                ),
                "info",
            )
            return
        if self.studio.intercept(request, kind):
            return  # the history is searched first; it calls generate() again if needed
        record = self.studio.recorder(request)  # stores the result the moment it arrives
        api_url = self.settings.api_url
        color = self._chosen_color()
        photo_seq = self._photo_seq
        preset_id = request.params.preset_id
        chosen = self.current_preset()
        from idphoto_desktop.ui.preset_entries import preset_label

        what = f"{request.params.size} px"
        if chosen is not None and preset_id:
            what = preset_label(chosen)

        def work(progress: ProgressCallback, cancel: CancelToken) -> jobs.GeneratedImage:
            return jobs.generate(
                lambda: record(self.services.engine(kind, token, api_url)),
                request, color, progress, cancel,
            )

        handle: list[TaskHandle] = []

        def done(value: object) -> None:
            if self._job is None or self._job.id != handle[0].id:
                return
            self._job = None
            self._set_running(False)
            if photo_seq != self._photo_seq:
                return  # belongs to an earlier photo: never shown as the current one
            assert isinstance(value, jobs.GeneratedImage)
            self._generated = value
            self._generated_key = key
            self.result_panel.result_caption.setText(self.tr("Result · {0}").format(what))
            if preset_id:
                self._add_recent(preset_id)
            self.studio.fresh_result(preset_id)
            self._show_generated(recolor=False)
            self.statusBar().showMessage(self.tr("Done"), 5000)
            self.resultShown.emit()

        def failed(error: BaseException) -> None:
            if self._job is None or self._job.id != handle[0].id:
                return
            self._job = None
            self._set_running(False)
            if isinstance(error, CancelledError):
                self.message.show_message(
                    self.tr("Cancelled. The photo and your choices are kept."), "info"
                )
                self.jobFailed.emit("cancelled")
                return
            if not isinstance(error, IdPhotoError):
                log.error("Generate failed", exc_info=error)
            self._fail(plain_error(error))

        handle.append(
            self.runner.submit(work, on_success=done, on_failure=failed, on_progress=self._progress)
        )
        self._job = handle[0]
        self._job_photo_seq = photo_seq
        self._set_running(True)

    def cancel_job(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self.progress_label.setText(self.tr("Cancelling…"))

    def _fail(self, text: str) -> None:
        self.message.show_message(text, "error")
        self.statusBar().showMessage(self.tr("Not generated"), 5000)
        self.jobFailed.emit(text)

    def _progress(self, percent: int, text: str) -> None:
        if self._job is not None:
            self.progress.setValue(max(0, min(100, percent)))
            self.progress_label.setText(text)

    def _set_running(self, running: bool) -> None:
        self.progress.setValue(0)
        self.progress_label.setText(self.tr("Working…") if running else "")
        self._update_state()

    @property
    def running(self) -> bool:
        """A job runs, or the history is being searched before one."""
        return self._job is not None or (self._studio is not None and self._studio.busy)

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
        color = self._chosen_color()
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
        self.result_panel.show_result(shown, result, photo, self._chosen_color())
        self.studio.result_changed()
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
        self._recolor_seq += 1
        seq = self._recolor_seq
        generated = self._generated
        assert generated is not None
        photo_seq = self._photo_seq

        def work(_progress: ProgressCallback, _cancel: CancelToken) -> QImage:
            return jobs.recolor(generated.result.image, color)

        def done(value: object) -> None:
            current = self._generated
            if seq != self._recolor_seq or photo_seq != self._photo_seq or current is None:
                return
            assert isinstance(value, QImage)
            self._generated = jobs.GeneratedImage(current.result, current.transparent, value, color)
            self._show_generated(recolor=False)
            self.resultShown.emit()

        def failed(error: BaseException) -> None:
            if seq == self._recolor_seq:
                self._fail(plain_error(error))

        self.runner.submit(work, on_success=done, on_failure=failed)

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
            if isinstance(error, OSError):
                error = StorageError(
                    self.tr("{0} could not be written: {1}.").format(
                        target, error.strerror or error
                    )
                )
            self.save_message.show_message(plain_error(error), "error")
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
        from idphoto_desktop.ui.preferences import PreferencesDialog

        dialog = PreferencesDialog(self.services, self.runner, self)
        dialog.finished.connect(lambda _code: self.refresh_token_state())
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
        if self._studio is not None:
            self._studio.update_state(has_result)

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
            self.preset_picker.ensure_filled()
            _ = self.studio

    # ================================================================ close
    def closeEvent(self, event: QCloseEvent) -> None:
        """Cancel the job, drain the pool, remember the window: no crash, no hang."""
        if not self._closing:
            self._closing = True
            self.save_settings()
            if self._job is not None:
                self._job.cancel()
            self.runner.shutdown(10_000)
            if self._studio is not None:
                self._studio.close()
            else:
                self.services.studio.close()
        super().closeEvent(event)

