"""Where the head goes: the level head frame, the crown, and the crop that meets a preset.

All head figures live in a *level frame*: origin at the midpoint of the eyes, x along the
eye line, in uploaded-image pixels. The output is that frame scaled and shifted, so the
crop's affine is exact and the eyes come out level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from idphoto_desktop.core.job import CropGeometry, PhotoSize
from idphoto_desktop.engines.offline.imaging import compose
from idphoto_desktop.engines.offline.landmarks import (
    CHIN,
    FACE_LEFT,
    FACE_RIGHT,
    FOREHEAD,
    FaceMesh,
)

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

# Custom sizes have no rule: a head of 60 % of the height 10 % below the top edge reads as
# a normal portrait and leaves room for the shoulders.
DEFAULT_HEAD = 0.6
DEFAULT_TOP = 0.1
# Crown above the top mesh point (forehead), in units of forehead-to-chin: measured on the
# shared photos' masks (median 0.34); used before the mask is known and to bound it.
CROWN_GUESS = 0.34
CROWN_MIN, CROWN_MAX = 0.15, 0.75


@dataclass(frozen=True)
class HeadFrame:
    """Head figures in the level frame (uploaded pixels, eye midpoint at the origin)."""

    origin: tuple[float, float]  # eye midpoint, uploaded pixels
    roll: float  # radians
    chin_y: float
    forehead_y: float
    crown_y: float
    center_x: float
    face_width: float

    @property
    def head_height(self) -> float:
        return self.chin_y - self.crown_y

    def level_matrix(self) -> F64:
        """Uploaded pixels -> level frame."""
        c, s = math.cos(self.roll), math.sin(self.roll)
        ox, oy = self.origin
        return np.array([[c, s, -(c * ox + s * oy)], [-s, c, s * ox - c * oy]])

    def with_crown(self, crown_y: float) -> HeadFrame:
        return HeadFrame(
            self.origin,
            self.roll,
            self.chin_y,
            self.forehead_y,
            crown_y,
            self.center_x,
            self.face_width,
        )


def head_frame(mesh: FaceMesh) -> HeadFrame:
    """Level the face and measure it; the crown starts as an anthropometric guess."""
    origin = mesh.eye_mid
    roll = mesh.roll
    c, s = math.cos(roll), math.sin(roll)
    pts = mesh.points - np.array(origin)
    level = np.stack([c * pts[:, 0] + s * pts[:, 1], -s * pts[:, 0] + c * pts[:, 1]], axis=1)
    chin = float(level[CHIN, 1])
    forehead = float(level[FOREHEAD, 1])
    left, right = float(level[FACE_LEFT, 0]), float(level[FACE_RIGHT, 0])
    crown = forehead - CROWN_GUESS * (chin - forehead)
    return HeadFrame(origin, roll, chin, forehead, crown, (left + right) / 2, right - left)


def crown_from_mask(
    frame: HeadFrame, prob: F32, valid: npt.NDArray[np.bool_], to_mask: F64
) -> tuple[float, bool]:
    """Top of the head (hair included) from a person mask in a level, scaled frame.

    ``to_mask`` maps the level frame to the mask's pixels (scale and shift only). Columns
    over the middle of the face are followed upward from the forehead while they stay
    person; the highest tenth of those tops is the crown, bounded to a plausible head so a
    hat, a raised hand or a background patch cannot make the head absurd. Returns the crown
    in level-frame y, and whether the head runs off the photo's top edge (``valid`` is
    False outside the photo); then the crown is at least as high as ``frame.crown_y``, the
    anthropometric guess.
    """
    scale = float(to_mask[0, 0])
    h, w = prob.shape
    span = frame.chin_y - frame.forehead_y
    lo_y = frame.forehead_y - CROWN_MAX * span
    hi_y = frame.forehead_y - CROWN_MIN * span
    x0 = frame.center_x - 0.3 * frame.face_width
    x1 = frame.center_x + 0.3 * frame.face_width
    c0 = max(0, math.floor(x0 * scale + to_mask[0, 2]))
    c1 = min(w, math.ceil(x1 * scale + to_mask[0, 2]) + 1)
    start = round(frame.forehead_y * scale + to_mask[1, 2])
    if c1 <= c0 or not 0 < start < h:
        return frame.crown_y, False
    column = (prob[:start, c0:c1] >= 0.5) & valid[:start, c0:c1]
    flipped = column[::-1]
    run = np.argmax(~flipped, axis=0)  # person rows going up from the forehead
    all_person = flipped.all(axis=0)
    tops = np.where(all_person, 0, start - run)
    usable = column[-1]  # the column is person at the forehead
    if not usable.any():
        return frame.crown_y, False
    above = np.clip(tops[usable] - 1, 0, None)
    off_photo = ~valid[above, np.arange(c0, c1)[usable]]
    top_row = low_percentile(tops[usable], 10)
    crown = min(max((top_row - to_mask[1, 2]) / scale, lo_y), hi_y)
    cut = bool(off_photo.mean() > 0.3)
    if cut:  # the hair goes on above the photo: the anthropometric guess, if higher, wins
        crown = min(crown, frame.crown_y)
    return float(crown), cut


def low_percentile(values: npt.NDArray[np.int64], q: float) -> float:
    """``np.percentile(values, q)`` (linear interpolation) of a non-empty 1-D array.

    Why not numpy's: its percentile imports ``numpy.ma`` on first use (``np.unique``
    asks ``np.ma.is_masked``), 7.5 ms of every ``idphoto generate``'s capture check."""
    ordered = np.sort(np.asarray(values, np.float64).ravel())
    pos = (ordered.size - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, ordered.size - 1)
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))


@dataclass(frozen=True)
class Placement:
    """The chosen head fraction and top margin (fractions of the output height)."""

    head: float
    top: float

    def eye_from_bottom(self, frame: HeadFrame) -> float:
        eye_rel = (0.0 - frame.crown_y) / frame.head_height
        return 1.0 - (self.top + self.head * eye_rel)


def _mid(r: tuple[float, float]) -> float:
    return (r[0] + r[1]) / 2


def place(frame: HeadFrame, size: PhotoSize, geometry: CropGeometry | None) -> Placement:
    """Head fraction and top margin nearest the middle of each rule the preset gives.

    A small grid search: each given range pulls toward its middle and hard-penalises
    leaving it; a custom size gets the defaults, with the head shrunk if the face would
    not fit the width.
    """
    g = geometry or CropGeometry()
    eye_rel = (0.0 - frame.crown_y) / frame.head_height
    if g.head_fraction is not None:
        heads = np.linspace(g.head_fraction[0], g.head_fraction[1], 41)
    else:
        # the face (cheek to cheek) at most 70 % of the width
        fit = 0.7 * size.width / size.height * frame.head_height / max(frame.face_width, 1e-6)
        heads = np.array([min(DEFAULT_HEAD, fit)])
    tops = np.linspace(0.0, 0.4, 401)
    hh, tt = np.meshgrid(heads, tops, indexing="ij")
    cost = np.zeros_like(hh)

    def pull(value: F64, rng: tuple[float, float]) -> F64:
        half = max((rng[1] - rng[0]) / 2, 0.005)
        d = (value - _mid(rng)) / half
        outside = np.clip(np.abs(d) - 1.0, 0.0, None)
        result: F64 = d * d + 1000.0 * outside
        return result

    if g.head_fraction is not None:
        cost += pull(hh, g.head_fraction)
    if g.top_margin_fraction is not None:
        cost += pull(tt, g.top_margin_fraction)
    if g.eye_from_bottom_fraction is not None:
        cost += pull(1.0 - (tt + hh * eye_rel), g.eye_from_bottom_fraction)
    if g.top_margin_fraction is None and g.eye_from_bottom_fraction is None:
        cost += pull(tt, (DEFAULT_TOP, DEFAULT_TOP))
    cost += 1000.0 * np.clip(tt + hh - 0.98, 0.0, None)  # the chin stays inside
    i, j = np.unravel_index(int(np.argmin(cost)), cost.shape)
    return Placement(float(hh[i, j]), float(tt[i, j]))


def output_matrix(frame: HeadFrame, size: PhotoSize, placement: Placement) -> F64:
    """Uploaded pixels -> output pixels (corner coordinates)."""
    s = placement.head * size.height / frame.head_height
    tx = size.width / 2 - s * frame.center_x
    ty = placement.top * size.height - s * frame.crown_y
    scale_shift = np.array([[s, 0.0, tx], [0.0, s, ty]])
    return compose(scale_shift, frame.level_matrix())
