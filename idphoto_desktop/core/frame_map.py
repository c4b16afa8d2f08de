"""Where an ID photo's frame lies on the uploaded photo, for any ``FrameAdjust``.

Why: the window draws the preset's frame and its bands on the original while the clerk
moves it, before any render. A result carries its crop map (uploaded -> output pixels)
and the adjustment it was made with; from those this finds the *automatic* map once
(the offline engine's adjustment turns and scales about the automatic head centre,
``engines.offline.render.adjust_matrix``; a provider's result is re-framed about its
own head centre, ``core.recrop.frame_matrix``), and then maps the output frame back
onto the photo for any other adjustment with plain arithmetic. It also turns a drag on
the photo into the adjustment that follows the mouse, and reads a stored result's
framing key back (face and adjustment) so a result from the history reopens as made.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from idphoto_desktop.core.job import (
    MAX_ADJUST_ANGLE,
    MAX_ADJUST_SCALE,
    MAX_ADJUST_SHIFT,
    MIN_ADJUST_SCALE,
    FrameAdjust,
    GenerateResult,
    PhotoSize,
)

Matrix = tuple[float, float, float, float, float, float]  # a, b, c, d, e, f (x' = ax+by+c)
Point = tuple[float, float]


def _compose(outer: Matrix, inner: Matrix) -> Matrix:
    a1, b1, c1, d1, e1, f1 = outer
    a2, b2, c2, d2, e2, f2 = inner
    return (
        a1 * a2 + b1 * d2, a1 * b2 + b1 * e2, a1 * c2 + b1 * f2 + c1,
        d1 * a2 + e1 * d2, d1 * b2 + e1 * e2, d1 * c2 + e1 * f2 + f1,
    )


def _invert(m: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    det = a * e - b * d
    if abs(det) < 1e-12:
        raise ValueError("the crop map is degenerate")
    ia, ib, id_, ie = e / det, -b / det, -d / det, a / det
    return (ia, ib, -(ia * c + ib * f), id_, ie, -(id_ * c + ie * f))


def _apply(m: Matrix, p: Point) -> Point:
    return (m[0] * p[0] + m[1] * p[1] + m[2], m[3] * p[0] + m[4] * p[1] + m[5])


def adjust_matrix(adjust: FrameAdjust, size: PhotoSize, pivot: Point) -> Matrix:
    """Output -> output: turn and scale about ``pivot``, then move by output fractions
    (the same matrix as the offline engine's and ``core.recrop``'s)."""
    cx, cy = pivot
    theta = math.radians(adjust.angle_deg)
    c, s = math.cos(theta) * adjust.scale, math.sin(theta) * adjust.scale
    tx, ty = adjust.dx * size.width, adjust.dy * size.height
    return (c, -s, cx + tx - (c * cx - s * cy), s, c, cy + ty - (s * cx + c * cy))


@dataclass(frozen=True)
class FrameBase:
    """The automatic frame of one result: uploaded -> output map and the turning point."""

    matrix: Matrix  # uploaded -> output pixels, with no adjustment
    pivot: Point  # output pixels: where the adjustment turns and scales about
    size: PhotoSize
    crown_y: float | None = None  # the automatic frame's crown (output px), if known

    def crown_at(self, adjust: FrameAdjust) -> float | None:
        """The crown's height in the output framed by ``adjust`` (the engines move the
        guides this way: level lines, scaled about the head centre, then moved)."""
        if self.crown_y is None:
            return None
        cy = self.pivot[1]
        return cy + adjust.dy * self.size.height + adjust.scale * (self.crown_y - cy)

    def to_output(self, adjust: FrameAdjust) -> Matrix:
        """Uploaded -> output pixels with ``adjust`` applied."""
        return _compose(adjust_matrix(adjust, self.size, self.pivot), self.matrix)

    def to_upload(self, adjust: FrameAdjust, point: Point) -> Point:
        """An output point, on the uploaded photo."""
        return _apply(_invert(self.to_output(adjust)), point)

    def corners(self, adjust: FrameAdjust) -> list[Point]:
        """The output frame's corners on the uploaded photo (clockwise from top-left)."""
        w, h = float(self.size.width), float(self.size.height)
        return [self.to_upload(adjust, p) for p in ((0.0, 0.0), (w, 0.0), (w, h), (0.0, h))]

    def level_line(self, adjust: FrameAdjust, y: float) -> tuple[Point, Point]:
        """The output's horizontal line at ``y``, on the uploaded photo."""
        return self.to_upload(adjust, (0.0, y)), self.to_upload(adjust, (self.size.width, y))

    def moved_by(self, adjust: FrameAdjust, delta: Point) -> FrameAdjust:
        """The adjustment after the frame is dragged by ``delta`` uploaded pixels.

        The frame follows the mouse, so the person moves the other way in the output.
        """
        m = self.to_output(adjust)
        ox = -(m[0] * delta[0] + m[1] * delta[1])
        oy = -(m[3] * delta[0] + m[4] * delta[1])
        return clamp(
            FrameAdjust(
                adjust.dx + ox / self.size.width,
                adjust.dy + oy / self.size.height,
                adjust.scale,
                adjust.angle_deg,
            )
        )


def clamp(adjust: FrameAdjust) -> FrameAdjust:
    """The adjustment within the limits ``validate_adjust`` checks."""

    def fit(value: float, lo: float, hi: float) -> float:
        return max(lo, min(hi, value))

    return FrameAdjust(
        fit(adjust.dx, -MAX_ADJUST_SHIFT, MAX_ADJUST_SHIFT),
        fit(adjust.dy, -MAX_ADJUST_SHIFT, MAX_ADJUST_SHIFT),
        fit(adjust.scale, MIN_ADJUST_SCALE, MAX_ADJUST_SCALE),
        fit(adjust.angle_deg, -MAX_ADJUST_ANGLE, MAX_ADJUST_ANGLE),
    )


def base_of(result: GenerateResult, made_with: FrameAdjust | None) -> FrameBase | None:
    """The automatic frame behind ``result``, or None when its crop map is unknown.

    With face guides (the offline engine) the guides and the map were moved by
    ``made_with``; both are moved back. Without guides (a provider's result) the result
    itself is the base, turned about the point ``core.recrop`` uses.
    """
    if result.crop is None:
        return None
    crop = result.crop
    matrix: Matrix = (crop.a, crop.b, crop.c, crop.d, crop.e, crop.f)
    size = PhotoSize(result.width, result.height)
    guides = result.guides
    if guides is None:
        crown: float | None = None
        rect = result.foreground_rect
        if rect is not None:  # the top of the person's rectangle, where it is inside
            top = _apply(matrix, (rect.x + rect.width / 2, rect.y))[1]
            crown = top if 0 <= top < size.height else None
        return FrameBase(matrix, (size.width / 2, size.height * 0.45), size, crown)
    adjust = made_with or FrameAdjust()
    cy = (guides.crown_y + guides.chin_y) / 2 - adjust.dy * size.height
    cx = guides.center_x - adjust.dx * size.width
    pivot = (cx, cy)
    if not adjust.is_identity:
        matrix = _compose(_invert(adjust_matrix(adjust, size, pivot)), matrix)
    crown = cy + (guides.crown_y - cy - adjust.dy * size.height) / adjust.scale
    return FrameBase(matrix, pivot, size, crown)


def framing_choice(key: str) -> tuple[int | None, FrameAdjust | None]:
    """The face and adjustment written in a ``GenerateParams.framing_key()``.

    A key that does not have them (older rows, or not that shape) gives ``(None, None)``.
    """
    parts = key.split("|")
    if len(parts) != 5:
        return None, None
    face: int | None = None
    if parts[3].strip().isdigit():
        face = int(parts[3]) or None
    adjust: FrameAdjust | None = None
    values = parts[4].split(",")
    if len(values) == 4:
        try:
            numbers = [float(v) for v in values]
        except ValueError:
            numbers = []
        if numbers and all(math.isfinite(v) for v in numbers):
            adjust = clamp(FrameAdjust(*numbers))
    return face, adjust
