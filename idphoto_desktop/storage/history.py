"""Every result, kept the moment it arrives, so a paid result is never lost or paid twice.

Two backends with one set of methods (:class:`HistoryStore`): :class:`History`, one
SQLite file per counter (the default), and ``history_pg.PgHistory``, one PostgreSQL
database shared by every counter of a studio. :func:`open_history` picks the configured
one.

The SQLite file (``paths.history_db_path()``) is in WAL mode with ``synchronous=FULL``;
each :meth:`History.add` is its own committed transaction, so a result survives a crash
of the app (and of the machine) once ``add`` returns. Rows hold the result image and
what produced it, keyed by the SHA-256 of the input photo and
``GenerateParams.cache_key()`` (:meth:`find`) or :func:`history_key`
(:meth:`find_candidates`). The customer's photo itself is never stored: only its hash,
the file's base name and, when the clerk gives one, the customer's name or order
number. Deleted rows are overwritten (``secure_delete``). The file is private to the
user (0600 in a 0700 folder); a damaged file is set aside under a new timestamped name
and a fresh history is started, so nothing on disk stops the counter.

Schema versions live in ``PRAGMA user_version`` and move forward one numbered step at a
time (:data:`_MIGRATIONS`), each step in one transaction.
"""

from __future__ import annotations

import builtins
import datetime as _dt
import logging
import os
import socket
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, TypeVar

from idphoto_desktop.core.errors import StorageError
from idphoto_desktop.core.job import GenerateParams, GenerateResult
from idphoto_desktop.core.oswords import reason
from idphoto_desktop.storage import history_lock, paths
from idphoto_desktop.storage.history_rows import (
    BadRowError,
    HistoryEntry,
    HistoryEntrySummary,
    SpentRow,
    clean_digest,
    customer_needle,
    entry_from_row,
    history_key,
    new_row,
    row_of_entry,
    summary_from_row,
    utc_text,
)

__all__ = [
    "SCHEMA_VERSION",
    "EntryNotFoundError",
    "History",
    "HistoryEntry",
    "HistoryEntrySummary",
    "HistoryStore",
    "SpentRow",
    "counter_name",
    "history_key",
    "open_history",
]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
QUICK_CHECK_MAX_BYTES = 256 * 1024 * 1024
"""Files up to this size get ``PRAGMA quick_check`` on open (a few hundred ms at most);
bigger ones are checked when a query first reports damage."""
_CORRUPT_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB
_T = TypeVar("_T")

_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE IF NOT EXISTS results (
            id               INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at       TEXT    NOT NULL,
            input_sha256     TEXT    NOT NULL,
            params_key       TEXT    NOT NULL,
            preset_id        TEXT,
            width            INTEGER NOT NULL,
            height           INTEGER NOT NULL,
            format           TEXT    NOT NULL,
            bg_color         TEXT,
            engine           TEXT    NOT NULL,
            foreground_rect  TEXT,
            crop             TEXT,
            crop_approximate INTEGER NOT NULL DEFAULT 0,
            guides           TEXT,
            timings          TEXT    NOT NULL DEFAULT '{}',
            warnings         TEXT    NOT NULL DEFAULT '[]',
            task_id          TEXT,
            image            BLOB    NOT NULL,
            source_name      TEXT    NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX IF NOT EXISTS results_lookup ON results (input_sha256, params_key, id)",
    ),
    # 2: customers, the counter that made a row, the framing key, a row id that is the
    # same on every database (for `history push`), and what was already pushed.
    2: (
        "ALTER TABLE results ADD COLUMN customer TEXT",
        "ALTER TABLE results ADD COLUMN customer_search TEXT",
        "ALTER TABLE results ADD COLUMN counter TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE results ADD COLUMN framing_key TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE results ADD COLUMN uid TEXT",
        "ALTER TABLE results ADD COLUMN pushed_at TEXT",
        "UPDATE results SET framing_key = params_key, uid = lower(hex(randomblob(16)))",
        "CREATE UNIQUE INDEX IF NOT EXISTS results_uid ON results (uid)",
        "CREATE INDEX IF NOT EXISTS results_framing ON results (input_sha256, framing_key, id)",
    ),
}

# Whole statements as literals (no string building around SQL); rows are read by column
# name (history_rows.summary_values), so the column order does not matter.
_SELECT_DETAIL_BY_ID = """
SELECT id, created_at, input_sha256, params_key, framing_key, preset_id, width, height,
       format, bg_color, engine, task_id, source_name, customer, counter, uid,
       length(image) AS image_size,
       foreground_rect, crop, crop_approximate, guides, timings, warnings, image
FROM results WHERE id = ?
"""
_SELECT_DETAIL_MATCH = """
SELECT id, created_at, input_sha256, params_key, framing_key, preset_id, width, height,
       format, bg_color, engine, task_id, source_name, customer, counter, uid,
       length(image) AS image_size,
       foreground_rect, crop, crop_approximate, guides, timings, warnings, image
FROM results
WHERE input_sha256 = ? AND params_key = ? AND (? IS NULL OR engine = ?)
ORDER BY id DESC
"""
_SELECT_CANDIDATES = """
SELECT id, created_at, input_sha256, params_key, framing_key, preset_id, width, height,
       format, bg_color, engine, task_id, source_name, customer, counter, uid,
       length(image) AS image_size,
       foreground_rect, crop, crop_approximate, guides, timings, warnings, image
FROM results WHERE input_sha256 = ? AND framing_key = ?
ORDER BY id DESC
"""
_SELECT_SUMMARIES = """
SELECT id, created_at, input_sha256, params_key, framing_key, preset_id, width, height,
       format, bg_color, engine, task_id, source_name, customer, counter, uid,
       length(image) AS image_size
FROM results
WHERE (? IS NULL OR instr(customer_search, ?) > 0) AND (? IS NULL OR created_at >= ?)
ORDER BY id DESC LIMIT ?
"""
_SELECT_UNPUSHED = """
SELECT id, created_at, input_sha256, params_key, framing_key, preset_id, width, height,
       format, bg_color, engine, task_id, source_name, customer, counter, uid,
       length(image) AS image_size,
       foreground_rect, crop, crop_approximate, guides, timings, warnings, image
FROM results WHERE pushed_at IS NULL AND id > ? ORDER BY id LIMIT ?
"""
_SELECT_SPENT = """
SELECT counter, substr(created_at, 1, 10) AS day,
       sum(CASE WHEN engine = 'cloud' THEN 1 ELSE 0 END) AS paid,
       sum(CASE WHEN engine = 'cloud' THEN 0 ELSE 1 END) AS free
FROM results WHERE (? IS NULL OR created_at >= ?)
GROUP BY counter, day ORDER BY day, counter
"""
_INSERT = """
INSERT INTO results (created_at, input_sha256, params_key, framing_key, preset_id, width,
                     height, format, bg_color, engine, foreground_rect, crop,
                     crop_approximate, guides, timings, warnings, task_id, image,
                     source_name, customer, customer_search, counter, uid)
VALUES (:created_at, :input_sha256, :params_key, :framing_key, :preset_id, :width, :height,
        :format, :bg_color, :engine, :foreground_rect, :crop, :crop_approximate, :guides,
        :timings, :warnings, :task_id, :image, :source_name, :customer, :customer_search,
        :counter, :uid)
"""


class EntryNotFoundError(StorageError):
    """The history entry was deleted (perhaps in another window)."""

    default_hint = "Refresh the history list."


def entry_or_missing(rows: Sequence[Mapping[str, Any]]) -> HistoryEntry:
    """The one entry ``get`` found, in both backends: gone or unreadable said in words."""
    if not rows:
        raise EntryNotFoundError("That history entry no longer exists.")
    try:
        return entry_from_row(rows[0])
    except BadRowError as err:
        raise StorageError(f"That history entry cannot be read: {err}.") from None


def counter_name(setting: str | None = None) -> str:
    """This counter's name in shared rows: ``IDPHOTO_COUNTER``, the setting, or the host."""
    for value in (os.environ.get("IDPHOTO_COUNTER"), setting):
        text = " ".join((value or "").split())[:100]
        if text:
            return text
    return socket.gethostname() or "counter"


class HistoryStore(Protocol):
    """What both history backends offer (SQLite :class:`History`, PostgreSQL ``PgHistory``).

    Every method raises :class:`StorageError` with a plain message when the database
    cannot be used. Rows that cannot be read back are skipped and counted in
    :attr:`skipped` (and logged), never raised.
    """

    counter: str
    skipped: builtins.list[int]
    warning: str | None  # a sentence for the clerk (e.g. "working offline"), or None

    def add(
        self,
        input_sha256: str,
        params: GenerateParams,
        result: GenerateResult,
        source_name: str | None = "",
        *,
        customer: str | None = None,
        key: str | None = None,
    ) -> int: ...

    def find(
        self, input_sha256: str, params: GenerateParams, *, engine: str | None = None
    ) -> HistoryEntry | None: ...

    def find_candidates(self, source_sha256: str, key: str) -> builtins.list[HistoryEntry]: ...

    def reserve(self, source_sha256: str, key: str) -> AbstractContextManager[None]: ...

    def get(self, entry_id: int) -> HistoryEntry: ...

    def list(
        self,
        limit: int = 200,
        *,
        customer: str | None = None,
        since: _dt.datetime | _dt.date | None = None,
    ) -> builtins.list[HistoryEntrySummary]: ...

    def delete(self, entry_id: int) -> bool: ...

    def clear(self) -> int: ...

    def count(self) -> int: ...

    def spent(self, since: _dt.datetime | _dt.date | None = None) -> builtins.list[SpentRow]: ...

    def close(self) -> None: ...

    def __enter__(self) -> HistoryStore: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def open_history(
    *, path: Path | None = None, counter: str | None = None, url: str | None = None
) -> HistoryStore:
    """The configured history: the shared PostgreSQL database, or this counter's SQLite.

    See :func:`idphoto_desktop.storage.history_open.open_history` for the rules
    (``IDPHOTO_DATABASE_URL`` / the ``database_url`` setting, falling back to SQLite with
    a :attr:`HistoryStore.warning` when the database cannot be reached).
    """
    from idphoto_desktop.storage import history_open

    return history_open.open_history(path=path, counter=counter, url=url)


def since_moment(since: _dt.datetime | _dt.date | None) -> _dt.datetime | None:
    """A day means its start (UTC); a naive time is taken as UTC."""
    if since is None:
        return None
    if not isinstance(since, _dt.datetime):
        since = _dt.datetime(since.year, since.month, since.day)
    return since if since.tzinfo is not None else since.replace(tzinfo=_dt.UTC)


def parse_rows(
    rows: Sequence[Any], parse: Callable[[Any], _T], skipped: builtins.list[int]
) -> builtins.list[_T]:
    """Rows parsed; the unreadable ones skipped, logged and added to ``skipped``."""
    out: builtins.list[_T] = []
    for row in rows:
        try:
            out.append(parse(row))
        except BadRowError as err:
            log.warning("Skipped %s", err)
            with suppress(TypeError, ValueError, KeyError, IndexError):
                if int(row["id"]) not in skipped:
                    skipped.append(int(row["id"]))
    return out


class History:
    """This counter's results database. Thread-safe (one connection behind a lock).

    ``path`` defaults to ``paths.history_db_path()``; ``counter`` names this counter in
    the rows it writes (default :func:`counter_name`). Every method raises
    :class:`StorageError` with a plain message when the database cannot be used.
    """

    def __init__(self, path: Path | None = None, *, counter: str | None = None) -> None:
        self._default_place = path is None
        self._path = path if path is not None else paths.history_db_path()
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self.counter = counter or counter_name()
        self.skipped: builtins.list[int] = []
        self.warning: str | None = None
        self.set_aside_to: Path | None = None  # where a damaged file went, if one did
        with self._lock:
            self._conn = self._open()

    def __repr__(self) -> str:
        return f"History(path={str(self._path)!r})"

    def __enter__(self) -> History:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def path(self) -> Path:
        return self._path

    # -- opening --------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        try:
            self._make_private_place()
            conn = self._connect()
        except sqlite3.DatabaseError as err:
            if not _is_corrupt(err):
                raise StorageError(
                    f"The history at {self._path} could not be opened: {reason(err)}."
                ) from None
            return self._start_afresh(err)
        except OSError as err:
            raise StorageError(
                f"The history folder {self._path.parent} could not be used: {reason(err)}."
            ) from None
        problem = self._quick_check(conn)
        if problem is None:
            return conn
        conn.close()
        return self._start_afresh(problem)

    def _make_private_place(self) -> None:
        """The folder 0700 and the file 0600 (customers' results are personal data)."""
        folder = self._path.parent
        if not folder.is_dir():
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        elif self._default_place and os.name == "posix":
            with suppress(OSError):
                os.chmod(folder, 0o700)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)
        if os.name == "posix":
            for suffix in ("", "-wal", "-shm"):
                with suppress(FileNotFoundError):
                    os.chmod(str(self._path) + suffix, 0o600)

    def _quick_check(self, conn: sqlite3.Connection) -> str | None:
        """None when the file is sound (or too big to check now); else what is wrong."""
        try:
            if self._path.stat().st_size > QUICK_CHECK_MAX_BYTES:
                return None
            rows = conn.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError as err:
            return str(err)
        except OSError:
            return None
        verdict = "; ".join(str(r[0]) for r in rows[:3])
        return None if verdict == "ok" else verdict

    def _start_afresh(self, why: object) -> sqlite3.Connection:
        log.warning("History database %s is damaged (%s); starting a new one", self._path, why)
        self.set_aside_to = self._set_aside()
        try:
            self._make_private_place()
            conn = self._connect()
        except (sqlite3.Error, OSError) as err:
            raise StorageError(
                f"The history at {self._path} could not be created: {err}."
            ) from None
        if self.set_aside_to is not None:
            from idphoto_desktop.storage.history_salvage import salvage

            copied, lost = salvage(self.set_aside_to, conn)
            self.warning = (
                f"The history file was damaged; it was kept as {self.set_aside_to.name} "
                f"and a new history was started with the {copied} results that could "
                f"still be read ({lost} could not)."
            )
        return conn

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self._path, timeout=10.0, isolation_level=None, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        # Text that is not UTF-8 (a damaged page, another tool) must not fail a whole
        # query: it reads as U+FFFD and the row is then judged like any other bad value.
        conn.text_factory = _lenient_text
        try:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.warning("History database is in %s mode, not WAL", mode)
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA secure_delete=ON")
            self._migrate(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Bring the schema up to :data:`SCHEMA_VERSION`, one step per transaction."""
        while True:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise StorageError(
                    f"The history at {self._path} was written by a newer version of the app.",
                    hint="Update ID Photo Desktop, or move the history file away.",
                )
            if version == SCHEMA_VERSION:
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Another process may have migrated while we waited for the write lock.
                if int(conn.execute("PRAGMA user_version").fetchone()[0]) == version:
                    for statement in _MIGRATIONS[version + 1]:
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version={version + 1}")
                conn.execute("COMMIT")
            except BaseException:
                with suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise

    def _set_aside(self) -> Path | None:
        """Move the damaged file (and its WAL) to a new timestamped name; never overwrite.

        ``history.sqlite3.<UTC time>.bad`` with its ``-wal`` beside it, as SQLite expects.
        """
        stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        for n in range(1000):
            tag = stamp if n == 0 else f"{stamp}-{n}"
            targets = {s: Path(f"{self._path}.{tag}.bad{s}") for s in ("", "-wal", "-shm")}
            if not any(t.exists() for t in targets.values()):
                break
        else:  # pragma: no cover - a thousand damaged files in one second
            tag = uuid.uuid4().hex
            targets = {s: Path(f"{self._path}.{tag}.bad{s}") for s in ("", "-wal", "-shm")}
        main: Path | None = None
        for suffix, target in targets.items():
            source = Path(str(self._path) + suffix)
            if not source.exists():
                continue
            try:
                os.link(source, target)  # fails rather than replace an existing file
                os.unlink(source)
            except FileExistsError:
                continue
            except OSError:
                with suppress(OSError):
                    if not target.exists():
                        os.rename(source, target)
            if suffix == "":
                main = target
        return main

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StorageError("The history is closed.")
        return self._conn

    def _run(self, work: Callable[[sqlite3.Connection], _T], what: str) -> _T:
        """``work`` under the lock; a damaged file found now is set aside and retried once."""
        with self._lock:
            try:
                return work(self._db())
            except sqlite3.DatabaseError as err:
                if not _is_corrupt(err):
                    raise StorageError(f"The history could not be {what}: {err}.") from None
                first = err
            with suppress(sqlite3.Error):
                self._db().close()
            self._conn = None
            self._conn = self._start_afresh(first)
            try:
                return work(self._conn)
            except sqlite3.Error as err:
                raise StorageError(f"The history could not be {what}: {err}.") from None

    def close(self) -> None:
        """Close the database (idempotent). Later calls raise StorageError."""
        with self._lock:
            if self._conn is not None:
                with suppress(sqlite3.Error):
                    self._conn.close()
                self._conn = None

    # -- writing --------------------------------------------------------------------

    def add(
        self,
        input_sha256: str,
        params: GenerateParams,
        result: GenerateResult,
        source_name: str | None = "",
        *,
        customer: str | None = None,
        key: str | None = None,
    ) -> int:
        """Store ``result`` now (committed when this returns); the new entry's id.

        ``source_name`` is reduced to the file's base name: folder names can say more
        about a customer than needed. ``customer`` is the clerk's optional name or
        order number; ``key`` overrides :func:`history_key` (what
        :meth:`find_candidates` matches).
        """
        row = new_row(
            clean_digest(input_sha256), params, result, source_name=source_name,
            customer=customer, counter=self.counter, key=key, uid=uuid.uuid4().hex,
        )
        entry_id = self._insert(row, "saved")
        log.info("History: stored result %d (%s, %s)", entry_id, row["params_key"], result.engine)
        return entry_id

    def add_entry(self, entry: HistoryEntry) -> int:
        """Copy ``entry`` in as it is (same uid, time, counter); unused by the app itself."""
        return self._insert(row_of_entry(entry), "saved")

    def _insert(self, row: dict[str, Any], verb: str) -> int:
        values = dict(row)
        values["created_at"] = utc_text(values["created_at"])
        values["crop_approximate"] = int(values["crop_approximate"])
        values["image"] = sqlite3.Binary(values["image"])

        def work(db: sqlite3.Connection) -> int:
            cursor = db.execute(_INSERT, values)
            assert cursor.lastrowid is not None
            return int(cursor.lastrowid)

        try:
            return self._run(work, verb)
        except StorageError as err:
            raise StorageError(f"The result could not be saved in the history: {err}") from None

    def mark_pushed(self, uids: Sequence[str]) -> None:
        """Note that these rows are now in the shared database (``history push``)."""
        now = utc_text(_dt.datetime.now(_dt.UTC))

        def work(db: sqlite3.Connection) -> None:
            db.executemany(
                "UPDATE results SET pushed_at = ? WHERE uid = ?", [(now, u) for u in uids]
            )

        self._run(work, "updated")

    def delete(self, entry_id: int) -> bool:
        """Remove one entry; False when it was already gone."""

        def work(db: sqlite3.Connection) -> int:
            return int(db.execute("DELETE FROM results WHERE id = ?", (entry_id,)).rowcount)

        try:
            return self._run(work, "changed") > 0
        except StorageError as err:
            raise StorageError(f"The history entry could not be deleted: {err}") from None

    def clear(self) -> int:
        """Remove every entry and wipe the freed space; how many entries went."""

        def work(db: sqlite3.Connection) -> int:
            count = int(db.execute("DELETE FROM results").rowcount)
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.execute("VACUUM")
            return count

        count = self._run(work, "cleared")
        log.info("History cleared (%d entries)", count)
        return count

    @contextmanager
    def reserve(self, source_sha256: str, key: str) -> Iterator[None]:
        """Serialise look-up → engine → record for this photo and key.

        Every thread and process of this counter that reserves the same photo and key
        waits here until the holder's block ends; it then finds the holder's result
        with :meth:`find_candidates` instead of paying again.
        """
        with history_lock.hold(Path(f"{self._path}.locks"), source_sha256, key):
            yield

    # -- reading --------------------------------------------------------------------

    def find(
        self, input_sha256: str, params: GenerateParams, *, engine: str | None = None
    ) -> HistoryEntry | None:
        """The newest stored result for this photo content and these parameters.

        This is what stops a second paid call for the same work. ``engine`` narrows the
        match (for instance to "cloud" only). Unreadable rows are skipped.
        """
        args = [input_sha256.strip().lower(), params.cache_key(), engine, engine]
        rows = self._fetchall(_SELECT_DETAIL_MATCH, args, "searched")
        found = parse_rows(rows, entry_from_row, self.skipped)
        return found[0] if found else None

    def find_candidates(self, source_sha256: str, key: str) -> builtins.list[HistoryEntry]:
        """Every stored result of this photo whose stored key is ``key``, newest first."""
        rows = self._fetchall(
            _SELECT_CANDIDATES, [source_sha256.strip().lower(), key], "searched"
        )
        return parse_rows(rows, entry_from_row, self.skipped)

    def get(self, entry_id: int) -> HistoryEntry:
        """One entry with its image; :class:`EntryNotFoundError` when it is gone."""
        return entry_or_missing(self._fetchall(_SELECT_DETAIL_BY_ID, [entry_id], "read"))

    def list(
        self,
        limit: int = 200,
        *,
        customer: str | None = None,
        since: _dt.datetime | _dt.date | None = None,
    ) -> builtins.list[HistoryEntrySummary]:
        """The newest ``limit`` entries, newest first, without image bytes.

        ``customer`` keeps the rows whose customer contains that text (any case);
        ``since`` the rows made at or after that moment (a day: from its start, UTC).
        """
        needle = customer_needle(customer)
        moment = since_moment(since)
        start = None if moment is None else utc_text(moment)
        rows = self._fetchall(
            _SELECT_SUMMARIES, [needle, needle, start, start, max(0, int(limit))], "read"
        )
        return parse_rows(rows, summary_from_row, self.skipped)

    def unpushed(
        self, after_id: int = 0, limit: int = 50
    ) -> tuple[builtins.list[HistoryEntry], int | None]:
        """Rows not yet in the shared database, oldest first (``history push``).

        Also the last row id looked at (None when there were no more), so that a batch
        of unreadable rows does not end the walk early.
        """
        rows = self._fetchall(_SELECT_UNPUSHED, [after_id, limit], "read")
        last = int(rows[-1]["id"]) if rows else None
        return parse_rows(rows, entry_from_row, self.skipped), last

    def count(self) -> int:
        rows = self._fetchall("SELECT count(*) FROM results", [], "read")
        return int(rows[0][0]) if rows else 0

    def unpushed_count(self) -> int:
        """How many results wait for ``history push``."""
        rows = self._fetchall("SELECT count(*) FROM results WHERE pushed_at IS NULL", [], "read")
        return int(rows[0][0]) if rows else 0

    def spent(self, since: _dt.datetime | _dt.date | None = None) -> builtins.list[SpentRow]:
        """Results per counter and day (UTC): paid provider calls and free offline ones."""
        moment = since_moment(since)
        start = None if moment is None else utc_text(moment)
        out: builtins.list[SpentRow] = []
        for row in self._fetchall(_SELECT_SPENT, [start, start], "read"):
            try:
                day = _dt.date.fromisoformat(str(row["day"]))
            except ValueError:
                log.warning("Skipped history rows with an unreadable date (%r)", row["day"])
                continue
            out.append(SpentRow(str(row["counter"] or ""), day, int(row["paid"]),
                                int(row["free"])))
        return out

    def _fetchall(self, sql: str, args: builtins.list[Any], verb: str) -> builtins.list[Any]:
        return self._run(lambda db: db.execute(sql, args).fetchall(), verb)


def _lenient_text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _is_corrupt(err: sqlite3.DatabaseError) -> bool:
    """Damage (a bad page, not a database at all), as opposed to locked/full/readonly."""
    if isinstance(err, sqlite3.IntegrityError | sqlite3.ProgrammingError):
        return False
    code = getattr(err, "sqlite_errorcode", None)
    if code is not None:
        return int(code) & 0xFF in _CORRUPT_CODES
    return not isinstance(err, sqlite3.OperationalError)
