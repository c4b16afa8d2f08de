"""One-click print: remembered printer, paper and copies per preset; true size in the PDF."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QWidget

from idphoto_desktop.core.presets import PrintPaper
from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.print_support import new_printer
from idphoto_desktop.ui.quick_print import PrintChoice, remember, remembered
from idphoto_desktop.ui.services import Services
from tests.test_ui_flow import PHOTO, generate, load_photo
from tests.test_ui_studio import (
    _count_copies,
    _drawn_image_size_points,
    _pdf_page_points,
    _pdf_streams,
)

pytestmark = pytest.mark.gui


def _printed(pdf: Path) -> tuple[tuple[float, float], tuple[float, float], Image.Image]:
    """Page size and drawn image size in points, and the sheet image printed."""
    data = pdf.read_bytes()
    streams = _pdf_streams(data)
    content = next(s for s in streams if b" Do" in s)
    jpeg = next(s for s in streams if s.startswith(b"\xff\xd8"))
    with Image.open(io.BytesIO(jpeg)) as image:
        image.load()
        return _pdf_page_points(data), _drawn_image_size_points(content), image.copy()


def test_first_print_asks_then_print_goes_straight_to_the_printer_at_true_size(
    qtbot: Any, make_window: Callable[[Services], MainWindow],
    ui_services: Callable[..., Services], photos_dir: Path, tmp_path: Path,
) -> None:
    services = ui_services()
    dialog_pdf = tmp_path / "dialog.pdf"
    asked: list[str] = []

    def print_dialog(_parent: QWidget, printer: QPrinter) -> bool:  # "print to file"
        asked.append("dialog")
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(dialog_pdf))
        return True

    services.studio.setup_printer = print_dialog
    window = make_window(services)
    load_photo(qtbot, window, photos_dir / PHOTO)
    assert window.preset_picker.select("us_passport")
    window.watch_folder.strip.customer_edit.setText("Li Wei")
    generate(qtbot, window)
    quick = window.quick_print
    qtbot.waitUntil(quick.button.isEnabled, timeout=5_000)
    assert remembered(window.settings, "us_passport") is None

    # the first time: the sheet dialog; 2 copies on 4x6, printed through the print dialog
    qtbot.mouseClick(quick.button, Qt.MouseButton.LeftButton)
    dialog = window.studio.sheet_dialog
    assert dialog is not None and dialog.isVisible() and dialog.caption == "Li Wei"
    dialog.select_paper("4x6")
    dialog.copies_spin.setValue(2)
    qtbot.waitUntil(lambda: dialog.layout_ is not None and dialog.layout_.copies == 2
                    and dialog.sheet is not None, timeout=20_000)
    with qtbot.waitSignal(dialog.printed, timeout=20_000):
        qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert asked == ["dialog"]
    assert remembered(window.settings, "us_passport") == PrintChoice("", "4x6", 2)
    dialog.close()

    # from now on "Print" prints at once: no dialog, the same paper and copies
    one_click = tmp_path / "one-click.pdf"
    made: list[tuple[PrintChoice, str, bool]] = []

    def pdf_printer(choice: PrintChoice, paper: PrintPaper, landscape: bool) -> QPrinter:
        made.append((choice, paper.key, landscape))
        printer = new_printer(paper, landscape)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(one_click))
        return printer

    quick.factory = pdf_printer
    assert quick.action.isEnabled()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    with qtbot.waitSignal(quick.printed, timeout=30_000) as printed:
        qtbot.keyClick(window, Qt.Key.Key_P,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert asked == ["dialog"]  # not asked again
    assert printed.args == [str(one_click)]
    assert made and made[0][0] == PrintChoice("", "4x6", 2) and made[0][1] == "4x6"
    page, drawn, sheet = _printed(one_click)
    # THEN the page is 4x6 in (288 x 432 pt) and the sheet is drawn at exactly that size:
    assert sorted(page) == pytest.approx([288.0, 432.0], abs=0.5)
    assert sorted(drawn) == pytest.approx([288.0, 432.0], abs=0.5)
    # the sheet image is 300 dpi over the page, so each 600 px photo is 2 in = 50.8 mm
    dpi = max(sheet.size) / (max(drawn) / 72.0)
    assert dpi == pytest.approx(300.0, abs=0.5)
    assert _count_copies(sheet, (600, 600)) == 2
    assert 600 / dpi * 25.4 == pytest.approx(50.8, abs=0.1)
    # and the same as what the dialog printed
    assert sorted(_printed(dialog_pdf)[0]) == sorted(page)


def test_a_remembered_printer_that_is_gone_says_so_and_prints_nothing(
    qtbot: Any, make_window: Callable[[Services], MainWindow],
    ui_services: Callable[..., Services], photos_dir: Path,
) -> None:
    window = make_window(ui_services())
    load_photo(qtbot, window, photos_dir / PHOTO)
    assert window.preset_picker.select("us_passport")
    generate(qtbot, window)
    remember(window.settings, "us_passport", PrintChoice("Studio-DS620-gone", "4x6", 0))
    with qtbot.waitSignal(window.quick_print.printFailed, timeout=30_000) as failed:
        window.quick_print.print_now()
    assert "Studio-DS620-gone" in failed.args[0] and "not available" in failed.args[0]
    assert window.save_message.role == "error"
    assert window.quick_print.button.isEnabled()  # ready to try again
