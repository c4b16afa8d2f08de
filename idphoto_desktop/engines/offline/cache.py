"""A small in-memory LRU of cut-outs, so a new frame of the same photo is a re-render.

Keyed by the SHA-256 of the uploaded bytes (the exact pixel grid the cut-out lives in),
the face asked for, and the canvas (the default one, or a wider one a far frame needed:
a request always gets the canvas it alone decides, so the bytes never depend on what
was rendered before). Entries hold the photo's pyramid and a small mask (a few MB each);
a handful is enough for the photo on screen and the previous ones.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from idphoto_desktop.engines.offline.pipeline import CutOut

CacheKey = tuple[str, int, str]
"""(sha256 of the uploaded bytes, face number or 0 = automatic, canvas: "" = the default)"""
MAX_ENTRIES = 4


class CutOutCache:
    """Thread-safe least-recently-used store of cut-outs."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._max = max(0, max_entries)
        self._items: OrderedDict[CacheKey, CutOut] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: CacheKey) -> CutOut | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: CacheKey, cut: CutOut) -> None:
        if self._max == 0:
            return
        with self._lock:
            self._items[key] = cut
            self._items.move_to_end(key)
            while len(self._items) > self._max:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
