"""The API token, kept in the operating system's keyring and nowhere else.

``keyring`` is wrapped so that the rest of the app sees three calls (get, set, clear), a
plain :class:`StorageError` when the keyring refuses, and a sentence saying where the
token lives. With no keyring at all the token is kept in memory for the session only:
never in a settings file, a log or the history. ``IDPHOTO_TOKEN`` in the environment
overrides the store, for scripts.

``keyring`` is imported on first use (it costs about 55 ms at start-up).
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar, cast

from idphoto_desktop.core.errors import StorageError, ValidationError
from idphoto_desktop.core.secret import Secret, has_control, normalise
from idphoto_desktop.logsetup import register_secret

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

log = logging.getLogger(__name__)

ENV_VAR = "IDPHOTO_TOKEN"
DEFAULT_SERVICE = "idphoto-desktop"
DEFAULT_USERNAME = "api-token"
MAX_TOKEN_BYTES = 2560
"""Windows Credential Manager's blob limit (CRED_MAX_CREDENTIAL_BLOB_SIZE). keyring
writes the blob as UTF-16, so an ASCII token may have at most 1280 characters."""

_BEARER_PREFIX = re.compile(r"(?i)bearer(?:\s+|$)")

TokenKind = Literal["keyring", "memory", "environment"]

_FRIENDLY_NAMES = {
    "SecretService": "Secret Service",
    "libsecret": "Secret Service",
    "kwallet": "KWallet",
    "Windows": "Windows Credential Manager",
    "macOS": "macOS Keychain",
}

_T = TypeVar("_T")


class _Backend(Protocol):
    """What the store needs from a keyring backend (``keyring.backend.KeyringBackend``)."""

    def get_password(self, service: str, username: str) -> str | None: ...

    def set_password(self, service: str, username: str, password: str) -> None: ...

    def delete_password(self, service: str, username: str) -> None: ...


def _backend_candidates() -> list[str]:
    """The platform's real keyrings, best first, named explicitly.

    keyring normally discovers backends through package entry points, which a frozen
    (PyInstaller) build may not carry; naming them here works in both.
    """
    if sys.platform == "win32":
        return ["keyring.backends.Windows.WinVaultKeyring"]
    if sys.platform == "darwin":
        return ["keyring.backends.macOS.Keyring"]
    return [
        "keyring.backends.SecretService.Keyring",
        "keyring.backends.kwallet.DBusKeyring",
        "keyring.backends.libsecret.Keyring",
    ]


def choose_backend() -> KeyringBackend:
    """The keyring backend to use, chosen explicitly (frozen-build friendly).

    ``PYTHON_KEYRING_BACKEND`` (keyring's own variable, a dotted class name) wins when it
    names a viable backend; otherwise the platform's keyring if it answers; otherwise
    ``keyring.backends.fail.Keyring``, which the store treats as "no keyring: keep the
    token in memory". Never a plaintext-file backend. It does not change keyring's
    global default; call ``keyring.set_keyring(choose_backend())`` for that.
    """
    import keyring.core
    from keyring.backends import fail

    configured = os.environ.get("PYTHON_KEYRING_BACKEND")
    if configured:
        try:
            backend = keyring.core.load_keyring(configured)
        except (ImportError, AttributeError, ValueError, RuntimeError) as err:
            log.warning("PYTHON_KEYRING_BACKEND=%s is not usable: %s", configured, err)
        else:
            log.info("Keyring backend from PYTHON_KEYRING_BACKEND: %s", _backend_name(backend))
            return backend
    for dotted in _backend_candidates():
        try:
            backend = keyring.core.load_keyring(dotted)
        except (ImportError, AttributeError, RuntimeError) as err:
            log.debug("Keyring backend %s not usable: %s", dotted, err)
            continue
        except Exception as err:  # a third-party probe may fail in any way
            log.debug("Keyring backend %s failed its probe: %r", dotted, err)
            continue
        log.info("Keyring backend: %s", _backend_name(backend))
        return backend
    log.info("No keyring backend available: the API token is kept for the session only")
    return fail.Keyring()  # type: ignore[no-untyped-call]


def _backend_name(backend: object) -> str:
    module = type(backend).__module__.rsplit(".", 1)[-1]
    return _FRIENDLY_NAMES.get(module, f"{module}.{type(backend).__name__}")


def _is_no_backend(backend: object) -> bool:
    """True for keyring's placeholder backends, which store nothing."""
    from keyring.backends import fail, null

    return isinstance(backend, fail.Keyring | null.Keyring)


def normalize_token(token: str) -> str:
    """The token as it will be stored, or a :class:`ValidationError` saying what is wrong.

    Spaces and line breaks around it are removed (they come with copy and paste), as is
    a pasted ``Bearer`` prefix; spaces or control characters inside are refused, since
    the token goes into an HTTP header.
    """
    if not isinstance(token, str):
        raise ValidationError("The API token must be text.")
    # Pasted text may carry full-width letters or zero-width spaces: normalise first.
    value = normalise(token).strip()
    if has_control(token.strip()):
        value += "\n"  # refused below: a control character inside the token
    prefix = _BEARER_PREFIX.match(value)
    if prefix:
        value = value[prefix.end() :].strip()
    if not value:
        raise ValidationError(
            "The API token is empty.", hint="Paste the token from the provider's account page."
        )
    size = len(value.encode("utf-16-le"))
    if size > MAX_TOKEN_BYTES:
        raise ValidationError(
            f"The API token is too long ({len(value)} characters; at most "
            f"{MAX_TOKEN_BYTES // 2} can be stored).",
            hint="Check that only the token was pasted.",
        )
    if any(ch.isspace() or not ch.isprintable() or not ch.isascii() for ch in value):
        raise ValidationError(
            "The API token contains spaces, line breaks or characters that are not plain "
            "letters, digits or punctuation.",
            hint="Paste only the token itself.",
        )
    return value


def _error_classes() -> dict[str, tuple[type[BaseException], ...]]:
    """keyring, secretstorage and D-Bus error classes, by what they mean to the clerk.

    Looked up lazily (keyring is imported on first use, secretstorage and jeepney exist
    only on Linux).
    """
    from keyring import errors as kr

    no_backend: list[type[BaseException]] = [kr.NoKeyringError]
    locked: list[type[BaseException]] = [kr.KeyringLocked]
    # jeepney raises OSError (FileNotFoundError, ConnectionRefusedError...) when the
    # D-Bus socket is gone.
    unreachable: list[type[BaseException]] = [kr.InitError, OSError]
    refused: list[type[BaseException]] = [
        kr.PasswordSetError,
        kr.PasswordDeleteError,
        kr.KeyringError,
    ]
    try:
        from secretstorage import exceptions as ss
    except ImportError:
        pass
    else:
        locked += [ss.LockedException, ss.PromptDismissedException]
        unreachable.append(ss.SecretServiceNotAvailableException)
        refused.append(ss.SecretStorageException)
    try:
        from jeepney.wrappers import DBusErrorResponse
    except ImportError:
        pass
    else:
        refused.append(DBusErrorResponse)
    return {
        "no_backend": tuple(no_backend),
        "locked": tuple(locked),
        "unreachable": tuple(unreachable),
        "refused": tuple(refused),
    }


class _NoBackend(Exception):
    """Internal: the keyring says it has no backend; switch to session memory."""


class TokenStore:
    """The API token: keyring first, session memory when there is no keyring.

    ``backend`` is a ``keyring`` backend object (tests pass an in-memory one);
    by default :func:`choose_backend` picks one on first use. Thread-safe. Read the
    token on the GUI thread and hand it to the worker.
    """

    def __init__(
        self,
        service: str = DEFAULT_SERVICE,
        username: str = DEFAULT_USERNAME,
        *,
        backend: object | None = None,
    ) -> None:
        if backend is not None and not all(
            callable(getattr(backend, name, None))
            for name in ("get_password", "set_password", "delete_password")
        ):
            raise TypeError("backend must be a keyring backend")
        self.service = service
        self.username = username
        self._backend: _Backend | None = cast("_Backend | None", backend)
        self._memory_only = False
        self._memory_reason = ""
        self._session: Secret | None = None
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        backend = "unresolved" if self._backend is None else _backend_name(self._backend)
        return (
            f"TokenStore(service={self.service!r}, username={self.username!r}, "
            f"backend={backend!r}, session_token={'set' if self._session else 'unset'})"
        )

    __str__ = __repr__

    # -- reading --------------------------------------------------------------------

    def get(self) -> str | None:
        """The token to use, or None when none is set.

        ``IDPHOTO_TOKEN`` wins, then a token kept for this session, then the keyring.
        Raises :class:`StorageError` when the keyring is locked or unreachable.
        """
        env = os.environ.get(ENV_VAR, "").strip()
        if env:
            register_secret(env)
            return env
        with self._lock:
            if self._session is not None:
                return self._session.reveal()
            backend = self._resolved()
            if backend is None:
                return None
            try:
                value = self._call(backend.get_password, "read")
            except _NoBackend:
                return None
        if value is None:
            return None
        value = value.strip()
        if not value:
            return None
        register_secret(value)
        return value

    @property
    def kind(self) -> TokenKind:
        """Where :meth:`get` takes the token from now."""
        if os.environ.get(ENV_VAR, "").strip():
            return "environment"
        with self._lock:
            if self._session is not None or self._resolved() is None:
                return "memory"
        return "keyring"

    @property
    def location_description(self) -> str:
        """One sentence for the Preferences dialog and ``idphoto token status``."""
        kind = self.kind
        if kind == "environment":
            return f"From the {ENV_VAR} environment variable"
        if kind == "memory":
            reason = self._memory_reason or "no keyring available"
            return f"Kept for this session only: {reason}"
        with self._lock:
            backend = self._resolved()
        if backend is None:  # another thread just found the keyring gone
            return f"Kept for this session only: {self._memory_reason or 'no keyring available'}"
        return f"Stored in the system keyring ({_backend_name(backend)})"

    # -- writing --------------------------------------------------------------------

    def set(self, token: str, *, session_only: bool = False) -> None:
        """Store ``token`` (validated by :func:`normalize_token`) in the keyring.

        With no keyring, or with ``session_only`` (the window's "use for this session"
        answer to a locked keyring), the token is kept in memory until the app quits.
        Raises :class:`ValidationError` for a bad token and :class:`StorageError` when
        the keyring refuses; nothing is kept then.
        """
        value = normalize_token(token)
        register_secret(value)
        with self._lock:
            if session_only:
                self._session = Secret(value)
                self._memory_reason = "not saved in the keyring, as chosen"
                return
            backend = self._resolved()
            if backend is None:
                self._session = Secret(value)
                return
            try:
                self._call(lambda s, u: backend.set_password(s, u, value), "save")
            except _NoBackend:
                self._session = Secret(value)
                return
            self._session = None
            self._memory_reason = ""
        log.info("API token saved in the system keyring (%s)", _backend_name(backend))

    def clear(self) -> None:
        """Forget the token: the session copy and the keyring entry (absent is fine).

        ``IDPHOTO_TOKEN`` is outside the app's reach; :attr:`kind` still says
        "environment" while it is set.
        """
        with self._lock:
            self._session = None
            if not self._memory_only:
                self._memory_reason = ""
            backend = self._resolved()
            if backend is None:
                return
            try:
                self._call(backend.delete_password, "delete")
            except _NoBackend:
                return
            except StorageError:
                # keyring reports "no such password" as PasswordDeleteError: only an
                # entry that is still there afterwards is a real failure.
                try:
                    still_there = self._call(backend.get_password, "read")
                except _NoBackend:
                    return
                if still_there is not None:
                    raise
        log.info("API token cleared from the system keyring")

    # -- internals ------------------------------------------------------------------

    def _resolved(self) -> _Backend | None:
        """The keyring backend, or None when the token lives in session memory only."""
        if self._memory_only:
            return None
        if self._backend is None:
            self._backend = cast(_Backend, choose_backend())
        if _is_no_backend(self._backend):
            self._go_memory_only("no keyring available")
            return None
        return self._backend

    def _go_memory_only(self, reason: str) -> None:
        if not self._memory_only:
            log.warning("No usable keyring: the API token is kept for this session only")
        self._memory_only = True
        self._memory_reason = reason

    def _call(self, operation: Callable[[str, str], _T], verb: str) -> _T:
        """Run one keyring operation, turning its errors into plain messages.

        Exceptions are matched by class, never by text; the message names what failed
        and never includes the token or the original exception's text.
        """
        classes = _error_classes()
        try:
            return operation(self.service, self.username)
        except classes["no_backend"] as err:
            log.warning("Keyring has no backend (%s: %s)", type(err).__name__, err)
            self._go_memory_only("no keyring available")
            raise _NoBackend from None
        except classes["locked"] as err:
            log.warning("Keyring locked during %s (%s: %s)", verb, type(err).__name__, err)
            raise StorageError(
                f"The system keyring is locked, so the API token could not be {_past(verb)}.",
                hint="Unlock the keyring (log in to the desktop again) and retry, "
                "or use the token for this session only.",
            ) from None
        except classes["unreachable"] as err:
            log.warning("Keyring unreachable during %s (%s: %s)", verb, type(err).__name__, err)
            raise StorageError(
                f"The system keyring could not be opened, so the API token could not be "
                f"{_past(verb)}.",
                hint="Check that the desktop's keyring service is running, "
                "or use the token for this session only.",
            ) from None
        except classes["refused"] as err:
            log.warning("Keyring refused %s (%s: %s)", verb, type(err).__name__, err)
            raise StorageError(
                f"The system keyring refused to {verb} the API token.",
                hint="Check the keyring's settings, or use the token for this session only.",
            ) from None


def _past(verb: str) -> str:
    return {"read": "read", "save": "saved", "delete": "deleted"}.get(verb, verb)
