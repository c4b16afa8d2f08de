"""The grid a result's rectangle and crop are kept in, in the history.

Why: a result's ``foreground_rect`` and ``crop`` are in the uploaded image's pixels, and
an upload may be a crop of the photo (``PreparedPhoto.offset_x/offset_y``) at a scale
that differs from one opening to the next (sized from each preset's need, from a head
measured only once the face models are installed). The history keeps them in the
photo's own pixels (:data:`PHOTO_GRID`), so a stored result reused with another crop or
another scale of the same photo lands on the same place.

Rows written before the scale was kept used the whole photo at the upload's scale and
say no scale (``None``); they are read as before, at the scale of the upload they are
reused with (right whenever that upload is sized as theirs was).
"""

from __future__ import annotations

from dataclasses import replace

from idphoto_desktop.core.geometry import Affine, Rect
from idphoto_desktop.core.job import GenerateResult, PreparedPhoto

__all__ = ["PHOTO_GRID", "from_stored_grid", "to_stored_grid"]

PHOTO_GRID = 1.0
"""The scale of the stored grid (the whole photo, after EXIF orientation): its own pixels."""


def _regrid(result: GenerateResult, k: float, dx: float, dy: float) -> GenerateResult:
    """The result with every point p of its grid moved to ``k * p + (dx, dy)``."""
    if k == 1.0 and not dx and not dy:
        return result
    rect = result.foreground_rect
    crop = result.crop
    return replace(
        result,
        foreground_rect=None if rect is None else Rect(
            k * rect.x + dx, k * rect.y + dy, k * rect.width, k * rect.height
        ),
        # the output pixel of a new point q is the old crop's at (q - d) / k
        crop=None if crop is None else Affine(
            crop.a / k, crop.b / k, crop.c - (crop.a * dx + crop.b * dy) / k,
            crop.d / k, crop.e / k, crop.f - (crop.d * dx + crop.e * dy) / k,
        ),
    )


def to_stored_grid(result: GenerateResult, photo: PreparedPhoto | None) -> GenerateResult:
    """A result made from ``photo``'s upload, in the photo's pixels (:data:`PHOTO_GRID`).

    Without a photo (an image URL the provider fetched) the result is kept as it is.
    """
    if photo is None:
        return result
    return _regrid(result, 1.0 / photo.scale, photo.offset_x, photo.offset_y)


def from_stored_grid(
    result: GenerateResult, photo: PreparedPhoto | None, grid_scale: float | None = PHOTO_GRID
) -> GenerateResult:
    """A stored result in the grid of ``photo``'s upload (the one it is reused with).

    ``grid_scale`` is the stored row's (:attr:`HistoryEntry.grid_scale`): the photo's
    pixels, or None for a row from before it was kept (the upload's scale then).
    """
    if photo is None:
        return result
    stored = photo.scale if grid_scale is None else grid_scale
    k = photo.scale / stored
    return _regrid(result, k, -photo.offset_x * photo.scale, -photo.offset_y * photo.scale)
