"""Turn whatever the clerk dropped into a photo the provider accepts, and nothing more.

Why each step: the type is read from the content because files are often misnamed
(a WebP called ``.jpg``); the EXIF orientation is applied because the provider ignores
it; all metadata is dropped because a customer's GPS position must not reach a third
party; odd pixel formats (CMYK, 16-bit, palette, greyscale) become RGB/RGBA because the
provider takes plain JPEG/PNG; and the photo is downscaled to meet the provider's limits
(under 15 MB, at most 4096x4096), sized from what the output needs and cropped to the
region it can come from (``core.uploadcrop``), while ``scale`` and the crop's offset
record how to map the provider's ``foreground_rect`` back onto the original
(``PreparedPhoto.to_original``). Decoding is bounded: a pixel limit refuses
decompression bombs, and large JPEGs are decoded at a reduced scale (``Image.draft``).
"""

from __future__ import annotations

import hashlib
import io
import math
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from idphoto_desktop.core.errors import ImageError
from idphoto_desktop.core.job import PreparedPhoto
from idphoto_desktop.core.pixels import normalise_mode
from idphoto_desktop.core.readfile import read_regular_file
from idphoto_desktop.core.uploadcrop import FaceBox, Region, sizing_head, upload_region
from idphoto_desktop.core.uploadneed import HEAD_MIN_FRACTION, UploadNeed
from idphoto_desktop.core.uploadneed import upload_need as upload_need  # re-exported

# The provider's input limits (NOTES.md): under 15 MB, at most 4096x4096 pixels.
PROVIDER_MAX_BYTES = 15_000_000
PROVIDER_MAX_SIDE = 4096
# Stay clearly under the byte limit: the multipart envelope adds a little.
UPLOAD_BYTE_BUDGET = 14_500_000
# Longest side when the photo has to be downscaled: enough for a 2000 px result.
DEFAULT_LONGEST_SIDE = 2500
# What we are willing to read and decode.
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_DECODE_PIXELS = 64_000_000  # full decode (PNG, WebP, HEIC...): about 256 MB as RGBA
MAX_DRAFT_PIXELS = 178_000_000  # JPEG, decoded at 1/2..1/8 scale, so memory stays small
MIN_SOURCE_SIDE = 32
SMALL_SOURCE_SIDE = 400
# The upload's JPEG quality. 90, not 92: on the 16 shared photos (hk_passport_digital's
# upload) 4-15 % fewer bytes, the pixels 0.5 dB further from the unencoded upload (median
# 42.8 against 43.3 dB) and the offline engine's cut-out as close to a lossless upload's
# (median IoU 0.994 both, least 0.980 against 0.977): bench/upload_size.py's notes.
JPEG_QUALITY = 90

_KIND_NAMES = {
    "jpeg": "JPEG",
    "png": "PNG",
    "gif": "GIF",
    "webp": "WebP",
    "bmp": "BMP",
    "tiff": "TIFF",
    "heic": "HEIC",
    "avif": "AVIF",
    "ppm": "PPM/PGM/PBM",
}
_EXTENSION_KINDS = {
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".jpe": "jpeg",
    ".jfif": "jpeg",
    ".png": "png",
    ".gif": "gif",
    ".webp": "webp",
    ".bmp": "bmp",
    ".dib": "bmp",
    ".tif": "tiff",
    ".tiff": "tiff",
    ".heic": "heic",
    ".heif": "heic",
    ".avif": "avif",
}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_BMP_DIB_SIZES = {12, 16, 40, 52, 56, 64, 108, 124}
_ORIENTATION_TAG = 0x0112

_heif_lock = threading.Lock()
_heif_registered = False
_open_lock = threading.Lock()


def sniff_image_type(data: bytes) -> str | None:
    """The image type from the first bytes ("jpeg", "png", "webp"...), or None.

    Content, not the name, decides: files arrive misnamed from phones and websites.
    """
    head = bytes(data[:32])
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AVIF_BRANDS:
            return "avif"
        if brand in _HEIF_BRANDS:
            return "heic"
        return None
    if head[:2] == b"BM" and len(head) >= 18:
        dib_size = int.from_bytes(head[14:18], "little")
        if dib_size in _BMP_DIB_SIZES:
            return "bmp"
        return None
    if len(head) > 2 and head[0:1] == b"P" and head[1:2] in b"1234567" and head[2:3].isspace():
        return "ppm"  # Netpbm: PBM/PGM/PPM (ASCII or binary) and PAM
    return _pillow_kind(data)


def _pillow_kind(data: bytes) -> str | None:
    """Any other format Pillow can identify from the header (ICO, TGA, PCX, JPEG 2000...)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as image:
                fmt = image.format
    except Exception:  # not an image Pillow knows
        return None
    if not fmt:
        return None
    kind = fmt.lower()
    _KIND_NAMES.setdefault(kind, fmt)
    return kind


def _describe_non_image(data: bytes) -> str:
    """A guess at what a non-image file is, so the message names it."""
    head = bytes(data[:1024])
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive or office document"
    if head[4:8] == b"ftyp":
        return "a video or an unsupported picture format"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "not an image"
    return "a text file, not an image"


def _register_heif() -> None:
    """Teach Pillow HEIC (iPhone photos) on first need; the import is slow and optional."""
    global _heif_registered
    with _heif_lock:
        if _heif_registered:
            return
        try:
            import pillow_heif
        except ImportError as err:  # pragma: no cover - pillow-heif is a dependency
            raise ImageError(
                "This is a HEIC photo, and HEIC support is not installed.",
                hint="Export the photo as JPEG on the phone, or install pillow-heif.",
            ) from err
        pillow_heif.register_heif_opener()
        _heif_registered = True


@dataclass(frozen=True)
class _Opened:
    image: Image.Image
    kind: str
    orientation: int
    raw_width: int
    raw_height: int

    @property
    def oriented_size(self) -> tuple[int, int]:
        """Size after the EXIF orientation is applied (5..8 swap width and height)."""
        if self.orientation in (5, 6, 7, 8):
            return self.raw_height, self.raw_width
        return self.raw_width, self.raw_height


def _too_many_pixels(width: int, height: int, limit: int) -> ImageError:
    return ImageError(
        f"The photo is too large to open safely ({width}x{height} pixels, "
        f"{width * height / 1e6:.0f} megapixels; at most {limit / 1e6:.0f} megapixels).",
        hint="Reduce the photo's size in a photo editor, or use a camera JPEG.",
    )


def _open(data: bytes, display_name: str) -> _Opened:
    """Open without decoding, after checking the type and the pixel count."""
    if not data:
        raise ImageError(f"{display_name} is empty (0 bytes).")
    if len(data) > MAX_FILE_BYTES:
        raise ImageError(
            f"{display_name} is too large ({len(data) / 1e6:.0f} MB; at most "
            f"{MAX_FILE_BYTES / 1e6:.0f} MB).",
        )
    kind = sniff_image_type(data)
    if kind is None:
        raise ImageError(f"{display_name} is {_describe_non_image(data)}.")
    if kind in ("heic", "avif"):
        _register_heif()
    try:
        # Pillow warns above ~89 MP and refuses above ~179 MP. We apply our own,
        # format-aware limits below, so its warning is silenced only here (pytest
        # turns warnings into errors). The lock keeps threads from racing on filters.
        with _open_lock, warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as err:
        raise ImageError(
            f"{display_name} declares an enormous image and was refused (decompression bomb "
            "protection).",
        ) from err
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise ImageError(
            f"{display_name} looks like a {_KIND_NAMES[kind]} image but cannot be read; "
            "it is damaged or incomplete.",
        ) from err
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ImageError(f"{display_name} has no pixels ({width}x{height}).")
    limit = MAX_DRAFT_PIXELS if image.format == "JPEG" else MAX_DECODE_PIXELS
    if width * height > limit:
        image.close()
        raise _too_many_pixels(width, height, limit)
    if min(width, height) < MIN_SOURCE_SIDE:
        image.close()
        raise ImageError(
            f"{display_name} is only {width}x{height} pixels: far too small for an ID photo.",
            hint="Use the camera's original photo, not a thumbnail.",
        )
    try:
        orientation = int(image.getexif().get(_ORIENTATION_TAG, 1) or 1)
    except Exception:  # a broken EXIF block must not stop an otherwise good photo
        orientation = 1
    if orientation not in range(1, 9):
        orientation = 1
    return _Opened(image, kind, orientation, width, height)


def _decode(opened: _Opened, display_name: str, draft_side: int | None) -> Image.Image:
    """Decode (JPEG at a reduced scale when that still gives ``draft_side``)."""
    image = opened.image
    if draft_side is not None and image.format == "JPEG":
        w, h = opened.raw_width, opened.raw_height
        factor = draft_side / max(w, h)
        if factor < 1:
            # draft() picks the smallest 1/2, 1/4, 1/8 scale still >= the requested size.
            image.draft(image.mode, (math.ceil(w * factor), math.ceil(h * factor)))
    try:
        if getattr(image, "n_frames", 1) > 1:
            image.seek(0)
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise ImageError(
            f"{display_name} is damaged or incomplete (the {_KIND_NAMES[opened.kind]} data "
            "ends early or is corrupt).",
            hint="Copy the photo again from the camera or phone, or choose another file.",
        ) from err
    except MemoryError as err:
        raise _too_many_pixels(opened.raw_width, opened.raw_height, MAX_DECODE_PIXELS) from err
    return image


def _target_size(width: int, height: int, longest_side: int | None) -> tuple[int, int]:
    """Keep the photo's size when it is within the limits, else cap the longest side."""
    cap = PROVIDER_MAX_SIDE
    if longest_side is not None:
        cap = min(cap, longest_side)
    elif max(width, height) > PROVIDER_MAX_SIDE:
        cap = DEFAULT_LONGEST_SIDE
    if max(width, height) <= cap:
        return width, height
    factor = cap / max(width, height)
    return max(1, round(width * factor)), max(1, round(height * factor))


def _encode(image: Image.Image) -> tuple[bytes, str]:
    """JPEG for opaque photos (small), PNG when transparency must be kept.

    Pixels only, already in sRGB (``pixels.to_srgb``), so no profile is needed: Pillow copies
    some of ``image.info`` into the file by itself (a JPEG comment, a PNG's ICC
    profile), so the encoder sees an empty ``info``. No EXIF, GPS, XMP, IPTC, comment,
    thumbnail or maker note can then reach the provider.
    """
    buf = io.BytesIO()
    info = image.info
    image.info = {}
    try:
        if image.mode == "RGBA":
            image.save(buf, format="PNG", compress_level=6)
            return buf.getvalue(), "image/png"
        # optimize: Huffman tables fitted to the photo, the same pixels in 8 % fewer
        # bytes (bench/upload_size.py photos) for about 40 ms more
        image.save(buf, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        return buf.getvalue(), "image/jpeg"
    finally:
        image.info = info


def _check_longest_side(longest_side: int | None) -> None:
    if longest_side is not None and not 100 <= longest_side <= PROVIDER_MAX_SIDE:
        raise ValueError(f"longest_side must be in 100..{PROVIDER_MAX_SIDE}, got {longest_side}")


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation (the provider would otherwise see a lying-down face)."""
    turned = ImageOps.exif_transpose(image)
    return turned if turned is not None else image


def prepare_photo_bytes(
    data: bytes,
    filename: str,
    *,
    longest_side: int | None = None,
    need: UploadNeed | None = None,
    head_px: float | None = None,
    locate_faces: FaceLocator | None = None,
) -> PreparedPhoto:
    """Prepare the bytes of a photo file for upload (see the module docstring for why).

    With ``need`` (see :func:`upload_need`) the upload is sized from what the output
    needs (:func:`upload_height` states the rule); ``head_px`` is the head's measured
    crown-to-chin height in original pixels, or ``locate_faces`` finds every face on
    the decoded photo, which gives the head's height and lets the upload be cropped to
    the region the output can come from (:mod:`~idphoto_desktop.core.uploadcrop`).
    Without ``need``: a photo within the provider's limits is kept at full size and a
    larger one brought down to 2500 px. ``longest_side`` caps the
    upload's longest side in both cases. Raises :class:`ImageError` with a clerk's
    message for anything unusable.
    """
    _check_longest_side(longest_side)
    if need is None:
        opened = _open(data, Path(filename).name or "The file")
        width, height = opened.oriented_size
        opened.image.close()
        min_height = _target_size(width, height, longest_side)[1]
    else:
        min_height = decode_height(need)
    decoded = decode_photo(data, filename, min_height=min_height)
    return prepare_from(
        decoded, need, longest_side=longest_side, head_px=head_px, locate_faces=locate_faces
    )


# ------------------------------------------------------------------ one decode, sized upload


MEASURE_ABOVE_PIXELS = 4_000_000
"""Smaller photos go as they are (within the limits): measuring the head costs more than
the bytes it could save."""

FaceLocator = Callable[["Image.Image"], "Sequence[FaceBox] | None"]
"""Every face's detector box in the given image's pixels; None when it cannot be known
(no models), which is not the same as no face."""


def upload_height(photo_height: int, need: UploadNeed, head_px: float | None) -> int:
    """Upright upload height: the head at ``need.head_px``, never enlarged.

    The rule: with the head's height known (``head_px``, original pixels) the upload is
    scaled so that the head measures ``need.head_px`` (the largest output's head height,
    provider margin included); without it, the head is assumed to be
    :data:`HEAD_MIN_FRACTION` of the photo's height (a conservative, larger upload). The
    photo is never enlarged: a head already smaller than the need is sent at full size.
    """
    head = head_px if head_px is not None and head_px > 0 else HEAD_MIN_FRACTION * photo_height
    return min(photo_height, math.ceil(photo_height * need.head_px / head))


def decode_height(need: UploadNeed, *, preview_side: int = 0) -> int:
    """How tall (upright) one decode must be for ``need`` before the head is measured.

    Enough for a head of :data:`HEAD_MIN_FRACTION` of the photo's height, and for a
    preview of ``preview_side``; a JPEG much larger than that is decoded at 1/2..1/8.
    """
    return max(preview_side, math.ceil(need.head_px / HEAD_MIN_FRACTION))


@dataclass(frozen=True)
class DecodedPhoto:
    """A photo decoded once, upright and in RGB/RGBA, shared by the preview and the upload.

    ``image`` may be smaller than the original (a JPEG decoded at 1/2..1/8 scale when
    that still covers what was asked); ``full`` says it is not. ``data`` is kept so a
    rare later need for more pixels can decode again.
    """

    image: Image.Image
    original_width: int
    original_height: int
    source_sha256: str
    filename: str
    data: bytes
    full: bool
    had_metadata: bool
    notes: tuple[str, ...]


def decode_photo(data: bytes, filename: str, *, min_height: int | None = None) -> DecodedPhoto:
    """Check and decode a photo once; ``min_height`` (upright) allows a reduced JPEG decode.

    ``None`` decodes at full size, except that a JPEG over 64 megapixels is decoded at a
    reduced scale to bound memory.
    """
    display_name = Path(filename).name or "The file"
    notes: list[str] = []
    opened = _open(data, display_name)
    original_w, original_h = opened.oriented_size
    raw_long = max(opened.raw_width, opened.raw_height)
    draft_side: int | None = None
    if min_height is not None and min_height < original_h:
        draft_side = math.ceil(raw_long * min_height / original_h)
    raw_pixels = opened.raw_width * opened.raw_height
    if raw_pixels > MAX_DECODE_PIXELS:
        halvings = math.ceil(math.log2(math.sqrt(raw_pixels / MAX_DECODE_PIXELS)))
        bound = math.ceil(raw_long / 2**halvings)
        draft_side = bound if draft_side is None else min(draft_side, bound)
    frames = getattr(opened.image, "n_frames", 1)
    had_metadata = (
        bool(opened.image.info.get("exif"))
        or bool(opened.image.getexif())
        or any(k in opened.image.info for k in ("xmp", "XML:com.adobe.xmp", "comment"))
    )
    image = _decode(opened, display_name, draft_side)
    if isinstance(frames, int) and frames > 1:
        notes.append(f"The file holds {frames} frames; the first one was used.")
    expected_kind = _EXTENSION_KINDS.get(Path(filename).suffix.lower())
    if expected_kind is not None and expected_kind != opened.kind:
        notes.append(
            f"The file is really a {_KIND_NAMES[opened.kind]} image although its name ends in "
            f"{Path(filename).suffix}; it was read by its content."
        )
    if opened.orientation != 1:
        image = _upright(image)
        notes.append("Turned upright using the camera's orientation tag.")
    image = normalise_mode(image, notes)
    return DecodedPhoto(
        image=image,
        original_width=original_w,
        original_height=original_h,
        source_sha256=hashlib.sha256(data).hexdigest(),
        filename=filename,
        data=data,
        full=image.size == (original_w, original_h),
        had_metadata=had_metadata,
        notes=tuple(notes),
    )


PREVIEW_REDUCING_GAP = 1.25


def preview_from(decoded: DecodedPhoto, max_side: int) -> Image.Image:
    """A display copy at most ``max_side`` long, from the one decode."""
    image = decoded.image
    longest = max(image.size)
    if longest > max_side:
        # resize (not copy + thumbnail): no full-size copy. A whole-number box reduction
        # first, down to 1.25x the size, then Lanczos: a display copy looks the same,
        # and a 24 MP photo takes 0.19 s where Lanczos alone takes 0.42 s
        factor = max_side / longest
        size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=PREVIEW_REDUCING_GAP)
    return image


@dataclass(frozen=True)
class _Plan:
    """What part of the photo goes up, and at what size (original pixels in, upload out)."""

    region: Region  # original pixels; the whole photo when not cropped
    size: tuple[int, int]


def _whole(decoded: DecodedPhoto) -> Region:
    return Region(0, 0, decoded.original_width, decoded.original_height)


def _sized_target(
    decoded: DecodedPhoto,
    need: UploadNeed | None,
    head_px: float | None,
    longest_side: int | None,
    region: Region | None = None,
) -> _Plan:
    w, h = decoded.original_width, decoded.original_height
    whole = _whole(decoded)
    if need is None:
        return _Plan(whole, _target_size(w, h, longest_side))
    part = region or whole
    # The head's scale is the photo's: the same factor for the whole photo or a part.
    factor = upload_height(h, need, head_px) / h
    cap = PROVIDER_MAX_SIDE if longest_side is None else min(PROVIDER_MAX_SIDE, longest_side)
    factor = min(factor, cap / max(part.width, part.height), 1.0)
    if factor >= 1.0:
        return _Plan(part, (part.width, part.height))
    return _Plan(part, (max(1, round(part.width * factor)), max(1, round(part.height * factor))))


def _measured(decoded: DecodedPhoto, need: UploadNeed | None, head_px: float | None) -> bool:
    """Whether the faces are worth looking for: a head cannot be taller than its photo,
    so at or below the need there is nothing to measure; nor is a small photo worth a
    face detector (a few hundred KB either way)."""
    w, h = decoded.original_width, decoded.original_height
    return (
        need is not None and head_px is None and h > need.head_px and w * h > MEASURE_ABOVE_PIXELS
    )


def _plan(
    decoded: DecodedPhoto,
    need: UploadNeed | None,
    longest_side: int | None,
    head_px: float | None,
    locate_faces: FaceLocator | None,
) -> _Plan:
    """The rule in one place: the head's height given, else the faces (when looked for)
    give it and the region, else the conservative assumption."""
    region: Region | None = None
    if locate_faces is not None and _measured(decoded, need, head_px):
        found = locate_faces(decoded.image)
        if found is not None:
            k = decoded.original_height / decoded.image.height
            faces = [f.scaled(k) for f in found]
            if faces:
                head_px = max(sizing_head(f) for f in faces)
            region = upload_region(faces, decoded.original_width, decoded.original_height, need)
    return _sized_target(decoded, need, head_px, longest_side, region)


def upload_size(
    decoded: DecodedPhoto,
    need: UploadNeed | None,
    *,
    locate_faces: FaceLocator | None = None,
) -> tuple[int, int, int, int, int, int]:
    """The upload's region of the original (left, top, right, bottom) and its size
    (width, height) for ``need``, before the byte budget, without encoding it."""
    plan = _plan(decoded, need, None, None, locate_faces)
    r = plan.region
    return (r.left, r.top, r.right, r.bottom, *plan.size)


def prepare_from(
    decoded: DecodedPhoto,
    need: UploadNeed | None,
    *,
    longest_side: int | None = None,
    head_px: float | None = None,
    locate_faces: FaceLocator | None = None,
) -> PreparedPhoto:
    """The upload made from a decoded photo (see :func:`prepare_photo_bytes`)."""
    return _prepare(decoded, need, longest_side, head_px, locate_faces)[0]


def prepare_with_preview(
    decoded: DecodedPhoto,
    need: UploadNeed | None,
    preview_side: int,
    *,
    locate_faces: FaceLocator | None = None,
) -> tuple[PreparedPhoto, Image.Image]:
    """The upload and a display copy of one decode.

    The copy is shrunk on a second thread while this one makes the upload: Pillow lets
    go of the GIL while it resizes, so on two cores the copy (about 0.2 s for 24 MP)
    costs no wall time beside the upload's faces, crop and encoding.
    """
    if max(decoded.image.size) <= preview_side:
        return _prepare(decoded, need, None, None, locate_faces)[0], decoded.image
    shown: list[Image.Image] = []
    failed: list[BaseException] = []

    def make() -> None:
        try:
            shown.append(preview_from(decoded, preview_side))
        except BaseException as err:  # raised on the caller's thread below
            failed.append(err)

    maker = threading.Thread(target=make, name="preview", daemon=True)
    maker.start()
    try:
        prepared = _prepare(decoded, need, None, None, locate_faces)[0]
    finally:
        maker.join()
    if failed:
        raise failed[0]
    return prepared, shown[0]


def _prepare(
    decoded: DecodedPhoto,
    need: UploadNeed | None,
    longest_side: int | None,
    head_px: float | None,
    locate_faces: FaceLocator | None = None,
) -> tuple[PreparedPhoto, Image.Image]:
    """The upload, and the image it was encoded from."""
    _check_longest_side(longest_side)
    notes = list(decoded.notes)
    original_w, original_h = decoded.original_width, decoded.original_height
    image = decoded.image
    plan = _plan(decoded, need, longest_side, head_px, locate_faces)
    region, (target_w, target_h) = plan.region, plan.size
    # Decoded pixels needed for the region at the target size (the whole photo's height
    # when it is not cropped).
    needed_h = math.ceil(target_h * original_h / region.height)
    if needed_h > image.height and not decoded.full:
        # The head is smaller than the rule assumed: decode again with more pixels.
        image = decode_photo(decoded.data, decoded.filename, min_height=needed_h).image
    cropped = region != _whole(decoded)
    if cropped:
        # Per side: a reduced decode rounds each side up on its own (3250x7385 at 1/2 is
        # 1625x3693), so one factor would put a region at the right edge past the pixels.
        kx, ky = image.width / original_w, image.height / original_h
        box = (
            region.left * kx,
            region.top * ky,
            min(region.right * kx, image.width),
            min(region.bottom * ky, image.height),
        )
        if (kx, ky) == (1.0, 1.0) and (target_w, target_h) == (region.width, region.height):
            image = image.crop((region.left, region.top, region.right, region.bottom))
        else:
            image = image.resize(
                (target_w, target_h), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0
            )
        notes.append(
            f"Cropped to the part of the photo the ID photo can come from ({region.width}x"
            f"{region.height} of {original_w}x{original_h} pixels) for upload."
        )
    elif image.size != (target_w, target_h):
        image = image.resize((target_w, target_h), Image.Resampling.LANCZOS, reducing_gap=3.0)
    if (target_w, target_h) != (region.width, region.height):
        notes.append(
            f"Downscaled from {region.width}x{region.height} to {target_w}x{target_h} pixels "
            "for upload."
        )
    encoded, mime = _encode(image)
    while len(encoded) > UPLOAD_BYTE_BUDGET:
        w, h = image.size
        image = image.resize((max(1, int(w * 0.8)), max(1, int(h * 0.8))), Image.Resampling.LANCZOS)
        encoded, mime = _encode(image)
        notes.append(
            f"Downscaled further to {image.width}x{image.height} pixels to stay under "
            f"{PROVIDER_MAX_BYTES // 1_000_000} MB."
        )
    if decoded.had_metadata:
        notes.append("Removed the camera's metadata (EXIF, GPS position) before upload.")
    width, height = image.size
    extension = ".png" if mime == "image/png" else ".jpg"
    prepared = PreparedPhoto(
        data=encoded,
        mime=mime,
        # A neutral name: the customer's file name is personal data the provider needs not.
        filename=f"photo{extension}",
        width=width,
        height=height,
        original_width=original_w,
        original_height=original_h,
        scale=width / region.width,
        source_sha256=decoded.source_sha256,
        notes=tuple(notes),
        offset_x=float(region.left),
        offset_y=float(region.top),
    )
    return prepared, image


def _read_file(path: Path) -> bytes:
    """Read a photo file: a regular file only, capped, never a FIFO or a device."""
    return read_regular_file(path, MAX_FILE_BYTES, what="The photo")


def prepare_photo(
    path: Path,
    *,
    longest_side: int | None = None,
    need: UploadNeed | None = None,
    head_px: float | None = None,
    locate_faces: FaceLocator | None = None,
) -> PreparedPhoto:
    """Prepare a photo file for upload; ``source_sha256`` is of the file's bytes."""
    path = Path(path)
    return prepare_photo_bytes(
        _read_file(path),
        path.name,
        longest_side=longest_side,
        need=need,
        head_px=head_px,
        locate_faces=locate_faces,
    )


def read_photo(path: Path) -> bytes:
    """A photo file's bytes, with a clerk's message when it cannot be read."""
    return _read_file(Path(path))


def load_oriented(path: Path, *, max_side: int | None = None) -> Image.Image:
    """The clerk's original, upright and in RGB/RGBA, for display beside the result.

    Same checks as for upload; ``max_side`` lets a preview decode a big JPEG cheaply.
    With ``max_side`` None the pixel grid matches ``PreparedPhoto.original_width/height``
    (so ``PreparedPhoto.to_original(foreground_rect)`` lands on it), except that a JPEG
    over 64 megapixels is decoded at a reduced scale to bound memory: compare ``width``
    with ``original_width`` rather than assuming they are equal.
    """
    path = Path(path)
    opened = _open(_read_file(path), path.name)
    raw_pixels = opened.raw_width * opened.raw_height
    if max_side is None and raw_pixels > MAX_DECODE_PIXELS:
        # The JPEG decoder reduces by 1/2, 1/4 or 1/8: pick the first that fits.
        halvings = math.ceil(math.log2(math.sqrt(raw_pixels / MAX_DECODE_PIXELS)))
        max_side = math.ceil(max(opened.raw_width, opened.raw_height) / 2**halvings)
    image = _decode(opened, path.name, max_side)
    if opened.orientation != 1:
        image = _upright(image)
    image = normalise_mode(image, [])
    if max_side is not None and max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return image
