"""The offline ID-photo pipeline on a decoded photo: face, crop, matte, composite.

Kept apart from the engine (request handling, encoding) so the bench and tests can drive
it on arrays. Every stage is timed; the clerk's warnings are collected as plain text.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from idphoto_desktop.core.errors import FaceError
from idphoto_desktop.core.geometry import Affine, Rect
from idphoto_desktop.core.job import CropGeometry, FaceGuides, PhotoSize
from idphoto_desktop.engines.offline import cropping, matting
from idphoto_desktop.engines.offline.detector import detect_faces
from idphoto_desktop.engines.offline.imaging import Pyramid, compose, invert, scale_of, warp
from idphoto_desktop.engines.offline.landmarks import face_mesh
from idphoto_desktop.engines.offline.nets import Networks

U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
Report = Callable[[int, str], None]
Check = Callable[[], None]

WORK_SIDE = 448  # GrabCut and the selfie model's frame, long side in pixels
SEG_SIZE = 256
MAX_MESHED = 6  # faces checked with the mesh (false detections are dropped there)
MIN_PRESENCE = 0.5
BLUR_LIMIT = 60.0  # variance of the Laplacian on the 192-px face crop; sharp photos: 120-830
SMALL_FACE_PX = 120.0  # chin to crown, uploaded pixels
MAX_ENLARGE = 1.5


@dataclass
class Cutout:
    """What the pipeline produces before encoding."""

    foreground: U8  # BGR, edge colours cleaned
    alpha: F32  # 0..1
    crop: Affine
    guides: FaceGuides
    foreground_rect: Rect
    warnings: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    measures: dict[str, float] = field(default_factory=dict)


class _Timer:
    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.times[name] = round((now - self._last) * 1000.0, 1)
        self._last = now


@dataclass(frozen=True)
class _Work:
    """The output frame plus margins, scaled to WORK_SIDE px: where masks are computed."""

    matrix: F64  # uploaded -> work pixels
    from_output: F64  # output -> work pixels
    size: tuple[int, int]


def _work_frame(out_matrix: F64, size: PhotoSize) -> _Work:
    pad_x = 0.15 * size.width
    pad_top, pad_bottom = 0.2 * size.height, 0.05 * size.height
    full_w, full_h = size.width + 2 * pad_x, size.height + pad_top + pad_bottom
    k = WORK_SIDE / max(full_w, full_h)
    from_output = np.array([[k, 0.0, k * pad_x], [0.0, k, k * pad_top]])
    return _Work(
        compose(from_output, out_matrix), from_output, (round(full_w * k), round(full_h * k))
    )


def _segment(nets: Networks, image: U8, valid: B) -> F32:
    blob = cv2.dnn.blobFromImage(image, 1.0 / 255.0, (SEG_SIZE, SEG_SIZE), swapRB=True)
    prob = nets.segment(np.asarray(blob, np.float32))
    h, w = image.shape[:2]
    full = np.asarray(cv2.resize(prob, (w, h), interpolation=cv2.INTER_LINEAR), np.float32)
    full[~valid] = 0.0
    return full


def _valid(pyr: Pyramid, matrix: F64, size: tuple[int, int]) -> F32:
    """1 where the frame shows the photo, 0 outside it, anti-aliased along its edge."""
    h, w = pyr.base.shape[:2]
    corners = np.array([[0.0, 0.0, 1.0], [w, 0.0, 1.0], [w, h, 1.0], [0.0, h, 1.0]])
    mapped = corners @ matrix.T - 0.5  # corner coordinates -> pixel-centre indices
    canvas = np.zeros((size[1], size[0]), np.uint8)
    shift = 4
    pts = np.round(mapped * (1 << shift)).astype(np.int32)
    cv2.fillConvexPoly(canvas, pts, 255, cv2.LINE_AA, shift)
    return canvas.astype(np.float32) / 255.0


@dataclass(frozen=True)
class _Person:
    """The chosen person over the whole photo, from one selfie pass on all of it."""

    mask: B  # at most 512 px on the long side
    to_uploaded: F64  # mask pixels -> uploaded pixels

    def rect(self) -> Rect | None:
        found = _rect_of(self.mask)
        if found is None:
            return None
        return Affine(*(float(v) for v in self.to_uploaded.ravel())).map_rect_bounds(found)


def _whole_person(nets: Networks, image: U8, face: tuple[float, float]) -> _Person:
    """Person mask over the whole photo, only the part connected to the chosen face.

    It seeds nothing by itself: it bounds the close-up mask (a chandelier or a neighbour's
    shoulder that the close-up model joins to the body is outside it) and gives the
    foreground rectangle.
    """
    h, w = image.shape[:2]
    blob = cv2.dnn.blobFromImage(image, 1.0 / 255.0, (SEG_SIZE, SEG_SIZE), swapRB=True)
    prob = nets.segment(np.asarray(blob, np.float32))
    k = min(1.0, 512.0 / max(h, w))
    sw, sh = max(1, round(w * k)), max(1, round(h * k))
    small = cv2.resize(prob, (sw, sh), interpolation=cv2.INTER_LINEAR) >= 0.5
    person = matting.keep_person(small, (int(face[0] * sw / w), int(face[1] * sh / h)))
    return _Person(person, np.array([[w / sw, 0.0, 0.0], [0.0, h / sh, 0.0]]))


def _envelope(person: _Person, image_shape: tuple[int, ...], work: _Work) -> F32:
    """The whole-photo person mask in the work frame, widened by its own coarseness."""
    to_work = compose(work.matrix, person.to_uploaded)
    # one pixel of the whole-photo model (256 across the photo) in work pixels
    cell = scale_of(work.matrix) * max(image_shape[:2]) / SEG_SIZE
    margin = max(3, round(max(2.5 * cell, 0.03 * max(work.size))))
    env = np.asarray(warp(person.mask.astype(np.uint8) * 255, to_work, work.size), np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * margin + 1, 2 * margin + 1))
    env = np.asarray(cv2.dilate(env, kernel), np.uint8)
    soft = cv2.GaussianBlur(env.astype(np.float32) / 255.0, (0, 0), margin / 3)
    out: F32 = np.clip(np.asarray(soft, np.float32) * 1.5, 0.0, 1.0).astype(np.float32)
    return out


def _face_and_neck(
    mesh_points: F64, frame: cropping.HeadFrame, work: _Work, level_to_work: F64
) -> B:
    """Sure-person pixels: the face mesh's hull (a little inside) and the neck below it."""
    w, h = work.size
    canvas = np.zeros((h, w), np.uint8)
    pts = mesh_points @ work.matrix[:, :2].T + work.matrix[:, 2] - 0.5
    cv2.fillConvexPoly(canvas, cv2.convexHull(np.round(pts).astype(np.int32)), 255)
    shrink = max(1, round(0.04 * frame.face_width * float(level_to_work[0, 0])))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * shrink + 1, 2 * shrink + 1))
    canvas = np.asarray(cv2.erode(canvas, kernel), np.uint8)
    span = frame.chin_y - frame.forehead_y
    half = 0.22 * frame.face_width
    x0, y0 = level_to_work @ np.array([frame.center_x - half, frame.chin_y - 0.1 * span, 1.0])
    x1, y1 = level_to_work @ np.array([frame.center_x + half, frame.chin_y + 0.3 * span, 1.0])
    cv2.rectangle(canvas, (int(x0), int(y0)), (int(x1), int(y1)), 255, -1)
    return canvas > 0


def _union(a: Rect, b: Rect, width: int, height: int) -> Rect:
    x0, y0 = max(0.0, min(a.x, b.x)), max(0.0, min(a.y, b.y))
    x1, y1 = min(float(width), max(a.right, b.right)), min(float(height), max(a.bottom, b.bottom))
    return Rect(x0, y0, x1 - x0, y1 - y0)


def _edge_alpha(image: U8, hard: F32, valid: F32) -> F32:
    """Soft alpha at output size: the guided filter acts only in a band along the outline.

    Far from the outline the hard mask stands, so the filter cannot open holes in a dark
    suit or let a patch of background in.
    """
    h, w = hard.shape
    side = max(h, w)
    radius = max(2, round(side * 0.01))
    sub = max(1, side // 500)
    soft = matting.guided_filter(image, hard, radius, 1e-4, subsample=sub)
    soft = np.clip(soft, 0.0, 1.0)
    # a gentle contrast on the soft edge: a faint veil of old background becomes clear
    soft = np.clip((soft - 0.08) / 0.84, 0.0, 1.0)
    band_r = max(2, round(side * 0.015))
    binary = (hard >= 0.5).astype(np.uint8)
    # distance to the outline from either side (a distance transform, not a slow big kernel)
    inside = cv2.distanceTransform(binary, cv2.DIST_L2, 3)
    outside = cv2.distanceTransform(1 - binary, cv2.DIST_L2, 3)
    band = np.maximum(inside, outside) <= band_r
    alpha = np.where(band, soft, binary.astype(np.float32)).astype(np.float32)
    alpha *= np.clip(valid, 0.0, 1.0)
    return alpha


def process(
    nets: Networks,
    image: U8,
    size: PhotoSize,
    geometry: CropGeometry | None,
    report: Report,
    check: Check,
) -> Cutout:
    """Photo (BGR) to a matted, levelled, cropped ID photo at ``size``."""
    timer = _Timer()
    warnings: list[str] = []
    height, width = image.shape[:2]

    report(5, "Finding the face")
    faces = detect_faces(image, nets.detect)
    timer.lap("detect")
    if not faces:
        raise FaceError("No face was found in the photo.")
    check()
    report(15, "Measuring the face")
    pyr = Pyramid(image)
    meshed = [(det, face_mesh(pyr, det, nets.mesh)) for det in faces[:MAX_MESHED]]
    real = [(det, mesh) for det, mesh in meshed if mesh.presence >= MIN_PRESENCE]
    timer.lap("landmarks")
    if not real:
        raise FaceError("No clear face was found in the photo.")
    count = len(real) + max(0, len(faces) - MAX_MESHED)
    if count > 1:
        warnings.append(
            f"{count} faces were found in the photo; the largest one was used. "
            "Check that it is the right person."
        )
    mesh = real[0][1]
    frame = cropping.head_frame(mesh)
    check()

    report(30, "Separating the person")
    person = _whole_person(nets, image, mesh.eye_mid)
    placement = cropping.place(frame, size, geometry)
    first = _work_frame(cropping.output_matrix(frame, size, placement), size)
    valid0 = _valid(pyr, first.matrix, first.size) >= 0.5
    prob0 = _segment(nets, pyr.warp(first.matrix, first.size), valid0)
    prob0 *= _envelope(person, image.shape, first)
    level_to_work = compose(first.matrix, invert(frame.level_matrix()))
    crown, head_cut = cropping.crown_from_mask(frame, prob0, valid0, level_to_work)
    frame = frame.with_crown(crown)
    placement = cropping.place(frame, size, geometry)
    out_matrix = cropping.output_matrix(frame, size, placement)
    work = _work_frame(out_matrix, size)
    work_image = pyr.warp(work.matrix, work.size)
    valid_work = _valid(pyr, work.matrix, work.size) >= 0.5
    prob = _segment(nets, work_image, valid_work) * _envelope(person, image.shape, work)
    level_to_work = compose(work.matrix, invert(frame.level_matrix()))
    sure = _face_and_neck(mesh.points, frame, work, level_to_work) & valid_work
    timer.lap("segment")
    check()

    report(50, "Refining the outline")
    wx, wy = level_to_work @ np.array([frame.center_x, frame.chin_y * 0.4, 1.0])
    span = frame.chin_y - frame.forehead_y
    hair_end = round((level_to_work @ np.array([0.0, frame.chin_y + 0.3 * span, 1.0]))[1])
    hard_work = matting.grabcut_refine(
        work_image, prob, valid_work, (int(wx), int(wy)), sure, max(0, hair_end)
    )
    timer.lap("grabcut")
    check()

    report(70, "Cleaning the edges")
    out_size = (size.width, size.height)
    out_image = pyr.warp(out_matrix, out_size, cv2.INTER_CUBIC, exact_resize=True)
    valid_out = _valid(pyr, out_matrix, out_size)
    smooth = cv2.GaussianBlur(hard_work, (0, 0), 0.7)
    hard_out = np.asarray(warp(smooth, invert(work.from_output), out_size), np.float32)
    alpha = _edge_alpha(out_image, hard_out, valid_out)
    foreground = matting.estimate_foreground(out_image, alpha)
    timer.lap("matte")

    # --- measures, warnings and the result's geometry -------------------------------
    s = scale_of(out_matrix)
    crop = Affine(*(float(v) for v in out_matrix.ravel()))
    ty = placement.top * size.height - s * frame.crown_y
    guides = FaceGuides(
        crown_y=s * frame.crown_y + ty,
        chin_y=s * frame.chin_y + ty,
        eye_y=ty,
        center_x=size.width / 2,
    )
    head_px = frame.head_height
    if head_px < SMALL_FACE_PX or s > MAX_ENLARGE:
        warnings.append(
            f"The face is small in this photo: the head is {head_px:.0f} px tall (chin to "
            f"crown) and had to be enlarged {s:.1f}x to {guides.head_height:.0f} px, so the "
            "result may look soft. Use a closer or larger photo."
        )
    if mesh.sharpness < BLUR_LIMIT:
        warnings.append(
            f"The face looks blurred (sharpness {mesh.sharpness:.0f}, variance of the "
            f"Laplacian; below {BLUR_LIMIT:.0f} looks soft). Use a sharper photo."
        )
    if head_cut:
        warnings.append("The top of the head is cut off in the photo; the crown is estimated.")
    warnings += _cut_warnings(alpha, valid_out)
    roll_deg = math.degrees(frame.roll)
    if abs(roll_deg) > 20:
        warnings.append(f"The head was tilted {abs(roll_deg):.0f}°; it was levelled.")

    mask_rect = _rect_of(alpha >= 0.5)
    rect = person.rect() or Rect(0.0, 0.0, float(width), float(height))
    if mask_rect is not None:
        back = Affine(*(float(v) for v in invert(out_matrix).ravel()))
        rect = _union(rect, back.map_rect_bounds(mask_rect), width, height)
    timer.lap("finish")
    timer.times["pipeline"] = round(sum(timer.times.values()), 1)
    measures = {
        "faces": float(count),
        "roll_deg": roll_deg,
        "sharpness": mesh.sharpness,
        "head_px": head_px,
        "scale": s,
        "head_fraction": guides.head_height / size.height,
        "top_fraction": guides.crown_y / size.height,
        "eye_from_bottom_fraction": 1.0 - guides.eye_y / size.height,
    }
    return Cutout(foreground, alpha, crop, guides, rect, warnings, timer.times, measures)


def _rect_of(mask: B) -> Rect | None:
    ys, xs = np.nonzero(mask)
    if xs.size == 0:
        return None
    return Rect(
        float(xs.min()),
        float(ys.min()),
        float(xs.max() + 1 - xs.min()),
        float(ys.max() + 1 - ys.min()),
    )


def _cut_warnings(alpha: F32, valid: F32) -> list[str]:
    """Say where the photo ends inside the ID photo while the person is still visible.

    Outside the photo the result is background, never stretched edge rows: that is the
    honest choice, and the clerk is told so with the size of the gap.
    """
    warnings: list[str] = []
    h, w = alpha.shape
    inside = valid >= 0.5
    rows = np.flatnonzero(inside.any(axis=1))
    cols = np.flatnonzero(inside.any(axis=0))
    if rows.size == 0 or cols.size == 0:
        return ["The photo does not cover the ID photo's frame."]
    last_row, first_col, last_col = int(rows[-1]), int(cols[0]), int(cols[-1])
    if last_row < h - 1 and (alpha[max(0, last_row - 2)] >= 0.5).any():
        gap = h - 1 - last_row
        warnings.append(
            f"The photo ends {gap} px above the bottom of the ID photo, so the body is cut "
            "off there; those rows are left as background, not stretched. Use a photo that "
            "shows the shoulders."
        )
    side_cut = (first_col > 0 and (alpha[:, min(w - 1, first_col + 2)] >= 0.5).any()) or (
        last_col < w - 1 and (alpha[:, max(0, last_col - 2)] >= 0.5).any()
    )
    if side_cut:
        warnings.append(
            "The photo is too narrow for this crop: the person is cut off at the side, "
            "which is left as background."
        )
    return warnings
