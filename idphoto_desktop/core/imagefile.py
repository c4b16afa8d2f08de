"""Encode a result into the file the clerk asked for: JPEG or PNG, at the print resolution.

Why: print labs size a photo by the resolution written in the file (JFIF density,
PNG ``pHYs``); a file without it prints at the wrong size. The window's Save as,
the CLI and the job pipeline share this one function, so every saved photo carries
the preset's resolution and the format the file name says.
"""

from __future__ import annotations

import io
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from idphoto_desktop.core.background import JPEG_QUALITY, encode_jpeg, open_result, to_opaque

if TYPE_CHECKING:
    from idphoto_desktop.core.presets import Preset

DEFAULT_PRINT_DPI = 300
JPEG_SUFFIXES = (".jpg", ".jpeg")
PNG_SUFFIXES = (".png",)


class SaveKind(StrEnum):
    """What a saved file holds."""

    JPEG = "jpeg"  # on the chosen colour
    PNG_COLOUR = "png-colour"  # PNG on the chosen colour (lossless, opaque)
    PNG_TRANSPARENT = "png-transparent"

    @property
    def extension(self) -> str:
        return ".jpg" if self is SaveKind.JPEG else ".png"

    @property
    def needs_colour(self) -> bool:
        return self is not SaveKind.PNG_TRANSPARENT


def print_dpi(preset: Preset | None) -> int:
    """The preset's print resolution; 300 dpi when the spec names none (or no preset)."""
    if preset is not None and preset.dpi:
        return int(preset.dpi)
    return DEFAULT_PRINT_DPI


def kind_for_path(path: Path, chosen: SaveKind) -> SaveKind:
    """The typed extension wins over the chosen file type: ``x.png`` is a PNG.

    A PNG keeps the chosen kind of PNG (on the colour or transparent); a PNG name
    typed while JPEG was chosen gives a PNG on the same colour.
    """
    suffix = path.suffix.lower()
    if suffix in JPEG_SUFFIXES:
        return SaveKind.JPEG
    if suffix in PNG_SUFFIXES:
        return chosen if chosen is not SaveKind.JPEG else SaveKind.PNG_COLOUR
    return chosen


def path_for_kind(path: Path, kind: SaveKind) -> Path:
    """``path`` itself when its extension fits ``kind``, else with the extension added."""
    allowed = JPEG_SUFFIXES if kind is SaveKind.JPEG else PNG_SUFFIXES
    if path.suffix.lower() in allowed:
        return path
    return path.with_name(path.name + kind.extension)


def encode_image_file(
    image_bytes: bytes,
    kind: SaveKind,
    colour: str | None,
    dpi: int = DEFAULT_PRINT_DPI,
    *,
    quality: int = JPEG_QUALITY,
) -> bytes:
    """The bytes of the file: ``image_bytes`` (PNG or JPEG) as ``kind`` with ``dpi`` written.

    ``colour`` (RRGGBB) is the backdrop for JPEG and PNG on a colour; white when None.
    No EXIF or other metadata is carried over from the result.
    """
    image = open_result(image_bytes)
    if kind is SaveKind.JPEG:
        return encode_jpeg(to_opaque(image, colour), quality=quality, dpi=(dpi, dpi))
    if kind is SaveKind.PNG_COLOUR:
        picture = to_opaque(image, colour)
    elif image.mode in ("RGBA", "RGB", "LA", "L"):
        picture = image
    else:
        picture = image.convert("RGBA")
    out = io.BytesIO()
    picture.save(out, format="PNG", dpi=(dpi, dpi), optimize=False)
    return out.getvalue()
