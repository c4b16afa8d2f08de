"""The networks, loaded once and run one call at a time.

``cv2.dnn.Net`` objects keep per-call state and are not thread-safe, so every forward
pass goes through one lock; loading is lazy and also under that lock, so the app starts
fast and two workers never load twice.

The optional portrait-matting network (MODNet) runs with onnxruntime: measured against
OpenCV 5.0's dnn (the only OpenCV that loads it) it needs about 0.7x the CPU time at the
same input, the same output within 1e-5, and it leaves the app on OpenCV 4.14 (OpenCV 5.0
would need ``ENGINE_CLASSIC`` for the face detector and re-checking every other net and
GrabCut). One intra-op thread: the window's thread and the other worker keep a core.
When its file is absent or damaged ``matte`` returns None and the cut-out is today's.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from idphoto_desktop.engines.offline import models

F32 = npt.NDArray[np.float32]
log = logging.getLogger(__name__)


class Networks:
    """Detector, face mesh and selfie segmenter from one verified models folder."""

    def __init__(self, folder: Path, *, matting: bool = True) -> None:
        self._lock = threading.Lock()
        self._folder = folder
        self._nets: dict[str, Any] | None = None
        self._want_matting = matting
        self._matting: Any = None
        self._matting_tried = False
        self.matting_note: str | None = None  # why finer hair matting is off, if it is

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

    def _matting_session(self) -> Any:
        # Called with the lock held.
        if self._matting_tried:
            return self._matting
        self._matting_tried = True
        if not self._want_matting:
            return None
        path = models.matting_model(self._folder)
        if path is None:
            self.matting_note = (
                "The hair-matting model is not installed, so hair edges use the basic "
                "cut-out. Run 'idphoto models' once with internet access to add it."
            )
            log.warning("MODNet not found in %s: using the basic cut-out", self._folder)
            return None
        try:
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            # no memory arena: it kept ~150 MB after the first run (bench/offline.py RSS)
            options.enable_cpu_mem_arena = False
            # no busy-waiting threads: on a shared 2-core machine they only burn time
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._matting = ort.InferenceSession(
                models.load_bytes(self._folder, models.MATTING),
                options,
                providers=["CPUExecutionProvider"],
            )
        except Exception:  # a broken runtime must not stop the engine: today's cut-out
            log.warning("MODNet could not be loaded: using the basic cut-out", exc_info=True)
            self.matting_note = (
                "The hair-matting model could not be loaded, so hair edges use the basic "
                "cut-out."
            )
            self._matting = None
        return self._matting

    @property
    def has_matting(self) -> bool:
        with self._lock:
            return self._matting_session() is not None

    def matte(self, blob: F32) -> F32 | None:
        """MODNet's alpha (H, W) for a (1, 3, H, W) RGB blob in -1..1, or None without it."""
        with self._lock:
            session = self._matting_session()
            if session is None:
                return None
            name = session.get_inputs()[0].name
            out = session.run(None, {name: blob})[0]
        return np.asarray(out, np.float32).reshape(out.shape[-2], out.shape[-1])

    def segment(self, blob: F32) -> F32:
        with self._lock:
            net = self._loaded()[models.SEGMENTER]
            net.setInput(blob)
            out = net.forward()
        return np.asarray(out, np.float32).reshape(out.shape[-2], out.shape[-1])
