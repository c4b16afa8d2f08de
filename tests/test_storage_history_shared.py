"""History v2 on SQLite: customers, counters, candidates, reserve, migration, bad rows, damage."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from idphoto_desktop.core.job import GenerateParams, GenerateResult, OutputFormat, PhotoSize
from idphoto_desktop.storage import paths
from idphoto_desktop.storage.history import (
    SCHEMA_VERSION,
    History,
    history_key,
    open_history,
)

ROOT = Path(__file__).resolve().parent.parent
PARAMS = GenerateParams(PhotoSize(413, 531), OutputFormat.PNG, preset_id="cn_1inch")
JPG = GenerateParams(PhotoSize(413, 531), OutputFormat.JPG, bg_color="FFFFFF", preset_id="cn_1inch")


def _png(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (413, 531), (shade, shade, shade)).save(buffer, format="PNG")
    return buffer.getvalue()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _result(image: bytes, engine: str = "cloud") -> GenerateResult:
    return GenerateResult(image=image, format=OutputFormat.PNG, width=413, height=531,
                          engine=engine)


@pytest.fixture
def history() -> Iterator[History]:
    with History(counter="Counter 1") as h:
        yield h


def test_customer_and_counter_are_stored_and_searchable(history: History) -> None:
    a = history.add(_sha(b"a"), PARAMS, _result(_png(1)), "a.jpg", customer="  Müller,\tAnna ")
    b = history.add(_sha(b"b"), PARAMS, _result(_png(2)), customer="订单 42")
    c = history.add(_sha(b"c"), PARAMS, _result(_png(3)))
    entry = history.get(a)
    assert entry.customer == "Müller, Anna"
    assert entry.counter == "Counter 1"
    assert entry.format is OutputFormat.PNG and entry.bg_color is None
    assert len(entry.uid) == 32
    assert [e.id for e in history.list(customer="MÜLLER")] == [a]
    assert [e.id for e in history.list(customer="42")] == [b]
    assert [e.id for e in history.list()] == [c, b, a]
    assert history.list(customer="nobody") == []
    assert history.list(customer="%") == []  # no wildcard meaning
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    assert history.list(since=tomorrow) == []
    assert len(history.list(since=dt.datetime.now(dt.UTC).date())) == 3


def test_find_candidates_matches_the_stored_key_newest_first(history: History) -> None:
    photo = _sha(b"photo")
    key = history_key(PARAMS)
    first = history.add(photo, PARAMS, _result(_png(1)))
    second = history.add(photo, PARAMS, _result(_png(2), engine="offline"))
    history.add(photo, PARAMS, _result(_png(3)), key="another framing")
    history.add(_sha(b"other photo"), PARAMS, _result(_png(4)))
    found = history.find_candidates(photo.upper(), key)
    assert [e.id for e in found] == [second, first]
    assert found[1].image == _png(1)
    assert history.find_candidates(photo, "nothing") == []


def test_spent_counts_paid_and_free_per_counter_and_day(history: History) -> None:
    history.add(_sha(b"1"), PARAMS, _result(_png(1), engine="cloud"))
    history.add(_sha(b"2"), PARAMS, _result(_png(2), engine="cloud"))
    history.add(_sha(b"3"), PARAMS, _result(_png(3), engine="offline"))
    [row] = history.spent()
    assert (row.counter, row.day, row.paid, row.free) == (
        "Counter 1", dt.datetime.now(dt.UTC).date(), 2, 1)


def test_open_history_without_a_database_is_this_counters_sqlite() -> None:
    with open_history() as store:
        assert isinstance(store, History)
        assert store.path == paths.history_db_path()
        assert store.warning is None


def test_a_bad_database_address_leaves_the_counter_working(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IDPHOTO_DATABASE_URL", "mysql://someone:pw1234@db.example/x")
    with open_history() as store:
        assert isinstance(store, History)
        assert store.warning is not None and "postgresql://" in store.warning
        assert "pw1234" not in store.warning
        store.add(_sha(b"p"), PARAMS, _result(_png(1)))
        assert store.count() == 1


def test_history_file_is_private(private_app_home: Path) -> None:
    folder = paths.data_dir()  # made by paths with the usual umask
    os.chmod(folder, 0o755)
    with History() as h:
        h.add(_sha(b"p"), PARAMS, _result(_png(1)))
        assert stat.S_IMODE(os.stat(h.path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
        for suffix in ("-wal", "-shm"):
            extra = Path(f"{h.path}{suffix}")
            if extra.exists():
                assert stat.S_IMODE(os.stat(extra).st_mode) & 0o077 == 0


def _v1_database(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE results (
            id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL,
            input_sha256 TEXT NOT NULL, params_key TEXT NOT NULL, preset_id TEXT,
            width INTEGER NOT NULL, height INTEGER NOT NULL, format TEXT NOT NULL,
            bg_color TEXT, engine TEXT NOT NULL, foreground_rect TEXT, crop TEXT,
            crop_approximate INTEGER NOT NULL DEFAULT 0, guides TEXT,
            timings TEXT NOT NULL DEFAULT '{}', warnings TEXT NOT NULL DEFAULT '[]',
            task_id TEXT, image BLOB NOT NULL, source_name TEXT NOT NULL DEFAULT '');
        PRAGMA user_version=1;
        """
    )
    conn.execute(
        "INSERT INTO results (created_at, input_sha256, params_key, preset_id, width, height,"
        " format, engine, image) VALUES (?, ?, ?, ?, 413, 531, 'png', 'cloud', ?)",
        ("2026-01-02T03:04:05.000000+00:00", _sha(b"old"), PARAMS.cache_key(), "cn_1inch",
         _png(9)),
    )
    conn.commit()
    conn.close()


def test_a_version_1_history_is_migrated_keeping_its_rows() -> None:
    db = paths.history_db_path()
    _v1_database(db)
    with History() as h:
        found = h.find(_sha(b"old"), PARAMS)
        assert found is not None and found.image == _png(9)
        assert found.customer is None and len(found.uid) == 32
        assert h.find_candidates(_sha(b"old"), PARAMS.cache_key())[0].id == found.id
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_rows_with_bad_values_are_skipped_and_reported(
    history: History, caplog: pytest.LogCaptureFixture
) -> None:
    photo = _sha(b"photo")
    good = history.add(photo, PARAMS, _result(_png(1)))
    bad = history.add(photo, PARAMS, _result(_png(2)))
    worse = history.add(_sha(b"x"), PARAMS, _result(_png(3)))
    conn = sqlite3.connect(history.path)
    conn.execute("UPDATE results SET format = 'gif', width = 'wide' WHERE id = ?", (bad,))
    conn.execute("UPDATE results SET created_at = 'yesterday-ish' WHERE id = ?", (worse,))
    conn.execute("UPDATE results SET source_name = CAST(x'ff41' AS TEXT) WHERE id = ?", (good,))
    conn.commit()
    conn.close()
    found = history.find(photo, PARAMS)
    assert found is not None and found.id == good
    assert [e.id for e in history.find_candidates(photo, history_key(PARAMS))] == [good]
    assert [e.id for e in history.list()] == [good]
    assert history.list()[0].source_name == "\ufffdA"  # not UTF-8: shown, never a crash
    assert sorted(history.skipped) == [bad, worse]
    assert "Skipped history entry" in caplog.text
    history.spent()  # a bad date never raises


def _damage_a_middle_page(db: Path, count: int = 1) -> None:
    conn = sqlite3.connect(db)
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    assert pages > 4 + count
    with open(db, "r+b") as handle:
        handle.seek(page * (pages // 2 - count // 2))
        handle.write(b"\xa5" * page * count)


def _fill(n: int) -> None:
    with History() as h:
        for i in range(n):
            h.add(_sha(bytes([i])), PARAMS, _result(_png(i) + os.urandom(3000)))
        h.close()


def test_a_damaged_middle_page_is_set_aside_and_backups_never_overwritten() -> None:
    db = paths.history_db_path()
    backups: list[Path] = []
    total = 0
    for round_ in range(2):
        _fill(20)
        _damage_a_middle_page(db)
        with History() as h:
            assert h.warning is not None and "damaged" in h.warning
            assert h.set_aside_to is not None
            backups.append(h.set_aside_to)
            kept = h.count()
            assert "could still be read" in h.warning
            assert 0 < kept < total + 20  # the readable results came along, not the bad page
            total = kept
            h.add(_sha(b"after"), PARAMS, _result(_png(7)))
            assert h.find(_sha(b"after"), PARAMS) is not None
        total += 1
        assert backups[-1].is_file()
        if round_ == 0:
            first_bytes = backups[0].read_bytes()
    assert backups[0] != backups[1]
    assert backups[0].read_bytes() == first_bytes
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600


_RESERVER = textwrap.dedent(
    """
    import sys, time
    from idphoto_desktop.storage.history import History
    with History() as h:
        with h.reserve(sys.argv[1], "k"):
            print("in", time.monotonic(), flush=True)
            time.sleep(float(sys.argv[2]))
            print("out", time.monotonic(), flush=True)
    """
)


def test_reserve_serialises_processes_and_threads() -> None:
    photo = _sha(b"same photo")
    procs = [
        subprocess.Popen([sys.executable, "-c", _RESERVER, photo, "0.4"], cwd=ROOT,
                         stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    spans = []
    for proc in procs:
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0
        lines = dict(line.split() for line in out.split("\n") if line)
        spans.append((float(lines["in"]), float(lines["out"])))
    spans.sort()
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start >= end  # never two holders at once

    inside = 0
    most = 0
    guard = threading.Lock()

    def work() -> None:
        nonlocal inside, most
        with History() as h, h.reserve(photo, "k"):
            with guard:
                inside += 1
                most = max(most, inside)
            time.sleep(0.05)
            with guard:
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most == 1


def test_damage_found_by_a_query_sets_the_file_aside(monkeypatch: pytest.MonkeyPatch) -> None:
    """Big files skip the check on open; the first query that meets the damage recovers."""
    from idphoto_desktop.storage import history as history_module

    db = paths.history_db_path()
    _fill(20)
    with History() as h:
        paid = h.list(limit=1)[0]  # the newest row, far from the middle pages
    _damage_a_middle_page(db, count=5)
    monkeypatch.setattr(history_module, "QUICK_CHECK_MAX_BYTES", 0)
    with History() as h:
        assert h.set_aside_to is None  # not checked on open
        listed = h.list()  # meets the damaged page
        assert h.set_aside_to is not None and h.set_aside_to.is_file()
        assert h.warning is not None and "damaged" in h.warning
        assert paid.id in [e.id for e in listed]
        assert 0 < len(listed) < 20
        found = h.get(paid.id)
        assert found.uid == paid.uid and found.image.startswith(b"\x89PNG")
    with History() as again:
        assert again.set_aside_to is None and again.count() == len(listed)
