"""Local background compositing: a colour change after a result costs no engine call."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps

from idphoto_desktop.core.background import (
    composite,
    composite_image,
    has_transparency,
    hex_to_rgb,
    open_result,
    to_opaque,
)
from idphoto_desktop.core.errors import ImageError, ValidationError


def _transparent_result(photos_dir: Path, size: tuple[int, int] = (300, 400)) -> Image.Image:
    """A real portrait cut to ID shape with an oval 'person' mask and a soft edge band."""
    with Image.open(photos_dir / "hivision_test0.jpg") as original:
        photo = ImageOps.fit(original.convert("RGB"), size, Image.Resampling.LANCZOS)
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
