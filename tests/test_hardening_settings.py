"""Nothing in settings.json can make the app unstartable (issue 14, item 9): values are
checked by type and range, a file that cannot be read is set aside under a timestamped
name that never replaces an earlier one, and the app carries on with defaults."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from idphoto_desktop.storage import paths
from idphoto_desktop.storage.settings import MAX_SETTINGS_BYTES, Settings

NO_HANG_S = 30.0


def _backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(path.name + ".bad-*"))


def _load_in_thread() -> Settings:
    """Settings() must return (a FIFO must not block it) and never raise."""
    result: list[Settings] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result.append(Settings())
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(NO_HANG_S)
    assert not thread.is_alive(), "loading the settings hung"
    assert not errors, errors
    return result[0]


def test_a_5000_digit_number_falls_back_for_that_key_only() -> None:
    path = paths.settings_path()
    path.write_text(
        '{"version": 1, "custom_width": ' + "9" * 5000 + ', "engine": "cloud"}',
        encoding="utf-8",
    )
    settings = _load_in_thread()
    assert settings.custom_width == 600  # the default
    assert settings.engine == "cloud"  # the rest of the file is kept
    assert json.loads(path.read_text(encoding="utf-8"))["custom_width"] == 600


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"a": ' + "[" * 50_000 + "]" * 50_000 + "}",
        '{"engine": "cloud"',
        "\ufeff\x00\x01binary",
        "null",
    ],
    ids=["deep-list", "deep-value", "truncated", "binary", "null"],
)
def test_an_unreadable_file_is_set_aside_and_defaults_used(text: str) -> None:
    path = paths.settings_path()
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    settings = _load_in_thread()
    assert settings.engine == "offline"
    (backup,) = _backups(path)
    assert backup.read_text(encoding="utf-8") == text
    settings.engine = "cloud"  # the app can save again
    assert Settings().engine == "cloud"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("custom_width", 1e999),
        ("custom_width", -5),
        ("custom_width", True),
        ("custom_width", "600"),
        ("sheet_copies", 10**30),
        ("sync_mode", ["sync"]),
        ("bg_color", {"r": 1}),
        ("recent_presets", "us_passport"),
        ("language", "x" * 10_000),
        ("request_deadline_s", 0),
    ],
)
def test_a_bad_value_is_replaced_by_its_default(key: str, value: object) -> None:
    path = paths.settings_path()
    path.write_text(json.dumps({"version": 1, key: value, "engine": "cloud"}), encoding="utf-8")
    settings = _load_in_thread()
    assert settings.get(key) == Settings.fields()[key].fresh_default()
    if key != "engine":
        assert settings.engine == "cloud"
    assert _backups(path) == []  # a bad value is not a bad file


def test_unknown_deeply_nested_keys_are_dropped_not_fatal() -> None:
    path = paths.settings_path()
    nested: object = 1
    for _ in range(200):
        nested = [nested]
    path.write_text(json.dumps({"version": 1, "future": nested, "engine": "cloud"}))
    settings = _load_in_thread()
    assert settings.engine == "cloud"
    settings.engine = "offline"
    assert "future" not in json.loads(path.read_text(encoding="utf-8"))


def test_backups_never_overwrite_each_other() -> None:
    path = paths.settings_path()
    contents = ["{broken one", "{broken two", "{broken three"]
    for text in contents:
        path.write_text(text, encoding="utf-8")
        _load_in_thread()
    backups = _backups(path)
    assert sorted(b.read_text(encoding="utf-8") for b in backups) == sorted(contents)


@pytest.mark.skipif(os.name != "posix", reason="FIFOs")
def test_a_fifo_or_a_folder_as_settings_json_does_not_stop_the_start() -> None:
    path = paths.settings_path()
    os.mkfifo(path)
    assert _load_in_thread().engine == "offline"
    assert not path.exists() or not path.is_fifo()
    if path.exists():
        path.unlink()
    path.mkdir()
    assert _load_in_thread().engine == "offline"


def test_an_oversized_file_is_set_aside() -> None:
    path = paths.settings_path()
    with path.open("w", encoding="utf-8") as stream:
        stream.write('{"engine": "cloud", "pad": "')
        stream.write("x" * (MAX_SETTINGS_BYTES + 10))
        stream.write('"}')
    assert _load_in_thread().engine == "offline"
    assert len(_backups(path)) == 1
