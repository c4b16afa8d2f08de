"""Print sheets: choose the paper and the copies, preview, export as JPEG or PDF, print.

The layout (how many copies fit) is arithmetic and is worked out at once; rendering
the 300-dpi sheet, encoding it and printing run in the window's :class:`TaskRunner`.
Printing goes through the injectable print dialog and then paints the sheet at its
physical size (:mod:`~idphoto_desktop.ui.print_support`), never "fit to page".
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from idphoto_desktop.core.errors import IdPhotoError
from idphoto_desktop.core.job import GenerateResult
from idphoto_desktop.core.presets import Preset, PrintPaper
from idphoto_desktop.ui.errors import clerk_text, write_failure
from idphoto_desktop.ui.image_view import ImageView
from idphoto_desktop.ui.preset_entries import paper_name
from idphoto_desktop.ui.widgets import Banner

if TYPE_CHECKING:
    from PIL import Image
    from PySide6.QtPrintSupport import QPrinter

    from idphoto_desktop.core.sheet import SheetLayout
    from idphoto_desktop.ui.dialogs import Dialogs
    from idphoto_desktop.ui.studio_services import PrinterSetupFn
    from idphoto_desktop.ui.workers import TaskRunner

PAPER_KEYS = ("4x6", "10x15", "5x7", "a4", "letter")
MAX_COPIES = 99


def sheet_papers() -> list[PrintPaper]:
    """The papers offered, in the counter's usual order."""
    from idphoto_desktop.core.presets import load_papers

    by_key = {p.key: p for p in load_papers()}
    return [by_key[k] for k in PAPER_KEYS if k in by_key]


def _message(error: BaseException) -> str:
    return clerk_text(error)


class SheetDialog(QDialog):
    """One result on a sheet of paper: preview, export, print."""

    sheetReady = Signal()
    saved = Signal(str)
    printed = Signal()

    def __init__(
        self,
        result: GenerateResult,
        preset: Preset,
        bg_color: str | None,
        runner: TaskRunner,
        dialogs: Dialogs,
        setup_printer: PrinterSetupFn,
        suggested: Path,
        parent: QWidget | None = None,
        *,
        caption: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sheetDialog")
        self.caption = caption  # the customer, printed small in the margin
        self.setWindowTitle(self.tr("Print sheet"))
        self._result = result
        self._preset = preset
        self._color = bg_color
        self._runner = runner
        self._dialogs = dialogs
        self._setup_printer = setup_printer
        self._suggested = suggested
        self._papers = sheet_papers()
        self._seq = 0
        self._busy = False
        self._printer: QPrinter | None = None
        self.layout_: SheetLayout | None = None
        self.sheet: Image.Image | None = None
        self.sheet_image: QImage | None = None

        self.paper_combo = QComboBox()
        self.paper_combo.setObjectName("sheetPaper")
        for paper in self._papers:
            self.paper_combo.addItem(paper_name(paper), paper.key)
        self.copies_spin = QSpinBox()
        self.copies_spin.setObjectName("sheetCopies")
        self.copies_spin.setRange(0, MAX_COPIES)
        self.copies_spin.setSpecialValueText(self.tr("As many as fit"))
        self.copies_spin.setValue(0)
        self.preview = ImageView(self.tr("Making the sheet…"))
        self.preview.setObjectName("sheetPreview")
        self.preview.setMinimumSize(300, 360)
        self.info = QLabel()
        self.info.setObjectName("sheetInfo")
        self.info.setWordWrap(True)
        self.message = Banner("sheetMessage")
        form = QFormLayout()
        form.addRow(self.tr("Paper"), self.paper_combo)
        form.addRow(self.tr("Copies"), self.copies_spin)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.jpeg_button = QPushButton(self.tr("Save JPEG…"))
        self.jpeg_button.setObjectName("sheetSaveJpeg")
        self.pdf_button = QPushButton(self.tr("Save PDF…"))
        self.pdf_button.setObjectName("sheetSavePdf")
        self.print_button = QPushButton(self.tr("Print…"))
        self.print_button.setObjectName("sheetPrint")
        for button in (self.jpeg_button, self.pdf_button, self.print_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.jpeg_button.clicked.connect(lambda: self.save("jpg"))
        self.pdf_button.clicked.connect(lambda: self.save("pdf"))
        self.print_button.clicked.connect(self.print_sheet)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.info)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(560, 700)
        self.paper_combo.currentIndexChanged.connect(self._relayout)
        self.copies_spin.valueChanged.connect(self._relayout)
        self._relayout()

    @property
    def preset_id(self) -> str:
        """The preset the sheet is for (one-click print remembers the choice under it)."""
        return self._preset.id

    def paper(self) -> PrintPaper | None:
        index = self.paper_combo.currentIndex()
        return self._papers[index] if 0 <= index < len(self._papers) else None

    def select_paper(self, key: str) -> None:
        index = self.paper_combo.findData(key)
        if index >= 0:
            self.paper_combo.setCurrentIndex(index)

    def _set_ready(self, ready: bool) -> None:
        for button in (self.jpeg_button, self.pdf_button, self.print_button):
            button.setEnabled(ready and not self._busy)

    def _relayout(self) -> None:
        """Lay out now (arithmetic), render in a worker; a newer choice wins."""
        from idphoto_desktop.core.sheet import layout_sheet, photo_mm_for, render_sheet

        self._seq += 1
        seq = self._seq
        self.sheet = self.sheet_image = self.layout_ = None
        self._set_ready(False)
        self.message.clear_message()
        paper = self.paper()
        if paper is None:
            return
        copies = self.copies_spin.value() or None
        try:
            layout = layout_sheet(paper, photo_mm_for(self._preset), copies=copies)
        except IdPhotoError as err:
            self.info.setText("")
            self.preview.set_image(None)
            self.message.show_message(err.full_text(), "error")
            return
        w_mm, h_mm = photo_mm_for(self._preset)
        self.info.setText(
            self.tr("{0} copies of {1} on {2}: {3} at {4} dpi, printed at true size.")
            .replace("{0}", str(layout.copies))
            .replace("{1}", f"{w_mm:g}×{h_mm:g} mm")
            .replace("{2}", paper_name(paper))
            .replace("{3}", f"{layout.page_px[0]}×{layout.page_px[1]} px")
            .replace("{4}", str(layout.dpi))
        )
        image, color, caption = self._result.image, self._color, self.caption

        def work(_p: object, _c: object) -> tuple[Image.Image, QImage]:
            from idphoto_desktop.ui.jobs import pil_to_qimage

            sheet = render_sheet(image, layout, bg_color=color, caption=caption)
            return sheet, pil_to_qimage(sheet)

        def done(value: object) -> None:
            if seq != self._seq:
                return
            assert isinstance(value, tuple)
            self.sheet, self.sheet_image = value
            self.layout_ = layout
            self.preview.set_image(self.sheet_image)
            self._set_ready(True)
            self.sheetReady.emit()

        def failed(error: BaseException) -> None:
            if seq == self._seq:
                self.message.show_message(_message(error), "error")

        self._runner.submit(work, on_success=done, on_failure=failed)

    # ----- export -----
    def save(self, kind: str) -> None:
        sheet, layout = self.sheet, self.layout_
        if sheet is None or layout is None or self._busy:
            return
        name = f"{self._suggested.stem}-sheet-{layout.paper.key}.{kind}"
        name_filter = (
            self.tr("PDF document (*.pdf)") if kind == "pdf"
            else self.tr("JPEG image (*.jpg *.jpeg)")
        )
        chosen = self._dialogs.save_path(self, self._suggested.with_name(name), name_filter)
        if chosen is None:
            return
        allowed = (".pdf",) if kind == "pdf" else (".jpg", ".jpeg")
        overwrite = True  # the dialog asked before replacing
        if chosen.suffix.lower() not in allowed:
            chosen = chosen.with_name(f"{chosen.name}.{kind}")
            overwrite = False
        target, dpi = chosen, layout.dpi

        def work(_p: object, _c: object) -> Path:
            from idphoto_desktop.core.export import write_atomic
            from idphoto_desktop.core.sheet import sheet_jpeg, sheet_pdf

            data = sheet_pdf(sheet, dpi) if kind == "pdf" else sheet_jpeg(sheet, dpi)
            return write_atomic(target, data, overwrite=overwrite)

        def done(_value: object) -> None:
            self._busy = False
            self._set_ready(True)
            self.message.show_message(self.tr("Saved {0}").replace("{0}", str(target)), "info")
            self.saved.emit(str(target))

        def failed(error: BaseException) -> None:
            self._busy = False
            self._set_ready(True)
            error = write_failure(error, target)
            self.message.show_message(_message(error), "error")

        self._busy = True
        self._set_ready(False)
        self._runner.submit(work, on_success=done, on_failure=failed)

    # ----- print -----
    def print_sheet(self) -> None:
        """The print dialog (GUI thread), then paint at true size in a worker."""
        from idphoto_desktop.ui.print_support import new_printer, paint_sheet

        image, layout = self.sheet_image, self.layout_
        if image is None or layout is None or self._busy:
            return
        printer = new_printer(layout.paper, layout.landscape)
        if not self._setup_printer(self, printer):
            return
        self._printer = printer  # kept alive until the worker is done
        dpi = layout.dpi

        def done(_value: object) -> None:
            self._busy = False
            self._printer = None
            self._set_ready(True)
            self.message.show_message(
                self.tr("Sent to the printer at true size (no scaling)."), "info"
            )
            self.printed.emit()

        def failed(error: BaseException) -> None:
            self._busy = False
            self._printer = None
            self._set_ready(True)
            self.message.show_message(_message(error), "error")

        self._busy = True
        self._set_ready(False)
        self._runner.submit(
            lambda _p, _c: paint_sheet(printer, image, dpi), on_success=done, on_failure=failed
        )
