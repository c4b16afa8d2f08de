"""Image preparation on the real photos and on every awkward input a counter meets."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageDraw

from idphoto_desktop.core import imageprep
from idphoto_desktop.core.errors import ImageError
from idphoto_desktop.core.geometry import Rect
from idphoto_desktop.core.imageprep import (
    load_oriented,
    prepare_photo,
    prepare_photo_bytes,
    sniff_image_type,
)
from idphoto_desktop.core.job import PreparedPhoto


def _decode(photo: PreparedPhoto) -> Image.Image:
    image = Image.open(io.BytesIO(photo.data))
    image.load()
    return image


def _save(image: Image.Image, path: Path, fmt: str, **kwargs: object) -> Path:
    image.save(path, format=fmt, **kwargs)
    return path


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a size but holds almost no data (a decompression bomb's header)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _assert_uploadable(photo: PreparedPhoto) -> Image.Image:
    """What the provider requires, and what we promise (no metadata at all)."""
    assert len(photo.data) < imageprep.PROVIDER_MAX_BYTES
    assert photo.width <= 4096 and photo.height <= 4096
    image = _decode(photo)
    assert image.size == (photo.width, photo.height)
    assert image.format == ("PNG" if photo.mime == "image/png" else "JPEG")
    assert image.mode in ("RGB", "RGBA")
    assert not image.getexif()
    assert b"Exif" not in photo.data[:4096]
    assert "icc_profile" not in image.info
    assert photo.filename in ("photo.jpg", "photo.png")
    return image


# ----- the real photos -----


def test_every_shared_photo_prepares(all_photos: list[Path]) -> None:
    for path in all_photos:
        photo = prepare_photo(path)
        image = _assert_uploadable(photo)
        assert photo.source_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        with Image.open(path) as original:
            assert (photo.original_width, photo.original_height) == original.size
        assert photo.scale == pytest.approx(photo.width / photo.original_width)
        assert image.size == (photo.width, photo.height)


def test_misnamed_files_are_read_by_content(photos_dir: Path) -> None:
    webp = prepare_photo(photos_dir / "hivision_test1.jpg")
    assert any("really a WebP image" in note for note in webp.notes)
    assert (webp.width, webp.height) == (764, 1146)
    png = prepare_photo(photos_dir / "hivision_test2.jpg")
    assert any("really a PNG image" in note for note in png.notes)
    genuine = prepare_photo(photos_dir / "hivision_test0.jpg")
    assert not any("really" in note for note in genuine.notes)


def test_camera_metadata_is_removed(photos_dir: Path) -> None:
    source = photos_dir / "fr_obama.jpg"
    with Image.open(source) as original:
        assert original.getexif()  # the original does carry EXIF (camera, description)
    photo = prepare_photo(source)
    assert not _decode(photo).getexif()
    assert b"Canon" not in photo.data
    assert any("metadata" in note for note in photo.notes)


def _mean_diff(a: Image.Image, b: Image.Image) -> float:
    x = np.asarray(a.convert("RGB"), dtype=np.int16)
    y = np.asarray(b.convert("RGB"), dtype=np.int16)
    return float(np.abs(x - y).mean())


def test_photo_content_survives(photos_dir: Path) -> None:
    source = photos_dir / "hivision_test3.jpg"  # no colour profile
    with Image.open(source) as original:
        assert _mean_diff(original, _decode(prepare_photo(source))) < 2.0


def test_adobe_rgb_photo_is_converted_to_srgb(photos_dir: Path) -> None:
    """The profile is dropped with the metadata, so its colours must be applied first."""
    source = photos_dir / "hivision_test0.jpg"  # tagged Adobe RGB (1998)
    out = _decode(prepare_photo(source))
    with Image.open(source) as original:
        icc = original.info["icc_profile"]
        srgb = ImageCms.profileToProfile(
            original, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB")
        )
        assert srgb is not None
        assert _mean_diff(srgb, out) < 2.0
        assert _mean_diff(original, out) > 2.5  # a real change, not a copy


# ----- sniffing -----


@pytest.mark.parametrize(
    ("fmt", "kind"),
    [("JPEG", "jpeg"), ("PNG", "png"), ("GIF", "gif"), ("WEBP", "webp"), ("BMP", "bmp"),
     ("TIFF", "tiff")],
)
def test_sniff_image_type(fmt: str, kind: str) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (40, 40), (10, 20, 30)).save(buf, format=fmt)
    assert sniff_image_type(buf.getvalue()) == kind


@pytest.mark.parametrize(
    "data", [b"", b"hello world", b"%PDF-1.7\n", b"BM this is text, not a bitmap", b"\xff\xd8"]
)
def test_sniff_refuses_non_images(data: bytes) -> None:
    assert sniff_image_type(data) is None


# ----- awkward inputs -----


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(ImageError, match=r"empty \(0 bytes\)") as info:
        prepare_photo(path)
    assert "JPEG" in info.value.hint


def test_text_renamed_jpg(tmp_path: Path) -> None:
    path = tmp_path / "notes.jpg"
    path.write_text("Customer: Jane\nPassport photo please\n", encoding="utf-8")
    with pytest.raises(ImageError, match="text file, not an image"):
        prepare_photo(path)


def test_pdf_renamed_jpg() -> None:
    with pytest.raises(ImageError, match="PDF document"):
        prepare_photo_bytes(b"%PDF-1.4\n1 0 obj\n", "scan.jpg")


def test_truncated_jpeg(tmp_path: Path, photos_dir: Path) -> None:
    data = (photos_dir / "hivision_test0.jpg").read_bytes()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError, match="damaged or incomplete"):
        prepare_photo(path)


def test_garbage_after_a_jpeg_signature() -> None:
    with pytest.raises(ImageError, match="damaged or incomplete"):
        prepare_photo_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 300, "broken.jpg")


def test_decompression_bomb_is_refused() -> None:
    with pytest.raises(ImageError, match="decompression bomb"):
        prepare_photo_bytes(_png_header_only(30000, 30000), "bomb.png")


def test_too_many_pixels_for_a_full_decode() -> None:
    with pytest.raises(ImageError, match=r"too large to open safely \(10000x10000"):
        prepare_photo_bytes(_png_header_only(10000, 10000), "big.png")


def test_file_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imageprep, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.jpg"
    _save(Image.new("RGB", (300, 300)), path, "JPEG")
    path.write_bytes(path.read_bytes() + b"\x00" * 2000)
    with pytest.raises(ImageError, match="too large"):
        prepare_photo(path)


def test_tiny_image_is_refused() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buf, format="PNG")
    with pytest.raises(ImageError, match="far too small"):
        prepare_photo_bytes(buf.getvalue(), "icon.png")


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="not found"):
        prepare_photo(tmp_path / "nope.jpg")
    with pytest.raises(ImageError, match="folder"):
        prepare_photo(tmp_path)


def test_sixteen_bit_greyscale_png_is_scaled_not_clipped(tmp_path: Path) -> None:
    ramp = np.tile(np.linspace(0, 65535, 256, dtype=np.uint16), (100, 1))
    path = _save(Image.fromarray(ramp), tmp_path / "grey16.png", "PNG")
    with Image.open(path) as check:
        assert check.mode.startswith("I")
    photo = prepare_photo(path)
    image = _assert_uploadable(photo)
    assert image.mode == "RGB"
    row = np.asarray(image.convert("L"))[50].astype(int)
    assert row[0] <= 3 and row[-1] >= 252
    assert 118 <= row[128] <= 138  # mid-grey stays mid-grey (clipping would give 255)
    assert any("16-bit" in note for note in photo.notes)


def test_sixteen_bit_rgb_png(tmp_path: Path) -> None:
    arr = np.zeros((120, 160, 3), dtype=np.uint16)
    arr[..., 0] = 65535
    # Pillow cannot write 16-bit RGB PNG; write it by hand (colour type 2, depth 16).
    rows = b"".join(b"\x00" + arr[y].astype(">u2").tobytes() for y in range(arr.shape[0]))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 160, 120, 16, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    image = _assert_uploadable(prepare_photo_bytes(png, "rgb16.png"))
    r, g, b = image.convert("RGB").getpixel((80, 60))  # type: ignore[misc]
    assert r >= 250 and g <= 5 and b <= 5


def test_cmyk_jpeg_becomes_rgb(tmp_path: Path) -> None:
    path = _save(Image.new("CMYK", (200, 300), (0, 255, 255, 0)), tmp_path / "cmyk.jpg", "JPEG")
    photo = prepare_photo(path)
    image = _assert_uploadable(photo)
    r, g, b = image.getpixel((100, 150))  # type: ignore[misc]
    assert r > 200 and g < 60 and b < 60  # C=0 M=100% Y=100% K=0 is red
    assert any("CMYK" in note for note in photo.notes)


def test_palette_png_with_transparency_stays_transparent(tmp_path: Path) -> None:
    image = Image.new("P", (200, 240), 0)
    image.putpalette([255, 255, 255, 200, 30, 30] + [0] * 762)
    ImageDraw.Draw(image).ellipse((50, 50, 150, 190), fill=1)
    path = _save(image, tmp_path / "palette.png", "PNG", transparency=0)
    photo = prepare_photo(path)
    out = _assert_uploadable(photo)
    assert photo.mime == "image/png" and out.mode == "RGBA"
    assert out.getpixel((0, 0))[3] == 0  # type: ignore[index]
    assert out.getpixel((100, 120)) == (200, 30, 30, 255)


def test_opaque_palette_png_becomes_jpeg(tmp_path: Path) -> None:
    image = Image.new("RGB", (200, 200), (20, 90, 200)).convert("P")
    path = _save(image, tmp_path / "p.png", "PNG")
    photo = prepare_photo(path)
    assert photo.mime == "image/jpeg"
    _assert_uploadable(photo)


def test_opaque_rgba_is_sent_as_jpeg(photos_dir: Path) -> None:
    photo = prepare_photo(photos_dir / "fr_alex-lacamoire.png")  # RGBA with alpha all 255
    assert photo.mime == "image/jpeg"


def test_la_greyscale_with_alpha(tmp_path: Path) -> None:
    image = Image.new("LA", (120, 120), (128, 255))
    image.putpixel((0, 0), (0, 0))
    photo = prepare_photo(_save(image, tmp_path / "la.png", "PNG"))
    out = _assert_uploadable(photo)
    assert out.mode == "RGBA" and out.getpixel((60, 60)) == (128, 128, 128, 255)


def test_greyscale_jpeg_becomes_rgb(tmp_path: Path) -> None:
    photo = prepare_photo(_save(Image.new("L", (300, 400), 90), tmp_path / "g.jpg", "JPEG"))
    out = _assert_uploadable(photo)
    assert out.mode == "RGB"
    assert any("black and white" in note for note in photo.notes)


def test_animated_gif_uses_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (160, 200), colour) for colour in ((250, 0, 0), (0, 0, 250))]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    photo = prepare_photo(path)
    out = _assert_uploadable(photo)
    r, _g, b = out.convert("RGB").getpixel((80, 100))  # type: ignore[misc]
    assert r > 200 and b < 50
    assert any("2 frames" in note for note in photo.notes)


def test_heic_from_a_phone(tmp_path: Path) -> None:
    import pillow_heif

    source = Image.new("RGB", (300, 400), (30, 160, 60))
    heif = pillow_heif.from_pillow(source)
    path = tmp_path / "IMG_0001.HEIC"
    heif.save(str(path), quality=90)
    photo = prepare_photo(path)
    out = _assert_uploadable(photo)
    assert out.size == (300, 400)
    r, g, b = out.getpixel((150, 200))  # type: ignore[misc]
    assert abs(r - 30) < 12 and abs(g - 160) < 12 and abs(b - 60) < 12


def _exif_with_orientation_and_gps(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (48.0, 51.0, 30.0)
    gps[3] = "E"
    gps[4] = (2.0, 17.0, 40.0)
    return exif


def test_exif_rotated_photo_is_turned_upright_and_gps_removed(tmp_path: Path) -> None:
    raw = Image.new("RGB", (400, 200), (0, 0, 220))
    ImageDraw.Draw(raw).rectangle((0, 0, 199, 199), fill=(220, 0, 0))  # left half red
    path = tmp_path / "rotated.jpg"
    raw.save(path, format="JPEG", quality=95, exif=_exif_with_orientation_and_gps(6))
    with Image.open(path) as check:
        assert check.getexif().get_ifd(0x8825)  # the input really carries a GPS position
    photo = prepare_photo(path)
    out = _assert_uploadable(photo)
    # Orientation 6: the stored image must be turned 90 degrees clockwise to be upright,
    # so its left half becomes the top half.
    assert out.size == (200, 400)
    assert (photo.original_width, photo.original_height) == (200, 400)
    top = out.getpixel((100, 50))
    bottom = out.getpixel((100, 350))
    assert top[0] > 180 and top[2] < 60  # type: ignore[index]
    assert bottom[2] > 180 and bottom[0] < 60  # type: ignore[index]
    assert b"PhoneMaker" not in photo.data
    assert any("upright" in note for note in photo.notes)

    shown = load_oriented(path)
    assert shown.size == (200, 400) and shown.mode == "RGB"
    assert shown.getpixel((100, 50))[0] > 180  # type: ignore[index]


def test_non_ascii_path(tmp_path: Path, photos_dir: Path) -> None:
    folder = tmp_path / "Kunden Ästhetik 顧客"
    folder.mkdir()
    path = folder / "Фото клиента é.jpg"
    path.write_bytes((photos_dir / "hivision_test3.jpg").read_bytes())
    photo = prepare_photo(path)
    _assert_uploadable(photo)
    assert photo.filename == "photo.jpg"  # the customer's name does not go to the provider
    assert load_oriented(path).size == (512, 715)


# ----- size limits -----


def _big_jpeg(path: Path, size: tuple[int, int]) -> Path:
    image = Image.new("L", size, 120)
    draw = ImageDraw.Draw(image)
    draw.rectangle((size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2), fill=240)
    image.save(path, format="JPEG", quality=80)
    return path


@pytest.fixture(scope="module")
def photo_12000x8000(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _big_jpeg(tmp_path_factory.mktemp("big") / "huge.jpg", (12000, 8000))


def test_huge_photo_is_downscaled_to_the_default_longest_side(photo_12000x8000: Path) -> None:
    photo = prepare_photo(photo_12000x8000)
    _assert_uploadable(photo)
    assert (photo.original_width, photo.original_height) == (12000, 8000)
    assert (photo.width, photo.height) == (2500, 1667)
    assert photo.scale == pytest.approx(2500 / 12000)
    # The bright block (x 3000..6000, y 2000..4000 in the original) maps back through scale.
    out = np.asarray(_decode(photo).convert("L"))
    ys, xs = np.nonzero(out > 200)
    found = Rect(float(xs.min()), float(ys.min()), float(xs.max() - xs.min()),
                 float(ys.max() - ys.min())).scaled(1 / photo.scale)
    assert found.x == pytest.approx(3000, abs=15) and found.y == pytest.approx(2000, abs=15)
    assert found.right == pytest.approx(6000, abs=15)
    assert found.bottom == pytest.approx(4000, abs=15)
    assert any("Downscaled from 12000x8000 to 2500x1667" in note for note in photo.notes)


def test_huge_jpeg_is_decoded_at_reduced_scale(photo_12000x8000: Path) -> None:
    """Memory stays bounded: the 96 MP JPEG is decoded at 1/4 scale, never in full."""
    opened = imageprep._open(photo_12000x8000.read_bytes(), "huge.jpg")
    image = imageprep._decode(opened, "huge.jpg", 2500)
    assert image.size == (3000, 2000)


def test_load_oriented_bounds_a_huge_jpeg(photo_12000x8000: Path) -> None:
    image = load_oriented(photo_12000x8000)
    assert image.width * image.height <= imageprep.MAX_DECODE_PIXELS
    assert image.size == (6000, 4000)  # JPEG decoded at 1/2 scale
    assert image.mode == "RGB"


def test_configurable_longest_side(photos_dir: Path) -> None:
    photo = prepare_photo(photos_dir / "fr_tests_obama3.jpg", longest_side=1000)
    assert max(photo.width, photo.height) == 1000
    assert (photo.original_width, photo.original_height) == (1434, 2333)
    assert photo.scale == pytest.approx(photo.width / 1434)
    with pytest.raises(ValueError, match="longest_side"):
        prepare_photo(photos_dir / "fr_obama.jpg", longest_side=5000)


def test_within_limits_keeps_full_size(tmp_path: Path) -> None:
    photo = prepare_photo(_big_jpeg(tmp_path / "b.jpg", (3000, 4096)))
    assert (photo.width, photo.height) == (3000, 4096) and photo.scale == 1.0


def test_just_over_the_side_limit(tmp_path: Path) -> None:
    photo = prepare_photo(_big_jpeg(tmp_path / "b.jpg", (3000, 4100)))
    assert max(photo.width, photo.height) == 2500
    _assert_uploadable(photo)


def test_byte_budget_forces_further_downscaling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imageprep, "UPLOAD_BYTE_BUDGET", 150_000)
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 256, size=(600, 500, 4), dtype=np.uint8)
    noise[..., 3] = np.where(noise[..., 3] > 128, 255, 0)  # real transparency: PNG
    buf = io.BytesIO()
    Image.fromarray(noise).save(buf, format="PNG")
    assert len(buf.getvalue()) > 150_000
    photo = prepare_photo_bytes(buf.getvalue(), "noise.png")
    assert photo.mime == "image/png"
    assert len(photo.data) <= 150_000
    assert photo.width < 500 and photo.scale == pytest.approx(photo.width / 500)
    assert any("stay under" in note for note in photo.notes)


def test_load_oriented_max_side(photos_dir: Path) -> None:
    image = load_oriented(photos_dir / "fr_tests_obama3.jpg", max_side=600)
    assert max(image.size) == 600
    full = load_oriented(photos_dir / "hivision_test2.jpg")
    assert full.size == (640, 718) and full.mode in ("RGB", "RGBA")


@pytest.mark.parametrize(("fmt", "suffix"), [("PPM", ".ppm"), ("TGA", ".tga"), ("PCX", ".pcx")])
def test_netpbm_and_other_pillow_formats_are_read(tmp_path: Path, fmt: str, suffix: str) -> None:
    from idphoto_desktop.core.imageprep import load_oriented

    path = tmp_path / f"photo{suffix}"
    Image.new("RGB", (120, 90), (200, 100, 50)).save(path, format=fmt)
    assert sniff_image_type(path.read_bytes()) is not None
    image = load_oriented(path)
    assert image.size == (120, 90)
    assert image.getpixel((5, 5))[:3] == (200, 100, 50)
