"""Write results to disk safely, and make the file an online form accepts.

Why atomic writes: a crash or a full disk must never leave a half-written photo under
the customer's file name, and an existing file is never replaced without asking.
Why the quality search: online forms reject files outside a size window (at most
240 KB for a US DS-160, 40-120 KB for a China visa, at least 500 KB for New Zealand),
so the JPEG quality is searched until the file fits, and the clerk is told plainly
when it cannot.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from idphoto_desktop.core.atomic import write_bytes_atomic
from idphoto_desktop.core.background import encode_jpeg, has_transparency, open_result, to_opaque
from idphoto_desktop.core.errors import StorageError, ValidationError
from idphoto_desktop.core.oswords import reason
from idphoto_desktop.core.presets import Preset, background_allowed
from idphoto_desktop.core.validation import normalize_bg_color

# "240 KB" is read strictly on both sides: an upper limit in units of 1000 bytes and
# a lower limit in units of 1024 bytes, so the file passes either reading.
KB_UPPER = 1000
KB_LOWER = 1024
MIN_QUALITY = 10
MAX_QUALITY = 100
DEFAULT_QUALITY = 95
DEFAULT_DPI = 300
# A result whose aspect differs by more than this from the preset is not resized.
ASPECT_TOLERANCE = 0.02


class OutputExistsError(StorageError, FileExistsError):
    """The target file exists and overwriting was not allowed."""

    default_hint = "Choose another file name, or confirm that the file may be replaced."


def write_atomic(path: Path, data: bytes, *, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` all at once (``core.atomic``, the one atomic writer).

    Refuses to replace an existing file unless ``overwrite`` is True. Raises
    :class:`StorageError` with a clerk's message.
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise StorageError(f"The folder {folder} does not exist.")
    try:
        return write_bytes_atomic(path, data, overwrite=overwrite, public=True)
    except FileExistsError as err:
        raise OutputExistsError(f"{path.name} already exists in {folder}.") from err
    except PermissionError as err:
        raise StorageError(f"The folder {folder} cannot be written (permission denied).") from err
    except OSError as err:
        if err.errno == errno.ENOSPC:
            raise StorageError(f"The disk is full; {path.name} was not saved.") from err
        raise StorageError(f"{path.name} could not be saved: {reason(err)}.") from err


@dataclass(frozen=True)
class UploadExport:
    """An online-form JPEG and what was done to make it, in the clerk's words."""

    data: bytes
    width: int
    height: int
    quality: int
    dpi: int
    meets_rules: bool
    problems: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def size_kb(self) -> float:
        return len(self.data) / 1024


def _target_size(image: Image.Image, preset: Preset) -> tuple[int, int]:
    rules = preset.digital
    if rules is not None and rules.exact_px is not None:
        return rules.exact_px
    return (preset.width_px, preset.height_px)


def _fit(image: Image.Image, target: tuple[int, int], notes: list[str]) -> Image.Image:
    """Resize to the target when the aspect matches; refuse a crop we would have to guess."""
    if image.size == target:
        return image
    have = image.width / image.height
    want = target[0] / target[1]
    if abs(have - want) / want > ASPECT_TOLERANCE:
        raise ValidationError(
            f"The photo is {image.width}x{image.height} pixels, but this form needs "
            f"{target[0]}x{target[1]} (a different shape).",
            hint="Generate the photo again with this preset selected.",
        )
    notes.append(f"Resized from {image.width}x{image.height} to {target[0]}x{target[1]} pixels.")
    return image.resize(target, Image.Resampling.LANCZOS)


def _dpi_for(preset: Preset) -> int:
    """The print resolution the file should declare: the preset's, else the form's, else 300."""
    if preset.dpi is not None:
        return preset.dpi
    rules = preset.digital
    if rules is not None and rules.dpi is not None:
        return rules.dpi
    if rules is not None and rules.dpi_range is not None:
        return rules.dpi_range[0]
    return DEFAULT_DPI


def _min_bytes_from_compression(preset: Preset, size: tuple[int, int]) -> int | None:
    """DS-160 says "max compression 20:1": a floor on the file size for 24-bit pixels."""
    if preset.digital is None:
        return None
    for text in preset.digital.other:
        match = re.match(r"max_compression:\s*(\d+)\s*:\s*1", text)
        if match:
            return int(size[0] * size[1] * 3 / int(match.group(1))) + 1
    return None


def _search_quality(
    encode: Callable[[int], bytes], max_bytes: int | None, min_bytes: int | None
) -> tuple[int, bytes]:
    """Quality 95 if the file fits; else the highest quality under ``max_bytes``, or the
    lowest quality above ``min_bytes`` (binary searches: the size grows with quality).
    """
    data = encode(DEFAULT_QUALITY)
    if max_bytes is not None and len(data) > max_bytes:
        return _highest_fitting(encode, MIN_QUALITY, DEFAULT_QUALITY - 1, max_bytes)
    if min_bytes is not None and len(data) < min_bytes:
        return _lowest_reaching(encode, DEFAULT_QUALITY + 1, MAX_QUALITY, min_bytes, max_bytes)
    return DEFAULT_QUALITY, data


def _highest_fitting(
    encode: Callable[[int], bytes], lo: int, hi: int, max_bytes: int
) -> tuple[int, bytes]:
    found: tuple[int, bytes] | None = None
    while lo <= hi:
        mid = (lo + hi) // 2
        candidate = encode(mid)
        if len(candidate) <= max_bytes:
            found, lo = (mid, candidate), mid + 1
        else:
            hi = mid - 1
    return found if found is not None else (MIN_QUALITY, encode(MIN_QUALITY))


def _lowest_reaching(
    encode: Callable[[int], bytes], lo: int, hi: int, min_bytes: int, max_bytes: int | None
) -> tuple[int, bytes]:
    found: tuple[int, bytes] | None = None
    while lo <= hi:
        mid = (lo + hi) // 2
        candidate = encode(mid)
        if len(candidate) >= min_bytes:
            found, hi = (mid, candidate), mid - 1
        else:
            lo = mid + 1
    if found is not None and (max_bytes is None or len(found[1]) <= max_bytes):
        return found
    return MAX_QUALITY, encode(MAX_QUALITY)


def _encoder(picture: Image.Image, dpi: int) -> Callable[[int], bytes]:
    """The form's JPEG of ``picture`` at a given quality (what the searches call)."""

    def encode(quality: int) -> bytes:
        return encode_jpeg(picture, quality=quality, dpi=(dpi, dpi))

    return encode


GROWTH_STEPS = (1.1, 1.2, 1.35, 1.5, 1.7, 2.0)
"""Sizes tried, as factors of the preset's, when even the best quality leaves the file
under a form's minimum (New Zealand: at least 500 KB; a smooth 900x1200 studio shot is
about 460 KB at quality 100) and the form accepts larger pictures. Not past twice the
size: a picture blown up further only to fill a file is not what such a rule asks for."""


def _grown_to_reach(
    source: Image.Image,
    target: tuple[int, int],
    max_px: tuple[int, int],
    dpi: int,
    min_bytes: int,
    max_bytes: int | None,
) -> tuple[Image.Image, int, bytes] | None:
    """The smallest larger picture (same shape, within ``max_px``) whose file fits the
    form's window, with its quality and bytes; None when none fits. Made from the result
    itself (its own pixels when it has more than the preset's size)."""
    for factor in GROWTH_STEPS:
        size = (round(target[0] * factor), round(target[1] * factor))
        if size[0] > max_px[0] or size[1] > max_px[1]:
            return None
        picture = source.resize(size, Image.Resampling.LANCZOS)
        quality, data = _search_quality(_encoder(picture, dpi), max_bytes, min_bytes)
        if len(data) >= min_bytes and (max_bytes is None or len(data) <= max_bytes):
            return picture, quality, data
    return None


def export_for_upload(
    image: bytes | Image.Image, preset: Preset, *, bg_color: str | None = None
) -> UploadExport:
    """A JPEG for the preset's online form: its pixel size, its file-size window, sRGB,
    no EXIF, and DPI metadata matching the print size.

    A transparent result is put on ``bg_color`` (white when None). When the window
    cannot be met the file is still returned, with ``meets_rules`` False and the
    reason (with the figures) in ``problems``.
    """
    source = open_result(image) if isinstance(image, bytes) else image
    notes: list[str] = []
    problems: list[str] = []
    colour = normalize_bg_color(bg_color) if bg_color else None
    if has_transparency(source):
        colour = colour or "FFFFFF"
        notes.append(f"Transparent background filled with #{colour}.")
    source = to_opaque(source, colour)
    if colour is not None and background_allowed(preset, colour) is False:
        problems.append(
            f"The background colour #{colour} is not accepted for "
            f"{preset.name}: {'; '.join(preset.background.text)}."
        )
    target = _target_size(source, preset)
    picture = _fit(source, target, notes)
    dpi = _dpi_for(preset)
    rules = preset.digital
    max_kb = rules.max_kb if rules is not None else None
    min_kb = rules.min_kb if rules is not None else None
    max_bytes = max_kb * KB_UPPER if max_kb is not None else None
    min_bytes = min_kb * KB_LOWER if min_kb is not None else None
    compression_floor = _min_bytes_from_compression(preset, target)
    if compression_floor is not None:
        min_bytes = max(min_bytes or 0, compression_floor)

    quality, data = _search_quality(_encoder(picture, dpi), max_bytes, min_bytes)
    largest = rules.max_px if rules is not None else None
    if min_bytes is not None and len(data) < min_bytes and largest is not None:
        grown = _grown_to_reach(source, target, largest, dpi, min_bytes, max_bytes)
        if grown is not None:
            picture, quality, data = grown
            notes.append(
                f"Made {picture.width}x{picture.height} pixels, larger than "
                f"{target[0]}x{target[1]} (the form accepts up to {largest[0]}x{largest[1]}),"
                " so that the file reaches the form's minimum size."
            )
    size_kb = len(data) / 1024
    if max_bytes is not None and len(data) > max_bytes:
        problems.append(
            f"The file is {size_kb:.0f} KB even at the lowest quality ({quality}); the form "
            f"allows at most {max_kb} KB."
        )
    if min_bytes is not None and len(data) < min_bytes:
        need = f"{min_kb} KB" if min_kb is not None else f"{min_bytes / 1024:.0f} KB"
        if largest is not None:  # larger pictures were tried (_grown_to_reach)
            problems.append(
                f"The file is only {size_kb:.0f} KB even at the best quality ({quality}) and "
                f"at up to twice the preset's pixel size; the form requires at least {need}."
            )
        else:
            problems.append(
                f"The file is only {size_kb:.0f} KB even at the best quality ({quality}); "
                f"the form requires at least {need}."
            )
    if rules is not None and not rules.accepts_jpeg:
        problems.append(f"The form asks for {', '.join(rules.formats)}, not JPEG.")
    if max_kb is not None or min_kb is not None:
        window = f"{min_kb or 0}-{max_kb} KB" if max_kb is not None else f"at least {min_kb} KB"
        notes.append(f"JPEG quality {quality}: {size_kb:.0f} KB (form allows {window}).")
    else:
        notes.append(f"JPEG quality {quality}: {size_kb:.0f} KB.")
    return UploadExport(
        data=data,
        width=picture.width,
        height=picture.height,
        quality=quality,
        dpi=dpi,
        meets_rules=not problems,
        problems=tuple(problems),
        notes=tuple(notes),
    )
