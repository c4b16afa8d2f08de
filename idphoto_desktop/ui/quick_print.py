"""One-click print: the sheet goes to the printer, paper and layout last used for the preset.

Why: at the counter the same document is printed on the same dye-sub printer and paper
all day; opening the print dialog for each customer is wasted clicks. The first time a
preset is printed, "Print" opens the sheet dialog (the platform's print dialog follows);
what the clerk chose there (printer, paper, copies) is remembered per preset in the
settings, and from then on "Print" prints at once, at true size (never "fit to page").
"Print sheet…" (Ctrl+P) keeps the dialogs one click away, to change any of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from idphoto_desktop.core.errors import IdPhotoError

if TYPE_CHECKING:
    from PySide6.QtGui import QImage
    from PySide6.QtPrintSupport import QPrinter

    from idphoto_desktop.core.presets import Preset, PrintPaper
    from idphoto_desktop.storage.settings import Settings
    from idphoto_desktop.ui.main_window import MainWindow
    from idphoto_desktop.ui.studio_services import PrinterSetupFn

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrintChoice:
    """How a preset's sheet was last printed: printer ("" = the default), paper, copies."""

    printer: str
    paper: str
    copies: int  # 0: as many as fit


PrinterFactory = Callable[[PrintChoice, "PrintPaper", bool], "QPrinter"]
"""(choice, paper, landscape) -> a printer set up for the sheet (tests: a PDF file)."""


def remembered(settings: Settings, preset_id: str) -> PrintChoice | None:
    raw = settings.print_choices.get(preset_id)
    if raw is None:
        return None
    return PrintChoice(str(raw["printer"]), str(raw["paper"]), int(raw["copies"]))


def remember(settings: Settings, preset_id: str, choice: PrintChoice) -> None:
    table: dict[str, dict[str, Any]] = dict(settings.print_choices)
    table[preset_id] = {"printer": choice.printer, "paper": choice.paper,
                        "copies": choice.copies}
    try:
        settings.set("print_choices", table)
    except IdPhotoError as err:
        log.warning("Printer choice not saved: %s", err)


def system_printer(choice: PrintChoice, paper: PrintPaper, landscape: bool) -> QPrinter:
    """The remembered printer (or the default one) set to the sheet's paper, full page."""
    from PySide6.QtPrintSupport import QPrinterInfo

    from idphoto_desktop.ui.print_support import new_printer

    printer = new_printer(paper, landscape)
    if choice.printer:
        if choice.printer not in QPrinterInfo.availablePrinterNames():
            raise IdPhotoError(
                QCoreApplication.translate("QuickPrint", "The printer {0} is not available.")
                .replace("{0}", choice.printer),
                hint=QCoreApplication.translate(
                    "QuickPrint", "Use Print sheet… (Ctrl+P) to choose another printer."
                ),
            )
        printer.setPrinterName(choice.printer)
    return printer


def render_for_print(
    image: bytes, preset: Preset, choice: PrintChoice, bg: str | None, caption: str | None
) -> tuple[QImage, PrintPaper, bool, int]:
    """Worker: the sheet at 300 dpi as a QImage, its paper, orientation and dpi."""
    from idphoto_desktop.core.presets import get_paper
    from idphoto_desktop.core.sheet import layout_sheet, photo_mm_for, render_sheet
    from idphoto_desktop.ui.jobs import pil_to_qimage

    paper = get_paper(choice.paper)
    layout = layout_sheet(paper, photo_mm_for(preset), copies=choice.copies or None)
    sheet = render_sheet(image, layout, bg_color=bg, caption=caption)
    return pil_to_qimage(sheet), paper, layout.landscape, layout.dpi


class QuickPrint(QObject):
    """The "Print" button and action on the result."""

    printed = Signal(str)  # what was printed to (printer name, or the PDF file in tests)
    printFailed = Signal(str)

    def __init__(self, window: MainWindow, factory: PrinterFactory = system_printer) -> None:
        super().__init__(window)
        self.window = window
        self.factory = factory
        self._busy = False
        self._printer: QPrinter | None = None  # kept alive while a worker paints
        self.button = QPushButton(self.tr("Print"))
        self.button.setObjectName("quickPrintButton")
        self.button.clicked.connect(self.print_now)
        self.button.setEnabled(False)
        self.action = QAction(self.tr("&Print now"), window)
        self.action.setObjectName("actQuickPrint")
        self.action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.triggered.connect(self.print_now)
        self.action.setEnabled(False)
        window.addAction(self.action)
        for signal in (window.resultShown, window.photoLoaded, window.jobFailed):
            signal.connect(lambda *_a: self.update_state())

    # ------------------------------------------------------------------ state
    def update_state(self) -> None:
        enabled = self.window.generated is not None and not self._busy
        self.button.setEnabled(enabled)
        self.action.setEnabled(enabled)
        preset = self.window.studio.result_preset() if enabled else None
        choice = remembered(self.window.settings, preset.id) if preset is not None else None
        if choice is None:
            tip = self.tr("Print the sheet; the first time, choose the printer and paper")
        else:
            tip = self.tr("Print at once on {0} to {1} (Print sheet… to change)").replace(
                "{0}", choice.paper
            ).replace("{1}", choice.printer or self.tr("the default printer"))
        self.button.setToolTip(tip)

    # ------------------------------------------------------------------ print
    def print_now(self) -> None:
        """Print with the preset's remembered choice; the first time, the dialogs."""
        generated = self.window.generated
        if generated is None or self._busy or not self.window.notes.confirm_output():
            return
        studio = self.window.studio
        preset = studio.result_preset()
        if preset is None:
            studio.print_current()  # it explains why no sheet can be made
            return
        choice = remembered(self.window.settings, preset.id)
        if choice is None:
            studio.print_current()  # choose once; remembered when it prints
            return
        image, bg, caption = generated.result.image, studio._color(), studio.customer()
        self._busy = True
        self.update_state()
        self.window.statusBar().showMessage(self.tr("Printing…"))

        def rendered(value: object) -> None:
            assert isinstance(value, tuple)
            qimage, paper, landscape, dpi = value
            try:
                printer = self.factory(choice, paper, landscape)
            except IdPhotoError as err:
                self._fail(err.full_text())
                return
            self._printer = printer
            target = printer.outputFileName() or printer.printerName() or choice.printer

            def painted(_v: object) -> None:
                self._busy = False
                self._printer = None
                self.update_state()
                from idphoto_desktop.ui.preset_entries import paper_name

                text = self.tr("Printed at true size on {0}.").replace("{0}", paper_name(paper))
                self.window.save_message.show_message(text, "info")
                self.window.statusBar().showMessage(text, 5000)
                self.printed.emit(target)

            from idphoto_desktop.ui.print_support import paint_sheet

            self.window.runner.submit(
                lambda _p, _c: paint_sheet(printer, qimage, dpi),
                on_success=painted, on_failure=lambda e: self._fail(_text(e)),
            )

        self.window.runner.submit(
            lambda _p, _c: render_for_print(image, preset, choice, bg, caption),
            on_success=rendered, on_failure=lambda e: self._fail(_text(e)),
        )

    def _fail(self, text: str) -> None:
        self._busy = False
        self._printer = None
        self.update_state()
        self.window.save_message.show_message(text, "error")
        self.window.statusBar().showMessage(self.tr("Not printed"), 5000)
        self.printFailed.emit(text)


def _text(error: BaseException) -> str:
    return error.full_text() if isinstance(error, IdPhotoError) else str(error)


def remembering(setup: PrinterSetupFn, settings: Settings) -> PrinterSetupFn:
    """The print dialog, and afterwards the choice remembered for the sheet's preset."""

    def ask(parent: QWidget, printer: QPrinter) -> bool:
        from PySide6.QtPrintSupport import QPrinter as Printer

        from idphoto_desktop.ui.sheet_dialog import SheetDialog

        accepted = setup(parent, printer)
        if accepted and isinstance(parent, SheetDialog):
            paper = parent.paper()
            native = printer.outputFormat() is Printer.OutputFormat.NativeFormat
            if paper is not None:  # "print to file" is no printer: the default one then
                name = printer.printerName() if native else ""
                remember(settings, parent.preset_id,
                         PrintChoice(name, paper.key, parent.copies_spin.value()))
        return accepted

    return ask


def install_quick_print(window: MainWindow) -> QuickPrint:
    """The window's hook: a "Print" button beside "Save as…" and "Print now" in File."""
    quick = QuickPrint(window)
    studio_services = window.services.studio
    studio_services.setup_printer = remembering(studio_services.setup_printer, window.settings)
    panel_layout = window.result_panel.layout()
    assert isinstance(panel_layout, QVBoxLayout)
    for index in range(panel_layout.count()):
        item = panel_layout.itemAt(index)
        row = item.layout() if item is not None else None
        if isinstance(row, QHBoxLayout) and row.indexOf(window.save_button) >= 0:
            row.insertWidget(row.indexOf(window.save_button), quick.button)
            break
    window.menus.add("file", quick.action)  # with the other output commands
    return quick
