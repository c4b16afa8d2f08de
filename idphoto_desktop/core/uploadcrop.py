"""Where the output can come from on the photo: the region the upload is cropped to.

Why: the provider crops the person out of the upload and throws the room around them
away; sending it costs bytes and time and shows a third party more of the customer's
photo than the ID photo needs. The region is the union of every frame the preset
allows (head fraction from its lower to its upper bound, the output's aspect, the top
margin if the preset has one, else anywhere the whole head stays inside the frame, and
the eye line's height if the preset has that rule),
placed from the face detector's box with the spread measured on ``../shared/photos``,
then widened by our own margin for where the provider may frame differently.

Every rule is here, with why its number is what it is. Measured figures are marked as
such; margins are ours. No Pillow: plain geometry, checked by unit tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from idphoto_desktop.core.uploadneed import UploadNeed

__all__ = [
    "CENTRE_SPREAD",
    "CHIN_BELOW_BOX_TOP",
    "EYE_BELOW_BOX_TOP",
    "HEAD_PER_BOX",
    "MAX_REGION_SHARE",
    "PROVIDER_FRAME_MARGIN",
    "FaceBox",
    "Region",
    "upload_region",
]

# --- measured: the offline engine's crown and chin against the detector's box -------
# On the 16 photos of ../shared/photos (hivision_test0..4, fr_*), in box heights, with
# the engine's own crown (hair included) and chin mapped back onto the photo:
HEAD_PER_BOX = (1.15, 1.83)
"""Crown-to-chin height over the box's height: measured 1.16..1.82 (median 1.58); the
low end, rounded down, is also the head estimate that sizes the upload."""
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
MAX_REGION_SHARE = 0.75
"""Ours: crop only when the region is at most this share of the photo's area; a crop
that saves less is not worth moving the upload's grid away from the photo's."""


@dataclass(frozen=True)
class FaceBox:
    """A face detector's box, in the photo's pixels."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0


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
    h = box.height
    tops: list[float] = []
    bottoms: list[float] = []
    # Each edge is monotonic in chin, head height, head fraction and top margin: the
    # extremes are at the corners of their ranges.
    for chin_at in CHIN_BELOW_BOX_TOP:
        chin = box.y0 + chin_at * h
        for per_box in HEAD_PER_BOX:
            head = per_box * h
            for fraction in need.head_fraction:
                frame = head / fraction
                for top_margin in _top_margins(need, fraction):
                    top = chin - head - top_margin * frame
                    tops.append(top)
                    bottoms.append(top + frame)
    largest = max(HEAD_PER_BOX) * h / min(need.head_fraction)
    top, bottom = min(tops), max(bottoms)
    if need.eye_from_bottom is not None:
        # Every allowed frame meets the eye rule too: the eye line is (1 - e) of the
        # frame below its top, e above its bottom; both bounds hold, the tighter wins.
        low_e, high_e = need.eye_from_bottom
        top = max(top, box.y0 + EYE_BELOW_BOX_TOP[0] * h - (1.0 - low_e) * largest)
        bottom = min(bottom, box.y0 + EYE_BELOW_BOX_TOP[1] * h + high_e * largest)
    margin = PROVIDER_FRAME_MARGIN * largest
    centre = (box.x0 + box.x1) / 2
    half = need.aspect * largest / 2 + CENTRE_SPREAD * h
    return (centre - half - margin, top - margin, centre + half + margin, bottom + margin)


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
        max(0, int(left)), max(0, int(top)),
        min(width, -int(-right)), min(height, -int(-bottom)),
    )
    if region.width <= 0 or region.height <= 0:
        return None
    if region.width * region.height > MAX_REGION_SHARE * width * height:
        return None
    return region
