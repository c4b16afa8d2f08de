"""The shared history on a real PostgreSQL server: same behaviour as SQLite, plus counters."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from idphoto_desktop.core.errors import ValidationError
from idphoto_desktop.core.geometry import Rect
from idphoto_desktop.core.job import GenerateParams, GenerateResult, OutputFormat, PhotoSize
from idphoto_desktop.core.secret import Secret
from idphoto_desktop.storage import history_open
from idphoto_desktop.storage.db_url import DatabaseAddress, configured_address, split_password
from idphoto_desktop.storage.history import EntryNotFoundError, History, history_key, open_history
from idphoto_desktop.storage.history_open import SharedHistory
from tests.fixtures.postgres import PgServer, _free_port

ROOT = Path(__file__).resolve().parent.parent
PARAMS = GenerateParams(PhotoSize(413, 531), OutputFormat.PNG, preset_id="cn_1inch")


def _png(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (413, 531), (shade, shade, shade)).save(buffer, format="PNG")
    return buffer.getvalue()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _result(image: bytes, engine: str = "cloud") -> GenerateResult:
    return GenerateResult(image=image, format=OutputFormat.PNG, width=413, height=531,
                          engine=engine, foreground_rect=Rect(1, 2, 3, 4), task_id="t-1")


def _shared(url: str, counter: str, home: Path | None = None) -> SharedHistory:
    store = open_history(url=url, counter=counter,
                         path=None if home is None else home / "history.sqlite3")
    assert isinstance(store, SharedHistory)
    return store


def test_every_history_method_on_postgres(pg_url: str, tmp_path: Path) -> None:
    photo = _sha(b"photo")
    with _shared(pg_url, "Counter 1") as one:
        assert one.is_shared and one.warning is None
        first = one.add(photo, PARAMS, _result(_png(1)), "/x/Anna.jpg", customer="Müller Anna")
        second = one.add(photo, PARAMS, _result(_png(2), engine="offline"))
        other = one.add(_sha(b"other"), PARAMS, _result(_png(3)), customer="Order 77")
        entry = one.get(first)
        assert (entry.customer, entry.counter, entry.source_name) == (
            "Müller Anna", "Counter 1", "Anna.jpg")
        assert entry.image == _png(1) and entry.foreground_rect == Rect(1, 2, 3, 4)
        assert entry.created_at.tzinfo is not None
        assert [e.id for e in one.find_candidates(photo, history_key(PARAMS))] == [second, first]
        found = one.find(photo, PARAMS, engine="cloud")
        assert found is not None and found.id == first
        assert [e.id for e in one.list()] == [other, second, first]
        assert [e.id for e in one.list(customer="müLLER")] == [first]
        assert [e.id for e in one.list(customer="77")] == [other]
        assert one.list(customer="%") == []
        assert one.list(since=dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)) == []
        assert one.count() == 3
        [spent] = one.spent()
        assert (spent.counter, spent.paid, spent.free) == ("Counter 1", 2, 1)
        assert one.delete(second) and not one.delete(second)
        with pytest.raises(EntryNotFoundError):
            one.get(second)
    # reopened, from another counter: the same rows
    with _shared(pg_url, "Counter 2") as two:
        found = two.find(photo, PARAMS)
        assert found is not None and found.id == first and found.counter == "Counter 1"
        two.add(_sha(b"third"), PARAMS, _result(_png(4), engine="offline"))
        assert {(r.counter, r.paid, r.free) for r in two.spent()} == {
            ("Counter 1", 2, 0), ("Counter 2", 0, 1)}
        assert two.clear() == 3
        assert two.count() == 0


def test_bad_rows_are_skipped_on_postgres(pg_url: str) -> None:
    import psycopg

    photo = _sha(b"p")
    with _shared(pg_url, "c") as store:
        good = store.add(photo, PARAMS, _result(_png(1)))
        bad = store.add(photo, PARAMS, _result(_png(2)))
        with psycopg.connect(pg_url) as conn:
            conn.execute("UPDATE results SET format = 'tiff' WHERE id = %s", (bad,))
        assert [e.id for e in store.find_candidates(photo, history_key(PARAMS))] == [good]
        assert [e.id for e in store.list()] == [good]
        assert store.skipped == [bad]


def test_schema_is_migrated_once_by_counters_starting_together(pg_url: str) -> None:
    import psycopg

    errors: list[BaseException] = []

    def start(n: int) -> None:
        try:
            with _shared(pg_url, f"c{n}") as store:
                assert store.is_shared, store.warning
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=start, args=(n,)) for n in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT version FROM idphoto_schema").fetchall() == [(1,)]


_RESERVE_AND_ADD = textwrap.dedent(
    """
    import sys
    from idphoto_desktop.core.job import GenerateParams, GenerateResult, OutputFormat, PhotoSize
    from idphoto_desktop.storage.history import history_key, open_history
    params = GenerateParams(PhotoSize(413, 531), OutputFormat.PNG, preset_id="cn_1inch")
    url, photo, counter, image = sys.argv[1:5]
    with open_history(url=url, counter=counter) as store:
        assert store.warning is None, store.warning
        key = history_key(params)
        with store.reserve(photo, key):
            if store.find_candidates(photo, key):
                print("found")
            else:
                import time; time.sleep(0.3)  # the paid call
                data = open(image, "rb").read()
                store.add(photo, params, GenerateResult(image=data, format=OutputFormat.PNG,
                          width=413, height=531, engine="cloud"))
                print("paid")
    """
)


def test_reserve_makes_counters_pay_once(pg_url: str, tmp_path: Path) -> None:
    image = tmp_path / "r.png"
    image.write_bytes(_png(5))
    photo = _sha(b"the same customer")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _RESERVE_AND_ADD, pg_url, photo, f"counter {n}", str(image)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**__import__("os").environ, "IDPHOTO_HOME": str(tmp_path / f"home{n}")},
        )
        for n in range(4)
    ]
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert pg_url.split(":")[2].split("@")[0] not in out + err  # no password
        outputs.append(out.strip())
    assert sorted(outputs) == ["found", "found", "found", "paid"]
    with _shared(pg_url, "check") as store:
        assert store.count() == 1


def test_an_unreachable_database_falls_back_and_push_moves_the_rows(
    pg_server_factory: Callable[[], PgServer], tmp_path: Path
) -> None:
    server = pg_server_factory()
    url = server.url(server.create_database())
    local_path = tmp_path / "history.sqlite3"
    photo_a, photo_b, photo_c = _sha(b"a"), _sha(b"b"), _sha(b"c")
    store = _shared(url, "Counter 1", tmp_path)
    try:
        store.add(photo_a, PARAMS, _result(_png(1)))
        server.stop()  # the database goes away in the middle of the day
        entry_id = store.add(photo_b, PARAMS, _result(_png(2)), customer="Li Wei")
        assert not store.is_shared
        assert store.warning is not None and "idphoto history push" in store.warning
        assert server.password not in store.warning
        assert store.get(entry_id).customer == "Li Wei"
        assert store.find(photo_b, PARAMS) is not None
    finally:
        store.close()
    # a counter started while the database is down says so and carries on
    with _shared(url, "Counter 1", tmp_path) as down:
        assert not down.is_shared and down.warning is not None
        down.add(photo_c, PARAMS, _result(_png(3)))
    server.start()
    address = configured_address(url)
    assert address is not None
    with SharedHistory(address, path=local_path, counter="Counter 1", why="down",
                       retry_after_s=0) as back:
        assert not back.is_shared
        assert back.count() == 1  # tried again: the shared database answers
        assert back.is_shared and back.warning is not None and "again" in back.warning
    first = history_open.push(address, path=local_path, counter="Counter 1")
    assert (first.copied, first.already) == (2, 0)
    again = history_open.push(address, path=local_path, counter="Counter 1")
    assert (again.copied, again.already) == (0, 0)
    with _shared(url, "Counter 2", tmp_path / "other") as shared:
        assert shared.count() == 3
        moved = shared.find(photo_b, PARAMS)
        assert moved is not None and moved.counter == "Counter 1" and moved.customer == "Li Wei"
        assert moved.image == _png(2)
    with History(local_path) as local:
        assert local.count() == 2  # kept locally, marked pushed
        assert local.unpushed() == ([], None)


def test_an_interrupted_push_never_duplicates(pg_url: str, tmp_path: Path) -> None:
    local_path = tmp_path / "history.sqlite3"
    with History(local_path, counter="c1") as local:
        for i in range(3):
            local.add(_sha(bytes([i])), PARAMS, _result(_png(i)))
        copy = local.get(1)
    address = configured_address(pg_url)
    assert address is not None
    from idphoto_desktop.storage.history_pg import PgHistory

    with PgHistory(address) as shared:  # as if a push died after its first insert
        assert shared.add_entry(copy) is not None
        assert shared.add_entry(copy) is None
    report = history_open.push(address, path=local_path)
    assert (report.copied, report.already) == (2, 1)
    with PgHistory(address) as shared:
        assert shared.count() == 3


def test_the_password_is_kept_apart_and_never_shown(pg_server: PgServer) -> None:
    url, password = split_password(pg_server.url())
    assert password == pg_server.password and pg_server.password not in url
    wrong = pg_server.url().replace(pg_server.password, "not-the-password-123")
    with open_history(url=wrong, counter="c") as store:
        assert isinstance(store, SharedHistory) and not store.is_shared
        assert store.warning is not None
        assert "not-the-password-123" not in store.warning
        assert "the server refused the user name or password" in store.warning
    with pytest.raises(ValidationError, match="postgresql://"):
        split_password("mysql://x@y/z")


def test_threads_lose_nothing_when_the_server_stops_under_them(
    pg_server_factory: Callable[[], PgServer], tmp_path: Path
) -> None:
    server = pg_server_factory()
    url = server.url(server.create_database())
    local_path = tmp_path / "history.sqlite3"
    made: list[str] = []
    errors: list[BaseException] = []
    guard = threading.Lock()
    some_done = threading.Event()
    stopped = threading.Event()

    store = _shared(url, "Counter T", tmp_path)
    assert store.is_shared

    def work(n: int) -> None:
        try:
            for i in range(10):
                if i == 2:  # two each while the server runs, the rest once it has stopped
                    assert stopped.wait(120)
                photo = _sha(f"{n}-{i}".encode())
                with store.reserve(photo, history_key(PARAMS)):
                    store.add(photo, PARAMS, _result(_png(i)))
                with guard:
                    made.append(photo)
                    if len(made) >= 8:
                        some_done.set()
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    assert some_done.wait(120)
    server.stop()
    stopped.set()
    for t in threads:
        t.join()
    store.close()
    assert errors == []
    assert len(made) == 40
    assert not store.is_shared
    server.start()
    address = configured_address(url)
    assert address is not None
    report = history_open.push(address, path=local_path)
    assert (report.copied, report.already, report.skipped) == (32, 0, 0)
    with _shared(url, "check") as shared:
        assert shared.count() == 40
        for photo in made:
            assert len(shared.find_candidates(photo, history_key(PARAMS))) == 1


def test_a_refused_server_is_said_in_the_clerk_s_words(
    pg_server: PgServer, tmp_path: Path
) -> None:
    """The server's own reasons (a wrong password, a database that is not there, nothing
    listening) are said in catalogued phrases, in Chinese too, never as libpq's text."""
    from idphoto_desktop.core import i18n
    from idphoto_desktop.storage.history_pg import DatabaseUnreachableError, PgHistory

    url, _password = split_password(pg_server.url())
    port = urlsplit(url).port
    cases = {
        "the server refused the user name or password": DatabaseAddress(url, Secret("wrong")),
        "the server has no database of that name": DatabaseAddress(
            split_password(pg_server.url("no_such_db"))[0], Secret(pg_server.password)
        ),
        "the server refused the connection": DatabaseAddress(
            url.replace(f":{port}/", f":{_free_port()}/"), Secret(pg_server.password)
        ),
    }
    for phrase, address in cases.items():
        with pytest.raises(DatabaseUnreachableError) as caught:
            PgHistory(address).close()
        text = caught.value.full_text()
        assert phrase in text and "FATAL" not in text and "libpq" not in text, text
        chinese = i18n.error_text(caught.value, "zh_CN")
        assert not re.search(r"\b(the|server|refused|database|connection)\b", chinese), chinese
