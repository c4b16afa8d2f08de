"""The API token in a password-protected encrypted file, for computers with no keyring.

Why: without a system keyring the token lasts only until the app quits, so the clerk
types it again at every start. The clerk may choose instead (never by default) to keep
it in a file encrypted with a password of their choice: ``keyrings.cryptfile``
(AES-GCM, key from the password by Argon2id), a maintained keyring backend, never a
plain-text token. The password is asked at each start and never stored.

The key derivation is slow on purpose (seconds): :meth:`EncryptedTokenFile.open` and
the first write run on a worker thread; once open, :class:`UnlockedTokenFile` answers
reads from memory and writes through in the background, so the window never waits.
It is a keyring backend (``get_password``/``set_password``/``delete_password``) that
:meth:`storage.token_store.TokenStore.use_backend` takes in place of the keyring.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from idphoto_desktop.core.errors import StorageError, ValidationError
from idphoto_desktop.core.oswords import reason
from idphoto_desktop.core.secret import Secret
from idphoto_desktop.logsetup import register_secret

if TYPE_CHECKING:
    from keyrings.cryptfile.cryptfile import CryptFileKeyring

log = logging.getLogger(__name__)

FILE_NAME = "api-token.cryptfile.cfg"
MIN_PASSWORD = 8
SERVICE = "idphoto-desktop"
USERNAME = "api-token"


class EncryptedTokenFile:
    """Where the encrypted file lives and how it is opened.

    ``time_cost``/``memory_cost`` are Argon2's (tests pass small ones; a file must be
    opened with the costs it was made with, so the app always uses the defaults).
    """

    # None: keyrings.cryptfile's own defaults (Argon2id, time 15, 64 MB). Tests lower them.
    time_cost_default: int | None = None
    memory_cost_default: int | None = None

    def __init__(
        self,
        path: Path | None = None,
        *,
        time_cost: int | None = None,
        memory_cost: int | None = None,
    ) -> None:
        if path is None:
            from idphoto_desktop.storage.paths import data_dir

            path = data_dir() / FILE_NAME
        self.path = path
        self._time_cost = time_cost if time_cost is not None else self.time_cost_default
        self._memory_cost = memory_cost if memory_cost is not None else self.memory_cost_default

    def exists(self) -> bool:
        return self.path.is_file()

    def _backend(self) -> CryptFileKeyring:
        from keyrings.cryptfile.cryptfile import CryptFileKeyring

        backend = CryptFileKeyring()
        backend.file_path = str(self.path)
        if self._time_cost is not None:
            backend.time_cost = self._time_cost
        if self._memory_cost is not None:
            backend.memory_cost = self._memory_cost
        return backend

    def open(self, password: str, *, create: bool = False) -> UnlockedTokenFile:
        """Unlock the file with ``password`` (slow: call from a worker).

        With ``create`` a new file is made when none exists (the password must then be
        at least :data:`MIN_PASSWORD` characters). Raises :class:`StorageError` for a
        wrong password or an unreadable file, :class:`ValidationError` for a weak one.
        """
        if not password or not password.strip():
            raise ValidationError("Type the password of the encrypted token file.")
        if not self.exists():
            if not create:
                raise StorageError(
                    f"There is no encrypted token file at {self.path}.",
                    hint="Keep the token in an encrypted file first.",
                )
            if len(password) < MIN_PASSWORD:
                raise ValidationError(
                    f"Choose a password of at least {MIN_PASSWORD} characters for the "
                    "encrypted token file."
                )
            self.path.parent.mkdir(parents=True, exist_ok=True)
        from argon2.exceptions import HashingError

        backend = self._backend()
        try:
            backend.keyring_key = password  # makes the file, or checks the password
            token = backend.get_password(SERVICE, USERNAME)
        except HashingError as err:
            raise StorageError(
                f"The encrypted token file could not be opened ({type(err).__name__})."
            ) from None
        except ValueError:
            raise StorageError(
                "The password of the encrypted token file is not right.",
                hint="Type it again, or enter the API token again in Preferences.",
            ) from None
        except OSError as err:
            raise StorageError(
                f"The encrypted token file {self.path} could not be used: {reason(err)}."
            ) from None
        if self.path.exists():
            self.path.chmod(0o600)
        if token:
            register_secret(token)
        return UnlockedTokenFile(backend, token, self.path)

    def delete(self) -> None:
        """Remove the file (the clerk forgot the password, or stops using it)."""
        self.path.unlink(missing_ok=True)


class UnlockedTokenFile:
    """An open encrypted file: a keyring backend answering from memory."""

    def __init__(self, backend: CryptFileKeyring, token: str | None, path: Path) -> None:
        self._backend = backend
        self._token = Secret(token) if token else None
        self.path = path
        self._lock = threading.Lock()
        self._writer: threading.Thread | None = None
        self.last_error: str = ""

    def __repr__(self) -> str:
        return f"UnlockedTokenFile({self.path}, token={'set' if self._token else 'unset'})"

    # -- keyring backend ------------------------------------------------------------
    def get_password(self, service: str, username: str) -> str | None:
        with self._lock:
            return self._token.reveal() if self._token is not None else None

    def set_password(self, service: str, username: str, password: str) -> None:
        """Kept in memory at once; written to the file in the background (seconds)."""
        with self._lock:
            self._token = Secret(password)
        self._write(password)

    def delete_password(self, service: str, username: str) -> None:
        with self._lock:
            self._token = None
        self._write(None)

    # -- writing --------------------------------------------------------------------
    def write_now(self, token: str | None) -> None:
        """Write synchronously (a worker's job: the key derivation takes seconds)."""
        with self._lock:
            self._token = Secret(token) if token else None
        self._store(token)

    def _store(self, token: str | None) -> None:
        try:
            if token is None:
                try:
                    self._backend.delete_password(SERVICE, USERNAME)
                except Exception as err:  # keyring's "no such password" is not a failure
                    log.debug("Encrypted token file: nothing to delete (%s)", type(err).__name__)
            else:
                self._backend.set_password(SERVICE, USERNAME, token)
            self.last_error = ""
        except (OSError, ValueError) as err:
            self.last_error = type(err).__name__
            log.error("The encrypted token file could not be written (%s)", type(err).__name__)

    def _write(self, token: str | None) -> None:
        previous = self._writer

        def run() -> None:
            if previous is not None:
                previous.join()
            self._store(token)

        self._writer = threading.Thread(target=run, name="token-file-writer", daemon=False)
        self._writer.start()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait for a background write; True when none is pending."""
        writer = self._writer
        if writer is not None:
            writer.join(timeout)
            return not writer.is_alive()
        return True
