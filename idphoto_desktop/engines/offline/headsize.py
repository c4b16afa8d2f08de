"""Faces and heads for sizing and cropping uploads, measured as the offline engine does.

Why: the upload must carry the head at least as tall as the output needs, and no taller
than that (bytes, time, and less of the customer's photo sent to a third party). One
BlazeFace pass on a small copy (about 10 ms) finds every face. With exactly one, its
head is measured crown to chin (hair included) by the engine's own steps (face mesh,
person mask; about 100-150 ms on a 12-24 MP photo, on the part around the face), so the
upload is sized and cropped to that head (``core.uploadcrop``).

Where the head cannot be measured (several faces, the crown cut off, no usable mask)
only the box is known; it spans roughly brows to chin, and ``core.uploadcrop`` then
takes the low bound of the head's ratio to it (``HEAD_PER_BOX``), so the estimate errs
small and the upload errs large (never an enlarged head).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from idphoto_desktop.core.uploadcrop import FaceBox, HeadMeasure

if TYPE_CHECKING:
    from PIL import Image

    from idphoto_desktop.engines.offline.nets import Networks

WORK_SIDE = 640  # the copy the detector looks at: faces far below this are not ID photos
MEASURE_BOX_PX = 320
"""The face box's least height in the copy a head is measured on (up to twice that):
the mesh looks at 192 px and the person mask at 256, so a larger copy costs time and
adds nothing."""

log = logging.getLogger(__name__)
AROUND = (1.5, 2.0, 2.0)
"""The part of the photo a head is measured on, in face-box heights beside, above and
below the box: it holds the engine's head-and-shoulders canvas (one head each side of
the face, 0.45 above the crown, 0.85 below the chin; a head is at most 1.83 boxes)."""

_lock = threading.Lock()
_nets: dict[Path, Networks] = {}


def _networks(folder: Path) -> Networks:
    """Detector, mesh and segmenter (no matting), loaded once per models folder."""
    from idphoto_desktop.engines.offline.nets import Networks

    with _lock:
        nets = _nets.get(folder)
        if nets is None:
            nets = Networks(folder, matting=False)
            _nets[folder] = nets
    return nets


def _bgr(image: Image.Image, k: float) -> Any:
    """``image`` shrunk by ``k`` (at most 1) as the engine's BGR pixels."""
    import numpy as np
    from PIL import Image as PILImage

    small = image
    if k < 1.0:  # shrink first: converting a 24 MP photo would copy all of it
        size = (max(1, round(image.width * k)), max(1, round(image.height * k)))
        small = small.resize(size, PILImage.Resampling.BILINEAR, reducing_gap=2.0)
    if small.mode != "RGB":
        small = small.convert("RGB")
    # The engine's nets swap channels (they were written for OpenCV's BGR order).
    return np.ascontiguousarray(np.asarray(small)[:, :, ::-1])


def _models_folder() -> Path | None:
    """The verified models folder if it is already there (never downloads here)."""
    from idphoto_desktop.engines.offline import models
    from idphoto_desktop.storage.paths import models_dir

    folder = models_dir()
    return None if models.missing_or_bad(folder) else folder


def face_boxes(image: Image.Image, models_dir: Path | None = None) -> list[FaceBox]:
    """The detected face boxes in ``image``'s pixels, tallest first (none without models)."""
    from idphoto_desktop.engines.offline import detector

    folder = models_dir or _models_folder()
    if folder is None:
        return []
    factor = min(1.0, WORK_SIDE / max(image.size))
    faces = detector.detect_faces(_bgr(image, factor), _networks(folder).detect)
    boxes = [FaceBox(d.x0 / factor, d.y0 / factor, d.x1 / factor, d.y1 / factor) for d in faces]
    return sorted(boxes, key=lambda box: -box.height)


def _no_report(_percent: int, _text: str) -> None:
    return None


def _no_check() -> None:
    return None


def measure_head(image: Image.Image, box: FaceBox, models_dir: Path) -> FaceBox:
    """``box`` with its head measured crown to chin by the offline engine's own steps.

    The same crown the engine frames with: the face mesh levels and measures the face,
    the person mask finds the top of the hair. ``box`` comes back unmeasured when the
    crown is not found on the photo (cut off at the top, or the mask gave nothing and
    only the engine's anthropometric guess is left) or the copy shows another count of
    faces.
    """
    import math

    import numpy as np

    from idphoto_desktop.engines.offline import cropping, pipeline
    from idphoto_desktop.engines.offline.imaging import compose, invert

    # Only the part around the face (a small face in a large photo is not measured on
    # all of it), reduced by a whole factor: as sharp for the mesh, and a 24 MP photo
    # costs about 40 ms where a resampling resize costs 170.
    h = box.height
    left = max(0, math.floor(box.x0 - AROUND[0] * h))
    top = max(0, math.floor(box.y0 - AROUND[1] * h))
    right = min(image.width, math.ceil(box.x1 + AROUND[0] * h))
    bottom = min(image.height, math.ceil(box.y1 + AROUND[2] * h))
    part = image
    if (left, top, right, bottom) != (0, 0, image.width, image.height):
        part = image.crop((left, top, right, bottom))
    n = max(1, math.floor(h / MEASURE_BOX_PX))
    copy = part.reduce(n) if n > 1 else part
    k = copy.height / part.height
    located = pipeline.locate(_networks(models_dir), _bgr(copy, 1.0), None, _no_report, _no_check)
    frame = located.frame
    guessed = cropping.head_frame(located.mesh).crown_y
    if located.face_count != 1 or located.head_cut or frame.crown_y == guessed:
        return box
    # The level frame back onto the photo: onto the copy, then up by k and over by the
    # part's corner.
    to_photo = compose(
        np.array([[1.0 / k, 0.0, left], [0.0, 1.0 / k, top]]), invert(frame.level_matrix())
    )
    middle = (frame.crown_y + frame.chin_y) / 2
    chin = to_photo @ np.array([frame.center_x, frame.chin_y, 1.0])
    centre = to_photo @ np.array([frame.center_x, middle, 1.0])
    eyes = to_photo @ np.array([0.0, 0.0, 1.0])
    measured = HeadMeasure(
        head=frame.head_height / k,
        chin_y=float(chin[1]),
        eye_y=float(eyes[1]),
        centre_x=float(centre[0]),
        roll=frame.roll,
    )
    return FaceBox(box.x0, box.y0, box.x1, box.y1, measured)


def locate_faces(image: Image.Image, models_dir: Path | None = None) -> list[FaceBox] | None:
    """Every face's box for sizing and cropping an upload, a lone face's head measured;
    None when the faces cannot be known.

    None (models missing or broken) is not "no face": the caller then keeps its
    conservative rules. Never raises for a missing or damaged model.
    """
    folder = models_dir or _models_folder()
    if folder is None:
        return None
    try:
        boxes = face_boxes(image, folder)
    except Exception:  # an estimate only: a broken model must not stop the upload
        return None
    if len(boxes) == 1:
        try:
            boxes = [measure_head(image, boxes[0], folder)]
        except Exception:  # the box alone still sizes the upload (conservatively)
            log.warning("The head could not be measured; sizing from the face box", exc_info=True)
    return boxes
