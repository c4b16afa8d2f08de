"""Where the ID photo would come from in the original: size, cuts, and what else is there.

The offline engine's own head frame and placement (``engines.offline.cropping``) give the
crop a preset needs, levelled by the roll; the selfie model's person mask over the whole
photo shows what lies inside that crop. Everything is measured in a small copy of the
output frame, so the figures do not depend on the photo's size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from idphoto_desktop.core.job import CropGeometry, PhotoSize
from idphoto_desktop.engines.offline import cropping, matting
from idphoto_desktop.engines.offline.detector import Detection
from idphoto_desktop.engines.offline.imaging import compose, invert, scale_of, warp
from idphoto_desktop.engines.offline.landmarks import CHIN, FOREHEAD, FaceMesh
from idphoto_desktop.engines.offline.nets import Networks

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
U8 = npt.NDArray[np.uint8]

SEG_SIZE = 256
MASK_SIDE = 512  # the whole-photo mask's long side
CANVAS_H = 200  # the small output frame's height, pixels


@dataclass(frozen=True)
class PersonMask:
    """The selfie model's person mask over the whole photo, split into the chosen person
    (the part connected to the chosen face) and everything else."""

    chosen: B
    others: B
    to_source: F64  # mask pixels -> original pixels


def person_mask(nets: Networks, image: U8, face: tuple[float, float]) -> PersonMask:
    h, w = image.shape[:2]
    blob = cv2.dnn.blobFromImage(image, 1.0 / 255.0, (SEG_SIZE, SEG_SIZE), swapRB=True)
    prob = nets.segment(np.asarray(blob, np.float32))
    k = min(1.0, MASK_SIDE / max(h, w))
    sw, sh = max(1, round(w * k)), max(1, round(h * k))
    full = cv2.resize(prob, (sw, sh), interpolation=cv2.INTER_LINEAR) >= 0.5
    chosen = matting.keep_person(full, (int(face[0] * sw / w), int(face[1] * sh / h)))
    return PersonMask(chosen, full & ~chosen, np.array([[w / sw, 0.0, 0.0], [0.0, h / sh, 0.0]]))


@dataclass(frozen=True)
class Framing:
    """The crop the preset needs and what the source gives it."""

    frame: cropping.HeadFrame
    out_matrix: F64  # original -> output pixels
    enlargement: float  # output pixels per original pixel
    head_px: float  # chin to crown, original pixels
    crown_cut: bool
    chin_cut: bool
    side_cut: float  # share of head rows whose outline runs off the photo
    body_side_cut: float  # the same for the rows below the chin (shoulders, body)
    shoulders_gap: float  # share of the output's height below the photo's end (person cut)
    foreign: float  # person area outside the head-and-shoulders outline / head area
    others_in_frame: int  # other faces whose centre lies inside the output frame


def _cut_share(person: B, valid: B, r0: int, r1: int) -> float:
    """Share of the rows ``r0..r1`` showing the person whose outline ends where the photo
    ends inside the ID photo's frame (the rest of that row is filled, not photographed)."""
    cw = person.shape[1]
    cut_rows = 0
    rows = 0
    for r in range(r0, r1):
        line = person[r]
        if not line.any():
            continue
        rows += 1
        xs = np.flatnonzero(line)
        left, right = int(xs[0]), int(xs[-1])
        if (left > 0 and not valid[r, left - 1]) or (right < cw - 1 and not valid[r, right + 1]):
            cut_rows += 1
        elif (left == 0 and not valid[r, 0]) or (right == cw - 1 and not valid[r, -1]):
            cut_rows += 1
    return cut_rows / rows if rows else 0.0


def _level_crown(
    frame: cropping.HeadFrame, mask: PersonMask, shape: tuple[int, ...]
) -> tuple[float, bool]:
    """The crown from the mask, in the level frame, and whether the photo cuts the head."""
    span = frame.chin_y - frame.forehead_y
    x_min = frame.center_x - 1.2 * frame.face_width
    y_min = frame.forehead_y - 1.2 * span
    width = 2.4 * frame.face_width
    height = (frame.chin_y + 0.2 * span) - y_min
    k = 200.0 / max(width, 1e-6)
    to_mask = np.array([[k, 0.0, -k * x_min], [0.0, k, -k * y_min]])
    size = (max(2, round(width * k)), max(2, round(height * k)))
    m = compose(compose(to_mask, frame.level_matrix()), mask.to_source)
    prob = np.asarray(warp(mask.chosen.astype(np.float32), m, size), np.float32)
    ones = np.ones(mask.chosen.shape, np.float32)
    valid = np.asarray(warp(ones, m, size), np.float32) >= 0.5
    crown, cut = cropping.crown_from_mask(frame, prob, valid, to_mask)
    return crown, cut


def _beside(other: Detection, chosen: Detection) -> bool:
    """Side by side at the same height, less than a face's width apart: the other head
    and shoulders touch the customer's outline (the cut-out keeps touching people)."""
    overlap_y = min(other.y1, chosen.y1) - max(other.y0, chosen.y0)
    gap_x = max(other.x0 - chosen.x1, chosen.x0 - other.x1)
    return overlap_y > 0.3 * chosen.height and gap_x < chosen.width


def measure(
    mesh: FaceMesh,
    chosen: Detection,
    mask: PersonMask,
    others: list[Detection],
    image_shape: tuple[int, ...],
    size: PhotoSize,
    geometry: CropGeometry | None,
) -> Framing:
    """The crop for ``size``/``geometry`` and the cut, gap and foreign-area figures."""
    h, w = image_shape[:2]
    frame = cropping.head_frame(mesh)
    crown, crown_cut = _level_crown(frame, mask, image_shape)
    # the lowest plausible crown (just above the forehead) outside the photo: the head is
    # cut there whatever the mask says (the mask cannot see what the photo does not show)
    lowest = frame.forehead_y - cropping.CROWN_MIN * (frame.chin_y - frame.forehead_y)
    guess = invert(frame.level_matrix()) @ np.array([frame.center_x, lowest, 1.0])
    forehead = mesh.points[FOREHEAD]
    if not (0.0 <= guess[0] <= w and 0.0 <= guess[1] <= h) or forehead[1] < 0.0:
        crown_cut = True
    frame = frame.with_crown(crown)
    placement = cropping.place(frame, size, geometry)
    out_matrix = cropping.output_matrix(frame, size, placement)
    enlargement = scale_of(out_matrix)

    chin = mesh.points[CHIN]
    span = frame.chin_y - frame.forehead_y
    margin = 0.02 * span
    chin_cut = not (margin <= chin[0] <= w - margin and chin[1] <= h - margin)

    # the output frame, small
    k = CANVAS_H / size.height
    cw, ch = max(2, round(size.width * k)), CANVAS_H
    small = np.array([[k, 0.0, 0.0], [0.0, k, 0.0]])
    src_to_canvas = compose(small, out_matrix)
    mask_to_canvas = compose(src_to_canvas, mask.to_source)
    person = np.asarray(warp(mask.chosen.astype(np.float32), mask_to_canvas, (cw, ch))) >= 0.5
    ones = np.ones(mask.chosen.shape, np.float32)
    valid = np.asarray(warp(ones, mask_to_canvas, (cw, ch))) >= 0.5

    s = scale_of(src_to_canvas)
    level_to_canvas = compose(src_to_canvas, invert(frame.level_matrix()))
    cx, crown_row = level_to_canvas @ np.array([frame.center_x, frame.crown_y, 1.0])
    chin_row = float((level_to_canvas @ np.array([frame.center_x, frame.chin_y, 1.0]))[1])
    fw = frame.face_width * s
    head_h = frame.head_height * s

    # shoulders: the photo's end inside the frame, below the chin, while the person goes on
    col0, col1 = max(0, round(cx - 0.25 * cw)), min(cw, round(cx + 0.25 * cw))
    gap = 0.0
    if col1 > col0:
        rows_valid = valid[:, col0:col1].all(axis=1)
        below = np.arange(ch) > chin_row
        missing = below & ~rows_valid
        if missing.any():
            first = int(np.argmax(missing))
            edge = max(0, first - 2)
            if person[edge, col0:col1].any():
                gap = float(missing[first:].sum()) / ch

    # sides: rows of the head (crown to chin), then of the body below it down to the
    # frame's bottom, whose person outline meets the photo's edge inside the frame
    side = _cut_share(person, valid, max(0, round(crown_row)), min(ch, round(chin_row)))
    body_side = _cut_share(person, valid, max(0, round(chin_row)), ch)

    # foreign: person pixels above the shoulders outside a generous head outline
    shoulder_row = chin_row + 0.25 * span * s
    ys, xs = np.mgrid[0:ch, 0:cw]
    above = ys < shoulder_row
    outside_head = (np.abs(xs - cx) > 0.85 * fw) | (ys < crown_row - 0.15 * head_h)
    foreign_px = float((person & valid & above & outside_head).sum())
    head_area = math.pi / 4 * fw * head_h
    foreign = foreign_px / max(head_area, 1e-6)

    inside = 0  # other faces any part of whose box lies inside the ID photo's frame
    for det in others:
        corners = (
            np.array(
                [
                    [det.x0, det.y0, 1.0],
                    [det.x1, det.y0, 1.0],
                    [det.x0, det.y1, 1.0],
                    [det.x1, det.y1, 1.0],
                ]
            )
            @ src_to_canvas.T
        )
        lo, hi = corners.min(axis=0), corners.max(axis=0)
        in_frame = lo[0] < cw and hi[0] > 0 and lo[1] < ch and hi[1] > 0
        if in_frame or _beside(det, chosen):
            inside += 1

    return Framing(
        frame=frame,
        out_matrix=out_matrix,
        enlargement=enlargement,
        head_px=frame.head_height,
        crown_cut=crown_cut,
        chin_cut=chin_cut,
        side_cut=side,
        body_side_cut=body_side,
        shoulders_gap=gap,
        foreign=foreign,
        others_in_frame=inside,
    )
