"""No keyring on this computer: say so on the main window, and offer the encrypted file.

Why: without a keyring the API token lasts only until the app quits, and a window
that reopened in provider mode without a token failed at the first Generate. Now:
when no token is at hand and there is no keyring, the window starts with the offline
engine and says why beside step 4; it offers, as an explicit choice, to keep the
token in an encrypted file protected by a password (``storage.token_file``), and at
the next start to unlock that file. The key derivation takes seconds, so opening and
writing run on the window's worker pool; the dialog stays responsive.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
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

from idphoto_desktop.core.errors import IdPhotoError
from idphoto_desktop.ui.services import ENGINE_CLOUD, ENGINE_OFFLINE
from idphoto_desktop.ui.widgets import Banner

if TYPE_CHECKING:
    from idphoto_desktop.storage.token_file import EncryptedTokenFile, UnlockedTokenFile
    from idphoto_desktop.ui.main_window import MainWindow
    from idphoto_desktop.ui.workers import TaskRunner

log = logging.getLogger(__name__)


class KeyringNotice(QWidget):
    """A line beside step 4 and the one action it offers."""

    visibilityChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyringNotice")
        self.text = QLabel()
        self.text.setObjectName("keyringNoticeText")
        self.text.setWordWrap(True)
        self.text.setProperty("role", "warning")
        self.action = QPushButton()
        self.action.setObjectName("keyringNoticeAction")
        layout = QHBoxLayout(self)  # one row: the steps above stay on a 700 px screen
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.action, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hide()

    def show_notice(self, text: str, action: str) -> None:
        self.text.setText(text)
        self.action.setText(action)
        self.action.setVisible(bool(action))
        self.setVisible(bool(text))
        self.visibilityChanged.emit(bool(text))


class TokenFileDialog(QDialog):
    """Keep the token in an encrypted file (``mode="save"``) or unlock it (``"unlock"``)."""

    unlocked = Signal(object)  # the UnlockedTokenFile

    def __init__(
        self,
        token_file: EncryptedTokenFile,
        runner: TaskRunner,
        mode: str,
        session_token: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("tokenFileDialog")
        self._file = token_file
        self._runner = runner
        self._mode = mode
        self._session_token = session_token
        self.busy = False
        saving = mode == "save"
        self.setWindowTitle(
            self.tr("Keep the API token in an encrypted file")
            if saving
            else self.tr("Unlock the saved API token")
        )
        self.setMinimumWidth(460)
        self.explain = QLabel()
        self.explain.setWordWrap(True)
        self.explain.setTextFormat(Qt.TextFormat.PlainText)
        if saving:
            self.explain.setText(
                self.tr(
                    "This computer has no system keyring, so the API token is normally kept "
                    "only until the app closes.\n\nYou can choose to keep it in a file on this "
                    "computer, encrypted with a password you choose (AES, key made from the "
                    "password with Argon2). The token is never written in plain text. You will "
                    "type the password once each time the app starts. Without the password "
                    "the token cannot be read; if you forget it, enter the token again.\n\n"
                    "File: {0}"
                ).format(token_file.path)
            )
        else:
            self.explain.setText(
                self.tr(
                    "The API token is kept in an encrypted file on this computer. Type its "
                    "password to use the provider in this session.\n\nFile: {0}"
                ).format(token_file.path)
            )
        self.token = QLineEdit()
        self.token.setObjectName("tokenFileToken")
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText(self.tr("Paste the provider's API token"))
        self.password = QLineEdit()
        self.password.setObjectName("tokenFilePassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit()
        self.repeat.setObjectName("tokenFileRepeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        if saving and not session_token:
            form.addRow(self.tr("API token"), self.token)
        else:
            self.token.hide()
        form.addRow(self.tr("Password"), self.password)
        if saving:
            form.addRow(self.tr("Password again"), self.repeat)
        else:
            self.repeat.hide()
        self.message = Banner("tokenFileMessage")
        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton(
            self.tr("Keep in the encrypted file") if saving else self.tr("Unlock"),
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.ok_button.setObjectName("tokenFileOk")
        self.cancel_button = buttons.addButton(
            self.tr("Not now"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.ok_button.clicked.connect(self._go)
        self.cancel_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explain)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def _go(self) -> None:
        if self.busy:
            return
        password = self.password.text()
        saving = self._mode == "save"
        token = self._session_token or self.token.text().strip()
        if saving:
            from idphoto_desktop.storage.token_file import MIN_PASSWORD
            from idphoto_desktop.storage.token_store import normalize_token

            try:
                token = normalize_token(token)
            except IdPhotoError as err:
                self.message.show_message(err.full_text(), "error")
                return
            if len(password) < MIN_PASSWORD:
                self.message.show_message(
                    self.tr("Choose a password of at least {0} characters.").format(MIN_PASSWORD),
                    "error",
                )
                return
            if password != self.repeat.text():
                self.message.show_message(self.tr("The two passwords differ."), "error")
                return
        elif not password:
            self.message.show_message(self.tr("Type the password first."), "error")
            return
        token_file = self._file

        def work(_p: object, _c: object) -> UnlockedTokenFile:
            unlocked = token_file.open(password, create=saving)
            if saving:
                unlocked.write_now(token)
            return unlocked

        def done(value: object) -> None:
            self._set_busy(False)
            self.unlocked.emit(value)
            self.accept()

        def failed(error: BaseException) -> None:
            self._set_busy(False)
            if not isinstance(error, IdPhotoError):
                log.error("Encrypted token file failed", exc_info=error)
                text = self.tr("The encrypted token file could not be used.")
            else:
                text = error.full_text()
            self.message.show_message(text, "error")

        self._set_busy(True)
        self.message.show_message(
            self.tr("Encrypting…") if saving else self.tr("Unlocking…"), "info"
        )
        self._runner.submit(work, on_success=done, on_failure=failed)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.ok_button.setEnabled(not busy)
        self.password.setEnabled(not busy)
        self.repeat.setEnabled(not busy)


class TokenNoticeController(QObject):
    """Keeps the notice beside step 4 true; starts offline when no token is at hand."""

    def __init__(self, window: MainWindow, notice: KeyringNotice) -> None:
        super().__init__(window)
        self.window = window
        self.notice = notice
        self.dialog: TokenFileDialog | None = None
        self._started = False
        self._went_offline = False
        self._token_file: EncryptedTokenFile | None = None
        notice.action.clicked.connect(self.open_dialog)

    @property
    def token_file(self) -> EncryptedTokenFile:
        if self._token_file is None:
            from idphoto_desktop.storage.token_file import EncryptedTokenFile

            self._token_file = EncryptedTokenFile()
        return self._token_file

    def set_token_file(self, token_file: EncryptedTokenFile) -> None:
        """Tests and portable installs: the file to use."""
        self._token_file = token_file

    def no_keyring(self) -> bool:
        # ``kind`` and ``use_backend`` are storage.token_store.TokenStore's; a store
        # without them (a test double) has a keyring as far as this notice knows.
        return str(getattr(self.window.services.token_store, "kind", "keyring")) == "memory"

    def token_state_known(self, has_token: bool | None) -> None:
        """Called when the window has read the token store (after the first paint)."""
        first = not self._started
        self._started = True
        picker = self.window.engine_picker
        if not self.no_keyring():
            self.notice.show_notice("", "")
            return
        file_exists = self.token_file.exists()
        if has_token:
            self.notice.show_notice(
                self.tr("No system keyring: the API token is kept until the app closes."),
                "" if file_exists else self.tr("Encrypted file…"),
            )
            return
        text = self.tr("No system keyring: an API token is kept until the app closes.")
        if first and picker.engine() == ENGINE_CLOUD:
            picker.set_engine(ENGINE_OFFLINE)  # the provider cannot run without a token
            self._went_offline = True
            text = self.tr("No system keyring and no API token: started offline.")
        if file_exists:
            self.notice.show_notice(
                text + " " + self.tr("A token is saved in an encrypted file."),
                self.tr("Unlock…"),
            )
        else:
            self.notice.show_notice(text, self.tr("Encrypted file…"))

    def open_dialog(self) -> None:
        store = self.window.services.token_store
        mode = "unlock" if self.token_file.exists() else "save"
        session: str | None = None
        if mode == "save":
            try:
                session = store.get()
            except IdPhotoError:
                session = None
        dialog = TokenFileDialog(self.token_file, self.window.runner, mode, session, self.window)
        dialog.unlocked.connect(self._unlocked)
        self.dialog = dialog
        dialog.open()

    def _unlocked(self, unlocked: object) -> None:
        use_backend = getattr(self.window.services.token_store, "use_backend", None)
        if use_backend is None:
            return
        use_backend(unlocked)
        if self._went_offline:  # the clerk unlocked the token to use the provider
            self._went_offline = False
            self.window.engine_picker.set_engine(ENGINE_CLOUD)
        self.window.refresh_token_state()
        self.window.statusBar().showMessage(
            self.tr("The API token is read from the encrypted file for this session."), 8000
        )
