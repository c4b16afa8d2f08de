"""History: every result kept at once, found again for the same photo and parameters."""

from __future__ import annotations

import hashlib
import io
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from idphoto_desktop.core.errors import StorageError
from idphoto_desktop.core.geometry import Affine, Rect
from idphoto_desktop.core.job import (
    FaceGuides,
    GenerateParams,
    GenerateResult,
    OutputFormat,
    PhotoSize,
)
from idphoto_desktop.storage import paths
from idphoto_desktop.storage.history import EntryNotFoundError, History

ROOT = Path(__file__).resolve().parent.parent


def _png(width: int, height: int, colour: tuple[int, int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


PARAMS = GenerateParams(PhotoSize(413, 531), OutputFormat.PNG, preset_id="cn_1inch")
JPG_PARAMS = GenerateParams(PhotoSize(600, 600), OutputFormat.JPG, bg_color="FFFFFF")


def _result(image: bytes, engine: str = "offline", **extra: object) -> GenerateResult:
    values: dict[str, object] = {
        "image": image,
        "format": OutputFormat.PNG,
        "width": 413,
        "height": 531,
        "engine": engine,
        "foreground_rect": Rect(12.5, 40.0, 300.0, 480.25),
        "crop": Affine(0.5, 0.01, -3.0, -0.01, 0.5, 7.0),
        "crop_is_approximate": True,
        "guides": FaceGuides(crown_y=50.0, chin_y=400.5, eye_y=210.0, center_x=206.5),
        "task_id": "task-123",
        "timings_ms": {"upload": 12.5, "total": 800.0},
        "warnings": ("background not allowed by preset",),
    }
    values.update(extra)
    return GenerateResult(**values)  # type: ignore[arg-type]


@pytest.fixture
def history() -> Iterator[History]:
    h = History()
    yield h
    h.close()


def test_add_get_round_trip_keeps_everything(history: History, private_app_home: Path) -> None:
    assert history.path == private_app_home / "data" / "history.sqlite3"
    image = _png(413, 531, (10, 20, 30, 0))
    source = _sha(b"customer photo bytes")
    result = _result(image)
    entry_id = history.add(source, PARAMS, result, source_name="/home/clerk/Kunden/Müller.jpg")
    entry = history.get(entry_id)
    assert entry.image == image
    assert entry.source_name == "Müller.jpg"  # base name only
    assert entry.input_sha256 == source
    assert entry.params_key == PARAMS.cache_key()
    assert entry.preset_id == "cn_1inch"
    assert entry.bg_color is None
    assert entry.image_size == len(image)
    assert entry.created_at.tzinfo is not None
    assert entry.to_result() == result  # every field survives (raw is not kept)


def test_jpg_keeps_its_background_colour(history: History) -> None:
    image = _png(600, 600, (255, 255, 255, 255))
    result = _result(image, format=OutputFormat.JPG, width=600, height=600)
    entry = history.get(history.add(_sha(b"x"), JPG_PARAMS, result))
    assert entry.bg_color == "FFFFFF"
    assert entry.format is OutputFormat.JPG


def test_find_the_same_photo_and_parameters(history: History) -> None:
    source = _sha(b"photo A")
    assert history.find(source, PARAMS) is None
    old = history.add(source, PARAMS, _result(_png(413, 531, (1, 1, 1, 255))))
    new = history.add(source, PARAMS, _result(_png(413, 531, (2, 2, 2, 255)), engine="cloud"))
    found = history.find(source, PARAMS)
    assert found is not None and found.id == new  # the newest
    found_offline = history.find(source, PARAMS, engine="offline")
    assert found_offline is not None and found_offline.id == old
    # Different photo content, size, format, colour or preset: no match.
    assert history.find(_sha(b"photo B"), PARAMS) is None
    assert history.find(source, GenerateParams(PhotoSize(413, 532), preset_id="cn_1inch")) is None
    assert history.find(source, GenerateParams(PhotoSize(413, 531))) is None
    jpg = GenerateParams(PhotoSize(413, 531), OutputFormat.JPG, "FF0000", "cn_1inch")
    assert history.find(source, jpg) is None
    # The hash is matched regardless of letter case.
    upper = history.find(source.upper(), PARAMS)
    assert upper is not None and upper.id == new


def test_list_is_newest_first_without_images(history: History) -> None:
    ids = [
        history.add(_sha(bytes([i])), PARAMS, _result(_png(413, 531, (i, 0, 0, 255))))
        for i in range(5)
    ]
    listed = history.list()
    assert [e.id for e in listed] == ids[::-1]
    assert not hasattr(listed[0], "image")
    assert all(e.image_size > 0 for e in listed)
    assert [e.id for e in history.list(limit=2)] == ids[::-1][:2]
    assert history.count() == 5


def test_delete_and_clear(history: History) -> None:
    source = _sha(b"photo")
    first = history.add(source, PARAMS, _result(_png(413, 531, (5, 5, 5, 255))))
    second = history.add(source, PARAMS, _result(_png(413, 531, (6, 6, 6, 255))))
    assert history.delete(second) is True
    assert history.delete(second) is False
    with pytest.raises(EntryNotFoundError, match="no longer exists"):
        history.get(second)
    found = history.find(source, PARAMS)
    assert found is not None and found.id == first
    assert history.clear() == 1
    assert history.list() == []
    assert history.find(source, PARAMS) is None


def test_cleared_images_are_wiped_from_the_file(history: History) -> None:
    marker = b"CUSTOMER-RESULT-MARKER-" * 50
    history.add(_sha(b"p"), PARAMS, _result(marker))
    db = history.path
    history.clear()
    history.close()
    for file in db.parent.iterdir():
        assert marker[:40] not in file.read_bytes(), file.name


def test_a_deleted_image_is_wiped_from_the_file(history: History) -> None:
    marker = b"DELETED-RESULT-MARKER-" * 50
    keep = history.add(_sha(b"k"), PARAMS, _result(_png(413, 531, (3, 3, 3, 255))))
    gone = history.add(_sha(b"p"), PARAMS, _result(marker))
    history.delete(gone)
    history.close()  # the last connection checkpoints the WAL into the main file
    db = paths.history_db_path()
    for file in db.parent.iterdir():
        assert marker[:40] not in file.read_bytes(), file.name
    with History() as again:
        assert again.get(keep).image.startswith(b"\x89PNG")


def test_bad_arguments(history: History) -> None:
    with pytest.raises(ValueError, match="SHA-256"):
        history.add("not-a-hash", PARAMS, _result(b"x"))
    with pytest.raises(ValueError, match="no image"):
        history.add(_sha(b"p"), PARAMS, _result(b""))


def test_closed_history_says_so() -> None:
    h = History()
    h.close()
    h.close()
    with pytest.raises(StorageError, match="closed"):
        h.list()


def test_database_is_in_wal_mode(history: History) -> None:
    history.add(_sha(b"p"), PARAMS, _result(_png(413, 531, (1, 2, 3, 255))))
    conn = sqlite3.connect(history.path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


_WRITER = textwrap.dedent(
    """
    import os, sys
    from idphoto_desktop.core.job import GenerateParams, GenerateResult, OutputFormat, PhotoSize
    from idphoto_desktop.core.geometry import Rect
    from idphoto_desktop.storage.history import History
    image = open(sys.argv[1], "rb").read()
    params = GenerateParams(PhotoSize(413, 531), OutputFormat.PNG, preset_id="cn_1inch")
    result = GenerateResult(image=image, format=OutputFormat.PNG, width=413, height=531,
                            engine="cloud", foreground_rect=Rect(1, 2, 3, 4), task_id="t-9")
    history = History()
    entry_id = history.add(sys.argv[2], params, result, source_name="photo.jpg")
    print(entry_id, flush=True)
    if sys.argv[3] == "crash":
        os._exit(9)  # no close(), no atexit, no flush of anything
    history.close()
    """
)


@pytest.mark.parametrize("ending", ["close", "crash"])
def test_survives_a_process_restart(
    ending: str, private_app_home: Path, tmp_path: Path
) -> None:
    image = _png(413, 531, (200, 100, 50, 128))
    image_file = tmp_path / "result.png"
    image_file.write_bytes(image)
    source = _sha(b"the customer's photo")
    child = subprocess.run(
        [sys.executable, "-c", _WRITER, str(image_file), source, ending],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == (9 if ending == "crash" else 0), child.stderr
    entry_id = int(child.stdout.strip())
    assert paths.history_db_path().is_file()
    with History() as history:
        found = history.find(source, PARAMS)
        assert found is not None and found.id == entry_id
        assert found.image == image
        assert found.engine == "cloud"
        assert found.task_id == "t-9"
        assert found.foreground_rect == Rect(1, 2, 3, 4)
        restored = found.to_result()
    assert Image.open(io.BytesIO(restored.image)).size == (413, 531)


def test_a_damaged_database_is_set_aside(caplog: pytest.LogCaptureFixture) -> None:
    db = paths.history_db_path()
    db.write_bytes(b"this is not an SQLite database at all" * 100)
    with History() as history:
        assert history.list() == []
        history.add(_sha(b"p"), PARAMS, _result(_png(413, 531, (0, 0, 0, 255))))
    backups = sorted(db.parent.glob(db.name + ".*.bad"))
    assert [b.name for b in backups if not b.name.endswith(("-wal.bad", "-shm.bad"))] == [
        backups[0].name
    ]
    assert backups[0].read_bytes().startswith(b"this is not")
    assert "damaged" in caplog.text


def test_concurrent_adds_from_threads(history: History) -> None:
    image = _png(413, 531, (9, 9, 9, 255))
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(10):
                entry_id = history.add(_sha(f"{n}-{i}".encode()), PARAMS, _result(image))
                assert history.get(entry_id).image == image
                history.list(limit=5)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert history.count() == 40


def test_two_connections_see_each_others_results() -> None:
    """The window and the command line may have the history open at once."""
    with History() as a, History() as b:
        entry_id = a.add(_sha(b"shared"), PARAMS, _result(_png(413, 531, (1, 1, 1, 255))))
        assert b.get(entry_id).engine == "offline"
        assert b.delete(entry_id)
        assert a.find(_sha(b"shared"), PARAMS) is None
