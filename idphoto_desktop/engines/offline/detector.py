"""BlazeFace short-range face detection, decoded the way MediaPipe decodes it.

The model sees a 128x128 letterboxed square. Faces much smaller than a tenth of that
square are missed, so full-body photos are searched again in overlapping tiles (a coarse
pyramid) when the whole-image pass finds nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from idphoto_desktop.engines.offline.imaging import warp

INPUT_SIZE = 128
MIN_SCORE = 0.5
NMS_IOU = 0.3

F32 = npt.NDArray[np.float32]
U8 = npt.NDArray[np.uint8]
RunNet = Callable[[F32], tuple[F32, F32]]
"""(1,3,128,128) blob -> (scores (896,), regressors (896, 16)); serialised by the caller."""


@dataclass(frozen=True)
class Detection:
    """One face in image pixels: box corners, score and the 6 key points.

    Key points (MediaPipe order): subject's right eye, left eye, nose tip, mouth centre,
    right ear tragion, left ear tragion.
    """

    x0: float
    y0: float
    x1: float
    y1: float
    score: float
    keypoints: tuple[tuple[float, float], ...]

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def area(self) -> float:
        return max(0.0, self.width) * max(0.0, self.height)

    @property
    def center(self) -> tuple[float, float]:
        return ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)


def _anchors() -> F32:
    """The 896 anchor centres of MediaPipe's SsdAnchorsCalculator for this model.

    Options: 4 layers, strides 8/16/16/16, one aspect ratio plus the interpolated one,
    fixed anchor size: 2 anchors per cell on the 16x16 grid, 6 on the 8x8 grid.
    """
    centres: list[tuple[float, float]] = []
    for stride, per_cell in ((8, 2), (16, 6)):
        grid = INPUT_SIZE // stride
        for y in range(grid):
            for x in range(grid):
                for _ in range(per_cell):
                    centres.append(((x + 0.5) / grid, (y + 0.5) / grid))
    return np.asarray(centres, dtype=np.float32)


ANCHORS = _anchors()


def decode(scores: F32, raw: F32, min_score: float = MIN_SCORE) -> list[tuple[float, F32, F32]]:
    """Scores and regressors to (score, box x0y0x1y1, keypoints 6x2) in 0..1 input units."""
    logits = np.clip(scores.reshape(-1).astype(np.float64), -100.0, 100.0)
    probs = 1.0 / (1.0 + np.exp(-logits))
    raw = raw.reshape(-1, 16) / float(INPUT_SIZE)
    out: list[tuple[float, F32, F32]] = []
    for i in np.flatnonzero(probs >= min_score):
        ax, ay = ANCHORS[i]
        cx, cy = raw[i, 0] + ax, raw[i, 1] + ay
        w, h = raw[i, 2], raw[i, 3]
        box = np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dtype=np.float32)
        kps = raw[i, 4:16].reshape(6, 2) + np.array([ax, ay], dtype=np.float32)
        out.append((float(probs[i]), box, kps.astype(np.float32)))
    return out


def _iou(a: Detection, b: Detection) -> float:
    ix = max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0))
    iy = max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))
    inter = ix * iy
    union = a.area + b.area - inter
    return inter / union if union > 0 else 0.0


def weighted_nms(dets: list[Detection], iou: float = NMS_IOU) -> list[Detection]:
    """MediaPipe's WEIGHTED non-maximum suppression: overlapping boxes are averaged."""
    remaining = sorted(dets, key=lambda d: -d.score)
    kept: list[Detection] = []
    while remaining:
        top = remaining[0]
        group = [d for d in remaining if _iou(top, d) > iou]
        remaining = [d for d in remaining if _iou(top, d) <= iou]
        weights = np.array([d.score for d in group], dtype=np.float64)
        weights /= weights.sum()
        box = sum(
            (w * np.array([d.x0, d.y0, d.x1, d.y1]) for w, d in zip(weights, group, strict=True)),
            start=np.zeros(4),
        )
        kps = sum(
            (w * np.array(d.keypoints) for w, d in zip(weights, group, strict=True)),
            start=np.zeros((6, 2)),
        )
        kept.append(
            Detection(
                float(box[0]),
                float(box[1]),
                float(box[2]),
                float(box[3]),
                top.score,
                tuple((float(x), float(y)) for x, y in kps),
            )
        )
    return kept


def detect_in_square(
    image: U8, x0: float, y0: float, side: float, run: RunNet, min_score: float = MIN_SCORE
) -> list[Detection]:
    """Faces inside the square (x0, y0, side) of ``image`` (zero padding outside it)."""
    scale = INPUT_SIZE / side
    matrix = np.array([[scale, 0.0, -x0 * scale], [0.0, scale, -y0 * scale]])
    square = np.asarray(warp(image, matrix, (INPUT_SIZE, INPUT_SIZE)), np.uint8)
    blob = cv2.dnn.blobFromImage(
        square, 1.0 / 127.5, (INPUT_SIZE, INPUT_SIZE), (127.5, 127.5, 127.5), swapRB=True
    )
    scores, raw = run(np.asarray(blob, np.float32))
    found: list[Detection] = []
    for score, box, kps in decode(scores, raw, min_score):
        px = box * side
        found.append(
            Detection(
                x0 + float(px[0]),
                y0 + float(px[1]),
                x0 + float(px[2]),
                y0 + float(px[3]),
                score,
                tuple((x0 + float(x) * side, y0 + float(y) * side) for x, y in kps),
            )
        )
    return found


def _tiles(width: int, height: int, side: float) -> list[tuple[float, float]]:
    """Top-left corners of squares of ``side`` covering the image with half overlap."""

    def starts(length: int) -> list[float]:
        if side >= length:
            return [(length - side) / 2]
        count = math.ceil((length - side) / (side / 2)) + 1
        step = (length - side) / (count - 1)
        return [i * step for i in range(count)]

    return [(x, y) for y in starts(height) for x in starts(width)]


def detect_faces(image: U8, run: RunNet, min_tile: int = 96) -> list[Detection]:
    """All faces, largest first: the whole image first, then finer tiles only if needed.

    Stopping at the first level that finds a face keeps false positives (which grow with
    the number of tiles) away from ordinary portraits.
    """
    height, width = image.shape[:2]
    long_side = float(max(width, height))
    side = long_side
    level = 0
    while True:
        found: list[Detection] = []
        for x0, y0 in _tiles(width, height, side):
            # finer levels see more background per face: ask for a little more confidence
            found += detect_in_square(image, x0, y0, side, run, MIN_SCORE + 0.1 * min(level, 1))
        faces = weighted_nms(found)
        if faces or side / 2 < min_tile or level >= 3:
            return sorted(faces, key=lambda d: -d.area)
        side /= 2
        level += 1
