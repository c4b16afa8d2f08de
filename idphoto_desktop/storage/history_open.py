"""Which history a counter uses: the shared PostgreSQL database, or its own SQLite file.

With no database address configured, :func:`open_history` returns the counter's SQLite
:class:`History` exactly as before. With one, it returns a :class:`SharedHistory`: every
call goes to the shared database while it answers; the first time it does not (at
start, or in the middle of the day) the counter carries on with its own SQLite history,
sets :attr:`SharedHistory.warning` to a plain sentence the window or CLI shows, and
keeps what it makes there until ``idphoto history push`` (:func:`push`) copies it to
the shared database. Every :data:`RETRY_AFTER_S` it tries the shared database again
(a window stays open all day). A paid result is therefore always kept somewhere.
"""

from __future__ import annotations

import builtins
import datetime as _dt
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from idphoto_desktop.core.errors import ValidationError
from idphoto_desktop.core.i18n import N_
from idphoto_desktop.storage.pg_words import unreachable

if TYPE_CHECKING:
    from idphoto_desktop.core.job import GenerateParams, GenerateResult
    from idphoto_desktop.storage.db_url import DatabaseAddress
    from idphoto_desktop.storage.history import History, HistoryStore
    from idphoto_desktop.storage.history_pg import PgHistory
    from idphoto_desktop.storage.history_rows import (
        HistoryEntry,
        HistoryEntrySummary,
        SpentRow,
    )

log = logging.getLogger(__name__)
_T = TypeVar("_T")
RETRY_AFTER_S = 120.0
"""While working locally, how often to try the shared database again."""


def _offline_sentence(display: str, why: str) -> str:
    """The warning while this counter works on its own history (catalogued: the window
    and the CLI show it in the clerk's language; ``why`` is ``pg_words.reason``'s)."""
    return " ".join((
        unreachable(display, why),
        N_(
            "This counter is working on its own history: results made now are kept here "
            "and can be moved with 'idphoto history push' once the database is back."
        ),
    ))


class SharedHistory:
    """The shared database while it answers, this counter's SQLite file when it does not.

    Entry ids belong to the store that answered: after a switch to the local history,
    ids listed earlier from the shared database no longer apply (refresh the list).
    """

    def __init__(
        self,
        address: DatabaseAddress,
        *,
        path: Path | None = None,
        counter: str,
        shared: PgHistory | None = None,
        why: str = "",
        retry_after_s: float | None = RETRY_AFTER_S,
    ) -> None:
        self.address = address
        self.counter = counter
        self.retry_after_s = retry_after_s
        self._retry_at = 0.0
        self._path = path
        self._shared = shared
        self._local: History | None = None
        self._state = threading.RLock()  # guards switching between the two stores
        self.skipped: builtins.list[int] = []
        self.warning: str | None = None
        if shared is None:
            self._go_local(why or N_("the server did not answer"))

    def __repr__(self) -> str:
        where = "shared" if self._shared is not None else "local"
        return f"SharedHistory({self.address.display!r}, {where})"

    def __enter__(self) -> SharedHistory:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def is_shared(self) -> bool:
        """True while the shared database is in use."""
        return self._shared is not None

    def local(self) -> History:
        """This counter's own SQLite history (opened on first use)."""
        with self._state:
            if self._local is None:
                from idphoto_desktop.storage.history import History

                self._local = History(self._path, counter=self.counter)
            return self._local

    def _go_local(self, why: str) -> None:
        with self._state:
            shared, self._shared = self._shared, None
            if shared is not None:
                shared.close()
            self.warning = _offline_sentence(self.address.display, why)
            if self.retry_after_s is not None:
                self._retry_at = time.monotonic() + self.retry_after_s
        log.warning("%s", self.warning)

    def _maybe_back(self) -> None:
        """While working locally, try the shared database again now and then."""
        if self._shared is not None or self.retry_after_s is None:
            return
        from idphoto_desktop.storage.history_pg import DatabaseUnreachableError, PgHistory

        with self._state:
            if self._shared is not None or time.monotonic() < self._retry_at:
                return
            try:
                self._shared = PgHistory(self.address, counter=self.counter)
            except DatabaseUnreachableError:
                self._retry_at = time.monotonic() + self.retry_after_s
                return
            self.warning = (
                f"The shared history ({self.address.display}) answers again. Results made "
                "while it was away stay on this counter until 'idphoto history push'."
            )
        log.warning("%s", self.warning)

    def _either(self, shared: Callable[[PgHistory], _T], local: Callable[[History], _T]) -> _T:
        from idphoto_desktop.storage.history_pg import DatabaseUnreachableError

        self._maybe_back()
        current = self._shared
        if current is not None:
            try:
                value = shared(current)
            except DatabaseUnreachableError as err:
                self._go_local(err.reason)
            else:
                self._collect(current.skipped)
                return value
        value = local(self.local())
        self._collect(self.local().skipped)
        return value

    def _collect(self, skipped: builtins.list[int]) -> None:
        self.skipped.extend(i for i in skipped if i not in self.skipped)

    def close(self) -> None:
        with self._state:
            shared, self._shared = self._shared, None
            if shared is not None:
                shared.close()
            if self._local is not None:
                self._local.close()

    # -- the HistoryStore methods -----------------------------------------------------

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
        return self._either(
            lambda s: s.add(input_sha256, params, result, source_name, customer=customer,
                            key=key),
            lambda h: h.add(input_sha256, params, result, source_name, customer=customer,
                            key=key),
        )

    def find(
        self, input_sha256: str, params: GenerateParams, *, engine: str | None = None
    ) -> HistoryEntry | None:
        return self._either(lambda s: s.find(input_sha256, params, engine=engine),
                            lambda h: h.find(input_sha256, params, engine=engine))

    def find_candidates(self, source_sha256: str, key: str) -> builtins.list[HistoryEntry]:
        return self._either(lambda s: s.find_candidates(source_sha256, key),
                            lambda h: h.find_candidates(source_sha256, key))

    @contextmanager
    def reserve(self, source_sha256: str, key: str) -> Iterator[None]:
        """The server's lock while it answers (all counters), else this counter's lock."""
        from idphoto_desktop.storage.history_pg import DatabaseUnreachableError

        self._maybe_back()
        current = self._shared
        if current is not None:
            try:
                held = current.reserve(source_sha256, key)
                held.__enter__()
            except DatabaseUnreachableError as err:
                self._go_local(err.reason)
            else:
                try:
                    yield
                finally:
                    held.__exit__(None, None, None)
                return
        with self.local().reserve(source_sha256, key):
            yield

    def get(self, entry_id: int) -> HistoryEntry:
        return self._either(lambda s: s.get(entry_id), lambda h: h.get(entry_id))

    def list(
        self,
        limit: int = 200,
        *,
        customer: str | None = None,
        since: _dt.datetime | _dt.date | None = None,
    ) -> builtins.list[HistoryEntrySummary]:
        return self._either(lambda s: s.list(limit, customer=customer, since=since),
                            lambda h: h.list(limit, customer=customer, since=since))

    def delete(self, entry_id: int) -> bool:
        return self._either(lambda s: s.delete(entry_id), lambda h: h.delete(entry_id))

    def clear(self) -> int:
        return self._either(lambda s: s.clear(), lambda h: h.clear())

    def count(self) -> int:
        return self._either(lambda s: s.count(), lambda h: h.count())

    def spent(self, since: _dt.datetime | _dt.date | None = None) -> builtins.list[SpentRow]:
        return self._either(lambda s: s.spent(since), lambda h: h.spent(since))


def settings_values() -> tuple[str, str]:
    """The ``database_url`` and ``counter_name`` settings ('' when unreadable)."""
    try:
        from idphoto_desktop.storage.settings import Settings

        settings = Settings()
        return settings.database_url, settings.counter_name
    except Exception as err:  # settings trouble must not stop the history
        log.warning("Settings unreadable for the history: %s", err)
        return "", ""


def shared_address(url: str | None = None) -> DatabaseAddress | None:
    """The configured shared database (``url``, the environment, the setting) or None."""
    from idphoto_desktop.storage.db_url import configured_address

    return configured_address(url if url is not None else settings_values()[0])


def open_history(
    *,
    path: Path | None = None,
    counter: str | None = None,
    url: str | None = None,
) -> HistoryStore:
    """The configured history: :class:`SharedHistory` with an address, else SQLite.

    ``url`` overrides the setting (``IDPHOTO_DATABASE_URL`` overrides both); ``path``
    is the local SQLite file; ``counter`` this counter's name (default: setting, host).
    Never fails because the shared database is down: see :attr:`SharedHistory.warning`.
    """
    from idphoto_desktop.storage.db_url import configured_address
    from idphoto_desktop.storage.history import History, counter_name

    setting_url, setting_counter = settings_values()
    name = counter or counter_name(setting_counter)
    try:
        address = configured_address(url if url is not None else setting_url)
    except ValidationError as err:  # a bad IDPHOTO_DATABASE_URL must not stop the counter
        local = History(path, counter=name)
        local.warning = f"{err} This counter is working on its own history."
        log.warning("%s", local.warning)
        return local
    if address is None:
        return History(path, counter=name)
    from idphoto_desktop.storage.history_pg import DatabaseUnreachableError, PgHistory

    try:
        shared = PgHistory(address, counter=name)
    except DatabaseUnreachableError as err:
        return SharedHistory(address, path=path, counter=name, why=err.reason)
    return SharedHistory(address, path=path, counter=name, shared=shared)


@dataclass(frozen=True)
class PushReport:
    copied: int  # new in the shared database
    already: int  # were there already (an earlier, interrupted push)
    skipped: int  # unreadable local rows, left in place


def push(
    address: DatabaseAddress,
    *,
    path: Path | None = None,
    counter: str | None = None,
    progress: Callable[[int], Any] | None = None,
) -> PushReport:
    """Copy every result of this counter's SQLite history not yet pushed to the shared one.

    Each row keeps its uid, time and counter; the shared database ignores a uid it has
    (``ON CONFLICT DO NOTHING``), and a row is marked pushed only after its insert
    committed, so an interrupted push is simply run again. Local rows stay (marked).
    """
    from idphoto_desktop.storage.history import History, counter_name
    from idphoto_desktop.storage.history_pg import PgHistory

    copied = already = 0
    with PgHistory(address, counter=counter or counter_name()) as shared, History(
        path, counter=counter
    ) as local:
        after = 0
        while True:
            batch, last = local.unpushed(after_id=after, limit=20)
            if last is None:
                break
            after = last
            for entry in batch:
                if shared.add_entry(entry) is None:
                    already += 1
                else:
                    copied += 1
                local.mark_pushed([entry.uid])
                if progress is not None:
                    progress(copied + already)
        skipped = len(local.skipped)
    if copied or already:
        log.info("History push: %d copied, %d already there", copied, already)
    return PushReport(copied, already, skipped)


__all__ = ["PushReport", "SharedHistory", "open_history", "push"]
