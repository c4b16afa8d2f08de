"""Which files in a watched folder are finished photos: the camera is done writing them.

Why not "a new file appeared": tethering software (digiCamControl, EOS Utility, Capture
One, gphoto2) creates the file first and writes it over a second or more, sometimes
under a temporary name that it renames at the end. Reading it early gives a truncated
image, which must never become an error or a half result. A file counts as finished
only when its size and modification time have not changed for ``settle_s`` AND it
decodes completely as an image. A file that stays unchanged yet never decodes is
reported once as unreadable; a raw file is reported once as skipped. Hidden and
temporary names (dotfiles, ``~``, ``.tmp``, ``.part``…) are ignored until renamed.

No Qt and no threads here: the headless watcher (:mod:`.folder`, watchdog) and the
window (QFileSystemWatcher) both feed paths in with :meth:`ReadyTracker.notice` or
:meth:`ReadyTracker.rescan` and call :meth:`ReadyTracker.poll`. Thread-safe.
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

# Photos Pillow reads (with pillow-heif for HEIC).
IMAGE_SUFFIXES = frozenset({
    ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".tif", ".tiff", ".heic", ".heif",
    ".webp", ".bmp",
})
# Camera raw formats: Pillow cannot develop them; the clerk is told once and the file is left.
RAW_SUFFIXES = frozenset({
    ".3fr", ".arw", ".cr2", ".cr3", ".crw", ".dcr", ".dng", ".erf", ".iiq", ".k25", ".kdc",
    ".mef", ".mos", ".mrw", ".nef", ".nrw", ".orf", ".pef", ".raf", ".raw", ".rw2", ".rwl",
    ".sr2", ".srf", ".srw", ".x3f",
})
# Names still being written or kept by tools: ignored until renamed to a real name.
TEMP_SUFFIXES = frozenset({
    ".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".filepart", ".swp",
    ".lock", ".inprogress",
})
# Files that travel with photos (sidecars, thumbnails, catalogues): silently left alone.
SIDECAR_SUFFIXES = frozenset({
    ".xmp", ".thm", ".pp3", ".dop", ".cos", ".cof", ".aae", ".json", ".txt", ".db", ".ini",
    ".log", ".lrv", ".mov", ".mp4", ".wav",
})

DEFAULT_SETTLE_S = 0.25
DEFAULT_GIVE_UP_S = 5.0
CLOSED_SETTLE_S = 0.05  # after the writer closed the file: a short look for a late write
JPEG_CHECK_SIDE = 256  # the readability check decodes JPEGs at a reduced scale: fast


def is_ignored_name(name: str) -> bool:
    """Hidden, temporary or sidecar names: never photos (a rename makes them visible)."""
    lower = name.lower()
    if lower.startswith((".", "~")) or lower.endswith("~"):
        return True
    suffix = os.path.splitext(lower)[1]
    return suffix in TEMP_SUFFIXES or suffix in SIDECAR_SUFFIXES


def is_raw_name(name: str) -> bool:
    return os.path.splitext(name.lower())[1] in RAW_SUFFIXES


_heif_lock = threading.Lock()
_heif_done = False


def _register_heif() -> None:
    global _heif_done
    with _heif_lock:
        if not _heif_done:
            import pillow_heif

            pillow_heif.register_heif_opener()
            _heif_done = True


def decodes_completely(data: bytes) -> bool:
    """True when ``data`` is a whole image Pillow can decode to the last pixel.

    A truncated JPEG, PNG or TIFF raises in ``load()`` (truncated images are never
    accepted here); a JPEG is decoded at a reduced scale, which still reads every byte.
    """
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypmsf1", b"ftyphevc"):
        _register_heif()
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format == "JPEG":
                image.draft("RGB", (JPEG_CHECK_SIDE, JPEG_CHECK_SIDE))
            image.load()
            return image.width > 0 and image.height > 0
    except Exception:  # any decoder complaint means "not a whole image (yet)"
        return False


@dataclass(frozen=True)
class Ready:
    """A finished photo; ``data`` is the bytes that were checked (read once)."""

    path: Path
    data: bytes


@dataclass(frozen=True)
class Skipped:
    """A file that will not be made into an ID photo, and why (one line for the clerk)."""

    path: Path
    message: str


Event = Ready | Skipped
Signature = tuple[int, int]  # size, mtime_ns


@dataclass
class _Pending:
    signature: Signature
    stable_since: float
    next_try: float = 0.0
    closed: bool = False  # the writer closed the file at this signature


class ReadyTracker:
    """Remembers candidate files and says which became finished photos.

    ``poll()`` returns each finished photo once per content: a file rewritten later
    (same name, new size or time) is a new shot and comes again.
    """

    def __init__(
        self,
        folder: Path,
        *,
        settle_s: float = DEFAULT_SETTLE_S,
        give_up_s: float = DEFAULT_GIVE_UP_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.folder = Path(folder)
        self.settle_s = settle_s
        self.give_up_s = max(give_up_s, settle_s)
        self._clock = clock
        self._pending: dict[Path, _Pending] = {}
        self._done: dict[Path, Signature] = {}
        self._lock = threading.Lock()

    # -- feeding ---------------------------------------------------------------------
    def notice(self, path: Path, *, closed: bool = False) -> None:
        """A file event for ``path`` (created, written, moved here). Cheap: no reading.

        ``closed``: the writer closed it (inotify's close-after-write); it is then looked
        at after ``CLOSED_SETTLE_S`` instead of ``settle_s`` — still only if it decodes.
        """
        path = Path(path)
        if path.parent != self.folder or is_ignored_name(path.name):
            return
        signature = _signature(path)
        if signature is None:
            return
        now = self._clock()
        with self._lock:
            if self._done.get(path) == signature:
                return
            pending = self._pending.get(path)
            if pending is None or pending.signature != signature:
                pending = self._pending[path] = _Pending(signature, now)
            if closed:
                pending.closed = True

    def rescan(self) -> None:
        """Look at every file in the folder (start-up, and a safety net for lost events)."""
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            return
        for entry in entries:
            if entry.is_file(follow_symlinks=True):
                self.notice(Path(entry.path))

    def mark_existing_done(self) -> int:
        """Take the files already there as handled (``--new-only``); how many."""
        count = 0
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            return 0
        with self._lock:
            for entry in entries:
                path = Path(entry.path)
                signature = _signature(path)
                if signature is not None and not is_ignored_name(entry.name):
                    self._done[path] = signature
                    count += 1
        return count

    @property
    def pending(self) -> bool:
        with self._lock:
            return bool(self._pending)

    # -- deciding --------------------------------------------------------------------
    def poll(self) -> list[Event]:
        """Finished photos and skipped files since the last call (reads stable files only)."""
        now = self._clock()
        with self._lock:
            items = list(self._pending.items())
        events: list[Event] = []
        for path, pending in items:
            event = self._examine(path, pending, now)
            if event is not None:
                events.append(event)
        return events

    def _examine(self, path: Path, pending: _Pending, now: float) -> Event | None:
        signature = _signature(path)
        if signature is None:  # gone (renamed or deleted): its new name comes as a notice
            self._drop(path, pending)
            return None
        if signature != pending.signature:
            with self._lock:
                if self._pending.get(path) is pending:
                    self._pending[path] = _Pending(signature, now)
            return None
        settled_for = now - pending.stable_since
        settle = min(self.settle_s, CLOSED_SETTLE_S) if pending.closed else self.settle_s
        if signature[0] == 0 or settled_for < settle or now < pending.next_try:
            return None
        if is_raw_name(path.name):
            return self._finish(path, pending, Skipped(path, _raw_message(path)))
        data = _read(path)
        if data is not None and _signature(path) == signature and decodes_completely(data):
            return self._finish(path, pending, Ready(path, data))
        if settled_for >= self.give_up_s:
            return self._finish(path, pending, Skipped(path, _unreadable_message(path)))
        pending.next_try = now + self.settle_s  # unchanged but not whole yet: look again
        return None

    def _finish(self, path: Path, pending: _Pending, event: Event) -> Event | None:
        with self._lock:
            if self._pending.get(path) is not pending:
                return None  # changed meanwhile: it is examined again
            del self._pending[path]
            self._done[path] = pending.signature
        return event

    def _drop(self, path: Path, pending: _Pending) -> None:
        with self._lock:
            if self._pending.get(path) is pending:
                del self._pending[path]


def _signature(path: Path) -> Signature | None:
    try:
        st = path.stat()
    except OSError:
        return None
    if not os.path.isfile(path):
        return None
    return (st.st_size, st.st_mtime_ns)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _raw_message(path: Path) -> str:
    return (
        f"{path.name} is a camera raw file, which cannot be read here; skipped. "
        "Set the camera software to save JPEG (or RAW+JPEG)."
    )


def _unreadable_message(path: Path) -> str:
    return (
        f"{path.name} is not a readable photo (JPEG, HEIC, PNG or TIFF); skipped. "
        "If the camera is still writing it, it will be tried again when it changes."
    )
