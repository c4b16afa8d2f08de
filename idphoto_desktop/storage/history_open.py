"""Which history a counter uses: the shared PostgreSQL database, or its own SQLite file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from idphoto_desktop.storage.history import HistoryStore


def open_history(*, path: Path | None = None, counter: str | None = None) -> HistoryStore:
    """This counter's SQLite history (the shared database comes in the next step)."""
    from idphoto_desktop.storage.history import History

    return History(path, counter=counter)
