"""A lock per (photo, key) shared by every thread and process of one counter.

The SQLite history's :meth:`reserve` uses it so that look-up → engine → record for the
same photo runs once at a time: the second caller waits, then finds the first one's
result instead of paying again. ``flock`` locks belong to an open file, so two threads
of one process that each open the file exclude each other as two processes do, and the
kernel drops the lock when a process dies (no stale lock files to clean up).

The lock files are 256 buckets (by hash) in a private folder beside the database:
bounded in number, and two different photos sharing a bucket only wait for each other.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from idphoto_desktop.core.errors import StorageError
from idphoto_desktop.core.oswords import reason

_BUCKETS = 256
_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


def bucket_name(source_sha256: str, key: str) -> str:
    digest = hashlib.sha256(f"{source_sha256.strip().lower()}|{key}".encode()).digest()
    return f"{int.from_bytes(digest[:4], 'big') % _BUCKETS:02x}.lock"


@contextmanager
def hold(folder: Path, source_sha256: str, key: str) -> Iterator[None]:
    """Hold the lock for this photo and key until the block ends (blocks while taken)."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(folder / bucket_name(source_sha256, key), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as err:
        raise StorageError(
            f"The history lock in {folder} could not be taken: {reason(err)}."
        ) from None
    try:
        with _locked(fd, str(folder / bucket_name(source_sha256, key))):
            yield
    finally:
        os.close(fd)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    @contextmanager
    def _locked(fd: int, name: str) -> Iterator[None]:
        # msvcrt locks belong to the process: a thread lock keeps threads apart too.
        with _thread_locks_guard:
            tlock = _thread_locks.setdefault(name, threading.Lock())
        with tlock:
            while True:
                try:
                    msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    continue  # LK_LOCK gives up after 10 s; keep waiting
            try:
                yield
            finally:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    @contextmanager
    def _locked(fd: int, name: str) -> Iterator[None]:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
