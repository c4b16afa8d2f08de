"""The 468-point face mesh: chin, forehead, eye line and roll, plus a sharpness figure.

The mesh runs on a 192x192 crop rotated so the eyes are level, like MediaPipe's
pipeline: first around the detector's box, then once more around the mesh itself, which
tightens the crop and makes the chin and eye points steadier.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from idphoto_desktop.engines.offline.detector import Detection
from idphoto_desktop.engines.offline.imaging import Pyramid, compose, invert

INPUT_SIZE = 192
ROI_SCALE = 1.5

CHIN = 152
FOREHEAD = 10
FACE_LEFT = 234  # image left (subject's right cheek)
FACE_RIGHT = 454
EYE_OUTER_LEFT = 33  # image left eye, outer corner
EYE_OUTER_RIGHT = 263
LEFT_EYE = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
RIGHT_EYE = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
RunMesh = Callable[[F32], tuple[float, F32]]
"""(1,3,192,192) blob -> (face-presence logit, 1404 raw coordinates); serialised by caller."""


@dataclass(frozen=True)
class FaceMesh:
    """Mesh points in image pixels (corner coordinates) and figures derived from them."""

    points: F64  # (468, 2)
    presence: float  # 0..1, the mesh model's own "this is a face" score
    sharpness: float  # face_sharpness(): the face's Laplacian variance at a standard contrast

    @property
    def left_eye(self) -> tuple[float, float]:
        p = self.points[list(LEFT_EYE)].mean(axis=0)
        return (float(p[0]), float(p[1]))

    @property
    def right_eye(self) -> tuple[float, float]:
        p = self.points[list(RIGHT_EYE)].mean(axis=0)
        return (float(p[0]), float(p[1]))

    @property
    def eye_mid(self) -> tuple[float, float]:
        (lx, ly), (rx, ry) = self.left_eye, self.right_eye
        return ((lx + rx) / 2, (ly + ry) / 2)

    @property
    def roll(self) -> float:
        """Angle of the eye line in radians (positive: the image-right eye is lower)."""
        (lx, ly), (rx, ry) = self.left_eye, self.right_eye
        return math.atan2(ry - ly, rx - lx)


def _roi_matrix(cx: float, cy: float, size: float, angle: float) -> F64:
    """Corner-coordinate affine from the image to the level 192x192 crop."""
    s = INPUT_SIZE / size
    c, n = math.cos(angle), math.sin(angle)
    rot = np.array([[c * s, n * s, 0.0], [-n * s, c * s, 0.0]])
    shift = np.array([[1.0, 0.0, -cx], [0.0, 1.0, -cy]])
    centre = np.array([[1.0, 0.0, INPUT_SIZE / 2], [0.0, 1.0, INPUT_SIZE / 2]])
    return compose(centre, compose(rot, shift))


def _run(pyramid: Pyramid, m: F64, run: RunMesh) -> FaceMesh:
    crop = pyramid.warp(m, (INPUT_SIZE, INPUT_SIZE))
    blob = cv2.dnn.blobFromImage(crop, 1.0 / 255.0, (INPUT_SIZE, INPUT_SIZE), swapRB=True)
    logit, raw = run(np.asarray(blob, np.float32))
    pts = raw.reshape(-1, 3)[:, :2].astype(np.float64)
    back = invert(m)
    image_pts = pts @ back[:, :2].T + back[:, 2]
    presence = 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logit))))
    return FaceMesh(image_pts, presence, face_sharpness(crop))


REFERENCE_CONTRAST = 40.0
"""Standard deviation of the grey levels (0..255) that the sharpness figure is scaled to."""


def face_sharpness(crop: npt.NDArray[np.uint8]) -> float:
    """Variance of the Laplacian over the middle of the level 192-px face crop (BGR),
    scaled to a standard contrast: it grows with the square of the contrast, so unscaled
    a dim, flat-lit or dark-skinned face would be called blurred. The capture check and
    the offline engine's warning use this one figure."""
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    q = INPUT_SIZE // 4
    inner = gray[q : 3 * q, q : 3 * q]
    contrast = max(float(inner.std()), 4.0)
    lap = float(cv2.Laplacian(inner, cv2.CV_64F).var())
    return lap * (REFERENCE_CONTRAST / contrast) ** 2


def _roi_from_points(points: F64) -> tuple[float, float, float, float]:
    a, b = points[EYE_OUTER_LEFT], points[EYE_OUTER_RIGHT]
    angle = math.atan2(b[1] - a[1], b[0] - a[0])
    c, n = math.cos(angle), math.sin(angle)
    rot = np.array([[c, n], [-n, c]])
    local = points @ rot.T
    lo, hi = local.min(axis=0), local.max(axis=0)
    centre = rot.T @ ((lo + hi) / 2)
    size = float(max(hi - lo)) * ROI_SCALE
    return float(centre[0]), float(centre[1]), size, angle


def face_mesh(pyramid: Pyramid, det: Detection, run: RunMesh) -> FaceMesh:
    """Mesh for one detection: a crop from the detector's box, then one from the mesh."""
    (rx, ry), (lx, ly) = det.keypoints[0], det.keypoints[1]
    angle = math.atan2(ly - ry, lx - rx)
    cx, cy = det.center
    size = max(det.width, det.height) * ROI_SCALE
    mesh = _run(pyramid, _roi_matrix(cx, cy, size, angle), run)
    if mesh.presence < 0.2:
        return mesh
    cx, cy, size, angle = _roi_from_points(mesh.points)
    return _run(pyramid, _roi_matrix(cx, cy, size, angle), run)
