"""Rectangles and affine maps between the uploaded photo and the result.

The provider's ``foreground_rect`` is in the uploaded image's pixel grid (see
``../shared/api/NOTES.md``); the result is a crop of that image, possibly rotated to
level the eyes. An :class:`Affine` from uploaded pixels to result pixels carries
the rectangle across, and ``PreparedPhoto.to_original`` (scale and the crop's offset)
carries it back to the clerk's original.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle in pixels (x, y of the top-left corner)."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    def scaled(self, factor: float) -> Rect:
        """The same rectangle in a grid scaled by ``factor``."""
        return Rect(self.x * factor, self.y * factor, self.width * factor, self.height * factor)

    def as_ints(self) -> tuple[int, int, int, int]:
        return (round(self.x), round(self.y), round(self.width), round(self.height))


@dataclass(frozen=True)
class Affine:
    """x' = a*x + b*y + c ; y' = d*x + e*y + f."""

    a: float
    b: float
    c: float
    d: float
    e: float
    f: float

    @staticmethod
    def identity() -> Affine:
        return Affine(1.0, 0.0, 0.0, 0.0, 1.0, 0.0)

    @staticmethod
    def scale_translate(scale: float, tx: float, ty: float) -> Affine:
        return Affine(scale, 0.0, tx, 0.0, scale, ty)

    def apply(self, x: float, y: float) -> tuple[float, float]:
        return (self.a * x + self.b * y + self.c, self.d * x + self.e * y + self.f)

    def map_rect(self, rect: Rect) -> list[tuple[float, float]]:
        """The four corners of ``rect`` mapped (a rotated map gives a quadrilateral)."""
        corners = [
            (rect.x, rect.y),
            (rect.right, rect.y),
            (rect.right, rect.bottom),
            (rect.x, rect.bottom),
        ]
        return [self.apply(x, y) for x, y in corners]

    def map_rect_bounds(self, rect: Rect) -> Rect:
        """The axis-aligned bounds of the mapped rectangle."""
        pts = self.map_rect(rect)
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        return Rect(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
