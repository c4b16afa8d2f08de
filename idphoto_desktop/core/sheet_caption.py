"""The customer's name or order number, printed small in a print sheet's bottom margin.

Why: at a busy counter several customers' sheets come out of the same printer; a small
line under the photos says whose sheet it is. It goes where nothing else is: below the
cut marks across the width when the margin is tall enough, else under the first photo
of the bottom row, between its corner marks. It never touches a photo or a cut mark;
the text shrinks (down to about 1.2 mm) and is then shortened with "…" to fit.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont

from idphoto_desktop.core.presets import MM_PER_INCH

if TYPE_CHECKING:
    from idphoto_desktop.core.sheet import SheetLayout

CAPTION_MM = 2.0  # target text height
MIN_CAPTION_MM = 1.2
CAPTION_COLOUR = (70, 70, 70)
PAD_PX = 3
# Fonts with Chinese as well as Latin letters first (clerks type names in both).
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "msyh.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "DejaVuSans.ttf",
    "arial.ttf",
)
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=32)
def caption_font(size_px: int) -> Font:
    """A font at ``size_px``: the first installed candidate, else Pillow's own."""
    for candidate in FONT_CANDIDATES:
        try:
            return ImageFont.truetype(candidate, size_px)
        except OSError:
            continue
    return ImageFont.load_default(size_px)


def _px(mm: float, dpi: int) -> int:
    return max(1, int(mm / MM_PER_INCH * dpi + 0.5))


def caption_box(layout: SheetLayout, reach_px: int) -> tuple[int, int, int, int] | None:
    """The free rectangle (left, top, right, bottom) for the caption, or None."""
    page_w, page_h = layout.page_px
    photo_w, photo_h = layout.photo_px
    bottom = max(y + photo_h for _x, y in layout.positions)
    below_marks = (PAD_PX, bottom + reach_px + PAD_PX, page_w - PAD_PX, page_h - PAD_PX)
    if below_marks[3] - below_marks[1] >= _px(MIN_CAPTION_MM, layout.dpi):
        return below_marks
    first = min((p for p in layout.positions if p[1] + photo_h == bottom), key=lambda p: p[0])
    under_photo = (first[0] + PAD_PX, bottom + PAD_PX, first[0] + photo_w - PAD_PX,
                   page_h - PAD_PX)
    if under_photo[3] - under_photo[1] >= _px(MIN_CAPTION_MM, layout.dpi):
        return under_photo
    return None


def _fit(text: str, box: tuple[int, int, int, int], dpi: int) -> tuple[str, Font] | None:
    width, height = box[2] - box[0], box[3] - box[1]
    size = min(_px(CAPTION_MM, dpi), height)
    smallest = _px(MIN_CAPTION_MM, dpi)
    while size >= smallest:
        font = caption_font(size)
        if _text_size(text, font)[0] <= width:
            return text, font
        size -= 1
    font = caption_font(smallest)
    while len(text) > 1:
        text = text[:-1]
        if _text_size(text.rstrip() + "…", font)[0] <= width:
            return text.rstrip() + "…", font
    return None


def _text_size(text: str, font: Font) -> tuple[int, int]:
    left, top, right, bottom = font.getbbox(text)
    return int(right - left), int(bottom - top)


def draw_caption(sheet: Image.Image, layout: SheetLayout, caption: str, *, reach_px: int) -> bool:
    """Print ``caption`` in the free margin; False when there is no room for it."""
    text = " ".join(caption.split())
    box = caption_box(layout, reach_px)
    if not text or box is None:
        return False
    fitted = _fit(text, box, layout.dpi)
    if fitted is None:
        return False
    text, font = fitted
    left, top, _right, bottom = box
    bbox = font.getbbox(text)
    height = int(bbox[3] - bbox[1])
    y = top + max(0, (bottom - top - height) // 2) - int(bbox[1])
    ImageDraw.Draw(sheet).text((left - int(bbox[0]), y), text, fill=CAPTION_COLOUR, font=font)
    return True
