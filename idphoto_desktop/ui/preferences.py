"""Preferences: the provider's address and the API token, and where the token is kept.

The token is read from the token store on the GUI thread and handed to the worker
that tests it; it goes to the keyring (or session memory), never to the settings file.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from idphoto_desktop.core.errors import IdPhotoError, StorageError
from idphoto_desktop.core.job import CancelToken, ProgressCallback
from idphoto_desktop.ui.services import Services
from idphoto_desktop.ui.style import STYLESHEET
from idphoto_desktop.ui.widgets import Banner
from idphoto_desktop.ui.workers import TaskHandle, TaskRunner

log = logging.getLogger(__name__)


class PreferencesDialog(QDialog):
    """Window-modal (``open()``), so the counter window stays painted behind it."""

    def __init__(
        self, services: Services, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle(self.tr("Preferences"))
        self.setStyleSheet(STYLESHEET)
        self.setMinimumWidth(520)
        self._services = services
        self._runner = runner
        self._test: TaskHandle | None = None

        self.api_url = QLineEdit(services.settings.api_url)
        self.api_url.setObjectName("apiUrl")
        self.token = QLineEdit()
        self.token.setObjectName("apiToken")
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText(self.tr("Paste the provider's API token"))
        self._stored_token = ""
        try:
            self._stored_token = services.token_store.get() or ""
        except IdPhotoError as err:
            log.warning("Token store: %s", err)
        self.token.setText(self._stored_token)
        self.show_button = QPushButton(self.tr("Show"))
        self.show_button.setObjectName("showToken")
        self.show_button.setCheckable(True)
        self.show_button.toggled.connect(self._toggle_shown)
        token_row = QHBoxLayout()
        token_row.addWidget(self.token, 1)
        token_row.addWidget(self.show_button)

        self.where = QLabel(self._location())
        self.where.setObjectName("tokenLocation")
        self.where.setWordWrap(True)
        self.where.setProperty("role", "hint")

        self.sync_check = QCheckBox(self.tr("Wait for the result in one call (recommended)"))
        self.sync_check.setObjectName("syncMode")
        self.sync_check.setToolTip(
            self.tr(
                "Off: the provider answers at once with a task number and the app asks for "
                "the result every few seconds (for a busy service)."
            )
        )
        self.sync_check.setChecked(services.settings.sync_mode == "sync")

        self.test_button = QPushButton(self.tr("Test connection"))
        self.test_button.setObjectName("testConnection")
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = Banner("testResult")

        form = QFormLayout()
        from idphoto_desktop.ui.i18n import LANGUAGES

        self.language = QComboBox()
        self.language.setObjectName("language")
        self.language.addItem(self.tr("System language"), "")
        for code, native_name in LANGUAGES.items():
            self.language.addItem(native_name, code)
        index = self.language.findData(services.settings.language)
        self.language.setCurrentIndex(max(0, index))
        self.language_note = QLabel(self.tr("A new language applies at the next start."))
        self.language_note.setObjectName("languageNote")
        self.language_note.setProperty("role", "hint")

        form = QFormLayout()
        form.addRow(self.tr("API address"), self.api_url)
        form.addRow(self.tr("API token"), token_row)
        form.addRow("", self.where)
        form.addRow("", self.sync_check)
        form.addRow(self.tr("Language"), self.language)
        form.addRow("", self.language_note)

        self.error = Banner("prefsError")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.setObjectName("prefsButtons")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)

        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(test_row)
        layout.addWidget(self.test_result)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(buttons)

    def _location(self) -> str:
        try:
            from idphoto_desktop.ui import i18n

            return i18n.text(str(self._services.token_store.location_description))
        except IdPhotoError as err:
            return err.full_text()

    def _toggle_shown(self, shown: bool) -> None:
        self.token.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        self.show_button.setText(self.tr("Hide") if shown else self.tr("Show"))

    def test_connection(self) -> None:
        """Check address and token in a worker; the dialog stays responsive."""
        if self._test is not None:
            return
        token = self.token.text().strip()
        url = self.api_url.text().strip()
        if not token:
            self.test_result.show_message(self.tr("Enter the token first."), "error")
            return
        from idphoto_desktop.logsetup import register_secret

        register_secret(token)
        self.test_button.setEnabled(False)
        self.test_result.show_message(self.tr("Testing…"), "info")
        tester = self._services.connection_tester

        def work(_progress: ProgressCallback, _cancel: CancelToken) -> str:
            return tester(token, url)

        handle: list[TaskHandle] = []

        def done(value: object) -> None:
            if self._test is handle[0]:
                self._test = None
                self.test_button.setEnabled(True)
                self.test_result.show_message(str(value), "info")

        def failed(error: BaseException) -> None:
            if self._test is handle[0]:
                self._test = None
                self.test_button.setEnabled(True)
                if isinstance(error, IdPhotoError):
                    text = error.full_text()
                else:
                    log.error("Connection test failed", exc_info=error)
                    text = self.tr("The test failed ({0}).").format(type(error).__name__)
                self.test_result.show_message(text, "error")

        handle.append(self._runner.submit(work, on_success=done, on_failure=failed))
        self._test = handle[0]

    @property
    def testing(self) -> bool:
        return self._test is not None

    def save(self) -> None:
        """Address to the settings, token to the keyring; stay open and say why on error."""
        url = self.api_url.text().strip()
        token = self.token.text().strip()
        try:
            with self._services.settings.batch() as settings:
                settings.api_url = url
                settings.sync_mode = "sync" if self.sync_check.isChecked() else "async"
                settings.language = str(self.language.currentData() or "")
            if token != self._stored_token:
                if token:
                    self._services.token_store.set(token)
                else:
                    self._services.token_store.clear()
        except StorageError as err:
            self.error.show_message(err.full_text(), "error")
            return
        except IdPhotoError as err:
            self.error.show_message(err.full_text(), "error")
            return
        self.accept()

    def reject(self) -> None:
        if self._test is not None:
            self._test.cancel()
            self._test = None
        super().reject()
