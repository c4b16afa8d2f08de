"""Settings: typed defaults, a JSON file written atomically, and never a secret."""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

import pytest

from idphoto_desktop.core.errors import StorageError, ValidationError
from idphoto_desktop.core.job import OutputFormat
from idphoto_desktop.logsetup import register_secret
from idphoto_desktop.storage import paths, settings
from idphoto_desktop.storage.settings import (
    SCHEMA_VERSION,
    Field,
    Settings,
    looks_like_secret_key,
    write_text_atomic,
)


def _file(s: Settings) -> dict[str, object]:
    data = json.loads(s.path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_defaults_without_a_file(private_app_home: Path) -> None:
    s = Settings()
    assert s.path == private_app_home / "config" / "settings.json"
    assert not s.path.exists()  # reading does not write
    assert s.api_url == "https://api.gpt.ge"
    assert s.engine == "offline"
    assert s.format is OutputFormat.JPG
    assert s.bg_color == "FFFFFF"
    assert s.preset_id is None
    assert s.recent_presets == []
    assert s.history_enabled is True
    assert s.as_dict().keys() == Settings.fields().keys()
    for key, field in Settings.fields().items():
        assert field.check(field.default) == field.default, key  # defaults pass their checks


def test_round_trip_through_the_file() -> None:
    s = Settings()
    s.api_url = "https://api.example.com/"
    s.engine = "cloud"
    s.sync_mode = "async"
    s.preset_id = "us_passport"
    s.custom_width = 413
    s.custom_height = 531
    s.format = OutputFormat.PNG
    s.bg_color = "#1e90ff"
    s.last_open_dir = "/home/clerk/Photos/Kunden äöü"
    s.window_geometry = "AdnQywADAAAAAAAA"
    s.recent_presets = ["a", "b", "a"]
    s.history_enabled = False
    again = Settings()
    assert again.api_url == "https://api.example.com"
    assert again.engine == "cloud"
    assert again.sync_mode == "async"
    assert again.preset_id == "us_passport"
    assert (again.custom_width, again.custom_height) == (413, 531)
    assert again.format is OutputFormat.PNG
    assert again.bg_color == "1E90FF"
    assert again.last_open_dir == "/home/clerk/Photos/Kunden äöü"
    assert again.window_geometry == "AdnQywADAAAAAAAA"
    assert again.recent_presets == ["a", "b"]
    assert again.history_enabled is False
    assert _file(again)["version"] == SCHEMA_VERSION


def test_string_access_matches_attribute_access() -> None:
    s = Settings()
    s.set("custom_width", 800)
    assert s.get("custom_width") == s.custom_width == 800
    with pytest.raises(KeyError):
        s.get("no_such_setting")
    with pytest.raises(KeyError):
        s.set("no_such_setting", 1)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("custom_width", 99),
        ("custom_width", 2001),
        ("custom_width", True),
        ("custom_width", "600"),
        ("engine", "magic"),
        ("format", "gif"),
        ("bg_color", "white"),
        ("api_url", "ftp://api.gpt.ge"),
        ("api_url", "http://api.gpt.ge"),
        ("api_url", "https://user:pw@api.gpt.ge"),
        ("api_url", "https://api.gpt.ge/?key=1"),
        ("history_enabled", "yes"),
        ("window_geometry", "not base64!"),
        ("recent_presets", "us_passport"),
        ("language", "english please"),
    ],
)
def test_bad_values_are_refused_with_a_message(key: str, value: object) -> None:
    s = Settings()
    before = s.get(key)
    with pytest.raises(ValidationError, match=key):
        s.set(key, value)
    assert s.get(key) == before
    assert not s.path.exists()


def test_http_is_allowed_to_loopback_only() -> None:
    s = Settings()
    s.api_url = "http://127.0.0.1:8765"
    assert Settings().api_url == "http://127.0.0.1:8765"


@pytest.mark.parametrize("key", ["token", "api_token", "API_KEY", "client_secret", "password"])
def test_secret_looking_keys_are_refused(key: str) -> None:
    assert looks_like_secret_key(key)
    s = Settings()
    with pytest.raises(StorageError, match="never hold a secret") as info:
        s.set(key, "sk-0123456789")
    assert "keyring" in info.value.hint
    assert not s.path.exists()


def test_a_secret_field_cannot_even_be_declared() -> None:
    # Python 3.11 wraps errors from __set_name__ in a RuntimeError; 3.12 does not.
    with pytest.raises((TypeError, RuntimeError)) as info:

        class Bad(Settings):
            api_token: Field[str] = Field("", lambda v: str(v), "no")

    assert "looks like a secret" in f"{info.value} {info.value.__cause__}"


def test_values_holding_the_token_are_refused() -> None:
    token = "sk-settings-test-7f3a9c2e1b"
    register_secret(token)
    s = Settings()
    with pytest.raises(StorageError, match="looks like the API token"):
        s.last_open_dir = f"/tmp/{token}"
    with pytest.raises(StorageError):
        s.recent_presets = [token]
    with pytest.raises(StorageError):
        s.last_save_dir = "Bearer abcdef123456"
    with pytest.raises(StorageError):  # the provider's token shape, even unregistered
        s.last_save_dir = "/srv/sk-Qx7pL2mN9rT4vW8yZ1bC3dF5"
    assert not s.path.exists()
    s.last_save_dir = "/srv/sk-short"  # an ordinary folder name is fine
    assert token not in s.path.read_text(encoding="utf-8")


def test_a_token_in_an_old_file_is_removed(caplog: pytest.LogCaptureFixture) -> None:
    token = "sk-legacy-0d4e5f6a7b8c9d"
    path = paths.settings_path()
    path.write_text(
        json.dumps({"api_token": token, "engine": "cloud", "later_feature": {"x": 1}}),
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING):
        s = Settings()
    assert s.engine == "cloud"
    text = path.read_text(encoding="utf-8")
    assert token not in text  # rewritten at once, without it
    assert "api_token" not in text
    assert _file(s)["later_feature"] == {"x": 1}  # a newer version's key is kept
    assert token not in caplog.text
    assert "secrets go to the keyring" in caplog.text


def test_unknown_keys_are_ignored_and_bad_values_fall_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = paths.settings_path()
    path.write_text(
        json.dumps(
            {"version": 1, "custom_width": 5000, "engine": "cloud", "frobnicate": True}
        ),
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING):
        s = Settings()
    assert s.custom_width == 600
    assert s.engine == "cloud"
    assert "custom_width" in caplog.text
    with pytest.raises(KeyError):
        s.get("frobnicate")


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"", b"[1, 2, 3]", b"\xff\xfe\x00garbage", b'"just a string"'],
    ids=["broken", "empty", "list", "binary", "string"],
)
def test_corrupt_file_gives_defaults_and_is_kept_as_bad(
    content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path = paths.settings_path()
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING):
        s = Settings()
    assert s.engine == "offline"
    assert "corrupt" in caplog.text.lower()
    # Kept under a timestamped name (issue 14: never overwrite an earlier backup).
    (bad,) = path.parent.glob("settings.json.bad-*")
    assert bad.read_bytes() == content
    assert not path.exists()
    s.engine = "cloud"  # and the app can save again
    assert Settings().engine == "cloud"


def test_every_change_is_written_atomically(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings()
    s.engine = "cloud"
    before = s.path.read_bytes()

    def crash(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(StorageError, match="could not be saved"):
        s.custom_width = 1000
    assert s.custom_width == 600  # the change is undone, as the file is
    assert s.path.read_bytes() == before
    leftovers = [p.name for p in s.path.parent.iterdir() if p.name != "settings.json"]
    assert leftovers == []  # the temporary file is cleaned up


def test_write_text_atomic_never_leaves_half_a_file(tmp_path: Path) -> None:
    target = tmp_path / "f.json"
    write_text_atomic(target, "old")

    class Boom(Exception):
        pass

    real_fdopen = os.fdopen

    def half_write(fd: int, *args: object, **kwargs: object) -> object:
        stream = real_fdopen(fd, *args, **kwargs)  # type: ignore[call-overload]
        real_write = stream.write

        def write(text: str) -> int:
            real_write(text[:2])
            raise Boom

        stream.write = write
        return stream

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "fdopen", half_write)
        with pytest.raises(Boom):
            write_text_atomic(target, "new content")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_listeners_hear_real_changes_once() -> None:
    s = Settings()
    heard: list[tuple[str, object]] = []
    s.add_listener(lambda k, v: heard.append((k, v)))
    s.bg_color = "00ff00"
    s.bg_color = "#00FF00"  # the same value: no notification
    s.update({"custom_width": 700, "custom_height": 800})
    assert heard == [("bg_color", "00FF00"), ("custom_width", 700), ("custom_height", 800)]


def test_a_failing_listener_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    s = Settings()
    heard: list[str] = []

    def broken(key: str, value: object) -> None:
        raise RuntimeError("listener bug")

    s.add_listener(broken)
    s.add_listener(lambda k, v: heard.append(k))
    with caplog.at_level(logging.ERROR):
        s.engine = "cloud"
    assert heard == ["engine"]
    assert "listener bug" in caplog.text
    s.remove_listener(broken)
    s.remove_listener(broken)  # twice is fine


def test_batch_writes_once(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings()
    writes: list[str] = []
    real = settings.write_text_atomic

    def counting_write(path: Path, text: str) -> None:
        writes.append(text)
        real(path, text)

    monkeypatch.setattr(settings, "write_text_atomic", counting_write)
    heard: list[str] = []
    s.add_listener(lambda k, v: heard.append(k))
    with s.batch():
        s.engine = "cloud"
        s.custom_width = 1200
        assert heard == []
    assert len(writes) == 1
    assert heard == ["engine", "custom_width"]
    assert Settings().custom_width == 1200


def test_add_recent_preset_moves_to_front_and_caps() -> None:
    s = Settings()
    for i in range(12):
        s.add_recent_preset(f"p{i}")
    s.add_recent_preset("p5")
    assert s.recent_presets[:3] == ["p5", "p11", "p10"]
    assert len(s.recent_presets) == settings.MAX_RECENT_PRESETS


def test_reset_and_reset_all() -> None:
    s = Settings()
    s.engine = "cloud"
    s.custom_width = 900
    s.reset("engine")
    assert s.engine == "offline"
    s.reset_all()
    assert Settings().custom_width == 600


def test_migration_from_an_unversioned_file() -> None:
    path = paths.settings_path()
    path.write_text(json.dumps({"engine": "cloud"}), encoding="utf-8")
    s = Settings()
    assert s.engine == "cloud"
    assert _file(s)["version"] == SCHEMA_VERSION


def test_migration_hook_runs_each_step(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(
        settings.MIGRATIONS,
        1,
        lambda d: {("engine" if k == "old_engine" else k): v for k, v in d.items()},
    )
    paths.settings_path().write_text(
        json.dumps({"version": 1, "old_engine": "cloud"}), encoding="utf-8"
    )
    s = Settings()
    assert s.engine == "cloud"
    assert _file(s)["version"] == 2
    assert "old_engine" not in _file(s)


def test_concurrent_changes_from_threads() -> None:
    s = Settings()
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(20):
                s.custom_width = 100 + n * 100 + i
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Settings().custom_width == s.custom_width
