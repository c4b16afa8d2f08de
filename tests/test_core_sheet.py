"""Print sheets: copy count, exact pixel sizes at 300 DPI, even gaps, cut marks, PDF size."""

from __future__ import annotations

import io
import itertools
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from idphoto_desktop.core.errors import ValidationError
from idphoto_desktop.core.presets import get_paper, get_preset
from idphoto_desktop.core.sheet import (
    CUT_MARK_COLOUR,
    SheetLayout,
    layout_sheet,
    make_sheet,
    mm_to_px,
    sheet_jpeg,
    sheet_pdf,
)

PAPERS_PT = {  # the paper's size in PDF points (1/72 in), from its millimetres
    "4x6": (288.0, 432.0),
    "10x15": (100 / 25.4 * 72, 150 / 25.4 * 72),
    "5x7": (360.0, 504.0),
    "a4": (210 / 25.4 * 72, 297 / 25.4 * 72),
    "letter": (612.0, 792.0),
}


@pytest.fixture(scope="module")
def schengen_photo(photos_dir: Path) -> Image.Image:
    """A real portrait on a beige backdrop (no white at its edges), at 413x531 px."""
    with Image.open(photos_dir / "hivision_test4.jpg") as original:
        return ImageOps.fit(original.convert("RGB"), (413, 531), Image.Resampling.LANCZOS)


def _runs(line: np.ndarray) -> list[tuple[int, int]]:
    """(start, length) of runs of photo pixels (not paper white) along a line."""
    photo = np.any(line < 240, axis=-1)
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, value in enumerate(photo):
        if value and start is None:
            start = i
        elif not value and start is not None:
            runs.append((start, i - start))
            start = None
    if start is not None:
        runs.append((start, len(photo) - start))
    return runs


def _assert_even(layout: SheetLayout) -> None:
    xs = sorted({x for x, _ in layout.positions})
    ys = sorted({y for _, y in layout.positions})
    w, h = layout.photo_px
    page_w, page_h = layout.page_px
    gaps_x = [xs[0]] + [b - a - w for a, b in itertools.pairwise(xs)]
    gaps_x.append(page_w - xs[-1] - w)
    gaps_y = [ys[0]] + [b - a - h for a, b in itertools.pairwise(ys)]
    gaps_y.append(page_h - ys[-1] - h)
    assert max(gaps_x) - min(gaps_x) <= 1, gaps_x
    assert max(gaps_y) - min(gaps_y) <= 1, gaps_y
    assert min(gaps_x + gaps_y) >= mm_to_px(2.0)


@pytest.mark.parametrize(
    ("paper", "page_px", "copies", "landscape"),
    [("4x6", (1800, 1200), 8, True), ("10x15", (1772, 1181), 8, True),
     ("5x7", (1500, 2100), 9, False), ("a4", (2480, 3508), 30, False),
     ("letter", (3300, 2550), 28, True)],
)
def test_layout_for_35x45(
    paper: str, page_px: tuple[int, int], copies: int, landscape: bool
) -> None:
    layout = layout_sheet(get_paper(paper), (35, 45))
    assert layout.photo_px == (413, 531)
    assert layout.page_px == page_px and layout.landscape is landscape
    assert layout.copies == copies == layout.columns * layout.rows
    _assert_even(layout)


def test_sheet_pixels(schengen_photo: Image.Image) -> None:
    preset = get_preset("schengen_visa")
    sheet, layout = make_sheet(schengen_photo, preset, get_paper("4x6"))
    assert sheet.size == (1800, 1200) and layout.copies == 8
    pixels = np.asarray(sheet)
    # Count copies and measure them from the pixels alone, along lines just inside the
    # first copy's top and left edges (backdrop there, never paper white).
    y_line = layout.positions[0][1] + 5
    x_runs = _runs(pixels[y_line])
    assert [length for _, length in x_runs] == [413] * layout.columns
    x_line = layout.positions[0][0] + 5
    y_runs = _runs(pixels[:, x_line])
    assert [length for _, length in y_runs] == [531] * layout.rows
    assert len(x_runs) * len(y_runs) == 8
    gaps = [b[0] - (a[0] + a[1]) for a, b in itertools.pairwise(x_runs)]
    assert max(gaps) - min(gaps) <= 1
    # Each copy is the photo itself, untouched by the cut marks.
    expected = np.asarray(schengen_photo)
    for x, y in layout.positions:
        assert np.array_equal(pixels[y : y + 531, x : x + 413], expected)


def test_cut_marks_sit_in_the_gaps(schengen_photo: Image.Image) -> None:
    sheet, layout = make_sheet(schengen_photo, get_preset("schengen_visa"), get_paper("4x6"))
    pixels = np.asarray(sheet)
    x, y = layout.positions[0]
    w, h = layout.photo_px
    grey = np.array(CUT_MARK_COLOUR)
    assert np.array_equal(pixels[y, x + w + 1], grey)  # right of the top-right corner
    assert np.array_equal(pixels[y - 2, x], grey)  # above the top-left corner
    assert np.array_equal(pixels[y + h + 1, x + w - 1], grey)  # below bottom-right
    assert np.array_equal(pixels[y - 10, x + w // 2], [255, 255, 255])  # not a full frame
    without, _ = make_sheet(schengen_photo, get_preset("schengen_visa"), get_paper("4x6"),
                            cut_marks=False)
    assert np.array_equal(np.asarray(without)[y, x + w + 1], [255, 255, 255])
    marks = np.all(pixels == grey, axis=-1).sum()
    assert marks >= 8 * 8 * 10  # 8 ticks per copy, each several px long
    changed = np.any(np.asarray(without) != pixels, axis=-1)
    assert changed.sum() == marks  # the marks are the only difference


def test_chosen_number_of_copies(schengen_photo: Image.Image) -> None:
    preset = get_preset("schengen_visa")
    sheet, layout = make_sheet(schengen_photo, preset, get_paper("4x6"), copies=3)
    assert layout.copies == 3 and layout.capacity == 8
    pixels = np.asarray(sheet)
    assert len(_runs(pixels[layout.positions[0][1] + 5])) == 3
    with pytest.raises(ValidationError, match="at most 8 copies") as info:
        make_sheet(schengen_photo, preset, get_paper("4x6"), copies=9)
    assert "1 to 8" in info.value.hint
    with pytest.raises(ValidationError):
        make_sheet(schengen_photo, preset, get_paper("4x6"), copies=0)


def test_photo_is_resized_to_its_physical_size(photos_dir: Path) -> None:
    preset = get_preset("cn_resident_id")  # 358x441 px at 350 DPI = 26x32 mm
    with Image.open(photos_dir / "hivision_test4.jpg") as original:
        result = ImageOps.fit(original.convert("RGB"), (358, 441))
    sheet, layout = make_sheet(result, preset, get_paper("4x6"))
    assert layout.photo_px == (mm_to_px(26), mm_to_px(32)) == (307, 378)
    runs = _runs(np.asarray(sheet)[layout.positions[0][1] + 5])
    assert {length for _, length in runs} == {307}


def test_transparent_result_goes_on_the_colour(schengen_photo: Image.Image) -> None:
    rgba = schengen_photo.convert("RGBA")
    rgba.putalpha(0)
    sheet, layout = make_sheet(rgba, get_preset("schengen_visa"), get_paper("4x6"),
                               bg_color="438EDB")
    x, y = layout.positions[0]
    assert sheet.getpixel((x + 10, y + 10)) == (0x43, 0x8E, 0xDB)


def test_digital_only_preset_has_no_sheet(schengen_photo: Image.Image) -> None:
    with pytest.raises(ValidationError, match="online upload only") as info:
        make_sheet(schengen_photo, get_preset("uk_passport_digital"), get_paper("4x6"))
    assert "print preset" in info.value.hint


def test_photo_too_big_for_the_paper() -> None:
    with pytest.raises(ValidationError, match="does not fit"):
        layout_sheet(get_paper("4x6"), (120, 160))


@pytest.mark.parametrize("paper", sorted(PAPERS_PT))
def test_pdf_page_is_the_paper_size(paper: str, schengen_photo: Image.Image) -> None:
    sheet, layout = make_sheet(schengen_photo, get_preset("schengen_visa"), get_paper(paper))
    pdf = sheet_pdf(sheet, layout.dpi)
    assert pdf.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox \[ ?0 0 ([\d.]+) ([\d.]+) ?\]", pdf)
    assert len(boxes) == 1
    width_pt, height_pt = (float(v) for v in boxes[0])
    want = PAPERS_PT[paper]
    if layout.landscape:
        want = (want[1], want[0])
    assert width_pt == pytest.approx(layout.page_px[0] / 300 * 72)
    assert width_pt == pytest.approx(want[0], abs=0.15)  # under 0.06 mm off
    assert height_pt == pytest.approx(want[1], abs=0.15)


def test_pdf_holds_the_sheet_image(schengen_photo: Image.Image) -> None:
    """The page's image is the sheet at full resolution (not rescaled to fit)."""
    sheet, layout = make_sheet(schengen_photo, get_preset("schengen_visa"), get_paper("4x6"))
    pdf = sheet_pdf(sheet, layout.dpi)
    start = pdf.index(b"\xff\xd8\xff")
    end = pdf.index(b"\xff\xd9", start) + 2
    embedded = Image.open(io.BytesIO(pdf[start:end]))
    assert embedded.size == sheet.size
    diff = np.abs(np.asarray(embedded.convert("RGB"), dtype=np.int16)
                  - np.asarray(sheet, dtype=np.int16))
    assert float(diff.mean()) < 2.0


def test_jpeg_records_300_dpi(schengen_photo: Image.Image) -> None:
    sheet, layout = make_sheet(schengen_photo, get_preset("schengen_visa"), get_paper("a4"))
    data = sheet_jpeg(sheet, layout.dpi)
    image = Image.open(io.BytesIO(data))
    assert image.size == (2480, 3508)
    assert tuple(round(v) for v in image.info["dpi"]) == (300, 300)
