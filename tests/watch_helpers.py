"""Test helpers for the watched folder: a camera that writes a file slowly, in chunks."""

from __future__ import annotations

import threading
import time
from pathlib import Path

CHUNK = 64 * 1024
PAUSE_S = 0.05


class SlowCamera(threading.Thread):
    """Writes ``data`` to ``path`` 64 KB every 50 ms, like tethering software over USB.

    ``temp_name``: write under that name first and rename at the end (as many tools do);
    ``stall_s``: stop half way for that long (longer than the settle time); ``reopen``:
    close and reopen the file for every chunk (each close is a "finished?" hint).
    """

    def __init__(
        self, path: Path, data: bytes, *, temp_name: str | None = None,
        chunk: int = CHUNK, pause_s: float = PAUSE_S, stall_s: float = 0.0,
        reopen: bool = False,
    ) -> None:
        super().__init__(daemon=True, name=f"camera-{path.name}")
        self.path, self.data, self.temp_name = path, data, temp_name
        self.chunk, self.pause_s, self.stall_s = chunk, pause_s, stall_s
        self.reopen = reopen
        self.finished_at: float | None = None  # perf_counter at the last byte

    def run(self) -> None:
        target = self.path.with_name(self.temp_name) if self.temp_name else self.path
        if self.reopen:  # open, append one chunk, close: a "closed" event every chunk
            for start in range(0, len(self.data), self.chunk):
                with target.open("ab") as handle:
                    handle.write(self.data[start:start + self.chunk])
                time.sleep(self.pause_s)
        else:
            self._write_once(target)
        if self.temp_name:
            target.rename(self.path)
        self.finished_at = time.perf_counter()

    def _write_once(self, target: Path) -> None:
        with target.open("wb") as handle:
            for start in range(0, len(self.data), self.chunk):
                handle.write(self.data[start:start + self.chunk])
                handle.flush()
                time.sleep(self.pause_s)
                if self.stall_s and start <= len(self.data) // 2 < start + self.chunk:
                    time.sleep(self.stall_s)  # the USB link hiccups half way


def big_jpeg(source: Path, scale: int = 4) -> bytes:
    """A camera-sized JPEG (several chunks long) made from a shared photo."""
    import io

    from PIL import Image

    with Image.open(source) as image:
        big = image.convert("RGB").resize((image.width * scale, image.height * scale))
    out = io.BytesIO()
    big.save(out, format="JPEG", quality=97)
    return out.getvalue()


def wait_for(predicate: object, timeout: float = 60.0, step: float = 0.05) -> bool:
    """Poll ``predicate()`` until true (a deadline against hanging, not a timing check)."""
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())
