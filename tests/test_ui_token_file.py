"""No keyring: said on the main window, offline at start without a token, and the token
kept (by the clerk's explicit choice) in a password-protected encrypted file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt

from idphoto_desktop.core.errors import StorageError, ValidationError
from idphoto_desktop.storage.settings import Settings
from idphoto_desktop.storage.token_file import FILE_NAME, EncryptedTokenFile
from idphoto_desktop.storage.token_store import TokenStore
from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.services import Services, default_connection_tester
from tests.fixtures.ui import ScriptedDialogs, fast_engine_factory

TOKEN = "sk-test-0123456789abcdef"
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at the app's cost takes seconds per call; the tests use small costs."""
    monkeypatch.setattr(EncryptedTokenFile, "time_cost_default", 1)
    monkeypatch.setattr(EncryptedTokenFile, "memory_cost_default", 64)


def test_the_file_is_encrypted_and_needs_its_password(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    store = EncryptedTokenFile(path)
    with pytest.raises(ValidationError):
        store.open("short", create=True)
    with pytest.raises(StorageError):
        store.open(PASSWORD)  # no file yet, and not asked to make one
    unlocked = store.open(PASSWORD, create=True)
    unlocked.write_now(TOKEN)
    raw = path.read_bytes()
    assert TOKEN.encode() not in raw and PASSWORD.encode() not in raw
    assert path.stat().st_mode & 0o077 == 0  # only the user may read it
    again = EncryptedTokenFile(path).open(PASSWORD)
    assert again.get_password("idphoto-desktop", "api-token") == TOKEN
    with pytest.raises(StorageError) as wrong:
        EncryptedTokenFile(path).open("not the password")
    assert "password" in str(wrong.value) and PASSWORD not in wrong.value.full_text()
    # a change through the token store is written in the background
    again.set_password("idphoto-desktop", "api-token", TOKEN + "x")
    assert again.flush(30)
    assert EncryptedTokenFile(path).open(PASSWORD).get_password("s", "u") == TOKEN + "x"


def test_the_token_store_takes_the_unlocked_file(tmp_path: Path) -> None:
    store = TokenStore(backend=fail.Keyring())
    assert store.get() is None and store.kind == "memory"
    unlocked = EncryptedTokenFile(tmp_path / FILE_NAME).open(PASSWORD, create=True)
    unlocked.write_now(TOKEN)
    store.use_backend(unlocked)
    assert store.kind == "keyring" and store.get() == TOKEN
    assert "encrypted file" in store.location_description
    assert TOKEN not in repr(unlocked) and TOKEN not in repr(store)


def _services(home: Path, answers: ScriptedDialogs) -> Services:
    settings = Settings(home / "config" / "settings.json")
    settings.engine = "cloud"
    return Services(
        settings=settings,
        token_store=TokenStore(backend=fail.Keyring()),  # a computer without a keyring
        dialogs=answers,
        engine_factory=fast_engine_factory,
        connection_tester=default_connection_tester,
    )


@pytest.mark.gui
def test_no_keyring_window_starts_offline_and_keeps_the_token_encrypted(
    qtbot: Any,
    make_window: Callable[[Services], MainWindow],
    private_app_home: Path,
    answers: ScriptedDialogs,
) -> None:
    # GIVEN a computer with no keyring and no token, the window last used in provider mode
    window = make_window(_services(private_app_home, answers))
    notice = window.side_panel.keyring_notice
    # THEN the main window says so beside step 4 and starts with the offline engine
    qtbot.waitUntil(notice.isVisible, timeout=5_000)
    assert "No system keyring" in notice.text.text() and "offline" in notice.text.text()
    assert window.engine_picker.engine() == "offline"
    assert "Encrypted file" in notice.action.text()

    # WHEN the clerk explicitly chooses to keep the token in an encrypted file
    qtbot.mouseClick(notice.action, Qt.MouseButton.LeftButton)
    dialog = window.token_notice.dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert "encrypted" in dialog.explain.text() and "password" in dialog.explain.text()
    qtbot.keyClicks(dialog.token, TOKEN)
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClicks(dialog.repeat, PASSWORD + "?")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "differ" in dialog.message.text()  # nothing written on a typo
    assert not list(private_app_home.rglob(FILE_NAME))
    dialog.repeat.clear()
    qtbot.keyClicks(dialog.repeat, PASSWORD)
    with qtbot.waitSignal(dialog.unlocked, timeout=30_000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    # THEN the token is used (provider mode again), kept encrypted, the notice gone
    assert window.services.token_store.get() == TOKEN
    assert window.engine_picker.engine() == "cloud"
    files = list(private_app_home.rglob(FILE_NAME))
    assert len(files) == 1 and TOKEN.encode() not in files[0].read_bytes()
    assert not notice.isVisible()


@pytest.mark.gui
def test_next_start_offers_to_unlock_the_saved_token(
    qtbot: Any,
    make_window: Callable[[Services], MainWindow],
    private_app_home: Path,
    answers: ScriptedDialogs,
) -> None:
    # GIVEN a token kept in the encrypted file at an earlier start
    from idphoto_desktop.storage.paths import data_dir

    EncryptedTokenFile(data_dir() / FILE_NAME).open(PASSWORD, create=True).write_now(TOKEN)
    window = make_window(_services(private_app_home, answers))
    notice = window.side_panel.keyring_notice
    qtbot.waitUntil(notice.isVisible, timeout=5_000)
    assert "Unlock" in notice.action.text()
    assert window.engine_picker.engine() == "offline"
    # WHEN a wrong password, then the right one
    qtbot.mouseClick(notice.action, Qt.MouseButton.LeftButton)
    dialog = window.token_notice.dialog
    assert dialog is not None and not dialog.repeat.isVisible() and not dialog.token.isVisible()
    qtbot.keyClicks(dialog.password, "wrong password")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    assert dialog.message.role == "error" and "not right" in dialog.message.text()
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, PASSWORD)
    with qtbot.waitSignal(dialog.unlocked, timeout=30_000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert window.services.token_store.get() == TOKEN
    assert window.engine_picker.engine() == "cloud"
