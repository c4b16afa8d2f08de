"""Atomic saving, and online-form exports inside each preset's file-size window."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from idphoto_desktop.core.errors import StorageError, ValidationError
from idphoto_desktop.core.export import (
    KB_LOWER,
    KB_UPPER,
    OutputExistsError,
    export_for_upload,
    write_atomic,
)
from idphoto_desktop.core.presets import Preset, get_preset, load_presets

# ----- write_atomic -----


def test_write_atomic_writes_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "Photo María 顧客.jpg"
    assert write_atomic(target, b"abc") == target
    assert target.read_bytes() == b"abc"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_write_atomic_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "out.jpg"
    target.write_bytes(b"original")
    with pytest.raises(OutputExistsError, match=r"out\.jpg already exists") as info:
        write_atomic(target, b"new")
    assert isinstance(info.value, StorageError) and isinstance(info.value, FileExistsError)
    assert "another file name" in info.value.hint
    assert target.read_bytes() == b"original"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jpg"]
    write_atomic(target, b"new", overwrite=True)
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jpg"]


def test_write_atomic_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="does not exist"):
        write_atomic(tmp_path / "nope" / "out.jpg", b"x")


def test_write_atomic_into_a_file_instead_of_a_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(StorageError, match="does not exist"):
        write_atomic(blocker / "out.jpg", b"x")


def test_write_atomic_onto_a_folder(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    with pytest.raises(StorageError):
        write_atomic(tmp_path / "taken", b"x", overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]


# ----- export for online forms -----


def _result_from(photo: Path, preset: Preset) -> Image.Image:
    """A real portrait cut to the preset's pixel size (what an engine hands back)."""
    with Image.open(photo) as original:
        return ImageOps.fit(original.convert("RGB"), (preset.width_px, preset.height_px),
                            Image.Resampling.LANCZOS)


def _check_clean_jpeg(data: bytes, dpi: int) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.mode == "RGB"
    assert not image.getexif()
    assert b"Exif\x00\x00" not in data
    assert "icc_profile" not in image.info
    assert tuple(round(v) for v in image.info["dpi"]) == (dpi, dpi)
    return image


WINDOW_PRESETS = [p.id for p in load_presets() if p.digital is not None and p.digital.file_kb]


@pytest.mark.parametrize("preset_id", WINDOW_PRESETS)
def test_export_meets_each_window_on_real_photos(preset_id: str, all_photos: list[Path]) -> None:
    preset = get_preset(preset_id)
    assert preset.digital is not None and preset.digital.file_kb is not None
    lo, hi = preset.digital.file_kb
    for photo in all_photos[::3]:
        export = export_for_upload(_result_from(photo, preset), preset)
        image = _check_clean_jpeg(export.data, export.dpi)
        if image.size != (preset.width_px, preset.height_px):  # grown to reach a minimum
            largest = preset.digital.max_px
            assert largest is not None and image.width <= largest[0]
            assert image.height <= largest[1] and image.width > preset.width_px
            assert abs(image.width / image.height - preset.width_px / preset.height_px) < 0.01
            assert any(n.startswith(f"Made {image.width}x{image.height}") for n in export.notes)
        size = len(export.data)
        inside = (hi is None or size <= hi * KB_UPPER) and (lo is None or size >= lo * KB_LOWER)
        if export.meets_rules:
            assert inside, (preset_id, photo.name, size)
        else:
            assert export.problems and f"{lo} KB" in export.problems[0], export.problems


def test_ds160_is_squeezed_under_240_kb() -> None:
    preset = get_preset("us_visa_ds160")
    rng = np.random.default_rng(7)
    detail = Image.fromarray(rng.integers(0, 256, size=(600, 600, 3), dtype=np.uint8))
    export = export_for_upload(detail, preset)
    assert export.quality < 95
    assert len(export.data) <= 240 * KB_UPPER
    # 20:1 maximum compression: at least 600*600*3/20 bytes
    assert len(export.data) >= 600 * 600 * 3 // 20
    assert export.meets_rules, export.problems
    assert any("240 KB" in note for note in export.notes)


def test_china_visa_window(all_photos: list[Path]) -> None:
    preset = get_preset("cn_visa_digital")
    export = export_for_upload(_result_from(all_photos[0], preset), preset)
    assert 40 * KB_LOWER <= len(export.data) <= 120 * KB_UPPER
    assert (export.width, export.height) == (354, 472)


def test_new_zealand_minimum_that_cannot_be_met_is_said() -> None:
    preset = get_preset("nz_passport_online")
    flat = Image.new("RGB", (900, 1200), (230, 230, 230))
    ImageDraw.Draw(flat).ellipse((300, 200, 600, 650), fill=(160, 120, 100))
    export = export_for_upload(flat, preset)
    assert not export.meets_rules
    assert export.quality == 100
    assert len(export.problems) == 1
    assert "requires at least 500 KB" in export.problems[0]
    assert "up to twice the preset's pixel size" in export.problems[0]  # tried, in vain
    assert f"only {len(export.data) / 1024:.0f} KB" in export.problems[0]
    assert (export.width, export.height) == (900, 1200)  # the preset's size, as asked


def _smooth(blur: float) -> Image.Image:
    """A smooth picture (a studio backdrop, a skin tone): few bytes per pixel."""
    rng = np.random.default_rng(5)
    noise = rng.normal(128, 30, size=(1200, 900, 3)).clip(0, 255).astype(np.uint8)
    return Image.fromarray(noise).filter(ImageFilter.GaussianBlur(blur))


def test_new_zealand_minimum_is_reached_with_a_larger_picture() -> None:
    """Under 500 KB at quality 100 (a smooth studio shot at 900x1200 is about 460 KB):
    the smallest larger picture of the same shape that the form accepts, said."""
    preset = get_preset("nz_passport_online")
    assert preset.digital is not None and preset.digital.max_px == (4500, 6000)
    picture = _smooth(5.0)
    buf = io.BytesIO()
    picture.save(buf, "JPEG", quality=100, subsampling=0)
    assert len(buf.getvalue()) < 500 * KB_LOWER  # the preset's own size cannot do it
    export = export_for_upload(picture, preset)
    assert export.meets_rules, export.problems
    assert 500 * KB_LOWER <= len(export.data) <= 10240 * KB_UPPER
    assert (export.width, export.height) == (990, 1320)  # the first step, 1.1x
    assert any("Made 990x1320 pixels, larger than 900x1200" in n for n in export.notes)
    with Image.open(io.BytesIO(export.data)) as written:
        assert written.size == (990, 1320)


def test_a_form_without_a_largest_size_is_not_grown() -> None:
    preset = get_preset("uk_passport_digital")  # at least 50 KB, no largest size
    assert preset.digital is not None and preset.digital.max_px is None
    flat = Image.new("RGB", (preset.width_px, preset.height_px), (235, 235, 235))
    export = export_for_upload(flat, preset)
    assert not export.meets_rules
    assert (export.width, export.height) == (preset.width_px, preset.height_px)
    assert "requires at least 50 KB" in export.problems[0]
    assert "twice" not in export.problems[0]


def test_new_zealand_minimum_is_reached_by_raising_quality() -> None:
    preset = get_preset("nz_passport_online")
    rng = np.random.default_rng(3)
    base = rng.integers(0, 256, size=(300, 225, 3), dtype=np.uint8)
    textured = Image.fromarray(base).resize((900, 1200), Image.Resampling.BICUBIC)
    export = export_for_upload(textured, preset)
    assert export.meets_rules, export.problems
    assert len(export.data) >= 500 * KB_LOWER


def test_dpi_matches_the_print_size(all_photos: list[Path]) -> None:
    for preset_id, dpi in (("us_passport", 300), ("cn_resident_id", 350),
                           ("cn_exit_entry_digital", 300)):
        preset = get_preset(preset_id)
        export = export_for_upload(_result_from(all_photos[1], preset), preset)
        _check_clean_jpeg(export.data, dpi)
        assert export.dpi == dpi


def test_exact_size_is_enforced(all_photos: list[Path]) -> None:
    preset = get_preset("us_dv_lottery")  # exactly 600x600
    with Image.open(all_photos[4]) as original:
        big = ImageOps.fit(original.convert("RGB"), (1200, 1200))
    export = export_for_upload(big, preset)
    assert (export.width, export.height) == (600, 600)
    assert any("Resized from 1200x1200 to 600x600" in n for n in export.notes)


def test_wrong_shape_is_refused(all_photos: list[Path]) -> None:
    preset = get_preset("us_visa_ds160")
    with Image.open(all_photos[0]) as original:
        tall = ImageOps.fit(original.convert("RGB"), (413, 531))
    with pytest.raises(ValidationError, match="different shape") as info:
        export_for_upload(tall, preset)
    assert "preset" in info.value.hint


def test_transparent_result_and_background_rules(all_photos: list[Path]) -> None:
    preset = get_preset("fr_identity")
    rgba = _result_from(all_photos[0], preset).convert("RGBA")
    alpha = Image.new("L", rgba.size, 0)
    ImageDraw.Draw(alpha).ellipse((80, 60, 330, 600), fill=255)
    rgba.putalpha(alpha)
    buf = io.BytesIO()
    rgba.save(buf, format="PNG")

    on_white = export_for_upload(buf.getvalue(), preset)
    assert any("filled with #FFFFFF" in n for n in on_white.notes)
    assert not on_white.meets_rules
    assert "#FFFFFF is not accepted" in on_white.problems[0]
    corner = Image.open(io.BytesIO(on_white.data)).getpixel((2, 2))
    assert isinstance(corner, tuple) and min(corner) >= 250

    on_grey = export_for_upload(buf.getvalue(), preset, bg_color="#d3d3d3")
    assert on_grey.meets_rules, on_grey.problems
    r, _g, b = Image.open(io.BytesIO(on_grey.data)).getpixel((2, 2))  # type: ignore[misc]
    assert abs(r - 0xD3) <= 3 and abs(b - 0xD3) <= 3
