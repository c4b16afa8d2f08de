"""Logging: redaction of secrets in real log files and crash reports; rotation."""

from __future__ import annotations

import logging
import secrets
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from idphoto_desktop.core.errors import AuthenticationError
from idphoto_desktop.logsetup import (
    RedactingFilter,
    format_crash_report,
    redact,
    register_secret,
    setup_logging,
    teardown_logging,
    write_crash_report,
)
from idphoto_desktop.storage import paths

log = logging.getLogger("idphoto_desktop.tests.logsetup")


@pytest.fixture
def logging_on() -> Iterator[Path]:
    """setup_logging for one test, with the root logger restored afterwards."""
    root = logging.getLogger()
    level = root.level
    path = setup_logging(level=logging.DEBUG)
    assert path is not None
    yield path
    teardown_logging()
    root.setLevel(level)


def _token() -> str:
    return "sk-log-" + secrets.token_urlsafe(24)


def _files_containing(root: Path, secret: str) -> list[Path]:
    needle = secret.encode()
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_registered_secret_is_redacted_in_the_log_file(
    logging_on: Path, private_app_home: Path
) -> None:
    token = _token()
    register_secret(token)
    log.info("token is %s", token)  # in the arguments
    log.warning(f"token in the message {token}")  # in the message itself
    log.error("headers %r", {"Authorization": f"Bearer {token}"})  # inside a dict's repr
    log.debug("as an object %s", AuthenticationError(f"refused {token}"))
    try:
        raise RuntimeError(f"failed with {token}")
    except RuntimeError:
        log.exception("request failed")  # in the traceback text
    log.info("stack", stack_info=True, extra={"note": token})
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = logging_on.read_text(encoding="utf-8")
    assert logging_on == private_app_home / "logs" / "idphoto.log"
    assert token not in text
    assert "token is ***" in text
    assert "token in the message ***" in text
    assert "RuntimeError: failed with ***" in text
    assert "'Authorization': 'Bearer ***'" in text
    assert _files_containing(private_app_home, token) == []


def test_anything_after_bearer_is_redacted_even_if_unregistered(logging_on: Path) -> None:
    unregistered = "unregistered-" + secrets.token_hex(8)
    log.info("Authorization: Bearer %s sent", unregistered)
    log.info("authorization: bearer\t%s", unregistered)
    text = logging_on.read_text(encoding="utf-8")
    assert unregistered not in text
    assert "Authorization: Bearer *** sent" in text


def test_redact_handles_overlapping_and_short_values() -> None:
    long_token = "abcdefgh-" + secrets.token_hex(6)
    register_secret(long_token[:9])  # a prefix registered first
    register_secret(long_token)
    assert redact(f"x {long_token} y") == "x *** y"
    register_secret("ab")  # too short to redact sensibly: ignored
    assert redact("ab cab") == "ab cab"
    register_secret(None)
    register_secret("")


def test_filter_survives_a_malformed_logging_call(caplog: pytest.LogCaptureFixture) -> None:
    token = _token()
    register_secret(token)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s %s", (token,), None)
    assert RedactingFilter().filter(record)
    assert token not in record.getMessage()
    assert record.args is None


def test_crash_report_is_redacted_and_copyable(logging_on: Path, private_app_home: Path) -> None:
    token = _token()
    register_secret(token)
    log.info("last thing before the crash, token %s", token)

    def inner() -> None:
        raise ValueError(f"bad reply for {token}")

    try:
        try:
            inner()
        except ValueError as err:
            raise RuntimeError("outer failure") from err
    except RuntimeError:
        exc_type, exc, tb = sys.exc_info()
    text = format_crash_report(exc_type, exc, tb)
    assert token not in text
    assert "ValueError: bad reply for ***" in text
    assert "RuntimeError: outer failure" in text
    assert "in inner" in text  # the traceback is there
    assert "last thing before the crash, token ***" in text  # with the log's tail
    assert "Version: " in text and "Python: " in text
    path = write_crash_report(exc_type, exc, tb)
    assert path.parent == private_app_home / "logs"
    assert path.name.startswith("crash-") and path.suffix == ".txt"
    saved = path.read_text(encoding="utf-8")
    assert token not in saved and "bad reply for ***" in saved
    second = write_crash_report(exc_type, exc, tb)
    assert second != path and path.exists()  # never overwrites an earlier report
    assert _files_containing(private_app_home, token) == []


def test_crash_report_with_an_unwritable_log_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def no_log_dir() -> Path:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(paths, "log_dir", no_log_dir)
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    try:
        raise KeyError("x")
    except KeyError as err:
        path = write_crash_report(type(err), err, err.__traceback__)
    assert path.parent == tmp_path
    assert "KeyError" in path.read_text(encoding="utf-8")


def test_log_file_rotates_at_one_megabyte(logging_on: Path) -> None:
    handler = next(
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.handlers.RotatingFileHandler)
    )
    assert (handler.maxBytes, handler.backupCount) == (1_000_000, 5)
    line = "x" * 1000
    for _ in range(1100):
        log.debug(line)
    assert logging_on.with_name("idphoto.log.1").is_file()
    assert logging_on.stat().st_size < 1_000_000


def test_setup_twice_does_not_duplicate_handlers(logging_on: Path) -> None:
    before = len(logging.getLogger().handlers)
    again = setup_logging(level=logging.DEBUG)
    assert again == logging_on
    assert len(logging.getLogger().handlers) == before
    log.info("once")
    assert logging_on.read_text(encoding="utf-8").count(" once") == 1


def test_without_a_file(private_app_home: Path) -> None:
    try:
        assert setup_logging(to_file=False) is None
        log.warning("console only")
    finally:
        teardown_logging()
    assert not (private_app_home / "logs" / "idphoto.log").exists()


def test_environment_token_is_registered_at_setup(
    monkeypatch: pytest.MonkeyPatch, private_app_home: Path
) -> None:
    token = _token()
    monkeypatch.setenv("IDPHOTO_TOKEN", token)
    path = setup_logging(level=logging.DEBUG)
    try:
        log.info("env token %s", token)
    finally:
        teardown_logging()
    assert path is not None
    assert token not in path.read_text(encoding="utf-8")


def test_handlers_the_app_did_not_add_see_redacted_records(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """pytest's capture handler stands for any handler (a Qt log view, a library's)."""
    token = _token()
    register_secret(token)
    with caplog.at_level(logging.DEBUG):
        log.warning("sent %s", token)
        try:
            raise ConnectionError(f"reset while sending {token}")
        except ConnectionError:
            log.exception("upload failed")
    assert token not in caplog.text
    assert "sent ***" in caplog.text
    assert "reset while sending ***" in caplog.text
    assert all(token not in r.getMessage() for r in caplog.records)


def test_rotation_started_after_the_first_paint_keeps_one_redacting_file(
    private_app_home: Path,
) -> None:
    """The window's start writes through a plain handler, then swaps in the rotating one:
    same file, nothing lost or doubled, still redacted."""
    import logging.handlers

    from idphoto_desktop.logsetup import start_rotation

    root = logging.getLogger()
    level = root.level
    token = _token()
    register_secret(token)
    path = setup_logging(level=logging.DEBUG, rotate_later=True)
    try:
        assert path is not None

        def ours() -> list[logging.Handler]:  # pytest adds a file handler of its own
            return [
                h for h in root.handlers
                if isinstance(h, logging.FileHandler) and Path(h.baseFilename) == path
            ]

        assert [type(h) for h in ours()] == [logging.FileHandler]
        log.info("before rotation %s", token)
        start_rotation()
        files = ours()
        assert len(files) == 1
        rotating = files[0]
        assert isinstance(rotating, logging.handlers.RotatingFileHandler)
        assert Path(rotating.baseFilename) == path
        assert (rotating.maxBytes, rotating.backupCount) == (1_000_000, 5)
        log.info("after rotation %s", token)
        start_rotation()  # a second call changes nothing
        assert ours() == [rotating]
    finally:
        teardown_logging()
        root.setLevel(level)
    text = path.read_text(encoding="utf-8")
    assert text.count("before rotation ***") == 1
    assert text.count("after rotation ***") == 1
    assert token not in text
