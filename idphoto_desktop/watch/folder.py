"""The headless watched folder: watchdog events in, finished photos out, until stopped.

watchdog (inotify on Linux, FSEvents on macOS, ReadDirectoryChangesW on Windows) tells
which files changed, so a new shot is seen at once; a full rescan every ``rescan_s``
seconds is the safety net for events a network share or a full event queue loses.
The decision "finished or not" is :class:`~idphoto_desktop.watch.ready.ReadyTracker`'s.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from idphoto_desktop.core.errors import StorageError
from idphoto_desktop.watch.ready import DEFAULT_SETTLE_S, Event, ReadyTracker

log = logging.getLogger(__name__)

DEFAULT_RESCAN_S = 2.0
POLL_S = 0.05  # how often pending files are looked at while something is being written


class FolderWatch:
    """Watch one folder; iterate :meth:`events` to receive finished photos and skips."""

    def __init__(
        self,
        folder: Path,
        *,
        new_only: bool = False,
        settle_s: float = DEFAULT_SETTLE_S,
        rescan_s: float = DEFAULT_RESCAN_S,
    ) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise StorageError(f"The folder {self.folder} does not exist.",
                               hint="Create it, or point the camera software at another one.")
        self.tracker = ReadyTracker(self.folder.resolve(), settle_s=settle_s)
        self.rescan_s = rescan_s
        self._wake = threading.Event()
        self._observer: Any = None
        if new_only:
            self.tracker.mark_existing_done()

    def _on_fs_event(self, path: str, closed: bool = False) -> None:
        self.tracker.notice(Path(path), closed=closed)
        self._wake.set()

    def start(self) -> None:
        """Start the watchdog observer (events from now on) and take in what is there."""
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer

        watch = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                if event.is_directory:
                    return
                closed = event.event_type == "closed"  # close after writing (inotify)
                for attr in ("dest_path", "src_path"):
                    value = getattr(event, attr, "")
                    if value:
                        path = value.decode() if isinstance(value, bytes) else str(value)
                        watch._on_fs_event(path, closed)

        observer = Observer()
        observer.schedule(Handler(), str(self.tracker.folder), recursive=False)
        observer.daemon = True
        observer.start()
        self._observer = observer
        self.tracker.rescan()

    def stop(self) -> None:
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join(timeout=5)
        self._wake.set()

    def __enter__(self) -> FolderWatch:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def events(self, stop: threading.Event) -> Iterator[Event]:
        """Finished photos and skipped files, as they come, until ``stop`` is set."""
        last_rescan = time.monotonic()
        while not stop.is_set():
            for event in self.tracker.poll():
                yield event
                if stop.is_set():
                    return
            now = time.monotonic()
            if now - last_rescan >= self.rescan_s:
                self.tracker.rescan()
                last_rescan = now
            wait = POLL_S if self.tracker.pending else self.rescan_s
            self._wake.wait(wait)
            self._wake.clear()
            if stop.is_set():
                return

    def wake(self) -> None:
        """Let :meth:`events` look at ``stop`` now (from a signal handler or another thread)."""
        self._wake.set()
