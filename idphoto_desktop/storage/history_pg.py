"""The history shared by every counter of a studio, on a PostgreSQL server (psycopg 3).

Same methods and meaning as the SQLite :class:`~idphoto_desktop.storage.history.History`
(see :class:`~idphoto_desktop.storage.history.HistoryStore`), with three differences:

- **Result images are in the database** (``bytea``), not in a shared folder: one place
  to back up, one permission system, and a row and its image are written in the same
  transaction, so no counter ever sees a row whose image is missing or half copied (a
  network share gives none of that, and mounting one on every counter is one more thing
  to go wrong). Results are 50-500 kB; PostgreSQL stores them out of line (TOAST),
  uncompressed, since PNG and JPEG are compressed already.
- **Each row names its counter** (``counter``) and has a ``uid`` that stays the same
  when ``idphoto history push`` copies a row from a counter's own SQLite file, so a push
  repeated after a failure never duplicates anything (``ON CONFLICT (uid) DO NOTHING``).
- :meth:`PgHistory.reserve` takes ``pg_advisory_xact_lock`` on the photo and key in a
  transaction of its own: two counters asking for the same photo at the same moment
  queue on the server, the second then finds the first one's result. The server drops
  the lock when a counter's connection dies, so a crashed counter never blocks others.

Schema migrations: a small versioned table (``idphoto_schema``) and numbered steps in
:data:`_MIGRATIONS`, applied under an advisory lock so several counters starting at once
migrate once. Alembic would bring SQLAlchemy, a migration folder and an ``alembic.ini``
to the counter for one table whose changes are a few ``ALTER TABLE`` lines; the two
backends also share one step numbering this way.

Connection trouble raises :class:`DatabaseUnreachableError`; the caller then works on
the counter's own SQLite history (``history_open``). No message ever holds the
password: it is passed apart from the address and registered for redaction.
"""

from __future__ import annotations

import builtins
import datetime as _dt
import hashlib
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from idphoto_desktop.core.errors import StorageError
from idphoto_desktop.core.job import GenerateParams, GenerateResult
from idphoto_desktop.storage.db_url import DatabaseAddress
from idphoto_desktop.storage.history import (
    counter_name,
    entry_or_missing,
    parse_rows,
    since_moment,
)
from idphoto_desktop.storage.history_rows import (
    HistoryEntry,
    HistoryEntrySummary,
    SpentRow,
    clean_digest,
    customer_needle,
    entry_from_row,
    new_row,
    row_of_entry,
    summary_from_row,
)
from idphoto_desktop.storage.pg_words import reason, unreachable

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
CONNECT_TIMEOUT_S = 5
_T = TypeVar("_T")
_MIGRATION_LOCK = 0x1D9407  # one advisory lock number for "migrating the schema"

_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE results (
            id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            uid              text        NOT NULL UNIQUE,
            created_at       timestamptz NOT NULL,
            counter          text        NOT NULL DEFAULT '',
            input_sha256     text        NOT NULL,
            params_key       text        NOT NULL,
            framing_key      text        NOT NULL,
            preset_id        text,
            width            integer     NOT NULL,
            height           integer     NOT NULL,
            format           text        NOT NULL,
            bg_color         text,
            engine           text        NOT NULL,
            foreground_rect  text,
            crop             text,
            crop_approximate boolean     NOT NULL DEFAULT false,
            guides           text,
            timings          text        NOT NULL DEFAULT '{}',
            warnings         text        NOT NULL DEFAULT '[]',
            task_id          text,
            image            bytea       NOT NULL,
            source_name      text        NOT NULL DEFAULT '',
            customer         text,
            customer_search  text
        )""",
        "ALTER TABLE results ALTER COLUMN image SET STORAGE EXTERNAL",
        "CREATE INDEX results_lookup ON results (input_sha256, params_key, id)",
        "CREATE INDEX results_framing ON results (input_sha256, framing_key, id)",
        "CREATE INDEX results_created ON results (created_at)",
    ),
}

_SELECT_DETAIL_BY_ID = """
SELECT id, created_at, input_sha256, params_key, framing_key, preset_id, width, height,
       format, bg_color, engine, task_id, source_name, customer, counter, uid,
       octet_length(image) AS image_size,
       foreground_rect, crop, crop_approximate, guides, timings, warnings, image
FROM results WHERE id = %s
"""
_SELECT_DETAIL_MATCH = """
SELECT id, created_at, input_sha256, params_key, framing_key, preset_id, width, height,
       format, bg_color, engine, task_id, source_name, customer, counter, uid,
       octet_length(image) AS image_size,
       foreground_rect, crop, crop_approximate, guides, timings, warnings, image
FROM results
WHERE input_sha256 = %(sha)s AND params_key = %(key)s
  AND (%(engine)s::text IS NULL OR engine = %(engine)s::text)
ORDER BY id DESC
"""
_SELECT_CANDIDATES = """
SELECT id, created_at, input_sha256, params_key, framing_key, preset_id, width, height,
       format, bg_color, engine, task_id, source_name, customer, counter, uid,
       octet_length(image) AS image_size,
       foreground_rect, crop, crop_approximate, guides, timings, warnings, image
FROM results WHERE input_sha256 = %s AND framing_key = %s
ORDER BY id DESC
"""
_SELECT_SUMMARIES = """
SELECT id, created_at, input_sha256, params_key, framing_key, preset_id, width, height,
       format, bg_color, engine, task_id, source_name, customer, counter, uid,
       octet_length(image) AS image_size
FROM results
WHERE (%(needle)s::text IS NULL OR strpos(customer_search, %(needle)s::text) > 0)
  AND (%(since)s::timestamptz IS NULL OR created_at >= %(since)s::timestamptz)
ORDER BY id DESC LIMIT %(limit)s
"""
_SELECT_SPENT = """
SELECT counter, (created_at AT TIME ZONE 'UTC')::date AS day,
       count(*) FILTER (WHERE engine = 'cloud') AS paid,
       count(*) FILTER (WHERE engine <> 'cloud') AS free
FROM results
WHERE (%(since)s::timestamptz IS NULL OR created_at >= %(since)s::timestamptz)
GROUP BY 1, 2 ORDER BY 2, 1
"""
_INSERT = """
INSERT INTO results (uid, created_at, counter, input_sha256, params_key, framing_key,
                     preset_id, width, height, format, bg_color, engine, foreground_rect,
                     crop, crop_approximate, guides, timings, warnings, task_id, image,
                     source_name, customer, customer_search)
VALUES (%(uid)s, %(created_at)s, %(counter)s, %(input_sha256)s, %(params_key)s,
        %(framing_key)s, %(preset_id)s, %(width)s, %(height)s, %(format)s, %(bg_color)s,
        %(engine)s, %(foreground_rect)s, %(crop)s, %(crop_approximate)s, %(guides)s,
        %(timings)s, %(warnings)s, %(task_id)s, %(image)s, %(source_name)s, %(customer)s,
        %(customer_search)s)
ON CONFLICT (uid) DO NOTHING
RETURNING id
"""


class DatabaseUnreachableError(StorageError):
    """The shared database cannot be reached (server down, network, refused login)."""

    default_hint = (
        "This counter keeps working on its own history; run 'idphoto history push' later."
    )

    def __init__(self, message: str, *, reason: str = "", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason or message


def lock_number(source_sha256: str, key: str) -> int:
    """A signed 64-bit advisory lock number for this photo and key (same on every counter)."""
    digest = hashlib.sha256(f"{source_sha256.strip().lower()}|{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PgHistory:
    """The shared history on PostgreSQL. Thread-safe (a connection pool); close it at exit."""

    def __init__(
        self,
        address: DatabaseAddress,
        *,
        counter: str | None = None,
        max_connections: int = 4,
    ) -> None:
        import psycopg
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool, PoolTimeout

        self._psycopg = psycopg
        self._pool_timeout = PoolTimeout
        self.address = address
        self.counter = counter or counter_name()
        self.skipped: builtins.list[int] = []
        self.warning: str | None = None
        self._connect_kwargs: dict[str, Any] = {
            **address.connect_kwargs(),
            "connect_timeout": CONNECT_TIMEOUT_S,
            "application_name": f"idphoto {self.counter}"[:63],
        }
        self._pool: ConnectionPool[Any] | None = ConnectionPool(
            address.url,
            kwargs={**self._connect_kwargs, "row_factory": dict_row},
            min_size=1,
            max_size=max_connections,
            open=False,
            check=ConnectionPool.check_connection,
            name="idphoto-history",
        )
        try:
            # One plain connection first: it fails at once with the server's own reason
            # (refused, wrong password), where the pool would retry in the background.
            psycopg.connect(address.url, **self._connect_kwargs).close()
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT_S + 1)
            self._migrate()
        except (psycopg.Error, PoolTimeout, StorageError) as err:
            self.close()
            if isinstance(err, StorageError) and not isinstance(err, DatabaseUnreachableError):
                raise
            why = reason(err)
            raise DatabaseUnreachableError(unreachable(address.display, why), reason=why) from None
        log.info("Shared history: %s (counter %s)", address.display, self.counter)

    def __repr__(self) -> str:
        return f"PgHistory({self.address.display!r}, counter={self.counter!r})"

    def __enter__(self) -> PgHistory:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            with suppress(Exception):
                pool.close(timeout=2)

    # -- plumbing -------------------------------------------------------------------

    def _run(self, work: Callable[[psycopg.Connection[Any]], _T], what: str) -> _T:
        """``work`` in one transaction on a pooled connection, errors made plain."""
        psycopg = self._psycopg
        pool = self._pool
        if pool is None:  # closed, perhaps by another thread that found the server gone
            raise DatabaseUnreachableError("The shared history is closed.")
        try:
            with pool.connection(timeout=CONNECT_TIMEOUT_S + 1) as conn:
                return work(conn)
        except (psycopg.OperationalError, self._pool_timeout) as err:
            why = reason(err)
            raise DatabaseUnreachableError(
                f"The shared history could not be {what}: {why}.", reason=why
            ) from None
        except psycopg.Error as err:
            why = reason(err)
            raise StorageError(f"The shared history could not be {what}: {why}.") from None

    def _fetchall(self, sql: str, args: Any, what: str) -> builtins.list[dict[str, Any]]:
        return self._run(lambda conn: conn.execute(sql, args).fetchall(), what)

    def _migrate(self) -> None:
        def work(conn: psycopg.Connection[Any]) -> None:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS idphoto_schema (version integer NOT NULL, "
                "applied_at timestamptz NOT NULL DEFAULT now())"
            )
            row = conn.execute("SELECT coalesce(max(version), 0) AS v FROM idphoto_schema")
            version = int(row.fetchone()["v"])  # type: ignore[index]
            if version > SCHEMA_VERSION:
                raise StorageError(
                    "The shared history was set up by a newer version of the app.",
                    hint="Update ID Photo Desktop on this counter.",
                )
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[step]:
                    conn.execute(statement)
                conn.execute("INSERT INTO idphoto_schema (version) VALUES (%s)", (step,))
                log.info("Shared history schema moved to version %d", step)

        self._run(work, "set up")

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
        """Store ``result`` now (committed when this returns); the new entry's id."""
        row = new_row(
            clean_digest(input_sha256), params, result, source_name=source_name,
            customer=customer, counter=self.counter, key=key, uid=uuid.uuid4().hex,
        )
        entry_id = self._insert(row)
        assert entry_id is not None
        log.info("Shared history: stored result %d (%s)", entry_id, result.engine)
        return entry_id

    def add_entry(self, entry: HistoryEntry) -> int | None:
        """Copy ``entry`` (same uid, time, counter); None when it was there already."""
        return self._insert(row_of_entry(entry))

    def _insert(self, row: dict[str, Any]) -> int | None:
        def work(conn: psycopg.Connection[Any]) -> int | None:
            found = conn.execute(_INSERT, row).fetchone()
            return None if found is None else int(found["id"])

        return self._run(work, "saved")

    def delete(self, entry_id: int) -> bool:
        def work(conn: psycopg.Connection[Any]) -> int:
            return conn.execute("DELETE FROM results WHERE id = %s", (entry_id,)).rowcount

        return self._run(work, "changed") > 0

    def clear(self) -> int:
        """Remove every entry of the shared history (every counter's)."""
        count = self._run(lambda conn: conn.execute("DELETE FROM results").rowcount, "cleared")
        log.info("Shared history cleared (%d entries)", count)
        return int(count)

    @contextmanager
    def reserve(self, source_sha256: str, key: str) -> Iterator[None]:
        """Hold the server's advisory lock on this photo and key until the block ends.

        On a connection of its own (not the pool's), so the holder's look-ups and its
        ``add`` never wait for a free pooled connection while it holds the lock.
        """
        psycopg = self._psycopg
        try:
            conn = psycopg.connect(self.address.url, **self._connect_kwargs)
        except psycopg.Error as err:
            why = reason(err)
            raise DatabaseUnreachableError(
                f"The shared history could not be locked: {why}.", reason=why
            ) from None
        try:
            try:
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_number(source_sha256, key),))
            except psycopg.Error as err:
                why = reason(err)
                raise DatabaseUnreachableError(
                    f"The shared history could not be locked: {why}.", reason=why
                ) from None
            yield
        finally:
            with suppress(psycopg.Error):
                conn.rollback()  # ends the transaction: the lock goes with it
            with suppress(psycopg.Error):
                conn.close()

    # -- reading --------------------------------------------------------------------

    def find(
        self, input_sha256: str, params: GenerateParams, *, engine: str | None = None
    ) -> HistoryEntry | None:
        args = {"sha": input_sha256.strip().lower(), "key": params.cache_key(), "engine": engine}
        found = parse_rows(self._fetchall(_SELECT_DETAIL_MATCH, args, "searched"),
                           entry_from_row, self.skipped)
        return found[0] if found else None

    def find_candidates(self, source_sha256: str, key: str) -> builtins.list[HistoryEntry]:
        rows = self._fetchall(_SELECT_CANDIDATES, (source_sha256.strip().lower(), key),
                              "searched")
        return parse_rows(rows, entry_from_row, self.skipped)

    def get(self, entry_id: int) -> HistoryEntry:
        return entry_or_missing(self._fetchall(_SELECT_DETAIL_BY_ID, (entry_id,), "read"))

    def list(
        self,
        limit: int = 200,
        *,
        customer: str | None = None,
        since: _dt.datetime | _dt.date | None = None,
    ) -> builtins.list[HistoryEntrySummary]:
        needle = customer_needle(customer)
        args = {"needle": needle, "since": since_moment(since), "limit": max(0, int(limit))}
        return parse_rows(self._fetchall(_SELECT_SUMMARIES, args, "read"), summary_from_row,
                          self.skipped)

    def count(self) -> int:
        rows = self._fetchall("SELECT count(*) AS n FROM results", (), "read")
        return int(rows[0]["n"])

    def spent(self, since: _dt.datetime | _dt.date | None = None) -> builtins.list[SpentRow]:
        rows = self._fetchall(_SELECT_SPENT, {"since": since_moment(since)}, "read")
        return [SpentRow(str(r["counter"]), r["day"], int(r["paid"]), int(r["free"]))
                for r in rows]
