"""What the worker threads do for the window: read photos, show results, recolour, save.

Plain functions returning plain objects (QImage is safe off the GUI thread), so
each can be tested without a window. None of them touches a widget.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice
from PySide6.QtGui import QImage

from idphoto_desktop.core.errors import ImageError
from idphoto_desktop.core.geometry import Rect
from idphoto_desktop.core.job import (
    CancelToken,
    GenerateResult,
    OutputFormat,
    PreparedPhoto,
    ProgressCallback,
)

if TYPE_CHECKING:
    from PIL import Image

    from idphoto_desktop.core.imageprep import DecodedPhoto
    from idphoto_desktop.core.uploadcrop import FaceBox
    from idphoto_desktop.core.uploadneed import UploadNeed

DISPLAY_LONGEST_SIDE = 2400
"""The original is shown from a copy at most this long: enough for zoom, light on memory."""

JPEG_QUALITY = 95


@dataclass(frozen=True)
class LoadedPhoto:
    """A photo ready to send, and a picture of the clerk's original to show."""

    label: str  # file name, "Pasted image" or the URL
    prepared: PreparedPhoto | None = None
    image_url: str | None = None
    original: QImage | None = None
    display_scale: float = 1.0  # display pixels per original pixel
    source_path: Path | None = None
    decoded: DecodedPhoto | None = None  # the one decode, kept to size another upload
    need: UploadNeed | None = None  # what ``prepared`` was sized for

    def overlay_on_original(self, rect: Rect) -> list[tuple[float, float]] | None:
        """The provider's rectangle (uploaded pixels) on the shown original."""
        if self.prepared is None or self.original is None:
            return None
        r = self.prepared.to_original(rect).scaled(self.display_scale)
        return [(r.x, r.y), (r.right, r.y), (r.right, r.bottom), (r.x, r.bottom)]


@dataclass(frozen=True)
class GeneratedImage:
    """An engine's result, with the picture as shown (recoloured when JPG is chosen)."""

    result: GenerateResult
    transparent: QImage
    shown: QImage
    shown_color: str | None  # RRGGBB composited under ``shown``, None for transparent
    photo: LoadedPhoto | None = None  # set when the upload was sized again for this output


def pil_to_qimage(image: Image.Image) -> QImage:
    """A deep copy, so the QImage owns its pixels."""
    rgba = image.convert("RGBA")
    data = rgba.tobytes("raw", "RGBA")
    qimage = QImage(data, rgba.width, rgba.height, rgba.width * 4, QImage.Format.Format_RGBA8888)
    return qimage.copy()


def _display_copy(image: Image.Image) -> tuple[QImage, float]:
    longest = max(image.width, image.height)
    scale = 1.0
    if longest > DISPLAY_LONGEST_SIDE:
        from PIL import Image as PILImage

        factor = DISPLAY_LONGEST_SIDE / longest
        size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
        original_width = image.width
        image = image.resize(size, PILImage.Resampling.LANCZOS)
        scale = image.width / original_width
    return pil_to_qimage(image), scale


def locate_faces(image: Image.Image) -> list[FaceBox] | None:
    """The offline detector's faces for sizing and cropping uploads (None without models)."""
    from idphoto_desktop.engines.offline.headsize import locate_faces as locate

    return locate(image)


def load_photo_file(
    path: Path,
    progress: ProgressCallback,
    cancel: CancelToken,
    need: UploadNeed | None = None,
) -> LoadedPhoto:
    """Decode a file once: the upload (sized for ``need``) and the display copy from it."""
    from idphoto_desktop.core import imageprep

    progress(10, QCoreApplication.translate("Jobs", "Reading the photo"))
    data = imageprep.read_photo(path)
    min_height = None if need is None else imageprep.decode_height(
        need, preview_side=DISPLAY_LONGEST_SIDE
    )
    decoded = imageprep.decode_photo(data, path.name, min_height=min_height)
    cancel.raise_if_cancelled()
    progress(40, QCoreApplication.translate("Jobs", "Making the preview"))
    prepared, shown = imageprep.prepare_with_preview(
        decoded, need, DISPLAY_LONGEST_SIDE,
        locate_faces=locate_faces if need is not None else None,
    )
    original = pil_to_qimage(shown)
    scale = shown.width / prepared.original_width
    return LoadedPhoto(
        label=path.name, prepared=prepared, original=original, display_scale=scale,
        source_path=path, decoded=decoded if need is not None else None, need=need,
    )


def upload_for(photo: LoadedPhoto, need: UploadNeed) -> LoadedPhoto:
    """The same photo with its upload sized for another output (on a worker: it encodes)."""
    from dataclasses import replace

    from idphoto_desktop.core import imageprep

    if photo.decoded is None or photo.need == need:
        return photo
    plan = imageprep.upload_size(photo.decoded, need, locate_faces=locate_faces)
    p = photo.prepared
    if p is not None and plan == _plan_of(p):
        return photo  # the same upload: keep it (and the photo the window shows)
    prepared = imageprep.prepare_from(photo.decoded, need, locate_faces=locate_faces)
    return replace(photo, prepared=prepared, need=need)


def _plan_of(p: PreparedPhoto) -> tuple[int, int, int, int, int, int]:
    """An upload's region of the original and its size, as ``upload_size`` gives them."""
    left, top = round(p.offset_x), round(p.offset_y)
    right = left + round(p.width / p.scale)
    bottom = top + (p.original_height if not p.cropped else round(p.height / p.scale))
    return (left, top, right, bottom, p.width, p.height)


def load_photo_bytes(
    data: bytes, filename: str, progress: ProgressCallback, cancel: CancelToken
) -> LoadedPhoto:
    """The same for a pasted image (its bytes, as PNG)."""
    from PIL import Image as PILImage
    from PIL import ImageOps

    from idphoto_desktop.core.imageprep import prepare_photo_bytes

    progress(10, QCoreApplication.translate("Jobs", "Reading the image"))
    prepared = prepare_photo_bytes(data, filename)
    cancel.raise_if_cancelled()
    try:
        with PILImage.open(io.BytesIO(data)) as opened:
            oriented = ImageOps.exif_transpose(opened)
            oriented.load()
    except Exception as exc:  # Pillow raises many types for bad input
        raise ImageError(
            QCoreApplication.translate("Jobs", "The pasted image could not be read.")
        ) from exc
    original, scale = _display_copy(oriented)
    return LoadedPhoto(label=filename, prepared=prepared, original=original, display_scale=scale)


def qimage_to_png(image: QImage) -> bytes:
    """Encode a pasted QImage (worker thread: PNG encoding is image work)."""
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # PySide6 6.12 wants the format as str at run time; its stub says bytes.
    if not image.save(buffer, "PNG"):  # type: ignore[call-overload]
        raise ImageError(QCoreApplication.translate("Jobs", "The pasted image could not be read."))
    buffer.close()
    return bytes(array.data())


def decode_image(data: bytes, what: str = "result") -> QImage:
    """Worker: PNG or JPEG bytes as a QImage, decoded by Pillow, not ``QImage.fromData``.

    Why: on a worker thread ``fromData`` probes the format plugins while this thread
    holds the GIL, and the SVG plugin's probe takes a Qt signal-slot mutex; a GUI thread
    disconnecting a signal holds such a mutex and waits for the GIL in PySide: both
    stopped for good (seen once in CI, the window frozen in a Generate).
    """
    from idphoto_desktop.core.background import open_result

    try:
        return pil_to_qimage(open_result(data))
    except ImageError as err:
        raise ImageError(f"The {what} image could not be decoded.") from err


def recolor(png: bytes, rrggbb: str) -> QImage:
    """The transparent result on a colour, done here: no new call to the engine."""
    from idphoto_desktop.core.background import composite_image, open_result

    return pil_to_qimage(composite_image(open_result(png), rrggbb))


def to_generated(
    result: GenerateResult, color: str | None, resized: LoadedPhoto | None = None
) -> GeneratedImage:
    """Worker: the result as pictures to show, on ``color`` when one is chosen.

    ``resized``: the photo whose upload was sized again for this output, if it was.
    """
    transparent = decode_image(result.image)
    if color is not None and result.format is OutputFormat.PNG:
        return GeneratedImage(result, transparent, recolor(result.image, color), color, resized)
    return GeneratedImage(result, transparent, transparent, None, resized)


def encode_for_save(result: GenerateResult, fmt: OutputFormat, color: str | None) -> bytes:
    """The bytes to write: the one compose function (core.background.compose)."""
    from idphoto_desktop.core.background import compose

    return compose(result.image, fmt, color, quality=JPEG_QUALITY)


def save_result(
    path: Path,
    result: GenerateResult,
    fmt: OutputFormat,
    color: str | None,
    overwrite: bool,
) -> Path:
    """Encode and write atomically (temporary file, then rename)."""
    from idphoto_desktop.core.export import write_atomic

    data = encode_for_save(result, fmt, color)
    write_atomic(path, data, overwrite=overwrite)
    return path
