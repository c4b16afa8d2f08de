"""The foreground rectangle as the clerk should read it on a picture: what lies inside
the frame, which sides run off it, and how far it is tilted.

Why: the person's box from the provider usually covers the shoulders and runs off the
bottom and sides of an ID photo, and the straightening turns it a few degrees. Clipped
silently, only a slanted top line stayed, which read as a bug. Here each edge is cut
to the frame, the frame sides it crosses are named, and the angle comes from the crop
map. Plain arithmetic (no Qt), so it is tested without a display.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Point = tuple[float, float]
SIDES = ("top", "bottom", "left", "right")
TILT_SHOWN_DEG = 0.5  # below this a tilt is not worth mentioning
_EPS = 0.5  # half a pixel: on the edge is inside


@dataclass(frozen=True)
class OverlayShape:
    """What to draw for one rectangle on a ``width`` x ``height`` picture."""

    segments: tuple[tuple[Point, Point], ...]  # the parts of its edges inside the frame
    outside: tuple[str, ...]  # frame sides it runs past: "top", "bottom", "left", "right"
    tilt_deg: float  # its rotation against the picture (0 = axis-aligned)
    visible: bool  # any part of it is inside the frame

    @property
    def tilted(self) -> bool:
        return abs(self.tilt_deg) >= TILT_SHOWN_DEG


def _clip(p: Point, q: Point, width: float, height: float) -> tuple[Point, Point] | None:
    """Liang-Barsky: the part of segment p-q inside [0, width] x [0, height]."""
    x0, y0 = p
    dx, dy = q[0] - x0, q[1] - y0
    t0, t1 = 0.0, 1.0
    for edge_p, edge_q in (
        (-dx, x0 + _EPS),
        (dx, width + _EPS - x0),
        (-dy, y0 + _EPS),
        (dy, height + _EPS - y0),
    ):
        if edge_p == 0:
            if edge_q < 0:
                return None
            continue
        t = edge_q / edge_p
        if edge_p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return None
    start = (x0 + t0 * dx, y0 + t0 * dy)
    end = (x0 + t1 * dx, y0 + t1 * dy)
    if math.dist(start, end) < 1.0:
        return None
    return start, end


def tilt_of(corners: Sequence[Point]) -> float:
    """Degrees the first edge (top-left to top-right) turns from horizontal, in (-45, 45]."""
    (x0, y0), (x1, y1) = corners[0], corners[1]
    angle = math.degrees(math.atan2(y1 - y0, x1 - x0))
    while angle > 45:
        angle -= 90
    while angle <= -45:
        angle += 90
    return angle


def shape_on_frame(corners: Sequence[Point], width: float, height: float) -> OverlayShape:
    """``corners`` (4 points, in the picture's pixels, in order) against the frame."""
    if len(corners) != 4:
        raise ValueError("a rectangle has four corners")
    segments = []
    for i in range(4):
        clipped = _clip(corners[i], corners[(i + 1) % 4], width, height)
        if clipped is not None:
            segments.append(clipped)
    xs = [x for x, _ in corners]
    ys = [y for _, y in corners]
    # A side runs past the frame when the middle of that edge does: a corner poking
    # out because of a small tilt is not worth a word.
    mids = [
        (
            (corners[i][0] + corners[(i + 1) % 4][0]) / 2,
            (corners[i][1] + corners[(i + 1) % 4][1]) / 2,
        )
        for i in range(4)
    ]
    top = min(mids, key=lambda m: m[1])
    bottom = max(mids, key=lambda m: m[1])
    left = min(mids, key=lambda m: m[0])
    right = max(mids, key=lambda m: m[0])
    outside = []
    if top[1] < -_EPS:
        outside.append("top")
    if bottom[1] > height + _EPS:
        outside.append("bottom")
    if left[0] < -_EPS:
        outside.append("left")
    if right[0] > width + _EPS:
        outside.append("right")
    inside_any = bool(segments) or (
        min(xs) < 0 < max(xs) and min(ys) < 0 < max(ys)  # the frame lies wholly inside it
    )
    return OverlayShape(tuple(segments), tuple(outside), tilt_of(corners), inside_any)
