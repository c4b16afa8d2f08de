"""The one atomic file writer: a temporary file beside the target, then one rename.

A crash, a full disk or a failed check never leaves half a file under the final name:
the caller writes into the temporary file (streamed or all at once), and only when the
block ends without an error is it flushed, synced and renamed; otherwise it is removed.
``overwrite=False`` refuses to replace an existing file (a hard link fails if the name
exists, so the check and the rename are one step where the file system allows it).
Raises plain ``OSError`` (``FileExistsError`` for an existing target): callers word it
for the clerk (``core.export.write_atomic``). Each temporary file is noted with
``core.tempfiles`` so a write killed half-way leaves nothing behind after the next start;
a finished file gets the mode the user's umask asks for unless it is ``private`` (0600).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from idphoto_desktop.core import tempfiles


@contextlib.contextmanager
def atomic_file(
    path: Path, *, overwrite: bool = True, public: bool = False
) -> Iterator[BinaryIO]:
    """Yield a binary stream; on a clean exit it becomes ``path``, atomically.

    The temporary file is registered (``core.tempfiles``) so a crash leaves no hidden
    copy after the next start. ``public``: the file gets the user's umask (an output the
    clerk saves); otherwise it stays private to the user (0600, as ``mkstemp`` makes it).
    """
    path = Path(path)
    folder = path.parent
    if not overwrite and path.exists():
        raise FileExistsError(0, "File exists", str(path))
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    note = tempfiles.register_temp(tmp)
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        if public:
            tempfiles.apply_umask(tmp)
        if overwrite:
            os.replace(tmp, path)
        else:
            _link_no_replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        tempfiles.forget_temp(note)
    fsync_folder(folder)


def write_bytes_atomic(
    path: Path, data: bytes, *, overwrite: bool = True, public: bool = False
) -> Path:
    """``data`` as ``path``, all at once (see :func:`atomic_file`)."""
    with atomic_file(path, overwrite=overwrite, public=public) as stream:
        stream.write(data)
    return Path(path)


def _link_no_replace(tmp: Path, path: Path) -> None:
    """Give the temp file its final name unless that name exists (atomically if possible)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:
        # No hard links here (FAT, some network shares): check, then rename.
        if path.exists():
            raise FileExistsError(0, "File exists", str(path)) from None
        os.replace(tmp, path)


def fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); harmless where unsupported."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
