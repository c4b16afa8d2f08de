"""The expensive half of the offline pipeline: the face, the head frame and the cut-out.

``cut_out`` finds the chosen face, levels and measures the head, and separates the person
(selfie mask + GrabCut) on a *head-and-shoulders canvas* defined by the head alone, not by
the output size: so one cut-out serves every size, colour, preset and frame adjustment of
the same photo and face (``render`` then only warps and mattes at output size). Kept apart
from the engine (request handling, caching, encoding) so the bench and tests can drive it
on arrays. Every stage is timed; the clerk's warnings are collected as plain text.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from idphoto_desktop.core.geometry import Affine, Rect
from idphoto_desktop.engines.offline import cropping, matting
from idphoto_desktop.engines.offline.faces import find_faces
from idphoto_desktop.engines.offline.hair import HairMatte, hair_matte
from idphoto_desktop.engines.offline.imaging import Pyramid, compose, scale_of, warp
from idphoto_desktop.engines.offline.landmarks import FaceMesh
from idphoto_desktop.engines.offline.nets import Networks

U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
Report = Callable[[int, str], None]
Check = Callable[[], None]

WORK_SIDE = 448  # GrabCut and the selfie model's canvas, long side in pixels
SEG_SIZE = 256
GRABCUT_ITERATIONS = 2
GRABCUT_WITH_MATTING = 1  # MODNet refines the hair band, where the 2nd pass mattered most
BLUR_LIMIT = 60.0  # landmarks.face_sharpness, as the capture check's own check line (60)
# The head-and-shoulders canvas around the level head, in head heights (chin to crown):
# it holds every ID frame of that head (head 40-80 % of the height, any usual aspect,
# moved and scaled by the clerk within reason); a frame beyond it gets a wider canvas.
CANVAS_SIDE = 1.0  # each side of the face's centre line
CANVAS_ABOVE = 0.45  # above the crown
CANVAS_BELOW = 0.85  # below the chin
CANVAS_MAX = 4.0  # a widened canvas never reaches further than this from the head


class _Timer:
    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.times[name] = round((now - self._last) * 1000.0, 1)
        self._last = now


@dataclass(frozen=True)
class Region:
    """A box in the level head frame (uploaded pixels, eye midpoint at the origin)."""

    x0: float
    y0: float
    x1: float
    y1: float

    def contains(self, other: Region, slack: float = 0.0) -> bool:
        return (
            other.x0 >= self.x0 - slack
            and other.y0 >= self.y0 - slack
            and other.x1 <= self.x1 + slack
            and other.y1 <= self.y1 + slack
        )

    def key(self) -> str:
        return f"{self.x0:.1f},{self.y0:.1f},{self.x1:.1f},{self.y1:.1f}"

    def union(self, other: Region) -> Region:
        return Region(
            min(self.x0, other.x0),
            min(self.y0, other.y0),
            max(self.x1, other.x1),
            max(self.y1, other.y1),
        )


def default_region(frame: cropping.HeadFrame) -> Region:
    h = frame.head_height
    return Region(
        frame.center_x - CANVAS_SIDE * h,
        frame.crown_y - CANVAS_ABOVE * h,
        frame.center_x + CANVAS_SIDE * h,
        frame.chin_y + CANVAS_BELOW * h,
    )


def region_for(frame: cropping.HeadFrame, wanted: Region) -> Region:
    """The default canvas, widened to hold ``wanted`` (bounded to CANVAS_MAX head heights)."""
    h = frame.head_height
    limit = Region(
        frame.center_x - CANVAS_MAX * h,
        frame.crown_y - CANVAS_MAX * h,
        frame.center_x + CANVAS_MAX * h,
        frame.chin_y + CANVAS_MAX * h,
    )
    grown = default_region(frame).union(wanted)
    return Region(
        max(grown.x0, limit.x0),
        max(grown.y0, limit.y0),
        min(grown.x1, limit.x1),
        min(grown.y1, limit.y1),
    )


@dataclass(frozen=True)
class Work:
    """A canvas region scaled to WORK_SIDE px: where masks are computed."""

    matrix: F64  # uploaded -> work pixels
    from_level: F64  # level frame -> work pixels
    size: tuple[int, int]
    region: Region


def _work_frame(frame: cropping.HeadFrame, region: Region) -> Work:
    full_w, full_h = region.x1 - region.x0, region.y1 - region.y0
    k = WORK_SIDE / max(full_w, full_h)
    from_level = np.array([[k, 0.0, -k * region.x0], [0.0, k, -k * region.y0]])
    size = (max(8, round(full_w * k)), max(8, round(full_h * k)))
    return Work(compose(from_level, frame.level_matrix()), from_level, size, region)


def _segment(nets: Networks, image: U8, valid: B) -> F32:
    blob = cv2.dnn.blobFromImage(image, 1.0 / 255.0, (SEG_SIZE, SEG_SIZE), swapRB=True)
    prob = nets.segment(np.asarray(blob, np.float32))
    h, w = image.shape[:2]
    full = np.asarray(cv2.resize(prob, (w, h), interpolation=cv2.INTER_LINEAR), np.float32)
    full[~valid] = 0.0
    return full


def valid_area(shape: tuple[int, ...], matrix: F64, size: tuple[int, int]) -> F32:
    """1 where the frame shows the photo, 0 outside it, anti-aliased along its edge."""
    h, w = shape[:2]
    corners = np.array([[0.0, 0.0, 1.0], [w, 0.0, 1.0], [w, h, 1.0], [0.0, h, 1.0]])
    mapped = corners @ matrix.T - 0.5  # corner coordinates -> pixel-centre indices
    canvas = np.zeros((size[1], size[0]), np.uint8)
    shift = 4
    pts = np.round(mapped * (1 << shift)).astype(np.int32)
    cv2.fillConvexPoly(canvas, pts, 255, cv2.LINE_AA, shift)
    return canvas.astype(np.float32) / 255.0


@dataclass(frozen=True)
class Person:
    """The chosen person over the whole photo, from one selfie pass on all of it."""

    mask: B  # at most 512 px on the long side
    to_uploaded: F64  # mask pixels -> uploaded pixels

    def rect(self) -> Rect | None:
        found = rect_of(self.mask)
        if found is None:
            return None
        return Affine(*(float(v) for v in self.to_uploaded.ravel())).map_rect_bounds(found)


def _whole_person(nets: Networks, image: U8, face: tuple[float, float]) -> Person:
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
    return Person(person, np.array([[w / sw, 0.0, 0.0], [0.0, h / sh, 0.0]]))


def _envelope(person: Person, image_shape: tuple[int, ...], work: Work) -> F32:
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
    mesh_points: F64, frame: cropping.HeadFrame, work: Work, level_to_work: F64
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


@dataclass
class CutOut:
    """The chosen face, its level head frame and the person separated on its canvas.

    Independent of size, colour, preset and frame adjustment: the engine caches it per
    photo and face, and ``render`` makes any framing of it at output size.
    """

    pyr: Pyramid
    frame: cropping.HeadFrame
    mesh: FaceMesh
    person: Person
    work: Work
    hard: F32  # GrabCut's person mask on the work canvas (0/1), slightly smoothed
    hair: HairMatte | None  # MODNet's alpha in the hair band, when the model is there
    face_number: int  # 1-based, faces left to right
    face_count: int
    head_cut: bool
    warnings: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def region(self) -> Region:
        return self.work.region

    def nbytes(self) -> int:
        extra = 0 if self.hair is None else self.hair.soft.nbytes + self.hair.weight.nbytes
        return sum(level[0].nbytes for level in self.pyr.levels) + self.hard.nbytes + extra

    def located(self) -> Located:
        """The face-and-frame half, to separate the person again on a wider canvas."""
        return Located(
            self.pyr,
            self.frame,
            self.mesh,
            self.person,
            self.face_number,
            self.face_count,
            self.head_cut,
            list(self.warnings),
            {},
        )


@dataclass
class Located:
    """The first, frame-independent half of the cut-out: face, head frame, person."""

    pyr: Pyramid
    frame: cropping.HeadFrame
    mesh: FaceMesh
    person: Person
    face_number: int
    face_count: int
    head_cut: bool
    warnings: list[str]
    timings_ms: dict[str, float]


def locate(
    nets: Networks, image: U8, face_index: int | None, report: Report, check: Check
) -> Located:
    """The chosen face (1-based, left to right; None = the largest), measured and levelled."""
    timer = _Timer()
    warnings: list[str] = []
    report(5, "Finding the face")
    pyr = Pyramid(image)
    faces = find_faces(nets, image, pyr)
    timer.lap("faces")
    number, face = faces.pick(face_index)
    count = faces.count
    if count > 1 and face_index is None:
        warnings.append(
            f"{count} faces were found in the photo; the largest one (face {number} from the "
            "left) was used. Check that it is the right person, or choose another face."
        )
    mesh = face.mesh
    frame = cropping.head_frame(mesh)
    check()

    report(25, "Measuring the head")
    person = _whole_person(nets, image, mesh.eye_mid)
    first = _work_frame(frame, default_region(frame))
    valid0 = valid_area(image.shape, first.matrix, first.size) >= 0.5
    prob0 = _segment(nets, pyr.warp(first.matrix, first.size), valid0)
    prob0 *= _envelope(person, image.shape, first)
    crown, head_cut = cropping.crown_from_mask(frame, prob0, valid0, first.from_level)
    frame = frame.with_crown(crown)
    if mesh.sharpness < BLUR_LIMIT:
        warnings.append(
            f"The face looks blurred (sharpness {mesh.sharpness:.0f}, variance of the "
            f"Laplacian; below {BLUR_LIMIT:.0f} looks soft). Use a sharper photo."
        )
    if head_cut:
        warnings.append("The top of the head is cut off in the photo; the crown is estimated.")
    timer.lap("crown")
    return Located(pyr, frame, mesh, person, number, count, head_cut, warnings, timer.times)


def separate(
    nets: Networks,
    located: Located,
    region: Region,
    report: Report,
    check: Check,
    use_matting: bool = True,
) -> CutOut:
    """The person on the canvas ``region``: selfie mask, then GrabCut on colour."""
    timer = _Timer()
    report(40, "Separating the person")
    pyr, frame, mesh = located.pyr, located.frame, located.mesh
    shape = pyr.base.shape
    work = _work_frame(frame, region)
    work_image = pyr.warp(work.matrix, work.size)
    valid_work = valid_area(shape, work.matrix, work.size) >= 0.5
    prob = _segment(nets, work_image, valid_work) * _envelope(located.person, shape, work)
    sure = _face_and_neck(mesh.points, frame, work, work.from_level) & valid_work
    timer.lap("segment")
    check()

    report(55, "Refining the outline")
    wx, wy = work.from_level @ np.array([frame.center_x, frame.chin_y * 0.4, 1.0])
    span = frame.chin_y - frame.forehead_y
    hair_end = round((work.from_level @ np.array([0.0, frame.chin_y + 0.3 * span, 1.0]))[1])
    refine_hair = use_matting and nets.has_matting
    hard_work = matting.grabcut_refine(
        work_image,
        prob,
        valid_work,
        (int(wx), int(wy)),
        sure,
        max(0, hair_end),
        iterations=GRABCUT_WITH_MATTING if refine_hair else GRABCUT_ITERATIONS,
    )
    smooth = np.asarray(cv2.GaussianBlur(hard_work, (0, 0), 0.7), np.float32)
    timer.lap("grabcut")
    check()
    hair = (
        hair_matte(
            nets, pyr, frame, work.matrix, work.from_level, work_image, smooth, valid_work
        )
        if refine_hair
        else None
    )
    if hair is not None:
        timer.lap("hair")
    times = dict(located.timings_ms)
    times.update(timer.times)
    return CutOut(
        pyr,
        frame,
        mesh,
        located.person,
        work,
        smooth,
        hair,
        located.face_number,
        located.face_count,
        located.head_cut,
        list(located.warnings),
        times,
    )


def cut_out(
    nets: Networks,
    image: U8,
    face_index: int | None,
    report: Report,
    check: Check,
    use_matting: bool = True,
) -> CutOut:
    """Photo (BGR) to the chosen person's cut-out on the default head-and-shoulders canvas.

    ``use_matting=False`` leaves MODNet out even when it is installed (the bench's
    side-by-side comparison).
    """
    located = locate(nets, image, face_index, report, check)
    region = default_region(located.frame)
    return separate(nets, located, region, report, check, use_matting)


def rect_of(mask: B) -> Rect | None:
    ys, xs = np.nonzero(mask)
    if xs.size == 0:
        return None
    return Rect(
        float(xs.min()),
        float(ys.min()),
        float(xs.max() + 1 - xs.min()),
        float(ys.max() + 1 - ys.min()),
    )


CUT_LINES = 0.01
"""Ours: a cut is said when at least this share of the frame's rows (or columns, with
the same count) shows it, so a pixel of anti-aliased edge is not one."""


def _along(edge: npt.NDArray[np.intp]) -> npt.NDArray[np.bool_]:
    """Where an edge, given as its position on each line (row or column), moves less
    than a pixel per line: it runs along the lines, not across them."""
    if edge.size < 2:
        return np.ones(edge.shape, np.bool_)
    out: npt.NDArray[np.bool_] = np.abs(np.gradient(edge.astype(np.float32))) < 1.0
    return out


def cut_warnings(alpha: F32, valid: F32) -> list[str]:
    """Say where the photo ends inside the ID photo while the person is still visible.

    Outside the photo the result is background, never stretched edge rows: that is the
    honest choice, and the clerk is told so with the size of the gap. Looked at row by
    row (sides) and column by column (bottom): a levelled photo's edges are slanted, so
    the photo may reach the frame's edge in some rows and end inside it in others.
    """
    warnings: list[str] = []
    h, w = alpha.shape
    inside = valid >= 0.5
    if not inside.any():
        return ["The photo does not cover the ID photo's frame."]
    person = alpha >= 0.5
    least = max(2, round(CUT_LINES * h))
    d = least + 2  # looked at this far inside the photo's end: its matte is soft there
    # bottom: columns where the photo ends above the frame's bottom on the person
    cols = np.flatnonzero(inside.any(axis=0))
    last_row = h - 1 - np.argmax(inside[::-1, cols], axis=0)
    ends = (last_row < h - 1) & _along(last_row)  # a bottom edge, not a side's lower end
    on_person = person[np.maximum(0, last_row - d), cols]
    bottom = ends & on_person
    if int(bottom.sum()) >= least:
        gap = int(h - 1 - last_row[bottom].min())
        warnings.append(
            f"The photo ends {gap} px above the bottom of the ID photo, so the body is cut "
            "off there; those rows are left as background, not stretched. Use a photo that "
            "shows the shoulders."
        )
    # sides: rows where the photo ends inside the frame, left or right, on the person
    rows = np.flatnonzero(inside.any(axis=1))
    first_col = np.argmax(inside[rows], axis=1)
    last_col = w - 1 - np.argmax(inside[rows, ::-1], axis=1)
    # side edges only, not the bottom's slanted ends
    left = (first_col > 0) & _along(first_col) & person[rows, np.minimum(w - 1, first_col + d)]
    right = (last_col < w - 1) & _along(last_col) & person[rows, np.maximum(0, last_col - d)]
    if int((left | right).sum()) >= least:
        warnings.append(
            "The photo is too narrow for this crop: the person is cut off at the side, "
            "which is left as background."
        )
    return warnings
