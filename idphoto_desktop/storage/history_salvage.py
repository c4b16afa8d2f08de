"""Rows still readable in a damaged history file, copied into the fresh one.

A damaged page (a disk error, a copy cut short) spoils the rows on that page, not the
file's other results, which may be paid ones. When the history is set aside, every row
that can still be read by its id is copied into the new file with the same id and uid;
the damaged file stays as it was moved, for a specialist.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from idphoto_desktop.storage.history_rows import customer_fold

log = logging.getLogger(__name__)

MAX_IDS = 1_000_000

_INSERT = """
INSERT OR IGNORE INTO results (
    id, created_at, input_sha256, params_key, framing_key, preset_id, width, height,
    format, bg_color, engine, foreground_rect, crop, crop_approximate, guides, timings,
    warnings, task_id, image, source_name, customer, customer_search, counter, uid, pushed_at)
VALUES (:id, :created_at, :input_sha256, :params_key, :framing_key, :preset_id, :width,
        :height, :format, :bg_color, :engine, :foreground_rect, :crop, :crop_approximate,
        :guides, :timings, :warnings, :task_id, :image, :source_name, :customer,
        :customer_search, :counter, :uid, :pushed_at)
"""

_DEFAULTS: dict[str, Any] = {
    "preset_id": None, "bg_color": None, "foreground_rect": None, "crop": None,
    "crop_approximate": 0, "guides": None, "timings": "{}", "warnings": "[]", "task_id": None,
    "source_name": "", "customer": None, "counter": "", "pushed_at": None,
}


def _last_id(src: sqlite3.Connection) -> int:
    for sql in ("SELECT seq FROM sqlite_sequence WHERE name = 'results'",
                "SELECT max(id) FROM results"):
        try:
            row = src.execute(sql).fetchone()
        except sqlite3.DatabaseError:
            continue
        if row and row[0]:
            return min(int(row[0]), MAX_IDS)
    return 0


def salvage(damaged: Path, into: sqlite3.Connection) -> tuple[int, int]:
    """Copy the readable rows of ``damaged`` into ``into``: (copied, unreadable)."""
    copied = lost = 0
    try:
        src = sqlite3.connect(damaged, timeout=1.0)
    except sqlite3.Error:
        return 0, 0
    try:
        src.row_factory = sqlite3.Row
        last = _last_id(src)
        into.execute("BEGIN IMMEDIATE")
        for entry_id in range(1, last + 1):
            try:
                row = src.execute("SELECT * FROM results WHERE id = ?", (entry_id,)).fetchone()
            except sqlite3.DatabaseError:
                lost += 1
                continue
            if row is None:
                continue
            values = {**_DEFAULTS, **dict(row)}
            values["framing_key"] = values.get("framing_key") or values.get("params_key")
            values["uid"] = values.get("uid") or uuid.uuid4().hex
            values["customer_search"] = customer_fold(values.get("customer"))
            try:
                into.execute(_INSERT, values)
                copied += 1
            except (sqlite3.IntegrityError, sqlite3.InterfaceError, KeyError):
                lost += 1
        into.execute("COMMIT")
    except sqlite3.Error as err:
        log.warning("Salvaging the damaged history stopped: %s", err)
        try:
            into.execute("COMMIT")
        except sqlite3.Error:
            pass
    finally:
        src.close()
    log.warning("Damaged history: %d results copied to the new file, %d unreadable",
                copied, lost)
    return copied, lost
