"""Logging, secret redaction and crash reports.

The API token must never reach a log file, the console or a crash report, even when a
library or an exception message happens to contain it. Every secret the app handles is
registered here (:func:`register_secret`); registered secrets, and anything after
``Bearer``, are replaced with ``***`` in every log record as it is created (a record
factory) and again by a :class:`RedactingFilter` on each handler the app adds. Crash
reports go through the same redaction. No Qt here: the window and the command line
both use it.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import traceback
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

from idphoto_desktop.core.secret import scrub
from idphoto_desktop.storage import paths

REDACTED = "***"
LOG_FILE_NAME = "idphoto.log"
LOG_MAX_BYTES = 1_000_000
LOG_BACKUP_COUNT = 5
MIN_SECRET_LENGTH = 4
"""Shorter values are not redacted: replacing every ``"ab"`` would garble the log."""

_HANDLER_MARK = "_idphoto_handler"
_LOG_FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"
_BEARER = re.compile(r"(?i)(\bbearer\s+)[^\s'\",;)\]}]+")

_lock = threading.Lock()
_secrets: set[str] = set()
_secret_pattern: re.Pattern[str] | None = None
_factory_installed = False


def register_secret(value: str | None) -> None:
    """Remember ``value`` so that it is replaced by ``***`` wherever it would be logged.

    Registering is cheap and idempotent; the token store registers every token it hands
    out, so callers rarely need to.
    """
    global _secret_pattern
    if not value:
        return
    candidates = {value, value.strip()}
    with _lock:
        added = False
        for item in candidates:
            if len(item) >= MIN_SECRET_LENGTH and item not in _secrets:
                _secrets.add(item)
                added = True
        if added:
            # Longest first, so a secret containing another is replaced whole.
            ordered = sorted(_secrets, key=len, reverse=True)
            _secret_pattern = re.compile("|".join(re.escape(s) for s in ordered))
            _install_record_factory()


def redact(text: str) -> str:
    """``text`` with every registered secret and every bearer credential replaced.

    Also a secret hidden by zero-width or full-width characters, and a long piece of
    one (a token cut short by someone else), see :func:`core.secret.scrub`.
    """
    pattern = _secret_pattern
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
        text = scrub(text, list(_secrets), REDACTED)
    if "earer" in text or "EARER" in text:
        text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    return text


def contains_secret(text: str) -> bool:
    """True when ``text`` holds a registered secret or a bearer credential."""
    return redact(text) != text


def _redact_record(record: logging.LogRecord) -> None:
    """Format the record's message (and traceback) now, and replace secrets in them.

    Formatting here catches an argument whose ``str()`` holds the token (an exception,
    a dict of headers), which a check of ``record.msg`` alone would miss.
    """
    try:
        message = record.getMessage()
    except Exception:  # a malformed logging call must still be logged, redacted
        message = f"{record.msg!r} % {record.args!r}"
    record.msg = redact(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


class RedactingFilter(logging.Filter):
    """Redacts each record a handler is about to write (see :func:`redact`).

    Attached to handlers, since a filter on a logger does not see records that
    propagate from child loggers.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_record(record)
        return True


def _install_record_factory() -> None:
    """Redact every record as it is created, so handlers the app did not add (pytest's
    capture, a Qt log window) never see a secret either. Installed once."""
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _redact_record(record)
        return record

    logging.setLogRecordFactory(redacting_factory)
    _factory_installed = True


def _our_handlers(logger: logging.Logger) -> list[logging.Handler]:
    return [h for h in logger.handlers if getattr(h, _HANDLER_MARK, False)]


def log_file_path() -> Path:
    """Where :func:`setup_logging` writes (the current file; older ones end in .1 .. .5)."""
    return paths.log_dir() / LOG_FILE_NAME


class OneLineFormatter(logging.Formatter):
    """``prefix`` + the first line of the message: no traceback, no stack (console)."""

    def __init__(self, prefix: str = "") -> None:
        super().__init__()
        self.prefix = prefix

    def format(self, record: logging.LogRecord) -> str:
        try:
            message = record.getMessage()
        except Exception:  # a malformed logging call still gives one line
            message = str(record.msg)
        first = " ".join(message.strip().splitlines()[:1]) if message.strip() else ""
        return f"{self.prefix}{record.levelname.lower()}: {first}"


def setup_logging(
    *,
    level: int = logging.INFO,
    to_file: bool = True,
    rotate_later: bool = False,
    console_level: int | None = None,
    console_one_line: str | None = None,
) -> Path | None:
    """Configure the root logger: redacted console output and a rotating file.

    Safe to call again (handlers it added before are replaced). Returns the log file's
    path, or None when ``to_file`` is false or the log folder cannot be written (then
    the console handler alone is used and a warning says so). ``rotate_later``: the
    window's start writes to the same file through a plain handler and calls
    :func:`start_rotation` after its first paint (``logging.handlers`` pulls in
    ``socket`` and ``pickle``, which the first paint does not need).

    ``console_level`` filters what reaches the console (the command line shows only
    warnings); ``console_one_line`` makes each console record one line with that
    prefix (``"idphoto: "``) and no traceback; the file keeps everything.
    """
    root = logging.getLogger()
    teardown_logging()
    register_secret(os.environ.get("IDPHOTO_TOKEN"))
    with _lock:
        _install_record_factory()
    formatter = logging.Formatter(_LOG_FORMAT)
    handlers: list[logging.Handler] = []
    # A windowed (pythonw / frozen GUI) process has no stderr.
    if sys.stderr is not None:
        handlers.append(logging.StreamHandler(sys.stderr))
    log_path: Path | None = None
    file_error: OSError | None = None
    if to_file:
        try:
            log_path = log_file_path()
            paths.make_private_file(log_path)
            if rotate_later:
                handlers.append(logging.FileHandler(log_path, encoding="utf-8"))
            else:
                handlers.append(_rotating_handler(log_path))
        except OSError as err:
            file_error = err
            log_path = None
    for handler in handlers:
        console = not isinstance(handler, logging.FileHandler)
        if console and console_one_line is not None:
            root.addHandler(_ours(handler, OneLineFormatter(console_one_line)))
        else:
            root.addHandler(_ours(handler, formatter))
        if console and console_level is not None:
            handler.setLevel(console_level)
    root.setLevel(level)
    if file_error is not None:
        logging.getLogger(__name__).warning("Cannot write the log file: %s", file_error)
    _start_up_housekeeping()
    return log_path


def _start_up_housekeeping() -> None:
    """Every start (window or command line) sets up logging first: remove the hidden
    temporary files that writes of a killed earlier run left beside their outputs."""
    try:
        removed = paths.clean_stale_temps()
    except Exception:  # housekeeping must never stop a start
        logging.getLogger(__name__).debug("temporary file clean-up failed", exc_info=True)
        return
    for path in removed:
        logging.getLogger(__name__).info("Removed %s, left by an interrupted write", path)


def _rotating_handler(log_path: Path) -> logging.Handler:
    import logging.handlers

    return logging.handlers.RotatingFileHandler(
        log_path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUP_COUNT, encoding="utf-8"
    )


def _ours(handler: logging.Handler, formatter: logging.Formatter) -> logging.Handler:
    """``handler`` formatted, redacting and marked as the app's (see teardown_logging)."""
    handler.setFormatter(formatter)
    handler.addFilter(RedactingFilter())
    setattr(handler, _HANDLER_MARK, True)
    return handler


def start_rotation() -> None:
    """Replace the plain log file handler of ``setup_logging(rotate_later=True)`` by the
    rotating one (same file, same format and redaction). Does nothing if none is there."""
    root = logging.getLogger()
    for handler in _our_handlers(root):
        if type(handler) is not logging.FileHandler:
            continue
        try:
            rotating = _rotating_handler(Path(handler.baseFilename))
        except OSError as err:
            logging.getLogger(__name__).warning("Log rotation not started: %s", err)
            return
        _ours(rotating, logging.Formatter(_LOG_FORMAT))
        # One assignment: a record logged meanwhile goes to exactly one of the two.
        root.handlers = [rotating if h is handler else h for h in root.handlers]
        handler.close()


def teardown_logging() -> None:
    """Remove and close the handlers :func:`setup_logging` added (tests, shutdown)."""
    root = logging.getLogger()
    for handler in _our_handlers(root):
        root.removeHandler(handler)
        handler.close()


def _recent_log_lines(limit: int) -> list[str]:
    try:
        with log_file_path().open("r", encoding="utf-8", errors="replace") as stream:
            return stream.readlines()[-limit:]
    except OSError:
        return []


def format_crash_report(
    exc_type: type[BaseException] | None,
    exc: BaseException | None,
    tb: TracebackType | None,
    *,
    log_lines: int = 40,
) -> str:
    """A plain-text report for the crash dialog's copy button and the crash file, redacted.

    It holds the app and Python versions, the platform, the traceback (with chained
    causes) and the last lines of the log; never local variables, so no photo data.
    """
    import datetime as _dt
    import platform

    from idphoto_desktop import __version__

    now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    if exc_type is None and exc is not None:
        exc_type = type(exc)
    if exc_type is not None:
        trace = "".join(traceback.format_exception(exc_type, exc, tb))
    else:
        trace = "(no exception)\n"
    lines: Iterable[str] = _recent_log_lines(log_lines) if log_lines > 0 else []
    parts = [
        "ID Photo Desktop crash report",
        f"Time (UTC): {now}",
        f"Version: {__version__}",
        f"Python: {sys.version.split()[0]} ({platform.python_implementation()})",
        f"Platform: {platform.platform()}",
        f"Frozen build: {bool(getattr(sys, 'frozen', False))}",
        "",
        "Traceback:",
        trace.rstrip("\n"),
    ]
    recent = "".join(lines).rstrip("\n")
    if recent:
        parts += ["", f"Last {log_lines} log lines:", recent]
    return redact("\n".join(parts) + "\n")


def write_crash_report(
    exc_type: type[BaseException] | None,
    exc: BaseException | None,
    tb: TracebackType | None,
) -> Path:
    """Write :func:`format_crash_report` to a new file in the log folder; return its path.

    Called from crash handlers, so it tries hard not to fail: if the log folder cannot
    be written, the report goes to the system's temporary folder instead.
    """
    import datetime as _dt

    text = format_crash_report(exc_type, exc, tb)
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%d-%H%M%S")
    name = f"crash-{stamp}-{os.getpid()}.txt"
    last_error: OSError | None = None
    for folder in _crash_folders():
        try:
            return _write_new_file(folder, name, text)
        except OSError as err:
            last_error = err
    from idphoto_desktop.core.errors import StorageError

    raise StorageError(f"The crash report could not be written: {last_error}")


def _crash_folders() -> list[Path]:
    import tempfile

    folders: list[Path] = []
    try:
        folders.append(paths.log_dir())
    except OSError:
        pass
    folders.append(Path(tempfile.gettempdir()))
    return folders


def _write_new_file(folder: Path, name: str, text: str) -> Path:
    """Write ``text`` to ``folder/name`` (or name-1, name-2...) without replacing a file."""
    stem, suffix = os.path.splitext(name)
    for attempt in range(100):
        target = folder / (name if attempt == 0 else f"{stem}-{attempt}{suffix}")
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # private
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                stream.write(text)
            return target
        except FileExistsError:
            continue
    raise FileExistsError(f"too many crash reports named {name} in {folder}")
