"""Reading a file the clerk (or the disk) gave us, without hanging or eating memory.

A path can name anything: a FIFO (``open`` blocks until a writer comes, for ever),
a device (``/dev/zero`` never ends), a folder, or a symlink to any of them with a
``.jpg`` name. So the file is opened with ``O_NONBLOCK`` (a FIFO then opens at once),
its type checked with ``fstat`` on the open descriptor (no race with a swapped path),
and only a regular file is read, up to a size cap, in bounded reads.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from idphoto_desktop.core.errors import IdPhotoError, ImageError
from idphoto_desktop.core.oswords import reason

_CHUNK = 1024 * 1024


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_regular_file(
    path: Path,
    max_bytes: int,
    *,
    what: str = "The file",
    error: type[IdPhotoError] = ImageError,
) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``max_bytes``.

    Anything else raises ``error`` at once with one plain sentence naming ``path`` (its
    base name when long): not found, a folder, a pipe, a device, permission denied,
    too large.
    """
    full = str(path)
    name = full if len(full) <= 80 else (Path(path).name or full[-80:])
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise error(f"{what} {name} was not found.", hint="Choose the file again.") from None
    except IsADirectoryError:
        raise error(f"{what} {name} is a folder, not a file.") from None
    except PermissionError:
        raise error(
            f"{what} {name} cannot be read (permission denied).",
            hint="Copy it to a folder you can read, or choose another file.",
        ) from None
    except OSError as err:
        raise error(f"{what} {name} cannot be opened ({reason(err)}).") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(
                f"{what} {name} is {_kind(info.st_mode)}, not a file that can be read.",
                hint="Choose a photo file saved on the disk.",
            )
        if info.st_size > max_bytes:
            raise error(
                f"{what} {name} is too large ({info.st_size / 1e6:.0f} MB; at most "
                f"{max_bytes / 1e6:.0f} MB)."
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)  # a regular file: ordinary reads from here on
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:  # it grew while we read
                raise error(f"{what} {name} is too large (at most {max_bytes / 1e6:.0f} MB).")
        return b"".join(chunks)
    except OSError as err:
        raise error(f"{what} {name} cannot be read ({reason(err)}).") from None
    finally:
        os.close(fd)

