"""The shared history's database address, and its password kept like the API token.

The address (``postgresql://user@host:5432/idphoto``) lives in the ``database_url``
setting, or in ``IDPHOTO_DATABASE_URL`` for scripts; the password never does: it is
moved into the system keyring (service ``idphoto-desktop``, user ``database:<address>``)
and registered with :mod:`idphoto_desktop.logsetup` so that no log line, exception or
crash report can show it. A password written in ``IDPHOTO_DATABASE_URL`` is used as it
is (like ``IDPHOTO_TOKEN``) and registered too. libpq's own ``PGPASSWORD`` and
``~/.pgpass`` keep working when neither holds one.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from idphoto_desktop.core.errors import StorageError, ValidationError
from idphoto_desktop.core.secret import Secret
from idphoto_desktop.logsetup import register_secret

log = logging.getLogger(__name__)

ENV_VAR = "IDPHOTO_DATABASE_URL"
KEYRING_SERVICE = "idphoto-desktop"
_SCHEMES = ("postgresql", "postgres")


@dataclass(frozen=True)
class DatabaseAddress:
    """Where the shared history is: ``url`` has no password; ``password`` is kept apart."""

    url: str
    password: Secret | None = None

    def connect_kwargs(self) -> dict[str, str]:
        """Keyword arguments for ``psycopg.connect(self.url, **kwargs)``."""
        return {} if self.password is None else {"password": self.password.reveal()}

    @property
    def display(self) -> str:
        """Safe to show and log: user, host, port and database only."""
        parts = urlsplit(self.url)
        host = parts.hostname or dict(parse_qsl(parts.query)).get("host", "local socket")
        port = f":{parts.port}" if parts.port else ""
        user = f"{unquote(parts.username)}@" if parts.username else ""
        return f"{user}{host}{port}{parts.path or '/'}"


def split_password(url: str) -> tuple[str, str | None]:
    """``url`` without its password (in the user part or ``?password=``), and the password.

    Raises :class:`ValidationError` for something that is not a PostgreSQL address.
    """
    text = url.strip()
    try:
        parts = urlsplit(text)
        _ = parts.port
    except ValueError:
        raise ValidationError("The database address is not a valid address.") from None
    if parts.scheme not in _SCHEMES:
        raise ValidationError(
            "The database address must start with postgresql://",
            hint="For example postgresql://idphoto@192.168.1.10:5432/idphoto",
        )
    password = unquote(parts.password) if parts.password is not None else None
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = []
    for key, value in query:
        if key == "password":
            password = value
        else:
            kept.append((key, value))
    netloc = parts.hostname or ""
    if ":" in netloc:  # an IPv6 address
        netloc = f"[{netloc}]"
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    if parts.username:
        netloc = f"{quote(unquote(parts.username), safe='')}@{netloc}"
    clean = urlunsplit((parts.scheme, netloc, parts.path, urlencode(kept), ""))
    if password:
        register_secret(password)
    return clean, password or None


def keyring_user(url: str) -> str:
    return f"database:{url}"


def _backend() -> object:
    from idphoto_desktop.storage.token_store import choose_backend

    return choose_backend()


def read_password(url: str) -> str | None:
    """The password kept for ``url`` in the keyring, or None (none kept, or no keyring)."""
    backend = _backend()
    try:
        value = backend.get_password(KEYRING_SERVICE, keyring_user(url))  # type: ignore[attr-defined]
    except Exception as err:  # any keyring failure: connect without, libpq may know one
        log.warning("The database password could not be read from the keyring: %s",
                    type(err).__name__)
        return None
    if value:
        register_secret(value)
    return value or None


def store_password(url: str, password: str) -> None:
    """Keep ``password`` for ``url`` in the keyring; :class:`StorageError` when it cannot."""
    from keyring.backends import fail, null

    register_secret(password)
    backend = _backend()
    if isinstance(backend, fail.Keyring | null.Keyring):
        raise StorageError(
            "No system keyring is available, so the database password cannot be kept.",
            hint="Use a keyring, ~/.pgpass, or IDPHOTO_DATABASE_URL for scripts.",
        )
    try:
        backend.set_password(KEYRING_SERVICE, keyring_user(url), password)  # type: ignore[attr-defined]
    except Exception as err:
        raise StorageError(
            f"The keyring refused to keep the database password ({type(err).__name__})."
        ) from None


def forget_password(url: str) -> None:
    backend = _backend()
    try:
        backend.delete_password(KEYRING_SERVICE, keyring_user(url))  # type: ignore[attr-defined]
    except Exception as err:  # absent is fine
        log.debug("No database password removed: %s", type(err).__name__)


def configured_address(setting: str | None) -> DatabaseAddress | None:
    """The shared database to use: ``IDPHOTO_DATABASE_URL``, else the setting, else None."""
    env = os.environ.get(ENV_VAR, "").strip()
    text = env or (setting or "").strip()
    if not text:
        return None
    url, password = split_password(text)
    if password is None:
        password = read_password(url)
    return DatabaseAddress(url, Secret(password) if password else None)
