"""The offline engine's face mesh, kept in 3-D, and the head pose measured from it.

``engines.offline.landmarks`` keeps only x and y; the pose needs the mesh's depth too.
This runs the same model on the same level 192x192 crops (first from the detector's box,
then from the mesh itself), keeps z (the model gives it in the crop's x units), and wraps
the result in the engine's own ``FaceMesh`` so its head frame can be reused unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from idphoto_desktop.engines.offline.detector import Detection
from idphoto_desktop.engines.offline.imaging import Pyramid, compose, invert
from idphoto_desktop.engines.offline.landmarks import (
    CHIN,
    EYE_OUTER_LEFT,
    EYE_OUTER_RIGHT,
    FOREHEAD,
    FaceMesh,
    RunMesh,
    face_sharpness,
)

F64 = npt.NDArray[np.float64]
INPUT_SIZE = 192
ROI_SCALE = 1.5

# Symmetric landmark pairs (image-left point, image-right point): outer and inner eye
# corners, cheeks at the ears' level, jaw, mouth corners, nose wings. Their 3-D difference
# vectors are parallel to the face's left-right axis whatever the face's shape.
PAIRS = ((33, 263), (133, 362), (234, 454), (132, 361), (58, 288), (61, 291), (98, 327))
# The midline, top to bottom: forehead, between the eyes, nose bridge, under the nose, chin.
MIDLINE_TOP = (10, 151, 9)
MIDLINE_BOTTOM = (152, 175, 199)


@dataclass(frozen=True)
class Mesh3D:
    """468 mesh points in image pixels (z in the same units, larger = farther)."""

    points: F64  # (468, 3)
    presence: float
    sharpness: float

    def flat(self) -> FaceMesh:
        """The engine's 2-D mesh, for ``cropping.head_frame``."""
        return FaceMesh(np.ascontiguousarray(self.points[:, :2]), self.presence, self.sharpness)


@dataclass(frozen=True)
class Pose:
    """Head rotation in degrees: yaw (+ = the face turns to the image's right), pitch
    (+ = chin up), roll (+ = the image-right eye is lower)."""

    yaw: float
    pitch: float
    roll: float


def _roi_matrix(cx: float, cy: float, size: float, angle: float) -> F64:
    s = INPUT_SIZE / size
    c, n = math.cos(angle), math.sin(angle)
    rot = np.array([[c * s, n * s, 0.0], [-n * s, c * s, 0.0]])
    shift = np.array([[1.0, 0.0, -cx], [0.0, 1.0, -cy]])
    centre = np.array([[1.0, 0.0, INPUT_SIZE / 2], [0.0, 1.0, INPUT_SIZE / 2]])
    return compose(centre, compose(rot, shift))


def _run(pyramid: Pyramid, m: F64, run: RunMesh) -> Mesh3D:
    crop = pyramid.warp(m, (INPUT_SIZE, INPUT_SIZE))
    blob = cv2.dnn.blobFromImage(crop, 1.0 / 255.0, (INPUT_SIZE, INPUT_SIZE), swapRB=True)
    logit, raw = run(np.asarray(blob, np.float32))
    pts = raw.reshape(-1, 3).astype(np.float64)
    back = invert(m)
    xy = pts[:, :2] @ back[:, :2].T + back[:, 2]
    unit = math.hypot(back[0, 0], back[1, 0])  # image pixels per crop pixel
    points = np.column_stack([xy, pts[:, 2] * unit])
    presence = 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logit))))
    return Mesh3D(points, presence, face_sharpness(crop))


def _roi_from_points(points: F64) -> tuple[float, float, float, float]:
    a, b = points[EYE_OUTER_LEFT, :2], points[EYE_OUTER_RIGHT, :2]
    angle = math.atan2(b[1] - a[1], b[0] - a[0])
    c, n = math.cos(angle), math.sin(angle)
    rot = np.array([[c, n], [-n, c]])
    local = points[:, :2] @ rot.T
    lo, hi = local.min(axis=0), local.max(axis=0)
    centre = rot.T @ ((lo + hi) / 2)
    return float(centre[0]), float(centre[1]), float(max(hi - lo)) * ROI_SCALE, angle


def mesh_3d(pyramid: Pyramid, det: Detection, run: RunMesh, *, refine: bool = True) -> Mesh3D:
    """The mesh of one detection: a crop from the detector's box, then (``refine``) one
    from the mesh itself, which is steadier; one pass is enough to confirm a face."""
    (rx, ry), (lx, ly) = det.keypoints[0], det.keypoints[1]
    angle = math.atan2(ly - ry, lx - rx)
    cx, cy = det.center
    size = max(det.width, det.height) * ROI_SCALE
    mesh = _run(pyramid, _roi_matrix(cx, cy, size, angle), run)
    if mesh.presence < 0.2 or not refine:
        return mesh
    return refine_mesh(pyramid, mesh, run)


def refine_mesh(pyramid: Pyramid, mesh: Mesh3D, run: RunMesh) -> Mesh3D:
    """The mesh again on a crop centred and levelled by the mesh's own points."""
    return _run(pyramid, _roi_matrix(*_roi_from_points(mesh.points)), run)


def _unit(v: F64) -> F64:
    n = float(np.linalg.norm(v))
    out: F64 = v / n if n > 0 else v
    return out


def head_pose(points: F64) -> Pose:
    """Yaw, pitch and roll from the mesh's own 3-D shape (a geometric estimate).

    The left-right axis is the mean of the symmetric pairs' difference vectors, so a
    frontal face has zero yaw and roll by symmetry, whatever its shape. The up axis is the
    midline (chin to forehead) made perpendicular to it; pitch is that axis' lean toward
    the camera, less the lean it has on a frontal face (``FRONTAL_PITCH``).
    """
    x_axis = _unit(sum((_unit(points[r] - points[le]) for le, r in PAIRS), np.zeros(3)))
    top = points[list(MIDLINE_TOP)].mean(axis=0)
    bottom = points[list(MIDLINE_BOTTOM)].mean(axis=0)
    up = top - bottom  # image y grows downward: "up" has negative y
    up = _unit(up - float(up @ x_axis) * x_axis)
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, float(x_axis[2])))))
    roll = math.degrees(math.atan2(float(x_axis[1]), float(x_axis[0])))
    # lean of the up axis toward the camera (z < 0 is nearer): chin up tips it away
    pitch = math.degrees(math.atan2(float(up[2]), float(-up[1]))) - FRONTAL_PITCH
    return Pose(yaw, pitch, roll)


FRONTAL_PITCH = -11.0


__all__ = ["CHIN", "FOREHEAD", "Mesh3D", "Pose", "head_pose", "mesh_3d"]
