"""The studio features on the window: history and never paying twice, export for online
forms, print sheets at true size, and compliance guides. Real gestures, injected dialogs,
the provider through the sandbox server on 127.0.0.1.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QWidget

from idphoto_desktop.core.presets import background_allowed, get_preset
from idphoto_desktop.engines.offline import OfflineEngine
from idphoto_desktop.sandbox.server import SandboxServer
from idphoto_desktop.storage.history import History
from idphoto_desktop.ui.guides import CENTER_COLOR, EYE_BAND_COLOR
from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.services import ENGINE_CLOUD, Services
from tests.fixtures.ui import ScriptedDialogs, fast_engine_factory
from tests.test_ui_flow import PHOTO, generate, load_photo

pytestmark = pytest.mark.gui

WindowFactory = Callable[[Services], MainWindow]
POST = "POST /task/pic/idphoto"


def ctrl(qtbot: Any, window: MainWindow, key: Qt.Key) -> None:
    qtbot.keyClick(window, key, Qt.KeyboardModifier.ControlModifier)


def click(qtbot: Any, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def pick_preset(window: MainWindow, preset_id: str) -> None:
    assert window.preset_picker.select(preset_id), preset_id


# ------------------------------------------------------------------ history
def test_second_identical_generate_offers_stored_result_and_never_reaches_server(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    sandbox_factory: Callable[..., SandboxServer],
    sandbox_token: str,
    photos_dir: Path,
) -> None:
    # GIVEN the provider (sandbox) and a first paid result
    sandbox = sandbox_factory()
    services = ui_services(token=sandbox_token, api_url=sandbox.base_url, engine="cloud")
    window = make_window(services)
    load_photo(qtbot, window, photos_dir / PHOTO)
    pick_preset(window, "icao_35x45")
    generate(qtbot, window)
    first = window.generated
    assert first is not None
    assert sandbox.request_counts[POST] == 1
    # ... stored the moment it arrived
    history = services.studio.history()
    assert history.count() == 1
    assert window.photo is not None and window.photo.prepared is not None
    digest = window.photo.prepared.source_sha256
    assert history.list()[0].input_sha256 == digest

    # WHEN the clerk opens the same file again and presses Generate with the same choices
    load_photo(qtbot, window, photos_dir / PHOTO)
    assert window.generated is None
    ctrl(qtbot, window, Qt.Key.Key_Return)
    offer = window.studio.offer
    qtbot.waitUntil(offer.isVisible, timeout=5_000)

    # THEN nothing reached the server, and "Use the stored result" is the default
    assert sandbox.request_counts[POST] == 1
    assert not window.running and window.generated is None
    assert offer.use_button.hasFocus()
    with qtbot.waitSignal(window.resultShown, timeout=5_000):
        qtbot.keyClick(offer.use_button, Qt.Key.Key_Space)
    shown = window.generated
    assert shown is not None and shown.result.image == first.result.image
    assert "stored" in window.result_panel.result_caption.text()
    assert "nothing was charged" in window.message.text()
    assert sandbox.request_counts[POST] == 1
    assert history.count() == 1

    # WHEN Generate again, and the clerk forces a new call this time
    ctrl(qtbot, window, Qt.Key.Key_Return)
    qtbot.waitUntil(offer.isVisible, timeout=5_000)
    assert sandbox.request_counts[POST] == 1
    click(qtbot, offer.again_button)
    qtbot.waitUntil(lambda: not window.running, timeout=20_000)
    # THEN exactly one more call, and that result is stored too
    assert sandbox.request_counts[POST] == 2
    assert history.count() == 2
    assert "stored" not in window.result_panel.result_caption.text()


def test_history_survives_restart_reopens_deletes_and_clears(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    photos_dir: Path,
) -> None:
    # GIVEN two results made offline in a first window, which is then closed
    window = make_window(ui_services())
    load_photo(qtbot, window, photos_dir / PHOTO)
    pick_preset(window, "icao_35x45")
    generate(qtbot, window)
    pick_preset(window, "us_passport")
    generate(qtbot, window)
    window.close()

    # WHEN a new window starts on the same IDPHOTO_HOME and Ctrl+H shows the history
    services = ui_services()
    window = make_window(services)
    panel = window.studio.history_panel
    with qtbot.waitSignal(panel.changed, timeout=5_000):
        ctrl(qtbot, window, Qt.Key.Key_H)
    assert window.studio.dock.isVisible()
    # THEN both results are listed, newest first, with thumbnail, preset, size, engine
    assert panel.list.count() == 2
    newest = panel.list.item(0)
    assert get_preset("us_passport").name in newest.text()
    assert "600×600 px" in newest.text() and "cropresize" in newest.text()
    assert not newest.icon().isNull()

    # WHEN the older one is reopened with no photo loaded
    panel.list.setCurrentRow(1)
    with qtbot.waitSignal(window.resultShown, timeout=5_000):
        click(qtbot, panel.open_button)
    # THEN it is shown, labelled as from the history and not the photo on the left
    generated = window.generated
    assert generated is not None
    assert (generated.result.width, generated.result.height) == (413, 531)
    caption = window.result_panel.result_caption.text()
    assert "From the history" in caption and "not the photo" in caption
    assert window.original_view.overlay() is None

    # WHEN the same photo is opened, the entry reopened is labelled as its result
    load_photo(qtbot, window, photos_dir / PHOTO)
    with qtbot.waitSignal(window.resultShown, timeout=5_000):
        click(qtbot, panel.open_button)
    assert "from the history" in window.result_panel.result_caption.text()
    assert "not the photo" not in window.result_panel.result_caption.text()

    # WHEN the newest (US passport) is exported and the older one printed, from the panel
    panel.list.setCurrentRow(0)
    click(qtbot, panel.export_button)
    qtbot.waitUntil(lambda: window.studio.export_dialog is not None, timeout=5_000)
    export = window.studio.export_dialog
    assert export is not None
    qtbot.waitUntil(lambda: export.upload is not None, timeout=10_000)
    preset = export.preset()
    assert preset is not None and preset.id == "us_passport"
    export.close()
    panel.list.setCurrentRow(1)
    click(qtbot, panel.print_button)
    qtbot.waitUntil(lambda: window.studio.sheet_dialog is not None, timeout=5_000)
    sheet = window.studio.sheet_dialog
    assert sheet is not None
    qtbot.waitUntil(lambda: sheet.layout_ is not None, timeout=10_000)
    assert sheet.layout_ is not None and sheet.layout_.photo_px == (413, 531)  # 35x45 mm
    sheet.close()
    window.activateWindow()  # the offscreen platform has no window manager to do it
    qtbot.waitUntil(window.isActiveWindow, timeout=2_000)

    # WHEN one entry is deleted (Del key on the list)
    panel.list.setFocus()
    with qtbot.waitSignal(panel.changed, timeout=5_000):
        qtbot.keyClick(panel.list, Qt.Key.Key_Delete)
    assert panel.list.count() == 1

    # WHEN "Clear all…" is refused, then confirmed
    asked: list[str] = []
    answers = iter([False, True])

    def confirm(_parent: QWidget, _title: str, question: str) -> bool:
        asked.append(question)
        return next(answers)

    services.studio.confirm = confirm
    click(qtbot, panel.clear_button)
    assert len(asked) == 1 and panel.list.count() == 1
    with qtbot.waitSignal(panel.changed, timeout=5_000):
        click(qtbot, panel.clear_button)
    assert panel.list.count() == 0
    assert not panel.clear_button.isEnabled()
    # THEN the database itself is empty
    with History() as fresh:
        assert fresh.count() == 0


# ------------------------------------------------------------------- export
def test_export_for_online_form_is_within_the_kb_window(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    answers: ScriptedDialogs,
    photos_dir: Path,
    tmp_path: Path,
) -> None:
    # GIVEN a result for the China visa online form (40-120 KB, 354x472 px)
    window = make_window(ui_services())
    load_photo(qtbot, window, photos_dir / PHOTO)
    pick_preset(window, "cn_visa_digital")
    generate(qtbot, window)

    # WHEN Ctrl+E
    ctrl(qtbot, window, Qt.Key.Key_E)
    dialog = window.studio.export_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.upload is not None, timeout=10_000)
    # THEN the size, the KB and the quality are shown in plain words
    upload = dialog.upload
    assert upload is not None and upload.meets_rules, upload.problems
    summary = dialog.summary.text()
    assert "354×472 px" in summary and "KB" in summary and f"quality {upload.quality}" in summary
    assert "40–120 KB" in dialog.rules.text()

    # WHEN saved through the (injected) file dialog
    answers.save_answers.append(tmp_path / "visa-upload")
    with qtbot.waitSignal(dialog.saved, timeout=10_000) as saved:
        click(qtbot, dialog.save_button)
    written = Path(saved.args[0])
    # THEN the file is a JPEG of the form's pixels inside the KB window
    assert written == tmp_path / "visa-upload.jpg"
    size = written.stat().st_size
    assert 40 * 1024 <= size <= 120 * 1000
    with Image.open(written) as img:
        assert img.format == "JPEG" and img.size == (354, 472)
    assert not list(tmp_path.glob(".*tmp"))  # no temporary file left behind
    dialog.close()


# -------------------------------------------------------------------- sheet
def _pdf_page_points(data: bytes) -> tuple[float, float]:
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert len(boxes) == 1, boxes
    x0, y0, x1, y1 = (float(v) for v in boxes[0])
    return x1 - x0, y1 - y0


def _pdf_streams(data: bytes) -> list[bytes]:
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        body = match.group(1)
        try:
            out.append(zlib.decompress(body))
        except zlib.error:
            out.append(body)
    return out


def _drawn_image_size_points(content: bytes) -> tuple[float, float]:
    """Follow q/Q/cm in a page's content to the image's size on the page (points)."""
    ctm = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    stack: list[tuple[float, ...]] = []
    numbers: list[float] = []
    for token in content.split():
        if re.fullmatch(rb"-?[\d.]+", token):
            numbers.append(float(token))
            continue
        if token == b"q":
            stack.append(ctm)
        elif token == b"Q":
            ctm = stack.pop()
        elif token == b"cm":
            a, b, c, d, e, f = numbers[-6:]
            A, B, C, D, E, F = ctm
            ctm = (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
                   e * A + f * C + E, e * B + f * D + F)
        elif token == b"Do":
            return abs(ctm[0]), abs(ctm[3])
        numbers = []
    raise AssertionError("no image drawn")


def _count_copies(sheet: Image.Image, photo_px: tuple[int, int]) -> int:
    """Photo-sized blocks of non-paper pixels: bands of rows, then runs of columns."""
    import numpy as np

    ink = np.asarray(sheet.convert("L")) < 235
    rows = ink.mean(axis=1) > 0.05

    def runs(flags: Any) -> list[tuple[int, int]]:
        out, start = [], None
        for i, flag in enumerate([*flags, False]):
            if flag and start is None:
                start = i
            elif not flag and start is not None:
                out.append((start, i))
                start = None
        return out

    total = 0
    for top, bottom in runs(rows):
        if bottom - top < photo_px[1] * 0.8:
            continue  # cut marks, not photos
        columns = ink[top:bottom].mean(axis=0) > 0.3
        total += sum(1 for a, b in runs(columns) if b - a >= photo_px[0] * 0.8)
    return total


def test_the_export_s_notes_are_in_the_clerk_s_language(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    photos_dir: Path,
) -> None:
    """The form's notes and problems come from core/export.py: shown translated."""
    from idphoto_desktop.ui import i18n as ui_i18n

    assert ui_i18n.install("zh_CN")
    try:
        window = make_window(ui_services())
        load_photo(qtbot, window, photos_dir / PHOTO)
        pick_preset(window, "cn_visa_digital")
        generate(qtbot, window)
        ctrl(qtbot, window, Qt.Key.Key_E)
        dialog = window.studio.export_dialog
        assert dialog is not None
        qtbot.waitUntil(lambda: dialog.upload is not None, timeout=10_000)
        details = dialog.details.text()
        assert "JPEG 质量" in details and "表单允许" in details, details
        assert "form allows" not in details
    finally:
        ui_i18n.remove()


def test_print_sheet_previews_exports_and_prints_at_true_size(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    answers: ScriptedDialogs,
    photos_dir: Path,
    tmp_path: Path,
) -> None:
    # GIVEN a 35x45 mm result on a JPG background
    services = ui_services()
    window = make_window(services)
    load_photo(qtbot, window, photos_dir / PHOTO)
    pick_preset(window, "icao_35x45")
    click(qtbot, window.background.jpg_radio)
    generate(qtbot, window)
    printed_to = tmp_path / "printed.pdf"

    def setup_printer(_parent: QWidget, printer: QPrinter) -> bool:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(printed_to))
        return True

    services.studio.setup_printer = setup_printer

    # WHEN Ctrl+P: the sheet dialog previews 4x6 in with as many copies as fit
    ctrl(qtbot, window, Qt.Key.Key_P)
    dialog = window.studio.sheet_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.sheet is not None, timeout=10_000)
    layout = dialog.layout_
    assert layout is not None and layout.paper.key == "4x6"
    assert layout.page_px in ((1200, 1800), (1800, 1200))
    assert dialog.preview.image() is not None
    assert f"{layout.copies} copies" in dialog.info.text()
    full = layout.copies
    assert full >= 4

    # AND Print… goes through the (injected) print dialog to a PDF
    with qtbot.waitSignal(dialog.printed, timeout=10_000):
        click(qtbot, dialog.print_button)
    data = printed_to.read_bytes()
    # THEN the page is 4x6 in (288x432 pt) and the sheet is drawn at that size, not scaled
    page = _pdf_page_points(data)
    assert sorted(page) == pytest.approx([288.0, 432.0], abs=0.5)
    streams = _pdf_streams(data)
    content = next(s for s in streams if b" Do" in s)
    drawn = _drawn_image_size_points(content)
    assert sorted(drawn) == pytest.approx([288.0, 432.0], abs=0.5)
    jpeg = next(s for s in streams if s.startswith(b"\xff\xd8"))
    with Image.open(io.BytesIO(jpeg)) as printed:
        assert printed.size == layout.page_px
        assert _count_copies(printed, layout.photo_px) == full

    # WHEN 2 copies on A4 are chosen and saved as PDF
    dialog.select_paper("a4")
    dialog.copies_spin.setFocus()
    dialog.copies_spin.selectAll()
    qtbot.keyClicks(dialog.copies_spin, "2")
    qtbot.waitUntil(lambda: dialog.sheet is not None and dialog.layout_ is not None
                    and dialog.layout_.copies == 2, timeout=10_000)
    assert dialog.layout_ is not None and dialog.layout_.paper.key == "a4"
    answers.save_answers.append(tmp_path / "sheet.pdf")
    with qtbot.waitSignal(dialog.saved, timeout=20_000):
        click(qtbot, dialog.pdf_button)
    # THEN an A4 page in points (595x842)
    pdf = (tmp_path / "sheet.pdf").read_bytes()
    assert sorted(_pdf_page_points(pdf)) == pytest.approx([595.3, 841.9], abs=0.6)
    # AND the JPEG export holds exactly 2 copies at 300 dpi
    answers.save_answers.append(tmp_path / "sheet.jpg")
    with qtbot.waitSignal(dialog.saved, timeout=20_000):
        click(qtbot, dialog.jpeg_button)
    with Image.open(tmp_path / "sheet.jpg") as sheet:
        assert sheet.size in ((2480, 3508), (3508, 2480))
        assert round(sheet.info["dpi"][0]) == 300
        assert _count_copies(sheet, dialog.layout_.photo_px) == 2
    dialog.close()


def test_sheet_refuses_a_result_without_a_preset(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    photos_dir: Path,
) -> None:
    window = make_window(ui_services())
    load_photo(qtbot, window, photos_dir / PHOTO)
    click(qtbot, window.preset_picker.custom_radio)
    window.preset_picker.set_custom_size(300, 300)
    generate(qtbot, window)
    ctrl(qtbot, window, Qt.Key.Key_P)
    assert window.studio.sheet_dialog is None
    assert "document preset" in window.save_message.text()


# ------------------------------------------------------------------- guides
def _offline_factory(kind: str, token: str | None, api_url: str) -> Any:
    if kind == ENGINE_CLOUD:
        return fast_engine_factory(kind, token, api_url)
    return OfflineEngine()


def _mean_color(image: QImage, x: int, y: int, radius: int = 2) -> QColor:
    r = g = b = n = 0
    for dx in range(-radius, radius + 1):
        for dy in range(-radius, radius + 1):
            c = QColor(image.pixel(x + dx, y + dy))
            r, g, b, n = r + c.red(), g + c.green(), b + c.blue(), n + 1
    return QColor(r // n, g // n, b // n)


def test_guides_drawn_over_the_result_with_verdict_and_background_warning(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    photos_dir: Path,
) -> None:
    # GIVEN an offline result (with face guides) for the US passport on light blue
    window = make_window(ui_services(engine_factory=_offline_factory))
    load_photo(qtbot, window, photos_dir / PHOTO)
    pick_preset(window, "us_passport")
    click(qtbot, window.background.jpg_radio)
    blue = "D6E9F8"
    assert background_allowed(get_preset("us_passport"), blue) is False
    click(qtbot, window.background.swatch_buttons[blue])
    generate(qtbot, window, timeout=60_000)
    generated = window.generated
    assert generated is not None and generated.result.guides is not None
    bar = window.studio.guides
    marks = bar.marks
    assert marks is not None and marks.bands.eye_band is not None
    view = window.result_view
    eye_y = sum(marks.bands.eye_band) / 2
    sample = (marks.width * 0.08, eye_y)  # in the band, away from the centre and the head
    source = QColor(generated.shown.pixel(round(sample[0]), round(sample[1])))

    def painted() -> tuple[QImage, QColor]:
        QApplication.processEvents()  # the verdict line under the result moves the layout
        grab = view.grab().toImage()
        dpr = grab.devicePixelRatio()
        point = view.image_to_widget(*sample)
        return grab, _mean_color(grab, round(point.x() * dpr), round(point.y() * dpr))

    def distance(a: QColor, b: QColor) -> int:
        return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue())

    _grab, plain = painted()
    assert distance(plain, source) < 12  # no guides yet: the picture itself

    # WHEN Ctrl+G
    ctrl(qtbot, window, Qt.Key.Key_G)
    assert bar.toggle.isChecked()
    after, tinted = painted()

    # THEN the eye band is tinted towards its colour ...
    assert distance(tinted, source) > 20
    assert distance(tinted, EYE_BAND_COLOR) < distance(source, EYE_BAND_COLOR)
    # ... the centre line is drawn at the middle
    # (looked for at two heights: the foreground rectangle's note box may cover the bottom)
    dpr = after.devicePixelRatio()
    found = []
    for fraction in (0.6, 0.9):
        centre = view.image_to_widget(marks.bands.center_x, marks.height * fraction)
        cx, cy = round(centre.x() * dpr), round(centre.y() * dpr)
        found.append(any(
            QColor(after.pixel(cx + dx, cy + dy)) == CENTER_COLOR
            for dx in range(-2, 3)
            for dy in range(-6, 7)
        ))
    assert any(found)
    # ... and the verdict is in mm and %, with the background warning
    line = bar.line.text()
    assert bar.line.isVisible()
    assert "Head height" in line and " mm" in line and "%" in line
    assert "Background: not allowed" in line

    # WHEN Ctrl+G again, the picture is as before
    ctrl(qtbot, window, Qt.Key.Key_G)
    _grab, again = painted()
    assert distance(again, source) < 12
    assert not bar.line.isVisible()


# ------------------------------------------------------- storing, offline
def _request(photos_dir: Path) -> Any:
    from idphoto_desktop.core import validation
    from idphoto_desktop.core.imageprep import prepare_photo
    from idphoto_desktop.core.job import OutputFormat

    params = validation.make_params(validation.validate_size(300, 400), OutputFormat.PNG)
    return validation.make_request(params, photo=prepare_photo(photos_dir / PHOTO))


def test_recording_engine_stores_at_once_and_never_loses_a_result(
    photos_dir: Path, tmp_path: Path
) -> None:
    from idphoto_desktop.core.errors import StorageError
    from idphoto_desktop.engines.cropresize import CropResizeEngine
    from idphoto_desktop.ui.history_gate import RecordingEngine, RecordTarget, input_digest

    request = _request(photos_dir)
    target = RecordTarget(input_digest(request), request.params, "/secret/folder/cust.jpg")
    # GIVEN a working history: the result is there when generate returns
    with History(tmp_path / "h.sqlite3") as history:
        engine = RecordingEngine(CropResizeEngine(), lambda: history, target)
        result = engine.generate(request)
        assert engine.entry_id is not None
        stored = history.find(request.photo.source_sha256, request.params)
        assert stored is not None and stored.id == engine.entry_id
        assert stored.image == result.image and stored.source_name == "cust.jpg"

    # GIVEN a history that cannot be written: the result still comes back, with a note
    def broken() -> History:
        raise StorageError("The history folder /x could not be created: denied.")

    engine = RecordingEngine(CropResizeEngine(), broken, target)
    result = engine.generate(request)
    assert result.image and engine.entry_id is None
    assert any("Not kept in the history" in w for w in result.warnings)


def test_offline_engine_runs_again_without_an_offer_and_stores_each_result(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    photos_dir: Path,
) -> None:
    services = ui_services()
    window = make_window(services)
    load_photo(qtbot, window, photos_dir / PHOTO)
    pick_preset(window, "icao_35x45")
    generate(qtbot, window)
    generate(qtbot, window)  # free: it simply runs again
    assert not window.studio.offer.isVisible()
    assert services.studio.history().count() == 2


# ------------------------------------------------------------------ start-up
def test_studio_is_built_right_after_the_first_paint(
    qtbot: Any, ui_services: Callable[..., Services]
) -> None:
    """Its modules are not needed to show the window: the first paint comes first, then
    history, export, sheets and guides, without any click."""
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QDockWidget

    window = MainWindow(ui_services())
    qtbot.addWidget(window)
    assert window.findChild(QDockWidget, "historyDock") is None
    assert window.findChild(QAction, "actExport") is None
    window.show()
    qtbot.waitUntil(lambda: window.findChild(QDockWidget, "historyDock") is not None)
    export = window.findChild(QAction, "actExport")
    assert export is not None and not export.isEnabled()  # no result yet
    assert window.studio.dock.widget() is window.studio.history_panel
    window.close()


def test_the_saved_preset_is_chosen_in_the_filled_list_before_the_first_paint(
    qtbot: Any, ui_services: Callable[..., Services]
) -> None:
    """The preset list is part of the first paint (issue 18): filled when the window is
    built, with the saved choice already selected (no other preset ever shown as chosen)."""
    services = ui_services()
    services.settings.set("preset_id", "schengen_visa")
    window = MainWindow(services)
    qtbot.addWidget(window)
    picker = window.preset_picker
    assert picker.tree.topLevelItemCount() > 0
    item = picker.tree.currentItem()
    assert item is not None and item.data(0, Qt.ItemDataRole.UserRole) == "schengen_visa"
    assert not picker.is_custom()
    assert "Loading" not in picker.details.text()
    window.show()
    qtbot.waitExposed(window)
    assert picker.current_id() == "schengen_visa"
    window.close()

    # Closed at once: the saved choice stays.
    early = MainWindow(services)
    qtbot.addWidget(early)
    early.close()
    assert services.settings.preset_id == "schengen_visa"
    again = MainWindow(services)
    qtbot.addWidget(again)
    assert again.preset_picker.current_id() == "schengen_visa"
    assert again.current_preset() is not None
    again.close()
