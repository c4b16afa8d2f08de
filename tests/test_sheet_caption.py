"""The customer's name on a print sheet: small, in the margin, never on a photo or a mark."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageChops

from idphoto_desktop.core.presets import get_paper, get_preset
from idphoto_desktop.core.sheet import SheetLayout, make_sheet, mm_to_px


def _photo(w: int = 600, h: int = 600) -> bytes:
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 255, size=(h, w, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def _protected(plain: Image.Image, layout: SheetLayout) -> np.ndarray:
    """Pixels a caption must never touch: the photos, and every mark already printed."""
    mask = np.asarray(plain.convert("L")) < 255  # cut marks (and photos)
    w, h = layout.photo_px
    for x, y in layout.positions:
        mask[y:y + h, x:x + w] = True
    return mask


@pytest.mark.parametrize(
    ("preset_id", "paper_key", "caption"),
    [
        ("us_passport", "4x6", "Li Wei · order 1042"),
        ("icao_35x45", "4x6", "李伟 订单 42"),
        ("cn_visa_print", "a4", "Ms. Jane Q. Public-Smith, family order 77"),
        ("icao_35x45", "10x15", "Family Order " * 30),  # too long: shortened
    ],
)
def test_the_caption_is_printed_in_the_margin_only(
    preset_id: str, paper_key: str, caption: str
) -> None:
    preset, paper = get_preset(preset_id), get_paper(paper_key)
    photo = _photo()
    plain, layout = make_sheet(photo, preset, paper)
    named, layout2 = make_sheet(photo, preset, paper, caption=caption)
    assert layout2 == layout
    diff = np.asarray(ImageChops.difference(plain, named).convert("L")) > 0
    assert diff.sum() > 50  # something was written
    assert not (diff & _protected(plain, layout)).any()  # not on a photo or a cut mark
    ys, xs = np.nonzero(diff)
    bottom = max(y for _x, y in layout.positions) + layout.photo_px[1]
    assert ys.min() > bottom  # under the photos
    assert ys.max() < layout.page_px[1] - 1 and xs.max() < layout.page_px[0] - 1
    height_mm = (ys.max() - ys.min() + 1) / layout.dpi * 25.4
    assert 0.8 <= height_mm <= 2.6  # small, yet readable
    assert ys.max() - ys.min() + 1 <= mm_to_px(2.6)


def test_no_caption_and_a_blank_caption_leave_the_sheet_as_it_was() -> None:
    preset, paper = get_preset("us_passport"), get_paper("4x6")
    photo = _photo()
    plain, _ = make_sheet(photo, preset, paper)
    blank, _ = make_sheet(photo, preset, paper, caption="   ")
    assert ImageChops.difference(plain, blank).getbbox() is None
