"""Saved files carry the print resolution and the format their name says."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from idphoto_desktop.core.imagefile import (
    SaveKind,
    encode_image_file,
    kind_for_path,
    path_for_kind,
    print_dpi,
)
from idphoto_desktop.core.presets import load_presets


def _transparent_png() -> bytes:
    image = Image.new("RGBA", (60, 80), (0, 0, 0, 0))
    for x in range(20, 40):
        for y in range(20, 60):
            image.putpixel((x, y), (200, 50, 50, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("kind", list(SaveKind))
def test_every_kind_writes_the_resolution(kind: SaveKind) -> None:
    data = encode_image_file(_transparent_png(), kind, "D6E9F8", 350)
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == ("JPEG" if kind is SaveKind.JPEG else "PNG")
        dpi = img.info["dpi"]
        assert round(dpi[0]) == 350 and round(dpi[1]) == 350
        if kind is SaveKind.PNG_TRANSPARENT:
            assert img.mode == "RGBA" and img.getpixel((0, 0))[3] == 0
        else:
            corner = img.convert("RGB").getpixel((0, 0))
            assert all(abs(a - b) <= 3 for a, b in zip(corner, (0xD6, 0xE9, 0xF8), strict=True))
            assert img.mode == "RGB"


def test_jpeg_density_is_in_inches() -> None:
    data = encode_image_file(_transparent_png(), SaveKind.JPEG, None, 300)
    # JFIF APP0: "JFIF\0", version (2 bytes), units (1 = dots per inch), x and y density
    start = data.index(b"JFIF\x00")
    units = data[start + 7]
    density = int.from_bytes(data[start + 8 : start + 10], "big")
    assert units == 1 and density == 300


def test_typed_extension_wins() -> None:
    assert kind_for_path(Path("x.png"), SaveKind.JPEG) is SaveKind.PNG_COLOUR
    assert kind_for_path(Path("x.PNG"), SaveKind.PNG_TRANSPARENT) is SaveKind.PNG_TRANSPARENT
    assert kind_for_path(Path("x.jpeg"), SaveKind.PNG_TRANSPARENT) is SaveKind.JPEG
    assert kind_for_path(Path("x"), SaveKind.PNG_COLOUR) is SaveKind.PNG_COLOUR
    assert path_for_kind(Path("x.png"), SaveKind.PNG_COLOUR) == Path("x.png")
    assert path_for_kind(Path("x"), SaveKind.JPEG) == Path("x.jpg")
    assert path_for_kind(Path("x.tif"), SaveKind.PNG_TRANSPARENT) == Path("x.tif.png")


def test_print_dpi_follows_the_preset() -> None:
    presets = {p.id: p for p in load_presets()}
    assert print_dpi(None) == 300
    assert print_dpi(presets["us_passport"]) == 300
    odd = [p for p in presets.values() if p.dpi and p.dpi != 300]
    assert presets["cn_resident_id"] in odd  # GA 461-2004: 350 dpi
    for preset in odd:
        assert print_dpi(preset) == preset.dpi
