"""The app's settings: one table of typed defaults, one JSON file, no Qt, no token.

Each setting is a :class:`Field` on :class:`Settings`, so the class body is the single
table of names, defaults and checks, and ``settings.api_url`` is typed for mypy. The
file (``paths.settings_path()``) is rewritten atomically (temporary file, then
``os.replace``) on every change, so a crash leaves the old file or the new one, never
half of one. A damaged file is kept as ``settings.json.bad-<time>`` (never replacing an
earlier one) and the defaults are used: nothing on disk can stop the app starting.

The token never goes here: keys that look like a secret are refused, and values that
contain a registered secret (see :mod:`idphoto_desktop.logsetup`) are refused too.
"""

from __future__ import annotations

import binascii
import datetime as _dt
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar, cast, overload
from urllib.parse import urlsplit

from idphoto_desktop.core.errors import StorageError, ValidationError
from idphoto_desktop.core.i18n import N_
from idphoto_desktop.core.job import MAX_SIDE, MIN_SIDE, OutputFormat
from idphoto_desktop.core.netaddr import is_loopback_host
from idphoto_desktop.core.oswords import reason
from idphoto_desktop.core.readfile import read_regular_file
from idphoto_desktop.logsetup import contains_secret
from idphoto_desktop.storage import paths

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
VERSION_KEY = "version"
MAX_RECENT_PRESETS = 10
MAX_SETTINGS_BYTES = 1024 * 1024
"""A settings file is about 1 KB; beyond 1 MB it is not ours (or is damaged)."""
_TOKEN_SHAPE = re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}")  # the provider's tokens: "sk-xxxx"
_SECRET_KEY = re.compile(r"(?i)(token|secret|passw(or)?d|api[_-]?key|credential|bearer)")

T = TypeVar("T")
EngineName = Literal["offline", "cloud"]
SyncMode = Literal["sync", "async"]
SheetPaper = Literal["4x6", "10x15", "5x7", "a4", "letter"]
ChangeListener = Callable[[str, object], None]
"""Called with (key, new value) after a change is saved, in the thread that changed it."""


def looks_like_secret_key(key: str) -> bool:
    """True for names such as ``token``, ``api_key``, ``client_secret``, ``password``."""
    return bool(_SECRET_KEY.search(key))


# -- value checks: each turns a JSON value into the typed value or raises ValueError ----


def _check_str(max_len: int, pattern: str | None = None) -> Callable[[object], str]:
    compiled = re.compile(pattern) if pattern else None

    def check(value: object) -> str:
        if not isinstance(value, str):
            raise ValueError(N_("must be text"))
        if len(value) > max_len:
            raise ValueError(N_(f"must be at most {max_len} characters"))
        if compiled is not None and value and not compiled.fullmatch(value):
            raise ValueError(N_("has an unexpected form"))
        return value

    return check


def _check_optional_str(max_len: int, pattern: str) -> Callable[[object], str | None]:
    inner = _check_str(max_len, pattern)

    def check(value: object) -> str | None:
        if value is None or value == "":
            return None
        return inner(value)

    return check


def _check_choice(*options: str) -> Callable[[object], Any]:
    def check(value: object) -> Any:
        if value not in options:
            raise ValueError(N_(f"must be one of {', '.join(options)}"))
        return value

    return check


def _check_int(lo: int, hi: int) -> Callable[[object], int]:
    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(N_("must be a whole number"))
        if not lo <= value <= hi:
            raise ValueError(N_(f"must be between {lo} and {hi}"))
        return value

    return check


def _check_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(N_("must be true or false"))
    return value


def _check_format(value: object) -> OutputFormat:
    try:
        return OutputFormat(str(value).lower())
    except ValueError:
        raise ValueError(N_("must be png or jpg")) from None


def _check_color(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(N_("must be six hexadecimal digits such as FFFFFF"))
    text = value.strip().removeprefix("#").upper()
    if not re.fullmatch(r"[0-9A-F]{6}", text):
        raise ValueError(N_("must be six hexadecimal digits such as FFFFFF"))
    return text


def _check_url(value: object) -> str:
    """https, or http to this computer only (the sandbox); no user name or password."""
    if not isinstance(value, str) or len(value) > 2000:
        raise ValueError(N_("must be a web address"))
    text = value.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(N_("must start with https://"))
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ValueError(N_("must use https:// (http:// only for this computer)"))
    if parts.username or parts.password:
        raise ValueError(N_("must not contain a user name or password"))
    if parts.query or parts.fragment:
        raise ValueError(N_("must not contain '?' or '#' parts"))
    return text


def _check_base64(value: object) -> str:
    if not isinstance(value, str) or len(value) > 65536:
        raise ValueError(N_("must be base64 text"))
    try:
        binascii.a2b_base64(value.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError(N_("must be base64 text")) from None
    return value


def _check_database_url(value: object) -> str:
    """'' (this counter's own history) or a postgresql:// address without a password."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or len(value) > 2000:
        raise ValueError(N_("must be a postgresql:// address"))
    from idphoto_desktop.storage.db_url import split_password

    try:
        url, password = split_password(value)
    except ValidationError:
        raise ValueError(N_("must be a postgresql:// address")) from None
    if password is not None:
        raise ValueError(N_("must not contain a password (it is kept in the keyring)"))
    return url


_PRESET_ID = r"\S{1,100}"


def _check_presets(value: object) -> list[str]:
    if not isinstance(value, list):
        raise ValueError(N_("must be a list of preset ids"))
    check = _check_str(100, _PRESET_ID)
    result: list[str] = []
    for item in value:
        item = check(item)
        if item and item not in result:
            result.append(item)
    return result[:MAX_RECENT_PRESETS]


_PAPERS = ("4x6", "10x15", "5x7", "a4", "letter")
MAX_PRINT_CHOICES = 200


def _check_print_choices(value: object) -> dict[str, dict[str, Any]]:
    """Per preset: the printer, paper and copies the sheet was last printed with."""
    if not isinstance(value, dict):
        raise ValueError(N_("must map preset ids to printer choices"))
    preset_id, printer = _check_str(100, _PRESET_ID), _check_str(200)
    paper, copies = _check_choice(*_PAPERS), _check_int(0, 100)
    result: dict[str, dict[str, Any]] = {}
    for key, choice in list(value.items())[:MAX_PRINT_CHOICES]:
        if not isinstance(choice, dict):
            raise ValueError(N_("each printer choice must be a table"))
        result[preset_id(key)] = {
            "printer": printer(choice.get("printer", "")),
            "paper": paper(choice.get("paper", "4x6")),
            "copies": copies(choice.get("copies", 0)),
        }
    return result


# -- the table ------------------------------------------------------------------------


class Field(Generic[T]):
    """One setting: its default, its check, and typed attribute access on Settings."""

    def __init__(self, default: T, check: Callable[[object], T], doc: str) -> None:
        self.default = default
        self.check = check
        self.doc = doc
        self.key = ""

    def __set_name__(self, owner: type, name: str) -> None:
        if looks_like_secret_key(name):  # the table itself must never hold a secret
            raise TypeError(f"setting {name!r} looks like a secret; secrets go to the keyring")
        self.key = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Field[T]: ...

    @overload
    def __get__(self, obj: Settings, owner: type | None = None) -> T: ...

    def __get__(self, obj: Settings | None, owner: type | None = None) -> Field[T] | T:
        if obj is None:
            return self
        return cast(T, obj.get(self.key))

    def __set__(self, obj: Settings, value: T) -> None:
        obj.set(self.key, value)

    def fresh_default(self) -> T:
        """The default (a copy, for lists and tables)."""
        default = self.default
        if isinstance(default, dict):
            return cast(T, dict(default))
        return cast(T, list(default)) if isinstance(default, list) else default


class Settings:
    """The app's settings, loaded at construction and saved on every change.

    Pass the one instance into the window and its dialogs (not a global). Thread-safe;
    listeners run after the file is written, in the thread that made the change.
    """

    api_url: Field[str] = Field("https://api.gpt.ge", _check_url, "Provider base URL")
    engine: Field[EngineName] = Field(
        "offline", _check_choice("offline", "cloud"), "Engine: offline (free) or cloud (paid)"
    )
    sync_mode: Field[SyncMode] = Field(
        "sync", _check_choice("sync", "async"), "Cloud calls: wait for the reply, or poll"
    )
    preset_id: Field[str | None] = Field(
        None, _check_optional_str(100, _PRESET_ID), "Chosen preset; None for a custom size"
    )
    # A custom size's starting value: 600x600 is the 2x2 in US photo at 300 DPI.
    custom_width: Field[int] = Field(600, _check_int(MIN_SIDE, MAX_SIDE), "Custom width, px")
    custom_height: Field[int] = Field(600, _check_int(MIN_SIDE, MAX_SIDE), "Custom height, px")
    format: Field[OutputFormat] = Field(OutputFormat.JPG, _check_format, "png or jpg")
    bg_color: Field[str] = Field("FFFFFF", _check_color, "Background RRGGBB (JPG only)")
    last_open_dir: Field[str] = Field("", _check_str(4096), "Folder of the last opened photo")
    last_save_dir: Field[str] = Field("", _check_str(4096), "Folder of the last saved file")
    window_geometry: Field[str] = Field("", _check_base64, "QMainWindow geometry, base64")
    window_state: Field[str] = Field("", _check_base64, "QMainWindow state, base64")
    recent_presets: Field[list[str]] = Field([], _check_presets, "Recent presets, newest first")
    language: Field[str] = Field(
        "", _check_str(20, r"[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*"), "UI language; '' = system"
    )
    history_enabled: Field[bool] = Field(True, _check_bool, "Keep every result in history")
    welcome_done: Field[bool] = Field(False, _check_bool, "The first-run welcome was shown")
    reuse_history: Field[bool] = Field(
        True, _check_bool, "Offer a stored result instead of a new paid call"
    )
    show_guides: Field[bool] = Field(True, _check_bool, "Draw compliance guides on the result")
    sheet_paper: Field[SheetPaper] = Field(
        "4x6", _check_choice("4x6", "10x15", "5x7", "a4", "letter"), "Print sheet paper"
    )
    sheet_copies: Field[int] = Field(0, _check_int(0, 100), "Copies per sheet; 0 = all that fit")
    watch_folder: Field[str] = Field("", _check_str(4096), "Folder the camera writes into")
    print_choices: Field[dict[str, dict[str, Any]]] = Field(
        {}, _check_print_choices, "Per preset: printer, paper and copies for one-click print"
    )
    database_url: Field[str] = Field(
        "", _check_database_url, "Shared history (PostgreSQL); '' = this counter's own"
    )
    counter_name: Field[str] = Field(
        "", _check_str(100), "This counter's name in a shared history; '' = the host name"
    )
    request_deadline_s: Field[int] = Field(
        120, _check_int(10, 1800), "Cloud: seconds for one request, connect to last byte"
    )
    download_deadline_s: Field[int] = Field(
        60, _check_int(10, 1800), "Cloud: seconds for the whole result download"
    )

    def __init__(self, path: Path | None = None) -> None:
        self._path = path if path is not None else paths.settings_path()
        self._lock = threading.RLock()
        self._listeners: list[ChangeListener] = []
        self._values: dict[str, object] = {k: f.fresh_default() for k, f in self.fields().items()}
        self._extra: dict[str, object] = {}  # keys of a newer version, kept as they were
        self._file_version = SCHEMA_VERSION
        self._batch_depth = 0
        self._pending: list[tuple[str, object]] = []
        self._load()

    def __repr__(self) -> str:
        return f"Settings(path={str(self._path)!r})"

    @classmethod
    def fields(cls) -> dict[str, Field[Any]]:
        """The table: every setting's name and :class:`Field`, in declaration order."""
        return {k: v for k, v in vars(cls).items() if isinstance(v, Field)}

    @property
    def path(self) -> Path:
        return self._path

    # -- access ---------------------------------------------------------------------

    def get(self, key: str) -> object:
        """The value of ``key`` (a copy for lists); KeyError for an unknown key."""
        self._field(key)
        with self._lock:
            value = self._values[key]
        return list(value) if isinstance(value, list) else value

    def set(self, key: str, value: object) -> None:
        """Check, store and save one setting; listeners hear of real changes only.

        Raises :class:`StorageError` for a key or value that looks like a secret,
        :class:`ValidationError` for a bad value, ``KeyError`` for an unknown key.
        """
        self.update({key: value})

    def update(self, changes: Mapping[str, object]) -> None:
        """Set several settings with one file write (all checked before any is set)."""
        checked = {key: self._checked(key, value) for key, value in changes.items()}
        with self._lock:
            changed = [(k, v) for k, v in checked.items() if self._values[k] != v]
            if not changed:
                return
            before = dict(self._values)
            self._values.update(changed)
            if self._batch_depth:
                self._pending.extend(changed)
                return
            try:
                self._save_locked()
            except StorageError:
                self._values = before
                raise
        self._notify(changed)

    @contextmanager
    def batch(self) -> Iterator[Settings]:
        """Group changes into one write and one round of notifications (dialog OK)."""
        with self._lock:
            self._batch_depth += 1
        try:
            yield self
        finally:
            with self._lock:
                self._batch_depth -= 1
                pending = [] if self._batch_depth else self._pending
                if not self._batch_depth:
                    self._pending = []
                    if pending:
                        self._save_locked()
        if pending:
            self._notify(pending)

    def reset(self, key: str) -> None:
        """Back to the default."""
        self.set(key, self._field(key).fresh_default())

    def reset_all(self) -> None:
        self.update({k: f.fresh_default() for k, f in self.fields().items()})

    def as_dict(self) -> dict[str, object]:
        """Every setting's current value (for an About box or a support report)."""
        with self._lock:
            return {k: (list(v) if isinstance(v, list) else v) for k, v in self._values.items()}

    def add_recent_preset(self, preset_id: str) -> None:
        """Move ``preset_id`` to the front of the recent list (kept to 10)."""
        recent = [preset_id] + [p for p in self.recent_presets if p != preset_id]
        self.set("recent_presets", recent[:MAX_RECENT_PRESETS])

    # -- listeners ------------------------------------------------------------------

    def add_listener(self, listener: ChangeListener) -> None:
        with self._lock:
            if listener not in self._listeners:
                self._listeners.append(listener)

    def remove_listener(self, listener: ChangeListener) -> None:
        with self._lock, suppress(ValueError):
            self._listeners.remove(listener)

    def _notify(self, changed: list[tuple[str, object]]) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for key, value in changed:
            for listener in listeners:
                try:
                    listener(key, value)
                except Exception:  # one broken listener must not stop the others
                    log.exception("Settings listener %r failed for %s", listener, key)

    # -- checks ---------------------------------------------------------------------

    def _field(self, key: str) -> Field[Any]:
        field = self.fields().get(key)
        if field is None:
            if looks_like_secret_key(key):
                raise StorageError(
                    f"Settings never hold a secret such as {key!r}.",
                    hint="The API token is kept in the system keyring (Preferences).",
                )
            raise KeyError(f"unknown setting {key!r}")
        return field

    def _checked(self, key: str, value: object) -> object:
        field = self._field(key)
        if _holds_secret(value):
            raise StorageError(
                f"The value for {key!r} looks like the API token; it was not saved.",
                hint="The API token is kept in the system keyring (Preferences).",
            )
        try:
            return field.check(value)
        except ValueError as err:
            raise ValidationError(f"The setting {key!r} {err}.") from None

    # -- file -----------------------------------------------------------------------

    def _load(self) -> None:
        """Read the file; whatever it holds, the app starts (defaults where it is bad).

        Only a regular file of at most 1 MB is read (a FIFO or a device would hang or
        flood the start); a file that is not JSON, too large, too deep or with numbers
        Python refuses (a 5000-digit integer) is set aside with a timestamped name.
        """
        try:
            raw_bytes = read_regular_file(
                self._path, MAX_SETTINGS_BYTES, what="The settings file", error=StorageError
            )
        except StorageError as err:
            if not os.path.lexists(self._path):
                return
            log.warning("%s; using the default settings", err)
            if self._path.is_symlink() or not self._path.is_file() or "too large" in str(err):
                self._set_aside()
            return
        try:
            text = raw_bytes.decode("utf-8-sig")
            data: object = json.loads(text, parse_int=_parse_int)
        except (UnicodeDecodeError, ValueError, RecursionError) as err:
            # ValueError covers JSONDecodeError and "Exceeds the limit (4300 digits)".
            log.warning("Settings file %s is corrupt (%s); using defaults", self._path, err)
            self._set_aside()
            return
        if not isinstance(data, dict):
            log.warning("Settings file %s is corrupt (not an object); using defaults", self._path)
            self._set_aside()
            return
        version = data.pop(VERSION_KEY, 0)
        if isinstance(version, bool) or not isinstance(version, int) or not 0 <= version < 10**6:
            version = 0
        try:
            data = migrate(data, version)
        except Exception as err:  # a migration must not make the app unstartable
            log.warning("Settings file %s could not be migrated (%s)", self._path, err)
            self._set_aside()
            return
        self._file_version = max(version, SCHEMA_VERSION)
        rewrite = version < SCHEMA_VERSION
        fields = self.fields()
        for key, raw in data.items():
            if not isinstance(key, str) or len(key) > 100:
                rewrite = True
                continue
            if looks_like_secret_key(key) or _holds_secret(raw):
                log.warning("Dropped %r from the settings file: secrets go to the keyring", key)
                rewrite = True
                continue
            field = fields.get(key)
            if field is None:
                if _small_json(raw):
                    self._extra[key] = raw  # a newer version's setting, kept as it was
                else:
                    log.warning("Dropped the unknown, oversized setting %r", key[:40])
                    rewrite = True
                continue
            try:
                self._values[key] = field.check(raw)
            except (ValueError, TypeError, OverflowError) as err:
                log.warning("Setting %r in %s %s; using the default", key, self._path, err)
                rewrite = True
        if rewrite:
            try:
                self._save_locked()
            except StorageError as err:
                log.warning("Could not rewrite the settings file: %s", err)

    def _set_aside(self) -> Path | None:
        """Keep the unreadable file as ``settings.json.bad-<UTC time>`` for a human to
        look at; an earlier backup is never replaced (a -1, -2... suffix is added)."""
        stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%d-%H%M%S")
        for attempt in range(100):
            suffix = f".bad-{stamp}" + (f"-{attempt}" if attempt else "")
            bad = self._path.with_name(self._path.name + suffix)
            if os.path.lexists(bad):
                continue
            try:
                if os.name == "posix" and self._path.is_file() and not self._path.is_symlink():
                    os.link(self._path, bad)  # fails if the name was taken meanwhile
                    os.unlink(self._path)
                else:
                    os.rename(self._path, bad)
            except FileExistsError:
                continue
            except OSError as err:
                log.warning("Could not move the damaged settings file aside: %s", err)
                return None
            log.warning("Damaged settings file kept as %s", bad)
            return bad
        log.warning("Too many damaged settings files beside %s; this one was left", self._path)
        return None

    def save(self) -> None:
        """Write the file now (every change already does)."""
        with self._lock:
            self._save_locked()

    def _save_locked(self) -> None:
        data: dict[str, object] = {VERSION_KEY: self._file_version}
        for key, value in self._extra.items():
            if not _holds_secret(value):
                data[key] = value
        data.update(self._values)
        text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        if contains_secret(text):  # belt and braces: never write a registered secret
            raise StorageError("The settings were not saved: they contained the API token.")
        try:
            write_text_atomic(self._path, text)
        except OSError as err:
            raise StorageError(
                f"The settings could not be saved to {self._path}: {reason(err)}."
            ) from None


class _HugeNumber:
    """A JSON integer too long to be any setting (a 5000-digit number): refused by every
    check, so that key falls back to its default while the rest of the file is kept."""

    def __repr__(self) -> str:
        return "<a number far too large>"


def _parse_int(text: str) -> int | _HugeNumber:
    return int(text) if len(text) <= 40 else _HugeNumber()


def _small_json(value: object) -> bool:
    """True for a value that can be written back: at most 8 levels and 64 KB of JSON."""

    def depth(item: object, level: int) -> bool:
        if level > 8:
            return False
        if isinstance(item, dict):
            return all(depth(v, level + 1) for v in item.values())
        if isinstance(item, list):
            return all(depth(v, level + 1) for v in item)
        return True

    try:
        return depth(value, 0) and len(json.dumps(value)) <= 65536
    except (ValueError, TypeError, RecursionError):
        return False


def _holds_secret(value: object) -> bool:
    """A registered secret, a bearer credential, or the provider's token shape (sk-...)."""
    if isinstance(value, str):
        return contains_secret(value) or bool(_TOKEN_SHAPE.search(value))
    if isinstance(value, list | tuple):
        return any(_holds_secret(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_secret(k) or _holds_secret(v) for k, v in value.items())
    return False


# -- migrations ---------------------------------------------------------------------

Migration = Callable[[dict[str, Any]], dict[str, Any]]


def _v0_to_v1(data: dict[str, Any]) -> dict[str, Any]:
    """Files from before the version key have the same keys; the loader drops
    secret-looking keys from every version and rewrites the file with its version."""
    return data


MIGRATIONS: dict[int, Migration] = {0: _v0_to_v1}
"""``MIGRATIONS[n]`` turns a version-n mapping into version n+1. Add one per change of a
key's name or meaning, and raise :data:`SCHEMA_VERSION`."""


def migrate(data: dict[str, Any], version: int) -> dict[str, Any]:
    """Run every migration from ``version`` up to :data:`SCHEMA_VERSION`."""
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise RuntimeError(f"no settings migration from version {version}")
        data = step(dict(data))
        version += 1
    return data


def write_text_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step: a crash leaves the old or the new file."""
    from idphoto_desktop.core.atomic import write_bytes_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, text.encode("utf-8"))
