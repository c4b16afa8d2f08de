"""Cheap face boxes for sizing and cropping uploads: the face detector alone, no mesh.

Why: the upload must carry the head at least as tall as the output needs, and no taller
than that (bytes, time, and less of the customer's photo sent to a third party). Only
where the faces are and how big matters here, so one BlazeFace pass on a small copy
(about 10 ms) is enough; the mesh and the segmenter, which the engine needs, are not
loaded.

The box of this detector spans roughly brows to chin; the head measured to the crown
(hair included) is longer. ``core.imageprep`` takes the low bound of that ratio
(``core.uploadcrop.HEAD_PER_BOX``), so its estimate errs small and the upload errs large
(never an enlarged head).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from idphoto_desktop.core.uploadcrop import FaceBox

if TYPE_CHECKING:
    from PIL import Image

WORK_SIDE = 640  # the copy the detector looks at: faces far below this are not ID photos

_lock = threading.Lock()
_nets: dict[Path, Any] = {}


def _detector(folder: Path) -> Any:
    """The detector network alone, loaded once per models folder (under the lock)."""
    import cv2
    import numpy as np

    from idphoto_desktop.engines.offline import models

    net = _nets.get(folder)
    if net is None:
        data = models.load_bytes(folder, models.DETECTOR)
        net = cv2.dnn.readNetFromTFLite(np.frombuffer(data, dtype=np.uint8))
        _nets[folder] = net
    return net


def _models_folder() -> Path | None:
    """The verified models folder if it is already there (never downloads here)."""
    from idphoto_desktop.engines.offline import models
    from idphoto_desktop.storage.paths import models_dir

    folder = models_dir()
    return None if models.missing_or_bad(folder) else folder


def face_boxes(image: Image.Image, models_dir: Path | None = None) -> list[FaceBox]:
    """The detected face boxes in ``image``'s pixels, tallest first (none without models)."""
    import numpy as np
    from PIL import Image as PILImage

    from idphoto_desktop.engines.offline import detector

    folder = models_dir or _models_folder()
    if folder is None:
        return []
    factor = min(1.0, WORK_SIDE / max(image.size))
    small = image
    if factor < 1.0:  # shrink first: converting a 24 MP photo would copy all of it
        size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
        small = small.resize(size, PILImage.Resampling.BILINEAR, reducing_gap=2.0)
    if small.mode != "RGB":
        small = small.convert("RGB")
    # The detector's blob swaps channels (it was written for OpenCV's BGR order).
    pixels = np.ascontiguousarray(np.asarray(small)[:, :, ::-1])

    def run(blob: Any) -> tuple[Any, Any]:
        with _lock:
            net = _detector(folder)
            net.setInput(blob)
            scores, raw = net.forward(["classificators", "regressors"])
        return np.asarray(scores, np.float32), np.asarray(raw, np.float32)

    faces = detector.detect_faces(pixels, run)
    boxes = [FaceBox(d.x0 / factor, d.y0 / factor, d.x1 / factor, d.y1 / factor) for d in faces]
    return sorted(boxes, key=lambda box: -box.height)


def locate_faces(image: Image.Image, models_dir: Path | None = None) -> list[FaceBox] | None:
    """Every face's box for sizing and cropping an upload; None when it cannot be known.

    None (models missing or broken) is not "no face": the caller then keeps its
    conservative rules. Never raises for a missing or damaged model.
    """
    folder = models_dir or _models_folder()
    if folder is None:
        return None
    try:
        return face_boxes(image, folder)
    except Exception:  # an estimate only: a broken model must not stop the upload
        return None
