"""``idphoto export`` and ``idphoto sheet``: online-form files and print sheets."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from idphoto_desktop.cli.common import EXIT_FAILED, EXIT_OK
from idphoto_desktop.core.errors import IdPhotoError
from idphoto_desktop.core.i18n import translate


def _read_result(path: str) -> bytes:
    from idphoto_desktop.core.readfile import read_regular_file

    return read_regular_file(Path(path), 100 * 1024 * 1024, what="The result")


def cmd_export(args: argparse.Namespace) -> int:
    """The online-form JPEG for a preset's digital rules."""
    from idphoto_desktop.core import validation
    from idphoto_desktop.core.export import export_for_upload, write_atomic
    from idphoto_desktop.core.presets import get_preset

    preset = get_preset(args.preset)
    bg = validation.normalize_bg_color(args.bg) if args.bg else None
    export = export_for_upload(_read_result(args.result), preset, bg_color=bg)
    out = write_atomic(Path(args.output), export.data, overwrite=args.overwrite)
    print(f"wrote {out} ({export.width}x{export.height} JPEG, {export.size_kb:.0f} KB, "
          f"quality {export.quality}, {export.dpi} dpi)")
    for note in export.notes:
        print(f"note: {translate(note)}")
    for problem in export.problems:
        print(f"problem: {translate(problem)}", file=sys.stderr)
    return EXIT_OK if export.meets_rules else EXIT_FAILED


def cmd_sheet(args: argparse.Namespace) -> int:
    """A print sheet of copies at true physical size, as PDF or JPEG."""
    from idphoto_desktop.core import validation
    from idphoto_desktop.core.export import write_atomic
    from idphoto_desktop.core.presets import get_paper, get_preset
    from idphoto_desktop.core.sheet import make_sheet, sheet_jpeg, sheet_pdf

    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix not in {".pdf", ".jpg", ".jpeg"}:
        raise IdPhotoError(
            f"Cannot write a sheet as '{suffix or out.name}'.", hint="Name the output .pdf or .jpg."
        )
    preset = get_preset(args.preset)
    paper = get_paper(args.paper)
    bg = validation.normalize_bg_color(args.bg) if args.bg else None
    sheet, layout = make_sheet(
        _read_result(args.result), preset, paper, copies=args.copies, bg_color=bg,
        caption=args.customer,
    )
    data = sheet_pdf(sheet, layout.dpi) if suffix == ".pdf" else sheet_jpeg(sheet, layout.dpi)
    write_atomic(out, data, overwrite=args.overwrite)
    print(f"wrote {out} ({layout.copies} copies of {preset.id} on {paper.name}, "
          f"{layout.page_px[0]}x{layout.page_px[1]} px at {layout.dpi} dpi)")
    return EXIT_OK


def register(sub: Any) -> None:
    """Add ``export`` and ``sheet`` to the ``idphoto`` parser."""
    exp = sub.add_parser("export", help="the online-form JPEG for a preset")
    exp.add_argument("result")
    exp.add_argument("--preset", required=True)
    exp.add_argument("--bg", default=None, help="colour under a transparent result (RRGGBB)")
    exp.add_argument("--overwrite", action="store_true")
    exp.add_argument("-o", "--output", required=True)
    exp.set_defaults(func=cmd_export)

    sht = sub.add_parser("sheet", help="a print sheet of copies (PDF or JPEG)")
    sht.add_argument("result")
    sht.add_argument("--preset", required=True, help="gives the physical size of a copy")
    sht.add_argument("--paper", default="4x6", help="4x6, 10x15, 5x7, a4 or letter")
    sht.add_argument("--copies", type=int, default=None, help="default: as many as fit")
    sht.add_argument("--bg", default=None, help="colour under a transparent result (RRGGBB)")
    sht.add_argument("--customer", default=None,
                     help="customer name or order number, printed small in the margin")
    sht.add_argument("--overwrite", action="store_true")
    sht.add_argument("-o", "--output", required=True)
    sht.set_defaults(func=cmd_sheet)

