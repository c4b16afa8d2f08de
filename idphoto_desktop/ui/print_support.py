"""Printing a sheet at true size through Qt's print system (QtPrintSupport).

PySide6-Essentials ships QtPrintSupport (QPrinter, QPrintDialog), so printing needs
no extra package. True size means: the page is the sheet's paper, the printer prints
the full page (no margins added by Qt), and the 300-dpi sheet image is drawn at its
physical size in the printer's device units (``px / dpi * printer.resolution()``),
never scaled to fit. The painting itself runs on a worker thread, which Qt allows for
a QPrinter; the print dialog runs on the GUI thread before.
"""

from __future__ import annotations

from PySide6.QtCore import QMarginsF, QRectF, QSizeF
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter

from idphoto_desktop.core.errors import StorageError
from idphoto_desktop.core.presets import PrintPaper


def new_printer(paper: PrintPaper, landscape: bool) -> QPrinter:
    """A printer set to ``paper`` (turned when the sheet is landscape), full page."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    configure_printer(printer, paper, landscape)
    return printer


def configure_printer(printer: QPrinter, paper: PrintPaper, landscape: bool) -> None:
    size = QPageSize(
        QSizeF(paper.width_mm, paper.height_mm),
        QPageSize.Unit.Millimeter,
        paper.name,
        QPageSize.SizeMatchPolicy.ExactMatch,
    )
    orientation = (
        QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    )
    printer.setFullPage(True)
    printer.setPageLayout(
        QPageLayout(size, orientation, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    )


def sheet_target(printer: QPrinter, image: QImage, dpi: int) -> QRectF:
    """Where the sheet goes on the page, in device units: its physical size, at the corner."""
    resolution = printer.resolution()
    return QRectF(
        0.0, 0.0, image.width() / dpi * resolution, image.height() / dpi * resolution
    )


def paint_sheet(printer: QPrinter, image: QImage, dpi: int) -> QRectF:
    """Print ``image`` (a ``dpi`` sheet) at true size; worker thread. The rect painted."""
    painter = QPainter()
    if not painter.begin(printer):
        raise StorageError(
            "The printer could not be started.",
            hint="Check the printer, or export the sheet as PDF and print that.",
        )
    try:
        target = sheet_target(printer, image, dpi)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(target, image)
    finally:
        painter.end()
    return target
