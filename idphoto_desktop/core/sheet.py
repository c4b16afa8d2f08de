"""Print sheets: copies of an ID photo on photo paper at exact physical size.

Why compose locally: a 5x7 in, A4 or Letter sheet at 300 DPI is larger than the
provider's 2000 px cap, and composing costs nothing. Each copy is resized to the
preset's print size in millimetres at the sheet's DPI (never "fit to page"), copies
sit on an even grid (the gaps between copies equal the outer margins), and thin grey
cut marks in the gaps show where to cut without touching the photos. The PDF is
written with the sheet's resolution so its page size in points is the paper's.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw

from idphoto_desktop.core.background import encode_jpeg, open_result, to_opaque
from idphoto_desktop.core.errors import ValidationError
from idphoto_desktop.core.i18n import N_
from idphoto_desktop.core.presets import MM_PER_INCH, Preset, PrintPaper

SHEET_DPI = 300
MIN_SPACING_MM = 2.0  # gap between copies and to the paper's edge, at least
CUT_MARK_MM = 2.5  # how far a cut mark reaches out from a photo's corner
CUT_MARK_PX = 1  # a thin line: 1 px at 300 DPI is 0.085 mm
CUT_MARK_COLOUR = (150, 150, 150)
PAPER_COLOUR = (255, 255, 255)


def mm_to_px(mm: float, dpi: int = SHEET_DPI) -> int:
    """Millimetres to whole pixels at ``dpi`` (nearest; the spec's rounding)."""
    return int(mm / MM_PER_INCH * dpi + 0.5)


@dataclass(frozen=True)
class SheetLayout:
    """Where each copy goes on the page, in pixels at ``dpi``."""

    paper: PrintPaper
    dpi: int
    page_px: tuple[int, int]
    photo_px: tuple[int, int]
    columns: int
    rows: int
    positions: tuple[tuple[int, int], ...]  # top-left corners, row by row
    spacing_px: tuple[float, float]  # horizontal and vertical gap (= outer margin)
    landscape: bool

    @property
    def copies(self) -> int:
        return len(self.positions)

    @property
    def capacity(self) -> int:
        return self.columns * self.rows


def _fit_count(page: int, photo: int, spacing: int) -> int:
    """How many photos fit in a row with at least ``spacing`` around and between them."""
    if photo + 2 * spacing > page:
        return 0
    return (page - spacing) // (photo + spacing)


def layout_sheet(
    paper: PrintPaper,
    photo_mm: tuple[float, float],
    *,
    copies: int | None = None,
    dpi: int = SHEET_DPI,
    min_spacing_mm: float = MIN_SPACING_MM,
) -> SheetLayout:
    """As many copies as fit (or ``copies``) of a ``photo_mm`` photo on ``paper``.

    The paper is used upright or turned, whichever holds more copies (upright on a
    tie); photos are never rotated. Gaps are equal between copies and to the edges.
    """
    if photo_mm[0] <= 0 or photo_mm[1] <= 0:
        raise ValidationError("The photo has no print size.")
    photo = (mm_to_px(photo_mm[0], dpi), mm_to_px(photo_mm[1], dpi))
    spacing = max(1, mm_to_px(min_spacing_mm, dpi))
    upright = paper.size_px(dpi)
    best: tuple[int, int, tuple[int, int], bool] | None = None
    for page, landscape in ((upright, False), ((upright[1], upright[0]), True)):
        cols = _fit_count(page[0], photo[0], spacing)
        rows = _fit_count(page[1], photo[1], spacing)
        if best is None or cols * rows > best[0] * best[1]:
            best = (cols, rows, page, landscape)
    assert best is not None
    cols, rows, page, landscape = best
    capacity = cols * rows
    if capacity == 0:
        raise ValidationError(
            f"A {photo_mm[0]:g}x{photo_mm[1]:g} mm photo does not fit on {paper.name}.",
            hint="Choose a larger paper.",
        )
    if copies is not None and not 1 <= copies <= capacity:
        raise ValidationError(
            f"{copies} copies do not fit: at most {capacity} copies of "
            f"{photo_mm[0]:g}x{photo_mm[1]:g} mm fit on {paper.name}.",
            hint=f"Choose 1 to {capacity} copies, or a larger paper.",
        )
    gap_x = (page[0] - cols * photo[0]) / (cols + 1)
    gap_y = (page[1] - rows * photo[1]) / (rows + 1)
    positions = [
        (round(gap_x * (c + 1) + photo[0] * c), round(gap_y * (r + 1) + photo[1] * r))
        for r in range(rows)
        for c in range(cols)
    ]
    count = capacity if copies is None else copies
    return SheetLayout(
        paper=paper,
        dpi=dpi,
        page_px=page,
        photo_px=photo,
        columns=cols,
        rows=rows,
        positions=tuple(positions[:count]),
        spacing_px=(gap_x, gap_y),
        landscape=landscape,
    )


def _cut_mark_reach(layout: SheetLayout) -> int:
    """How far cut marks reach from a photo's corner, in pixels (0: none fit)."""
    return max(0, min(mm_to_px(CUT_MARK_MM, layout.dpi), int(min(layout.spacing_px)) - 1))


def _draw_cut_marks(draw: ImageDraw.ImageDraw, layout: SheetLayout) -> None:
    """Short lines continuing each photo edge outwards from its corners, inside the gaps."""
    w, h = layout.photo_px
    reach = _cut_mark_reach(layout)
    if reach < 1:
        return
    colour = CUT_MARK_COLOUR
    for x, y in layout.positions:
        left, top, right, bottom = x, y, x + w - 1, y + h - 1
        for cx, cy, dx, dy in (
            (left, top, -1, -1),
            (right, top, 1, -1),
            (left, bottom, -1, 1),
            (right, bottom, 1, 1),
        ):
            # along the horizontal edge, outwards; then along the vertical edge
            x0 = cx + dx
            draw.line([(x0, cy), (x0 + dx * (reach - 1), cy)], fill=colour, width=CUT_MARK_PX)
            y0 = cy + dy
            draw.line([(cx, y0), (cx, y0 + dy * (reach - 1))], fill=colour, width=CUT_MARK_PX)


def render_sheet(
    photo: bytes | Image.Image,
    layout: SheetLayout,
    *,
    bg_color: str | None = None,
    cut_marks: bool = True,
    caption: str | None = None,
) -> Image.Image:
    """The sheet as an RGB image at ``layout.dpi`` (a transparent photo goes on ``bg_color``).

    ``caption`` (the customer's name or order number) is printed small in the bottom
    margin, never on a photo or a cut mark.
    """
    source = open_result(photo) if isinstance(photo, bytes) else photo
    copy = to_opaque(source, bg_color)
    if copy.size != layout.photo_px:
        copy = copy.resize(layout.photo_px, Image.Resampling.LANCZOS)
    sheet = Image.new("RGB", layout.page_px, PAPER_COLOUR)
    for position in layout.positions:
        sheet.paste(copy, position)
    if cut_marks:
        _draw_cut_marks(ImageDraw.Draw(sheet), layout)
    if caption is not None and caption.strip():
        from idphoto_desktop.core.sheet_caption import draw_caption

        draw_caption(sheet, layout, caption, reach_px=_cut_mark_reach(layout) if cut_marks else 0)
    sheet.info["dpi"] = (layout.dpi, layout.dpi)
    return sheet


def photo_mm_for(preset: Preset) -> tuple[float, float]:
    """The preset's print size, or a clear refusal for an upload-only preset."""
    if preset.print_mm is None:
        raise ValidationError(
            f"{preset.name} is for online upload only and has no print size.",
            hint=N_(f"Choose a print preset for a print sheet (for example {preset.see_also[0]}).")
            if preset.see_also
            else N_("Choose a print preset for a print sheet."),
        )
    return preset.print_mm


def make_sheet(
    photo: bytes | Image.Image,
    preset: Preset,
    paper: PrintPaper,
    *,
    copies: int | None = None,
    bg_color: str | None = None,
    dpi: int = SHEET_DPI,
    cut_marks: bool = True,
    caption: str | None = None,
) -> tuple[Image.Image, SheetLayout]:
    """Lay out and render a sheet for ``preset`` on ``paper`` in one call."""
    layout = layout_sheet(paper, photo_mm_for(preset), copies=copies, dpi=dpi)
    sheet = render_sheet(photo, layout, bg_color=bg_color, cut_marks=cut_marks, caption=caption)
    return sheet, layout


def sheet_jpeg(sheet: Image.Image, dpi: int = SHEET_DPI, *, quality: int = 95) -> bytes:
    """JPEG bytes with the DPI recorded, so a print dialog can print at true size."""
    return encode_jpeg(sheet, quality=quality, dpi=(dpi, dpi))


def sheet_pdf(sheet: Image.Image, dpi: int = SHEET_DPI, *, quality: int = 95) -> bytes:
    """A one-page PDF whose page is exactly the sheet's physical size (px / dpi * 72 pt)."""
    buf = io.BytesIO()
    sheet.convert("RGB").save(buf, format="PDF", resolution=float(dpi), quality=quality)
    return buf.getvalue()
