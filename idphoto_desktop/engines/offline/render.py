"""The cheap half of the offline pipeline: one framing of a cut-out, at output size.

From a cached ``CutOut`` (face, head frame, person mask on its canvas) this places the
head by the preset's rules, applies the clerk's ``FrameAdjust``, warps the photo and the
mask into the output, and mattes the edge there (colour guided filter, halo-free edge
colours). It touches no network model, so a new size, colour, preset or nudge of the same
photo re-renders in a few tens of milliseconds.

Where the frame reaches beyond the photo (a levelled or rotated head near the photo's
edge), the output is transparent there, never the photo's stretched or mirrored pixels.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from idphoto_desktop.core.geometry import Affine, Rect
from idphoto_desktop.core.job import CropGeometry, FaceGuides, FrameAdjust, PhotoSize
from idphoto_desktop.engines.offline import cropping, matting
from idphoto_desktop.engines.offline.hair import HairMatte
from idphoto_desktop.engines.offline.imaging import compose, invert, scale_of, warp
from idphoto_desktop.engines.offline.pipeline import (
    CutOut,
    Region,
    cut_warnings,
    rect_of,
    valid_area,
)

U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

# the guided filter's and the edge colours' local statistics are smooth: computed at
# about this many pixels on the long side and enlarged (He's fast guided filter)
GUIDED_PX = 280
SMALL_FACE_PX = 120.0  # chin to crown, uploaded pixels
MAX_ENLARGE = 1.5


@dataclass
class Rendered:
    """One framing of a cut-out, before encoding."""

    foreground: U8  # BGR, edge colours cleaned
    alpha: F32  # 0..1
    crop: Affine
    guides: FaceGuides
    foreground_rect: Rect
    warnings: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    measures: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Framing:
    """Where the output lies: the full map from uploaded pixels and the head's guides."""

    matrix: F64  # uploaded -> output pixels (corner coordinates)
    guides: FaceGuides


def adjust_matrix(adjust: FrameAdjust, size: PhotoSize, guides: FaceGuides) -> F64:
    """The clerk's correction as an affine of output pixels.

    Rotation and scale turn about the head's centre (the middle of crown and chin on the
    face's centre line); the move follows, in fractions of the output.
    """
    cx, cy = guides.center_x, (guides.crown_y + guides.chin_y) / 2
    theta = math.radians(adjust.angle_deg)
    c, s = math.cos(theta) * adjust.scale, math.sin(theta) * adjust.scale
    tx, ty = adjust.dx * size.width, adjust.dy * size.height
    # y points down: [[c, -s], [s, c]] turns clockwise on screen for a positive angle
    return np.array(
        [
            [c, -s, cx + tx - (c * cx - s * cy)],
            [s, c, cy + ty - (s * cx + c * cy)],
        ]
    )


def framing(
    cut: CutOut, size: PhotoSize, geometry: CropGeometry | None, adjust: FrameAdjust | None
) -> Framing:
    """The automatic crop for ``size``/``geometry``, corrected by ``adjust``."""
    frame = cut.frame
    placement = cropping.place(frame, size, geometry)
    matrix = cropping.output_matrix(frame, size, placement)
    s = scale_of(matrix)
    ty = placement.top * size.height - s * frame.crown_y
    guides = FaceGuides(
        crown_y=s * frame.crown_y + ty,
        chin_y=s * frame.chin_y + ty,
        eye_y=ty,
        center_x=size.width / 2,
    )
    if adjust is None or adjust.is_identity:
        return Framing(matrix, guides)
    adj = adjust_matrix(adjust, size, guides)
    cy = (guides.crown_y + guides.chin_y) / 2
    k, dy = adjust.scale, adjust.dy * size.height

    def move_y(y: float) -> float:  # the guides stay level lines: the rotation is the clerk's
        return cy + dy + k * (y - cy)

    moved = FaceGuides(
        crown_y=move_y(guides.crown_y),
        chin_y=move_y(guides.chin_y),
        eye_y=move_y(guides.eye_y),
        center_x=guides.center_x + adjust.dx * size.width,
    )
    return Framing(compose(adj, matrix), moved)


def footprint(cut: CutOut, matrix: F64, size: PhotoSize) -> Region:
    """The output frame's bounding box in the cut-out's level head frame."""
    to_level = compose(cut.frame.level_matrix(), invert(matrix))
    corners = np.array(
        [[0.0, 0.0, 1.0], [size.width, 0.0, 1.0], [size.width, size.height, 1.0],
         [0.0, size.height, 1.0]]
    ) @ to_level.T
    return Region(
        float(corners[:, 0].min()),
        float(corners[:, 1].min()),
        float(corners[:, 0].max()),
        float(corners[:, 1].max()),
    )


def covers(cut: CutOut, matrix: F64, size: PhotoSize) -> bool:
    """Whether the cut-out's canvas holds the whole output frame (else: a wider cut-out)."""
    return cut.region.contains(footprint(cut, matrix, size), slack=0.01 * cut.frame.head_height)


def edge_alpha(image: U8, hard: F32, valid: F32) -> F32:
    """Soft alpha at output size: the guided filter acts only in a band along the outline.

    Far from the outline the hard mask stands, so the filter cannot open holes in a dark
    suit or let a patch of background in.
    """
    h, w = hard.shape
    side = max(h, w)
    radius = max(2, round(side * 0.01))
    sub = max(1, round(side / GUIDED_PX))
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


def _with_hair(
    image: U8,
    alpha: F32,
    hair: HairMatte,
    work_to_out: F64,
    out_size: tuple[int, int],
    valid: F32,
) -> F32:
    """MODNet's combined alpha in the hair band, guided up to output size by the colours.

    The work canvas is coarser than the output: a colour guided filter with a small
    radius (guided upsampling) lets the enlarged soft alpha follow the strands' edges.
    """
    soft = np.asarray(warp(hair.soft, work_to_out, out_size), np.float32)
    weight = np.asarray(warp(hair.weight, work_to_out, out_size), np.float32)
    side = max(out_size)
    radius = max(2, round(side * 0.005))
    sub = max(1, round(side / GUIDED_PX))
    rows = np.flatnonzero(weight.max(axis=1) > 0.0)
    if rows.size == 0:
        return alpha
    # only the rows the band touches (the head's top part): the rest keeps the cut-out
    y0, y1 = max(0, int(rows[0]) - 2 * radius), min(out_size[1], int(rows[-1]) + 2 * radius + 1)
    fine = np.array(soft)
    fine[y0:y1] = matting.guided_filter(image[y0:y1], soft[y0:y1], radius, 1e-4, subsample=sub)
    fine = np.clip(fine, 0.0, 1.0)
    mixed = alpha + weight * (fine - alpha)
    out: F32 = (np.clip(mixed, 0.0, 1.0) * np.clip(valid, 0.0, 1.0)).astype(np.float32)
    return out


def _union(a: Rect, b: Rect, width: int, height: int) -> Rect:
    x0, y0 = max(0.0, min(a.x, b.x)), max(0.0, min(a.y, b.y))
    x1, y1 = min(float(width), max(a.right, b.right)), min(float(height), max(a.bottom, b.bottom))
    return Rect(x0, y0, x1 - x0, y1 - y0)


def render(
    cut: CutOut,
    size: PhotoSize,
    geometry: CropGeometry | None,
    adjust: FrameAdjust | None = None,
) -> Rendered:
    """The ID photo at ``size`` from a cut-out whose canvas covers the frame."""
    t0 = time.perf_counter()
    frame = cut.frame
    placed = framing(cut, size, geometry, adjust)
    out_matrix = placed.matrix
    out_size = (size.width, size.height)
    shape = cut.pyr.base.shape
    out_image = cut.pyr.warp(out_matrix, out_size, cv2.INTER_CUBIC, exact_resize=True)
    valid_out = valid_area(shape, out_matrix, out_size)
    work_to_out = compose(out_matrix, invert(cut.work.matrix))
    hard_out = np.asarray(warp(cut.hard, work_to_out, out_size), np.float32)
    alpha = edge_alpha(out_image, hard_out, valid_out)
    if cut.hair is not None:
        alpha = _with_hair(out_image, alpha, cut.hair, work_to_out, out_size, valid_out)
    foreground = matting.estimate_foreground(out_image, alpha, stats_px=GUIDED_PX)
    matte_ms = (time.perf_counter() - t0) * 1000.0

    warnings = list(cut.warnings)
    s = scale_of(out_matrix)
    guides = placed.guides
    head_px = frame.head_height
    if head_px < SMALL_FACE_PX or s > MAX_ENLARGE:
        warnings.append(
            f"The face is small in this photo: the head is {head_px:.0f} px tall (chin to "
            f"crown) and had to be enlarged {s:.1f}x to {guides.head_height:.0f} px, so the "
            "result may look soft. Use a closer or larger photo."
        )
    warnings += cut_warnings(alpha, valid_out)
    roll_deg = math.degrees(frame.roll)
    if abs(roll_deg) > 20:
        warnings.append(f"The head was tilted {abs(roll_deg):.0f}°; it was levelled.")

    height, width = shape[:2]
    mask_rect = rect_of(alpha >= 0.5)
    rect = cut.person.rect() or Rect(0.0, 0.0, float(width), float(height))
    crop = Affine(*(float(v) for v in out_matrix.ravel()))
    if mask_rect is not None:
        back = Affine(*(float(v) for v in invert(out_matrix).ravel()))
        rect = _union(rect, back.map_rect_bounds(mask_rect), width, height)
    measures = {
        "faces": float(cut.face_count),
        "face_index": float(cut.face_number),
        "roll_deg": roll_deg,
        "sharpness": cut.mesh.sharpness,
        "head_px": head_px,
        "scale": s,
        "head_fraction": guides.head_height / size.height,
        "top_fraction": guides.crown_y / size.height,
        "eye_from_bottom_fraction": 1.0 - guides.eye_y / size.height,
    }
    if adjust is not None and not adjust.is_identity:
        measures.update(
            adjust_dx=adjust.dx,
            adjust_dy=adjust.dy,
            adjust_scale=adjust.scale,
            adjust_angle_deg=adjust.angle_deg,
        )
    times = {"render": round((time.perf_counter() - t0) * 1000.0, 1), "matte": round(matte_ms, 1)}
    return Rendered(foreground, alpha, crop, guides, rect, warnings, times, measures)
