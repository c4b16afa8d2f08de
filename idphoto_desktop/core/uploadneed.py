"""What an output needs from the upload: light (no Pillow), so the window can ask on its thread.

The sizing itself is in :mod:`idphoto_desktop.core.imageprep` (:func:`upload_height`).
"""

from __future__ import annotations

from dataclasses import dataclass

from idphoto_desktop.core.job import CropGeometry, PhotoSize

__all__ = [
    "DEFAULT_HEAD_FRACTION",
    "HEAD_MIN_FRACTION",
    "PROVIDER_CROP_MARGIN",
    "UploadNeed",
    "upload_need",
]


@dataclass(frozen=True)
class UploadNeed:
    """What the output needs from the upload: the head's height in output pixels.

    ``head_px`` is the largest crown-to-chin height the output will be made with (the
    output's height times the upper bound of its head fraction), so a provider placing
    the head anywhere in the preset's range, or a little larger, is never short. The
    output's aspect (width / height) and the preset's head-fraction, top-margin and
    eye-line rules (``None`` when unknown) say which frames the output can come from,
    for cropping the upload (:mod:`idphoto_desktop.core.uploadcrop`); ``crop`` False
    keeps the whole photo
    (a face chosen by its number: the numbers are the whole photo's, left to right).
    """

    head_px: float
    aspect: float | None = None
    head_fraction: tuple[float, float] | None = None
    top_margin: tuple[float, float] | None = None
    eye_from_bottom: tuple[float, float] | None = None
    crop: bool = True


DEFAULT_HEAD_FRACTION = 0.8  # no rule known (custom size): the largest any spec asks (ICAO)
PROVIDER_CROP_MARGIN = 1.05  # the provider's own crop may make the head a little larger
HEAD_MIN_FRACTION = 0.2
"""Without a measured head: a usable ID shot's head is at least this part of the photo's
height (head and shoulders 0.3-0.5, half body about 0.2; the shared full-body photos,
0.17-0.21, are far shots that only a high-resolution camera makes usable). It decides
how much of a JPEG to decode before the head is measured, and sizes the upload when no
head can be measured (no face models): a larger upload, never a smaller one."""


def upload_need(
    size: PhotoSize,
    geometry: CropGeometry | None = None,
    face_index: int | None = None,
    *,
    crop: bool = True,
) -> UploadNeed:
    """The need of one output size and its head rule (the preset's, or the default).

    ``crop`` False, or a chosen ``face_index``, keeps the whole photo: callers pass
    False when nothing is uploaded (the offline engine: no bytes to save, and the
    clerk's frame adjustment may reach anywhere on the photo) and for an adjusted frame.
    """
    fraction = DEFAULT_HEAD_FRACTION
    heads = geometry.head_fraction if geometry is not None else None
    if heads is not None:
        fraction = max(heads)
    return UploadNeed(
        size.height * fraction * PROVIDER_CROP_MARGIN,
        aspect=size.width / size.height,
        head_fraction=heads,
        top_margin=geometry.top_margin_fraction if geometry is not None else None,
        eye_from_bottom=geometry.eye_from_bottom_fraction if geometry is not None else None,
        crop=crop and face_index is None,
    )
