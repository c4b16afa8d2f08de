"""Local background compositing: a colour change after a result costs no engine call."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageOps, ImageStat

from idphoto_desktop.core.background import (
    compose,
    composite,
    composite_image,
    has_transparency,
    hex_to_rgb,
    open_result,
    to_opaque,
)
from idphoto_desktop.core.errors import ImageError, ValidationError
from idphoto_desktop.core.job import OutputFormat


def _transparent_result(photos_dir: Path, size: tuple[int, int] = (300, 400)) -> Image.Image:
    """A real portrait cut to ID shape with an oval 'person' mask and a soft edge band."""
    with Image.open(photos_dir / "hivision_test0.jpg") as original:
        photo = ImageOps.fit(original.convert("RGB"), size, Image.Resampling.LANCZOS)
    photo.info.pop("icc_profile", None)  # untagged, as results come (a tagged one is converted)
    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    w, h = size
    draw.ellipse((w * 0.2, h * 0.1, w * 0.8, h * 1.3), fill=255)
    draw.rectangle((0, 0, 20, 20), fill=128)  # a half-transparent corner
    photo.putalpha(mask)
    return photo


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def test_hex_to_rgb() -> None:
    assert hex_to_rgb("#438edb") == (0x43, 0x8E, 0xDB)
    with pytest.raises(ValidationError):
        hex_to_rgb("blue")


def test_composite_puts_transparent_pixels_on_the_colour(photos_dir: Path) -> None:
    result = _transparent_result(photos_dir)
    jpeg = composite(_png(result), "438EDB")
    out = Image.open(io.BytesIO(jpeg))
    assert out.format == "JPEG" and out.mode == "RGB" and out.size == result.size
    assert not out.getexif()
    pixels = np.asarray(out, dtype=np.int16)
    background = pixels[390, 5]  # outside the oval, alpha 0
    assert np.abs(background - np.array([0x43, 0x8E, 0xDB])).max() <= 4
    person = np.asarray(result.convert("RGB"), dtype=np.int16)[200, 150]
    assert np.abs(pixels[200, 150] - person).max() <= 6  # alpha 255: the photo itself
    half = pixels[10, 10]
    original = np.asarray(result.convert("RGB"), dtype=np.int16)[10, 10]
    expected = (original + np.array([0x43, 0x8E, 0xDB])) / 2
    assert np.abs(half - expected).max() <= 6  # alpha 128: an even blend


def test_changing_the_colour_needs_only_the_png(photos_dir: Path) -> None:
    png = _png(_transparent_result(photos_dir))
    white = Image.open(io.BytesIO(composite(png, "FFFFFF")))
    red = Image.open(io.BytesIO(composite(png, "#d74532")))
    assert white.getpixel((5, 390)) != red.getpixel((5, 390))
    corner = white.getpixel((5, 390))
    assert isinstance(corner, tuple) and min(corner) >= 250


def test_composite_records_dpi(photos_dir: Path) -> None:
    jpeg = composite(_png(_transparent_result(photos_dir)), "FFFFFF", dpi=(300, 300))
    dpi = Image.open(io.BytesIO(jpeg)).info["dpi"]
    assert tuple(round(v) for v in dpi) == (300, 300)


def test_opaque_images_pass_through(photos_dir: Path) -> None:
    with Image.open(photos_dir / "hivision_test3.jpg") as original:
        rgb = original.convert("RGB")
    assert not has_transparency(rgb)
    assert to_opaque(rgb, "000000") is rgb
    out = composite_image(rgb, "000000")
    assert np.array_equal(np.asarray(out), np.asarray(rgb))


def test_has_transparency(photos_dir: Path) -> None:
    assert has_transparency(_transparent_result(photos_dir))
    opaque_rgba = Image.new("RGBA", (50, 50), (1, 2, 3, 255))
    assert not has_transparency(opaque_rgba)
    with Image.open(photos_dir / "hivision_test2.jpg") as real_png:  # RGBA, all opaque
        assert not has_transparency(real_png)


def test_open_result_refuses_garbage() -> None:
    with pytest.raises(ImageError, match="empty"):
        open_result(b"")
    with pytest.raises(ImageError, match="cannot be read"):
        open_result(b"<html>expired</html>")
    with pytest.raises(ImageError, match="cannot be read"):
        open_result(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)


def test_a_result_opened_again_is_not_decoded_again_and_each_open_is_its_own(
    photos_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job opens one result for its check, its transparency warning and its file:
    one decode; the caller may change its image without touching the next one's."""
    import idphoto_desktop.core.background as background

    data = _result_in(_transparent_result(photos_dir), "PNG")
    other = _result_in(Image.new("RGB", (20, 10), (9, 9, 9)), "PNG")
    decodes: list[bytes] = []
    decode = background._decode_result

    def counted(raw: bytes) -> Image.Image:
        decodes.append(raw)
        return decode(raw)

    monkeypatch.setattr(background, "_decode_result", counted)
    first = open_result(data)
    first.paste((255, 0, 0, 255), (0, 0, 50, 50))  # the caller's own copy
    second = open_result(data)
    assert decodes == [data]
    assert second.getpixel((10, 10)) != (255, 0, 0, 255)
    assert second.tobytes() == decode(data).tobytes()
    assert open_result(other).size == (20, 10)
    assert open_result(data).size == (300, 400)  # another result came in between
    assert decodes == [data, other, data]
    assert open_result(bytearray(other)).size == (20, 10)  # a mutable buffer: never kept
    assert open_result(bytearray(other)).size == (20, 10)
    assert decodes[3:] == [other, other]


# ----- a provider's result in an odd pixel format -----


def _result_in(image: Image.Image, fmt: str, **options: object) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt, **options)
    return buf.getvalue()


def test_a_sixteen_bit_grey_result_keeps_its_greys() -> None:
    """Pillow's own conversion clips 16-bit grey to white: the result would be saved blank."""
    grey = np.full((40, 30), 128 * 257, np.uint16)  # mid grey in 16 bits
    data = _result_in(Image.fromarray(grey), "PNG")
    out = Image.open(io.BytesIO(compose(data, OutputFormat.JPG, "FFFFFF")))
    assert abs(out.getpixel((15, 20))[0] - 128) <= 2  # type: ignore[index]
    assert open_result(data).mode == "RGB"


def test_a_cmyk_result_can_be_saved_as_png() -> None:
    cmyk = Image.new("RGB", (40, 30), (200, 40, 40)).convert("CMYK")
    data = _result_in(cmyk, "JPEG", quality=95)
    out = Image.open(io.BytesIO(compose(data, OutputFormat.PNG, None)))
    assert out.mode == "RGB"
    r, g, b = out.getpixel((20, 15))  # type: ignore[misc]
    assert r > 150 and g < 90 and b < 90


def test_a_result_with_another_colour_profile_is_made_srgb(photos_dir: Path) -> None:
    """An untagged JPEG is read as sRGB: a result tagged Adobe RGB keeps its colours only
    when they are converted before the profile is left out."""
    from PIL import ImageCms

    with Image.open(photos_dir / "hivision_test0.jpg") as original:  # tagged Adobe RGB
        icc = original.info["icc_profile"]
        pixels = original.convert("RGB")
    data = _result_in(pixels, "PNG", icc_profile=icc)
    out = Image.open(io.BytesIO(compose(data, OutputFormat.JPG, "FFFFFF", quality=100)))
    assert "icc_profile" not in out.info
    srgb = ImageCms.profileToProfile(
        pixels, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB")
    )
    assert srgb is not None
    diff = ImageChops.difference(out.convert("RGB"), srgb.convert("RGB"))
    before = ImageChops.difference(out.convert("RGB"), pixels)
    mean = sum(ImageStat.Stat(diff).mean) / 3
    assert mean < 2.0 and sum(ImageStat.Stat(before).mean) / 3 > 2.5
