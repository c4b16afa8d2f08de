"""The token store against the real Secret Service, an in-memory backend, and no backend.

The real-keyring tests (marker ``keyring``) need a D-Bus session with an unlocked
gnome-keyring, as scripts/test.sh provides. Without a D-Bus session they skip, except
with ``CI=true``, where a missing keyring is a failure: CI must prove the real thing.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring import errors as kr_errors
from keyring.backend import KeyringBackend
from keyring.backends import fail

from idphoto_desktop.core.errors import IdPhotoError, StorageError, ValidationError
from idphoto_desktop.logsetup import setup_logging, teardown_logging
from idphoto_desktop.storage.token_store import (
    ENV_VAR,
    MAX_TOKEN_BYTES,
    TokenStore,
    choose_backend,
    normalize_token,
)

ROOT = Path(__file__).resolve().parent.parent


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _new_token() -> str:
    return "sk-test-" + secrets.token_urlsafe(32)


def _files_containing(root: Path, secret: str) -> list[Path]:
    """Every file under ``root`` holding ``secret`` (as UTF-8 or UTF-16)."""
    needles = [secret.encode("utf-8"), secret.encode("utf-16-le")]
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and any(n in path.read_bytes() for n in needles):
            hits.append(path)
    return hits


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps passwords in a dict, and can be told to fail.

    Priority -1: keyring registers every subclass globally, and this one must never be
    picked (or chained) by ``keyring.get_keyring()`` in other tests.
    """

    priority = -1

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}
        self.fail_with: BaseException | None = None
        self.calls: list[str] = []

    def _maybe_fail(self, name: str) -> None:
        self.calls.append(name)
        if self.fail_with is not None:
            raise self.fail_with

    def get_password(self, service: str, username: str) -> str | None:
        self._maybe_fail("get")
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._maybe_fail("set")
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._maybe_fail("delete")
        if self.passwords.pop((service, username), None) is None:
            raise kr_errors.PasswordDeleteError("No such password!")


@pytest.fixture
def memory_backend() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


# -- validation -----------------------------------------------------------------------


def test_set_strips_whitespace_and_a_pasted_bearer_prefix(memory_backend: MemoryKeyring) -> None:
    store = TokenStore(backend=memory_backend)
    token = _new_token()
    store.set(f"  \n{token}\t\r\n")
    assert store.get() == token
    assert memory_backend.passwords[("idphoto-desktop", "api-token")] == token
    store.set(f"Bearer {token}")
    assert store.get() == token


@pytest.mark.parametrize("bad", ["", "   ", "\n\t", "Bearer   "])
def test_set_refuses_an_empty_token(memory_backend: MemoryKeyring, bad: str) -> None:
    store = TokenStore(backend=memory_backend)
    with pytest.raises(ValidationError, match="empty"):
        store.set(bad)
    assert memory_backend.calls == []


@pytest.mark.parametrize("bad", ["abc def", "abc\ndef", "abc\x00def", "tökén-123"])
def test_set_refuses_spaces_and_control_characters_inside(
    memory_backend: MemoryKeyring, bad: str
) -> None:
    store = TokenStore(backend=memory_backend)
    with pytest.raises(ValidationError) as info:
        store.set(bad)
    assert bad not in str(info.value) and bad not in repr(info.value)
    assert memory_backend.calls == []


def test_length_limit_follows_windows_credential_manager(memory_backend: MemoryKeyring) -> None:
    store = TokenStore(backend=memory_backend)
    longest = "a" * (MAX_TOKEN_BYTES // 2)  # keyring writes UTF-16 on Windows
    store.set(longest)
    assert store.get() == longest
    too_long = longest + "b"
    with pytest.raises(ValidationError, match="too long") as info:
        store.set(too_long)
    assert too_long not in info.value.full_text()
    assert store.get() == longest  # the stored token is untouched


def test_normalize_token_is_what_set_stores() -> None:
    assert normalize_token(" bearer\tabc.DEF-123_~+/= ") == "abc.DEF-123_~+/="


# -- in-memory keyring backend --------------------------------------------------------


def test_round_trip_with_an_in_memory_backend(memory_backend: MemoryKeyring) -> None:
    store = TokenStore(backend=memory_backend)
    assert store.get() is None
    assert store.kind == "keyring"
    token = _new_token()
    store.set(token)
    assert store.get() == token
    # A second store over the same keyring sees it: it is in the keyring, not the object.
    assert TokenStore(backend=memory_backend).get() == token
    assert store.kind == "keyring"
    assert store.location_description.startswith("Stored in the system keyring (")
    store.clear()
    assert store.get() is None
    assert memory_backend.passwords == {}


def test_service_and_username_are_used(memory_backend: MemoryKeyring) -> None:
    TokenStore("svc-a", "user-a", backend=memory_backend).set("token-a")
    TokenStore("svc-b", backend=memory_backend).set("token-b")
    assert memory_backend.passwords == {
        ("svc-a", "user-a"): "token-a",
        ("svc-b", "api-token"): "token-b",
    }


def test_clear_when_nothing_is_stored_is_fine(memory_backend: MemoryKeyring) -> None:
    store = TokenStore(backend=memory_backend)
    store.clear()
    store.clear()
    assert store.get() is None


def test_clear_reports_a_delete_the_keyring_refused(memory_backend: MemoryKeyring) -> None:
    store = TokenStore(backend=memory_backend)
    token = _new_token()
    store.set(token)

    class Refusing(MemoryKeyring):
        def delete_password(self, service: str, username: str) -> None:
            raise kr_errors.PasswordDeleteError("refused")

    refusing = Refusing()
    refusing.passwords = memory_backend.passwords
    with pytest.raises(StorageError, match="refused to delete") as info:
        TokenStore(backend=refusing).clear()
    assert token not in info.value.full_text()


def test_environment_variable_overrides_the_store(
    memory_backend: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TokenStore(backend=memory_backend)
    stored, from_env = _new_token(), _new_token()
    store.set(stored)
    monkeypatch.setenv(ENV_VAR, f" {from_env} ")
    assert store.get() == from_env
    assert store.kind == "environment"
    assert store.location_description == "From the IDPHOTO_TOKEN environment variable"
    store.clear()  # clears the keyring; the environment is outside the app's reach
    assert memory_backend.passwords == {}
    assert store.get() == from_env
    monkeypatch.delenv(ENV_VAR)
    assert store.get() is None
    assert store.kind == "keyring"


def _dbus_error() -> BaseException:
    from jeepney import DBusAddress, new_error, new_method_call
    from jeepney.wrappers import DBusErrorResponse

    call = new_method_call(
        DBusAddress("/org/freedesktop/secrets", bus_name="org.freedesktop.secrets"), "X"
    )
    return DBusErrorResponse(
        new_error(call, "org.freedesktop.DBus.Error.AccessDenied", "s", ("denied",))
    )


def _keyring_failures() -> list[tuple[str, BaseException, str]]:
    from secretstorage import exceptions as ss

    return [
        ("KeyringLocked", kr_errors.KeyringLocked("Failed to unlock"), "locked"),
        ("LockedException", ss.LockedException("locked"), "locked"),
        ("PromptDismissed", ss.PromptDismissedException("dismissed"), "locked"),
        ("InitError", kr_errors.InitError("Failed to create the collection"), "could not be op"),
        ("NotAvailable", ss.SecretServiceNotAvailableException("no"), "could not be opened"),
        ("ConnectionRefused", ConnectionRefusedError(111, "refused"), "could not be opened"),
        ("SocketMissing", FileNotFoundError(2, "No such file"), "could not be opened"),
        ("PasswordSetError", kr_errors.PasswordSetError("refused"), "refused"),
        ("KeyringError", kr_errors.KeyringError("odd"), "refused"),
        ("SecretStorage", ss.SecretStorageException("odd"), "refused"),
        ("DBusError", _dbus_error(), "refused"),
    ]


@pytest.mark.parametrize(
    ("error", "phrase"),
    [pytest.param(e, p, id=i) for i, e, p in _keyring_failures()],
)
def test_keyring_errors_become_plain_storage_errors(
    memory_backend: MemoryKeyring,
    debug_logs: pytest.LogCaptureFixture,
    error: BaseException,
    phrase: str,
) -> None:
    store = TokenStore(backend=memory_backend)
    token = _new_token()
    memory_backend.fail_with = error
    with pytest.raises(StorageError, match=phrase) as info:
        store.set(token)
    err = info.value
    assert err.hint and "session only" in err.hint
    assert err.__cause__ is None and err.__suppress_context__
    for text in (str(err), repr(err), err.full_text(), debug_logs.text):
        assert token not in text
    assert store.kind == "keyring"  # nothing silently moved to memory
    with pytest.raises(StorageError, match=phrase):
        store.get()
    # The clerk can still work: "use this token for this session only".
    store.set(token, session_only=True)
    assert store.get() == token
    assert store.kind == "memory"
    assert "session only" in store.location_description
    assert memory_backend.passwords == {}


def test_unexpected_errors_are_not_swallowed(memory_backend: MemoryKeyring) -> None:
    memory_backend.fail_with = ZeroDivisionError("a bug, not a keyring problem")
    with pytest.raises(ZeroDivisionError):
        TokenStore(backend=memory_backend).set("abcdef")


def test_no_keyring_error_at_run_time_falls_back_to_memory(
    memory_backend: MemoryKeyring,
) -> None:
    store = TokenStore(backend=memory_backend)
    memory_backend.fail_with = kr_errors.NoKeyringError("no backend")
    assert store.get() is None
    token = _new_token()
    store.set(token)
    assert store.get() == token
    assert store.kind == "memory"
    assert store.location_description == "Kept for this session only: no keyring available"


def test_repr_and_errors_never_show_the_token(memory_backend: MemoryKeyring) -> None:
    store = TokenStore(backend=memory_backend)
    token = _new_token()
    store.set(token)
    session = TokenStore(backend=memory_backend)
    session.set(token, session_only=True)
    for obj in (store, session):
        assert token not in repr(obj) and token not in str(obj)
        assert token not in repr(vars(obj))  # not even in a debugger's locals view
    assert "session_token=set" in repr(session)


def test_token_is_registered_for_log_redaction(
    memory_backend: MemoryKeyring, debug_logs: pytest.LogCaptureFixture
) -> None:
    log_path = setup_logging(level=logging.DEBUG)
    try:
        token = _new_token()
        memory_backend.passwords[("idphoto-desktop", "api-token")] = token
        assert TokenStore(backend=memory_backend).get() == token
        logging.getLogger("idphoto_desktop.test").error("sending Authorization %s", token)
    finally:
        teardown_logging()
    assert log_path is not None
    text = log_path.read_text(encoding="utf-8")
    assert "sending Authorization ***" in text
    assert token not in text


# -- no keyring backend at all --------------------------------------------------------


def test_no_backend_keeps_the_token_in_memory_only(
    private_app_home: Path, debug_logs: pytest.LogCaptureFixture
) -> None:
    log_path = setup_logging(level=logging.DEBUG)
    try:
        store = TokenStore(backend=fail.Keyring())
        assert store.kind == "memory"
        assert store.location_description == "Kept for this session only: no keyring available"
        assert store.get() is None
        token = _new_token()
        store.set(token)
        assert store.get() == token
        assert store.kind == "memory"
        # Session only: a new store (the next start of the app) does not have it.
        assert TokenStore(backend=fail.Keyring()).get() is None
        store.clear()
        assert store.get() is None
    finally:
        teardown_logging()
    assert log_path is not None and log_path.is_file()
    assert "kept for this session only" in debug_logs.text
    assert token not in debug_logs.text
    assert _files_containing(private_app_home, token) == []


def test_choose_backend_without_dbus_means_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/idphoto-test-bus")
    backend = choose_backend()
    assert isinstance(backend, fail.Keyring)
    store = TokenStore()
    assert store.kind == "memory"
    store.set("abcdef-session")
    assert store.get() == "abcdef-session"


def test_real_secret_service_backend_with_a_dead_bus_gives_a_plain_error(
    monkeypatch: pytest.MonkeyPatch, debug_logs: pytest.LogCaptureFixture
) -> None:
    """The real backend, its real failure: the D-Bus socket is gone mid-session."""
    from keyring.backends import SecretService

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/idphoto-test-bus")
    store = TokenStore(backend=SecretService.Keyring())
    token = _new_token()
    with pytest.raises(StorageError, match="could not be opened") as info:
        store.set(token)
    assert isinstance(info.value, IdPhotoError)
    with pytest.raises(StorageError, match="could not be opened"):
        store.get()
    assert token not in debug_logs.text


def test_choose_backend_honours_python_keyring_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    from keyring.backends import null

    assert isinstance(choose_backend(), null.Keyring)
    assert TokenStore().kind == "memory"  # the null keyring stores nothing
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "no.such.Backend")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/idphoto-test-bus")
    assert isinstance(choose_backend(), fail.Keyring)


def test_importing_the_store_does_not_import_keyring() -> None:
    code = textwrap.dedent(
        """
        import sys
        import idphoto_desktop.storage.token_store
        import idphoto_desktop.storage.settings
        import idphoto_desktop.storage.history
        import idphoto_desktop.logsetup
        loaded = sorted(m for m in sys.modules if m.split('.')[0] in
                        {'keyring', 'secretstorage', 'jeepney', 'PySide6'})
        print(loaded)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_backend_must_look_like_a_keyring() -> None:
    with pytest.raises(TypeError):
        TokenStore(backend=object())


# -- the real Secret Service (gnome-keyring) ------------------------------------------


def _require_dbus_session() -> None:
    if os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return
    reason = (
        "no D-Bus session: run inside dbus-run-session with an unlocked gnome-keyring "
        "(see scripts/test.sh)"
    )
    if _in_ci():
        pytest.fail(f"CI=true and {reason}; CI must test the real keyring")
    pytest.skip(reason)


@pytest.fixture
def real_service() -> Iterator[str]:
    """A unique service name in the real Secret Service, removed afterwards."""
    _require_dbus_session()
    import keyring
    from keyring.backends import SecretService

    backend = keyring.get_keyring()
    chained = getattr(backend, "backends", [])
    if not isinstance(backend, SecretService.Keyring) and not any(
        isinstance(b, SecretService.Keyring) for b in chained
    ):
        pytest.fail(
            f"a D-Bus session exists but keyring.get_keyring() is {backend!r}, "
            "not the Secret Service: is gnome-keyring running and unlocked?"
        )
    service = f"idphoto-desktop-test-{uuid.uuid4().hex}"
    probe = secrets.token_hex(8)
    try:
        keyring.set_password(service, "probe", probe)
        assert keyring.get_password(service, "probe") == probe
        keyring.delete_password(service, "probe")
    except Exception as err:
        pytest.fail(f"Secret Service round trip failed: {type(err).__name__}: {err}")
    yield service
    for user in ("api-token", "probe"):
        try:
            keyring.delete_password(service, user)
        except kr_errors.PasswordDeleteError:
            pass


@pytest.mark.keyring
def test_choose_backend_picks_the_secret_service(real_service: str) -> None:
    from keyring.backends import SecretService

    assert isinstance(choose_backend(), SecretService.Keyring)


@pytest.mark.keyring
def test_real_keyring_round_trip(
    real_service: str, private_app_home: Path, debug_logs: pytest.LogCaptureFixture
) -> None:
    import keyring

    log_path = setup_logging(level=logging.DEBUG)
    try:
        store = TokenStore(real_service)
        assert store.get() is None
        assert store.kind == "keyring"
        assert store.location_description == "Stored in the system keyring (Secret Service)"
        token = _new_token()
        store.set(f" {token}\n")
        assert store.get() == token
        # Really in the Secret Service: keyring itself and another process read it back.
        assert keyring.get_password(real_service, "api-token") == token
        code = (
            "import sys; from idphoto_desktop.storage.token_store import TokenStore; "
            "sys.stdout.write('ok' if TokenStore(sys.argv[1]).get() == sys.argv[2] else 'no')"
        )
        child = subprocess.run(
            [sys.executable, "-c", code, real_service, token],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert child.stdout == "ok", child.stderr
        assert token not in child.stderr
        store.clear()
        assert store.get() is None
        assert keyring.get_password(real_service, "api-token") is None
        store.clear()  # nothing left to delete: still fine
    finally:
        teardown_logging()
    assert log_path is not None and log_path.is_file()
    assert "saved in the system keyring (Secret Service)" in log_path.read_text("utf-8")
    assert token not in debug_logs.text
    assert token not in repr(store)
    assert _files_containing(private_app_home, token) == []
    keyrings = Path(os.environ.get("XDG_DATA_HOME", "/nonexistent")) / "keyrings"
    if keyrings.is_dir():  # gnome-keyring encrypts its file: no plaintext copy there
        assert _files_containing(keyrings, token) == []


@pytest.mark.keyring
def test_real_keyring_overwrite_keeps_one_entry(real_service: str) -> None:
    import keyring

    store = TokenStore(real_service)
    first, second = _new_token(), _new_token()
    store.set(first)
    store.set(second)
    assert store.get() == second
    store.clear()
    assert keyring.get_password(real_service, "api-token") is None


@pytest.mark.keyring
def test_real_gnome_keyring_that_is_not_unlocked_gives_a_plain_error(tmp_path: Path) -> None:
    """A fresh D-Bus session whose gnome-keyring was never unlocked (no display to ask)."""
    tools = [shutil.which("dbus-run-session"), shutil.which("gnome-keyring-daemon")]
    if None in tools:
        reason = "dbus-run-session or gnome-keyring-daemon is not installed"
        if _in_ci():
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)
    token = _new_token()
    code = textwrap.dedent(
        """
        import sys
        from idphoto_desktop.core.errors import StorageError
        from idphoto_desktop.storage.token_store import TokenStore
        store = TokenStore("idphoto-desktop-locked-test")
        try:
            store.set(sys.argv[1])
        except StorageError as err:
            print("KIND", store.kind)
            print("ERROR", err.full_text())
        else:
            print("STORED")
        """
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "WAYLAND_DISPLAY"}}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["XDG_RUNTIME_DIR"] = str(tmp_path / "run")
    (tmp_path / "run").mkdir(mode=0o700)
    result = subprocess.run(
        ["dbus-run-session", "--", sys.executable, "-W", "ignore", "-c", code, token],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "KIND keyring" in result.stdout, result.stdout + result.stderr
    assert "ERROR The system keyring could not be opened" in result.stdout
    assert token not in result.stdout + result.stderr
    assert _files_containing(tmp_path, token) == []
