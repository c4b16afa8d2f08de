"""Every result, kept the moment it arrives, so a paid result is never lost or paid twice.

One SQLite file (``paths.history_db_path()``) in WAL mode with ``synchronous=FULL``;
each :meth:`History.add` is its own committed transaction, so a result survives a crash
of the app (and of the machine) once ``add`` returns. Rows hold the result image and
what produced it, keyed by the SHA-256 of the input photo and
``GenerateParams.cache_key()``. The customer's photo itself is never stored: only its
hash and the file's base name. Deleted rows are overwritten (``secure_delete``).
"""

from __future__ import annotations

import builtins
import datetime as _dt
import json
import logging
import os
import re
import sqlite3
import threading
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePath
from types import TracebackType
from typing import Any

from idphoto_desktop.core.errors import StorageError
from idphoto_desktop.core.geometry import Affine, Rect
from idphoto_desktop.core.job import FaceGuides, GenerateParams, GenerateResult, OutputFormat
from idphoto_desktop.storage import paths

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
_SHA256 = re.compile(r"[0-9a-f]{64}")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
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
);
CREATE INDEX IF NOT EXISTS results_lookup ON results (input_sha256, params_key, id);
"""

# Whole statements as literals (no string building around SQL). Column order matters:
# _summary_values and _entry_from_row read rows by position.
_SELECT_DETAIL_BY_ID = """
SELECT id, created_at, input_sha256, params_key, preset_id, width, height, format, bg_color,
       engine, task_id, source_name, length(image),
       foreground_rect, crop, crop_approximate, guides, timings, warnings, image
FROM results WHERE id = ?
"""
_SELECT_DETAIL_MATCH = """
SELECT id, created_at, input_sha256, params_key, preset_id, width, height, format, bg_color,
       engine, task_id, source_name, length(image),
       foreground_rect, crop, crop_approximate, guides, timings, warnings, image
FROM results
WHERE input_sha256 = ? AND params_key = ? AND (? IS NULL OR engine = ?)
ORDER BY id DESC LIMIT 1
"""
_SELECT_SUMMARIES = """
SELECT id, created_at, input_sha256, params_key, preset_id, width, height, format, bg_color,
       engine, task_id, source_name, length(image)
FROM results ORDER BY id DESC LIMIT ?
"""
_INSERT = """
INSERT INTO results (created_at, input_sha256, params_key, preset_id, width, height, format,
                     bg_color, engine, foreground_rect, crop, crop_approximate, guides,
                     timings, warnings, task_id, image, source_name)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


@dataclass(frozen=True)
class HistoryEntrySummary:
    """One row for the history panel, without the image bytes."""

    id: int
    created_at: _dt.datetime  # timezone-aware, UTC
    input_sha256: str
    params_key: str
    preset_id: str | None
    width: int
    height: int
    format: OutputFormat
    bg_color: str | None
    engine: str
    task_id: str | None
    source_name: str
    image_size: int  # bytes


@dataclass(frozen=True)
class HistoryEntry(HistoryEntrySummary):
    """A stored result in full; :meth:`to_result` gives it back to the export code."""

    image: bytes = b""
    foreground_rect: Rect | None = None
    crop: Affine | None = None
    crop_is_approximate: bool = False
    guides: FaceGuides | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def to_result(self) -> GenerateResult:
        """The result as the engine returned it (``raw`` is not kept)."""
        return GenerateResult(
            image=self.image,
            format=self.format,
            width=self.width,
            height=self.height,
            engine=self.engine,
            foreground_rect=self.foreground_rect,
            crop=self.crop,
            crop_is_approximate=self.crop_is_approximate,
            guides=self.guides,
            task_id=self.task_id,
            timings_ms=dict(self.timings_ms),
            warnings=self.warnings,
            raw=None,
        )


class EntryNotFoundError(StorageError):
    """The history entry was deleted (perhaps in another window)."""

    default_hint = "Refresh the history list."


def _dump(value: Rect | Affine | FaceGuides | None) -> str | None:
    return None if value is None else json.dumps(asdict(value))


def _load_json(text: str | None, what: str, entry_id: int) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        log.warning("History entry %d: unreadable %s, ignored", entry_id, what)
        return None


def _load_dataclass(cls: type[Any], text: str | None, what: str, entry_id: int) -> Any:
    data = _load_json(text, what, entry_id)
    if not isinstance(data, dict):
        return None
    try:
        return cls(**{k: float(v) for k, v in data.items()})
    except (TypeError, ValueError):
        log.warning("History entry %d: unreadable %s, ignored", entry_id, what)
        return None


def _summary_values(row: sqlite3.Row | tuple[Any, ...]) -> dict[str, Any]:
    return {
        "id": row[0],
        "created_at": _dt.datetime.fromisoformat(row[1]),
        "input_sha256": row[2],
        "params_key": row[3],
        "preset_id": row[4],
        "width": row[5],
        "height": row[6],
        "format": OutputFormat(row[7]),
        "bg_color": row[8],
        "engine": row[9],
        "task_id": row[10],
        "source_name": row[11],
        "image_size": row[12] or 0,
    }


def _entry_from_row(row: tuple[Any, ...]) -> HistoryEntry:
    values = _summary_values(row)
    entry_id = values["id"]
    timings = _load_json(row[17], "timings", entry_id)
    warnings = _load_json(row[18], "warnings", entry_id)
    return HistoryEntry(
        **values,
        foreground_rect=_load_dataclass(Rect, row[13], "foreground_rect", entry_id),
        crop=_load_dataclass(Affine, row[14], "crop", entry_id),
        crop_is_approximate=bool(row[15]),
        guides=_load_dataclass(FaceGuides, row[16], "guides", entry_id),
        timings_ms=(
            {str(k): float(v) for k, v in timings.items() if isinstance(v, int | float)}
            if isinstance(timings, dict)
            else {}
        ),
        warnings=tuple(str(w) for w in warnings) if isinstance(warnings, list) else (),
        image=bytes(row[19]),
    )


class History:
    """The results database. Thread-safe (one connection behind a lock); close it at exit.

    ``path`` defaults to ``paths.history_db_path()``. Every method raises
    :class:`StorageError` with a plain message when the database cannot be used.
    """

    def __init__(self, path: Path | None = None) -> None:
        self._path = path if path is not None else paths.history_db_path()
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
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
            self._path.parent.mkdir(parents=True, exist_ok=True)
            return self._connect()
        except sqlite3.DatabaseError as err:
            if isinstance(err, sqlite3.OperationalError):
                raise StorageError(
                    f"The history at {self._path} could not be opened: {err}."
                ) from None
            # Not a database, or damaged: keep it aside for recovery and start afresh.
            log.warning("History database %s is damaged (%s); starting a new one", self._path, err)
            self._set_aside()
            try:
                return self._connect()
            except sqlite3.Error as err2:
                raise StorageError(
                    f"The history at {self._path} could not be created: {err2}."
                ) from None
        except OSError as err:
            raise StorageError(
                f"The history folder {self._path.parent} could not be created: "
                f"{err.strerror or err}."
            ) from None

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self._path, timeout=10.0, isolation_level=None, check_same_thread=False
        )
        try:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.warning("History database is in %s mode, not WAL", mode)
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA secure_delete=ON")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StorageError(
                    f"The history at {self._path} was written by a newer version of the app.",
                    hint="Update ID Photo Desktop, or move the history file away.",
                )
            conn.executescript(_SCHEMA)  # executescript commits first; fine in autocommit
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except BaseException:
            conn.close()
            raise
        return conn

    def _set_aside(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            source = Path(str(self._path) + suffix)
            if source.exists():
                with suppress(OSError):
                    os.replace(source, Path(str(self._path) + suffix + ".bad"))

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StorageError("The history is closed.")
        return self._conn

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
        source_name: str = "",
    ) -> int:
        """Store ``result`` now (committed when this returns); the new entry's id.

        ``source_name`` is reduced to the file's base name: folder names can say more
        about a customer than needed.
        """
        digest = input_sha256.strip().lower()
        if not _SHA256.fullmatch(digest):
            raise ValueError("input_sha256 must be a SHA-256 hex digest")
        if not result.image:
            raise ValueError("the result has no image bytes")
        name = PurePath(source_name.replace("\\", "/")).name if source_name else ""
        row = (
            _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds"),
            digest,
            params.cache_key(),
            params.preset_id,
            result.width,
            result.height,
            OutputFormat(result.format).value,
            params.bg_color if OutputFormat(params.format) is OutputFormat.JPG else None,
            result.engine,
            _dump(result.foreground_rect),
            _dump(result.crop),
            int(result.crop_is_approximate),
            _dump(result.guides),
            json.dumps({str(k): float(v) for k, v in result.timings_ms.items()}),
            json.dumps([str(w) for w in result.warnings]),
            result.task_id,
            sqlite3.Binary(result.image),
            name,
        )
        with self._lock:
            try:
                cursor = self._db().execute(_INSERT, row)
            except sqlite3.Error as err:
                raise StorageError(
                    f"The result could not be saved in the history: {err}."
                ) from None
        entry_id = cursor.lastrowid
        assert entry_id is not None
        log.info("History: stored result %d (%s, %s)", entry_id, params.cache_key(), result.engine)
        return entry_id

    def delete(self, entry_id: int) -> bool:
        """Remove one entry; False when it was already gone."""
        with self._lock:
            try:
                cursor = self._db().execute("DELETE FROM results WHERE id = ?", (entry_id,))
            except sqlite3.Error as err:
                raise StorageError(f"The history entry could not be deleted: {err}.") from None
        return cursor.rowcount > 0

    def clear(self) -> int:
        """Remove every entry and wipe the freed space; how many entries went."""
        with self._lock:
            db = self._db()
            try:
                count = int(db.execute("DELETE FROM results").rowcount)
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                db.execute("VACUUM")
            except sqlite3.Error as err:
                raise StorageError(f"The history could not be cleared: {err}.") from None
        log.info("History cleared (%d entries)", count)
        return count

    # -- reading --------------------------------------------------------------------

    def find(
        self, input_sha256: str, params: GenerateParams, *, engine: str | None = None
    ) -> HistoryEntry | None:
        """The newest stored result for this photo content and these parameters.

        This is what stops a second paid call for the same work. ``engine`` narrows the
        match (for instance to "cloud" only).
        """
        args = [input_sha256.strip().lower(), params.cache_key(), engine, engine]
        row = self._fetchone(_SELECT_DETAIL_MATCH, args, "searched")
        return None if row is None else _entry_from_row(row)

    def get(self, entry_id: int) -> HistoryEntry:
        """One entry with its image; :class:`EntryNotFoundError` when it is gone."""
        row = self._fetchone(_SELECT_DETAIL_BY_ID, [entry_id], "read")
        if row is None:
            raise EntryNotFoundError("That history entry no longer exists.")
        return _entry_from_row(row)

    def list(self, limit: int = 200) -> builtins.list[HistoryEntrySummary]:
        """The newest ``limit`` entries, newest first, without image bytes."""
        with self._lock:
            try:
                rows = self._db().execute(_SELECT_SUMMARIES, (max(0, int(limit)),)).fetchall()
            except sqlite3.Error as err:
                raise StorageError(f"The history could not be read: {err}.") from None
        return [HistoryEntrySummary(**_summary_values(row)) for row in rows]

    def count(self) -> int:
        row = self._fetchone("SELECT count(*) FROM results", [], "read")
        return int(row[0]) if row else 0

    def _fetchone(
        self, sql: str, args: builtins.list[Any], verb: str
    ) -> tuple[Any, ...] | None:
        with self._lock:
            try:
                row: tuple[Any, ...] | None = self._db().execute(sql, args).fetchone()
            except sqlite3.Error as err:
                raise StorageError(f"The history could not be {verb}: {err}.") from None
        return row
