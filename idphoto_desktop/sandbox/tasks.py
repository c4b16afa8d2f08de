"""In-memory state of the sandbox: tasks, stored results, the rate limiter, counters.

Each piece has its own lock; handler threads and workers share them. Nothing here
touches HTTP, so the reply shape can be checked without a socket.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from idphoto_desktop.core.geometry import Rect
from idphoto_desktop.sandbox.contract import (
    STATE_QUEUED,
    CreateForm,
    state_detail,
)
from idphoto_desktop.sandbox.faults import Faults


class Task:
    """One ID-photo task, from creation to a final state (1 or negative)."""

    def __init__(self, form: CreateForm, faults: Faults) -> None:
        self.task_id = str(uuid.uuid4())
        self.form = form
        self.faults = faults
        self.done = threading.Event()
        self._lock = threading.Lock()
        self._created_at = int(time.time())
        self._processed_at = 0
        self._completed_at = 0
        self._state = STATE_QUEUED
        self._progress = 0
        self._err_info = ""
        self._image_url = ""
        self._return_type = 1  # 2: 'image' holds the result itself, base64 (a fault)
        self._image_size = (0, 0)
        self._rect = (0, 0, 0, 0)
        self._download_ms = 0
        self._elapsed_ms = 0.0

    @property
    def state(self) -> int:
        with self._lock:
            return self._state

    def set_state(self, state: int, progress: int | None = None) -> None:
        """Move to a working state (0, 2, 3, 4); progress never goes backwards."""
        with self._lock:
            if self._processed_at == 0 and state > 1:
                self._processed_at = int(time.time())
            self._state = state
            if progress is not None:
                self._progress = max(self._progress, min(99, progress))

    def set_download_ms(self, milliseconds: float) -> None:
        with self._lock:
            self._download_ms = round(milliseconds)

    def complete(
        self,
        image_url: str,
        width: int,
        height: int,
        rect: Rect | None,
        elapsed_ms: float,
        *,
        return_type: int = 1,
    ) -> None:
        with self._lock:
            self._state = 1
            self._progress = 100
            self._image_url = image_url
            self._return_type = return_type
            self._image_size = (width, height)
            self._rect = rect.as_ints() if rect is not None else (0, 0, 0, 0)
            self._elapsed_ms = float(elapsed_ms)
            self._completed_at = int(time.time())
            self._processed_at = self._processed_at or self._completed_at
        self.done.set()

    def release_input(self) -> None:
        """Forget the uploaded photo once the task no longer needs it (memory)."""
        if self.form.image_file is not None:
            self.form = replace(self.form, image_file=None)

    def fail(self, state: int, err_info: str, elapsed_ms: float = 0.0) -> None:
        with self._lock:
            self._state = state
            self._err_info = err_info
            self._elapsed_ms = float(elapsed_ms)
            self._completed_at = int(time.time())
        self.done.set()

    def reply_data(self) -> dict[str, Any]:
        """Every key of the provider's example reply, with the same JSON types."""
        with self._lock:
            x, y, w, h = self._rect
            return {
                "completed_at": self._completed_at,
                "created_at": self._created_at,
                "download_time": self._download_ms,
                "err_info": self._err_info,
                "foreground_rect": {"x": x, "y": y, "width": w, "height": h},
                "image": self._image_url,
                "image_height": self._image_size[1],
                "image_width": self._image_size[0],
                "output_type": 2,
                "processed_at": self._processed_at,
                "progress": self._progress,
                "result_type": "object",
                "return_type": self._return_type,
                "state": self._state,
                "state_detail": state_detail(self._state),
                "task_id": self.task_id,
                "time_elapsed": self._elapsed_ms,
                "type": "auto",
            }


class TaskStore:
    """Tasks by id (kept for the server's lifetime: a sandbox, not a database)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tasks: dict[str, Task] = {}

    def add(self, task: Task) -> None:
        with self._lock:
            self._tasks[task.task_id] = task

    def get(self, task_id: str) -> Task | None:
        with self._lock:
            return self._tasks.get(task_id)

    def __len__(self) -> int:
        with self._lock:
            return len(self._tasks)


@dataclass(frozen=True)
class StoredResult:
    data: bytes
    mime: str
    expires_at: float
    trickle_s: float = 0.0
    byte_interval_s: float = 0.0


class ResultStore:
    """Result images under unguessable names that expire, like a signed storage URL."""

    def __init__(self, ttl_s: float, max_bytes: int = 512 * 1024 * 1024) -> None:
        self.ttl_s = ttl_s
        self.max_bytes = max(1, max_bytes)
        """Results held in memory at most; the oldest expire early beyond it."""
        self._lock = threading.Lock()
        self._results: dict[str, StoredResult] = {}

    def put(
        self,
        data: bytes,
        extension: str,
        mime: str,
        *,
        expired: bool = False,
        trickle_s: float = 0.0,
        byte_interval_s: float = 0.0,
    ) -> str:
        """Store the image; the name to serve it under (``<random>.<ext>``)."""
        name = f"{secrets.token_urlsafe(24)}{extension}"
        now = time.monotonic()
        expires_at = now + (0.0 if expired else self.ttl_s)
        with self._lock:
            for old, result in list(self._results.items()):
                if result.data and now >= result.expires_at:  # free expired bytes
                    self._results[old] = StoredResult(b"", result.mime, result.expires_at)
            self._results[name] = StoredResult(
                data, mime, expires_at, trickle_s, byte_interval_s
            )
            held = sum(len(r.data) for r in self._results.values())
            for old, result in list(self._results.items()):  # oldest first (dict order)
                if held <= self.max_bytes or old == name:
                    break
                if result.data:  # expire early, as a signed URL would: 403 from now on
                    held -= len(result.data)
                    self._results[old] = StoredResult(b"", result.mime, now)
        return name

    def get(self, name: str) -> tuple[StoredResult | None, bool]:
        """(result, expired): an expired result keeps its name, to answer 403 not 404."""
        with self._lock:
            result = self._results.get(name)
            if result is None:
                return None, False
            if time.monotonic() >= result.expires_at:
                # Drop the bytes, keep a tombstone so the answer stays "expired".
                self._results[name] = StoredResult(b"", result.mime, result.expires_at)
                return None, True
            return result, False


class RateLimiter:
    """A token bucket: ``rate`` requests per second, bursts up to ``max(1, rate)``."""

    def __init__(self, rate_per_s: float | None) -> None:
        self.rate = rate_per_s
        self._capacity = max(1.0, rate_per_s or 1.0)
        self._tokens = self._capacity
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self) -> int | None:
        """None when allowed, else the Retry-After seconds (at least 1)."""
        if self.rate is None or self.rate <= 0:
            return None
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self._capacity, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return None
            return max(1, math.ceil((1.0 - self._tokens) / self.rate))


class RequestCounter:
    """Requests seen, keyed like ``"GET /task/{id}"``; reads return a snapshot copy."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def add(self, key: str) -> None:
        with self._lock:
            self._counts[key] += 1

    def snapshot(self) -> Counter[str]:
        with self._lock:
            return Counter(self._counts)
