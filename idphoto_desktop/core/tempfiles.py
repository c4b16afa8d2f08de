"""Files written through a hidden temporary file: their mode, and their leftovers.

``tempfile.mkstemp`` makes 0600 files, right for secrets and wrong for an exported
photo, which gets the mode the user's umask asks for (:func:`apply_umask`). A write
killed half-way (kill -9, power cut) leaves its hidden ``.tmp`` copy of a customer's
photo beside the output; each write notes its temporary file in a journal folder
(given by ``storage.paths``), and the next start removes the leftovers of dead
processes (:func:`clean_stale_temps`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

_journal_dir: Callable[[], Path] | None = None


def set_journal_dir(provider: Callable[[], Path] | None) -> None:
    """Where temporary files are noted (a private folder); None turns notes off."""
    global _journal_dir
    _journal_dir = provider


def current_umask() -> int:
    """The process's umask, read without changing it where Linux tells it (/proc)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as stream:
            for line in stream:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # brief: no other thread creates files at start-up
    os.umask(mask)
    return mask


def apply_umask(path: Path) -> None:
    """Give a file made by ``mkstemp`` (always 0600) the mode the user's umask asks for:
    an exported photo or sheet is the clerk's ordinary file, not a secret."""
    if os.name == "posix":
        try:
            os.chmod(path, 0o666 & ~current_umask())
        except OSError:
            pass


def register_temp(temp: Path) -> Path | None:
    """Note ``temp`` (a hidden file beside an output) so that the next start can remove
    it if this process dies before it does. Returns the note to pass to
    :func:`forget_temp`; None when no note could be written (the write goes on)."""
    import uuid

    try:
        if _journal_dir is None:
            return None
        note = _journal_dir() / f"{os.getpid()}-{uuid.uuid4().hex}"
        note.write_text(str(Path(temp).absolute()), encoding="utf-8")
        return note
    except OSError:
        return None


def forget_temp(note: Path | None) -> None:
    if note is not None:
        try:
            note.unlink()
        except OSError:
            pass


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's) or unknown: do not touch its files
    return True


def clean_stale_temps() -> list[Path]:
    """Remove hidden ``.tmp`` files that writes of dead processes left; the ones removed.

    Only files this app noted (:func:`register_temp`) and that still look like its
    temporary files (hidden, ``.tmp``) are removed, and only when their process is gone.
    """
    removed: list[Path] = []
    if _journal_dir is None:
        return removed
    try:
        notes = list(_journal_dir().iterdir())
    except OSError:
        return removed
    for note in notes:
        pid_text = note.name.partition("-")[0]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        try:
            temp = Path(note.read_text(encoding="utf-8").strip())
        except (OSError, UnicodeDecodeError):
            temp = None
        if temp is not None and temp.name.startswith(".") and temp.name.endswith(".tmp"):
            try:
                temp.unlink()
                removed.append(temp)
            except FileNotFoundError:
                pass
            except OSError:
                continue  # keep the note: try again next start
        forget_temp(note)
    return removed
