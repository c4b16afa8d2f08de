"""The grid a result's rectangle and crop are kept in, in the history.

Why: a result's ``foreground_rect`` and ``crop`` are in the uploaded image's pixels, and
an upload may be a crop of the photo (``PreparedPhoto.offset_x/offset_y``) that differs
from one opening to the next (another detector run, models installed later). The
history keeps them in the grid every upload had before uploads were cropped: the whole
photo at the upload's scale. So rows written before and after read alike, and a stored
result reused with another crop of the same photo lands on the same place.
"""

from __future__ import annotations

from dataclasses import replace

from idphoto_desktop.core.geometry import Affine, Rect
from idphoto_desktop.core.job import GenerateResult, PreparedPhoto

__all__ = ["from_stored_grid", "to_stored_grid"]


def _shifted(result: GenerateResult, dx: float, dy: float) -> GenerateResult:
    """The result with its upload grid moved by (dx, dy): points p become p + (dx, dy)."""
    if not dx and not dy:
        return result
    rect = result.foreground_rect
    crop = result.crop
    return replace(
        result,
        foreground_rect=None if rect is None else Rect(
            rect.x + dx, rect.y + dy, rect.width, rect.height
        ),
        crop=None if crop is None else Affine(
            crop.a, crop.b, crop.c - crop.a * dx - crop.b * dy,
            crop.d, crop.e, crop.f - crop.d * dx - crop.e * dy,
        ),
    )


def to_stored_grid(result: GenerateResult, photo: PreparedPhoto | None) -> GenerateResult:
    """A result made from ``photo``'s upload, in the history's grid."""
    if photo is None:
        return result
    return _shifted(result, photo.offset_x * photo.scale, photo.offset_y * photo.scale)


def from_stored_grid(result: GenerateResult, photo: PreparedPhoto | None) -> GenerateResult:
    """A stored result in the grid of ``photo``'s upload (the one it is reused with)."""
    if photo is None:
        return result
    return _shifted(result, -photo.offset_x * photo.scale, -photo.offset_y * photo.scale)
