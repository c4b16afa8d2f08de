"""The three networks, loaded once and run one call at a time.

``cv2.dnn.Net`` objects keep per-call state and are not thread-safe, so every forward
pass goes through one lock; loading is lazy and also under that lock, so the app starts
fast and two workers never load twice.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from idphoto_desktop.engines.offline import models

F32 = npt.NDArray[np.float32]


class Networks:
    """Detector, face mesh and selfie segmenter from one verified models folder."""

    def __init__(self, folder: Path) -> None:
        self._lock = threading.Lock()
        self._folder = folder
        self._nets: dict[str, Any] | None = None

    def _loaded(self) -> dict[str, Any]:
        # Called with the lock held.
        if self._nets is None:
            nets: dict[str, Any] = {}
            for name in (models.DETECTOR, models.MESH, models.SEGMENTER):
                data = models.load_bytes(self._folder, name)
                nets[name] = cv2.dnn.readNetFromTFLite(np.frombuffer(data, dtype=np.uint8))
            self._nets = nets
        return self._nets

    def load(self) -> None:
        with self._lock:
            self._loaded()

    def detect(self, blob: F32) -> tuple[F32, F32]:
        with self._lock:
            net = self._loaded()[models.DETECTOR]
            net.setInput(blob)
            scores, raw = net.forward(["classificators", "regressors"])
        return np.asarray(scores, np.float32), np.asarray(raw, np.float32)

    def mesh(self, blob: F32) -> tuple[float, F32]:
        with self._lock:
            net = self._loaded()[models.MESH]
            net.setInput(blob)
            flag, raw = net.forward(["conv2d_31", "conv2d_21"])
        return float(np.asarray(flag).reshape(-1)[0]), np.asarray(raw, np.float32).reshape(-1)

    def segment(self, blob: F32) -> F32:
        with self._lock:
            net = self._loaded()[models.SEGMENTER]
            net.setInput(blob)
            out = net.forward()
        return np.asarray(out, np.float32).reshape(out.shape[-2], out.shape[-1])
