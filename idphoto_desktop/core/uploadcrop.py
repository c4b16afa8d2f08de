"""Where the output can come from on the photo: the region the upload is cropped to.

Why: the provider crops the person out of the upload and throws the room around them
away; sending it costs bytes and time and shows a third party more of the customer's
photo than the ID photo needs. The region is the union of every frame the preset
allows (head fraction from its lower to its upper bound, the output's aspect, the top
margin if the preset has one, else anywhere the whole head stays inside the frame, and
the eye line's height if the preset has that rule),
placed from the head measured crown to chin (the offline engine's own measure) within
our tolerance, or, when it could not be measured, from the face detector's box with the
spread measured on ``../shared/photos``; then widened by our own margin for where the
provider may frame differently.

Every rule is here, with why its number is what it is. Measured figures are marked as
such; margins are ours. No Pillow: plain geometry, checked by unit tests.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from idphoto_desktop.core.geometry import Affine, Rect
from idphoto_desktop.core.uploadneed import UploadNeed

__all__ = [
    "CENTRE_SPREAD",
    "CHIN_BELOW_BOX_TOP",
    "EYE_BELOW_BOX_TOP",
    "HEAD_PER_BOX",
    "MAX_REGION_SHARE",
    "MEASURED_FRAME_MARGIN",
    "MEASURE_TOLERANCE",
    "PROVIDER_FRAME_MARGIN",
    "FaceBox",
    "HeadMeasure",
    "Region",
    "sizing_head",
    "upload_region",
]

# --- measured: the offline engine's crown and chin against the detector's box -------
# On the 16 photos of ../shared/photos (hivision_test0..4, fr_*), in box heights, with
# the engine's own crown (hair included) and chin mapped back onto the photo:
HEAD_PER_BOX = (1.15, 1.83)
"""Crown-to-chin height over the box's height: measured 1.16..1.82 (median 1.58); the
low end, rounded down, sizes the upload when the head could not be measured."""
CHIN_BELOW_BOX_TOP = (0.91, 1.12)
"""The chin's height below the box's top edge, in box heights: measured 0.91..1.12."""
EYE_BELOW_BOX_TOP = (0.19, 0.32)
"""The eye line's height below the box's top edge, in box heights: measured 0.197..0.316."""
CENTRE_SPREAD = 0.15
"""The head's centre left or right of the box's centre, in box heights: measured
-0.15..+0.13."""

# --- ours -----------------------------------------------------------------------------
PROVIDER_FRAME_MARGIN = 0.10
"""Ours: added on every side, as a share of the largest frame's height, for where the
provider's own detection and framing differ from ours (it is told only the size). It
also has to hold a frame turned with a tilted head (the offline engine levels the eyes):
at ICAO's 8 degree roll limit (capture/limits.py) the largest frame's far corners, about
two box heights from the eyes, move about 0.28 box heights, close to this margin
(0.29 box heights for hk_passport_digital). The detector's eye key points were tried
for the roll and dropped: turning the shared photos by 10 degrees moved them by 2 to 15."""
MEASURED_FRAME_MARGIN = 0.05
"""Ours: the margin for a measured head, on every side, as a share of the largest
frame's height. The head's size and place are known within :data:`MEASURE_TOLERANCE`
and its roll is known, so a frame turned level with the eyes is added exactly (not
covered by margin as with a bare box); what is left is where the provider's framing
differs from ours, for which half the box's margin is kept."""
MEASURE_TOLERANCE = 0.03
"""Ours: how far a measured head (crown to chin, its chin, eyes and centre) may be off,
as a share of the head's height. The same photo measured at full size and as its
upload differed by 0.6-0.9 % (bench/upload_size.py photos); three times that, rounded
up. The upload is sized from the head this much shorter than measured, so an
over-measured crown still never makes the provider enlarge."""
MAX_REGION_SHARE = 0.75
"""Ours: crop only when the region is at most this share of the photo's area; a crop
that saves less is not worth moving the upload's grid away from the photo's."""


@dataclass(frozen=True)
class HeadMeasure:
    """A head measured crown to chin (hair included), in the photo's pixels.

    ``head`` is its height along the face's axis; ``chin_y`` and ``eye_y`` are heights on
    the photo, ``centre_x`` the head's middle across it.
    """

    head: float
    chin_y: float
    eye_y: float
    centre_x: float
    roll: float = 0.0
    """The eye line's turn from level, radians (the photo's y axis points down)."""

    def scaled(self, k: float) -> HeadMeasure:
        return HeadMeasure(
            self.head * k, self.chin_y * k, self.eye_y * k, self.centre_x * k, self.roll
        )


@dataclass(frozen=True)
class FaceBox:
    """A face detector's box, in the photo's pixels, and its head when it was measured."""

    x0: float
    y0: float
    x1: float
    y1: float
    measured: HeadMeasure | None = None

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def scaled(self, k: float) -> FaceBox:
        """The same box on a photo ``k`` times as large."""
        measured = None if self.measured is None else self.measured.scaled(k)
        return FaceBox(self.x0 * k, self.y0 * k, self.x1 * k, self.y1 * k, measured)


def sizing_head(box: FaceBox) -> float:
    """The head height (photo pixels) the upload is sized from: the measured head less
    its tolerance, else the low bound of the box's ratio; either errs small, so the
    upload errs large."""
    if box.measured is not None:
        return box.measured.head * (1.0 - MEASURE_TOLERANCE)
    return HEAD_PER_BOX[0] * box.height


@dataclass(frozen=True)
class _Spans:
    """Where the chin, the eye line and the head's middle can be, and the head's height
    (photo pixels): measured, or from the box with the spreads above."""

    chins: tuple[float, float]
    heads: tuple[float, float]
    eyes: tuple[float, float]
    centre: float
    centre_spread: float


def _spans(box: FaceBox) -> _Spans:
    m = box.measured
    if m is not None:
        t = MEASURE_TOLERANCE * m.head
        return _Spans(
            (m.chin_y - t, m.chin_y + t),
            (m.head - t, m.head + t),
            (m.eye_y - t, m.eye_y + t),
            m.centre_x,
            t,
        )
    h = box.height
    return _Spans(
        (box.y0 + CHIN_BELOW_BOX_TOP[0] * h, box.y0 + CHIN_BELOW_BOX_TOP[1] * h),
        (HEAD_PER_BOX[0] * h, HEAD_PER_BOX[1] * h),
        (box.y0 + EYE_BELOW_BOX_TOP[0] * h, box.y0 + EYE_BELOW_BOX_TOP[1] * h),
        (box.x0 + box.x1) / 2,
        CENTRE_SPREAD * h,
    )


@dataclass(frozen=True)
class Region:
    """A part of the photo in its pixels: left, top, right, bottom (whole pixels)."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


def _top_margins(need: UploadNeed, fraction: float) -> tuple[float, float]:
    """The top margin's range (share of the frame's height) for one head fraction.

    The preset's rule when it has one; else anywhere the whole head (crown to chin) is
    inside the frame: from the crown at the top edge (0) to the chin at the bottom edge.
    """
    if need.top_margin is not None:
        return need.top_margin
    return 0.0, max(0.0, 1.0 - fraction)


def frame_bounds(box: FaceBox, need: UploadNeed) -> tuple[float, float, float, float] | None:
    """Left, top, right, bottom of the union of the frames ``need`` allows (photo pixels,
    unclamped, margin included), or None when the preset has no head rule."""
    if need.head_fraction is None or need.aspect is None or box.height <= 0:
        return None
    spans = _spans(box)
    tops: list[float] = []
    bottoms: list[float] = []
    # Each edge is monotonic in chin, head height, head fraction and top margin: the
    # extremes are at the corners of their ranges.
    for chin in spans.chins:
        for head in spans.heads:
            for fraction in need.head_fraction:
                frame = head / fraction
                for top_margin in _top_margins(need, fraction):
                    top = chin - head - top_margin * frame
                    tops.append(top)
                    bottoms.append(top + frame)
    largest = max(spans.heads) / min(need.head_fraction)
    top, bottom = min(tops), max(bottoms)
    if need.eye_from_bottom is not None:
        # Every allowed frame meets the eye rule too: the eye line is (1 - e) of the
        # frame below its top, e above its bottom; both bounds hold, the tighter wins.
        low_e, high_e = need.eye_from_bottom
        top = max(top, spans.eyes[0] - (1.0 - low_e) * largest)
        bottom = min(bottom, spans.eyes[1] + high_e * largest)
    half = need.aspect * largest / 2 + spans.centre_spread
    left, right = spans.centre - half, spans.centre + half
    m = box.measured
    if m is None:
        margin = PROVIDER_FRAME_MARGIN * largest
        return (left - margin, top - margin, right + margin, bottom + margin)
    if m.roll:
        left, top, right, bottom = _with_turned(
            (left, top, right, bottom), (m.centre_x, m.eye_y), m.roll
        )
    margin = MEASURED_FRAME_MARGIN * largest
    return (left - margin, top - margin, right + margin, bottom + margin)


def _with_turned(
    rect: tuple[float, float, float, float], pivot: tuple[float, float], angle: float
) -> tuple[float, float, float, float]:
    """``rect`` together with itself turned by ``angle`` about ``pivot``: the frames
    upright on the photo and the same frames level with a tilted head's eyes."""
    left, top, right, bottom = rect
    c, s = math.cos(angle), math.sin(angle)
    px, py = pivot
    turn = Affine(c, -s, px - c * px + s * py, s, c, py - s * px - c * py)
    turned = turn.map_rect_bounds(Rect(left, top, right - left, bottom - top))
    return (
        min(left, turned.x), min(top, turned.y),
        max(right, turned.right), max(bottom, turned.bottom),
    )


def upload_region(
    faces: Sequence[FaceBox], width: int, height: int, need: UploadNeed | None
) -> Region | None:
    """The part of a ``width`` x ``height`` photo to upload, or None for all of it.

    All of it when: no need or no head rule (a custom size: any frame), a face chosen by
    its number (``need.crop`` False), no face or more than one (the clerk may pick any
    person; nobody is cropped out silently), or when
    the region would save little (:data:`MAX_REGION_SHARE`).
    """
    if need is None or not need.crop or len(faces) != 1:
        return None
    bounds = frame_bounds(faces[0], need)
    if bounds is None:
        return None
    left, top, right, bottom = bounds
    region = Region(
        max(0, int(left)),
        max(0, int(top)),
        min(width, -int(-right)),
        min(height, -int(-bottom)),
    )
    if region.width <= 0 or region.height <= 0:
        return None
    if region.width * region.height > MAX_REGION_SHARE * width * height:
        return None
    return region
