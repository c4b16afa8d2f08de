"""Save as: the print resolution in the file, the typed extension honoured, PNG on a colour."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import Qt

from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.services import Services, default_engine_factory
from tests.fixtures.ui import ScriptedDialogs
from tests.test_ui_flow import choose_preset_by_typing, generate, load_photo

pytestmark = pytest.mark.gui

WindowFactory = Callable[[Services], MainWindow]
PHOTO = "hivision_test0.jpg"


def _save(qtbot: Any, window: MainWindow, answers: ScriptedDialogs, path: Path) -> Path:
    answers.save_answers.append(path)
    with qtbot.waitSignal(window.saved, timeout=10_000) as saved:
        qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    return Path(saved.args[0])


def test_save_as_writes_dpi_and_honours_the_typed_name(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    answers: ScriptedDialogs,
    photos_dir: Path,
    tmp_path: Path,
) -> None:
    # GIVEN a real offline cut-out for a 350 dpi document (China resident ID) on light blue
    services = ui_services(engine_factory=default_engine_factory)
    asked: list[str] = []

    def confirm(_parent: object, _title: str, question: str) -> bool:
        asked.append(question)  # light blue may break the ID card's rule: Save asks first
        return True

    services.studio.confirm = confirm
    window = make_window(services)
    load_photo(qtbot, window, photos_dir / PHOTO)
    assert choose_preset_by_typing(qtbot, window, "cn_resident_id") == "cn_resident_id"
    qtbot.mouseClick(window.background.jpg_radio, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.background.swatch_buttons["D6E9F8"], Qt.MouseButton.LeftButton)
    generate(qtbot, window)

    # WHEN the clerk types "x.png" while JPEG on the colour is offered
    written = _save(qtbot, window, answers, tmp_path / "x.png")
    # THEN the file is a PNG on the colour, named as typed, at the preset's 350 dpi
    assert written == tmp_path / "x.png"
    assert not (tmp_path / "x.png.jpg").exists()
    _, filters = answers.asked[-1][1]
    assert "PNG on #D6E9F8" in filters and "transparent" in filters and "JPEG" in filters
    with Image.open(written) as img:
        assert img.format == "PNG" and img.mode == "RGB"
        assert tuple(round(v) for v in img.info["dpi"]) == (350, 350)
        assert img.getpixel((1, 1)) == (0xD6, 0xE9, 0xF8)

    # WHEN the clerk types a bare name: the offered type (JPEG) and its extension
    written = _save(qtbot, window, answers, tmp_path / "customer")
    assert written == tmp_path / "customer.jpg"
    with Image.open(written) as img:
        assert img.format == "JPEG"
        assert tuple(round(v) for v in img.info["dpi"]) == (350, 350)

    # WHEN the clerk picks "PNG, transparent background" in the dialog
    answers.filter_answers.append(2)
    written = _save(qtbot, window, answers, tmp_path / "cutout")
    assert written == tmp_path / "cutout.png"
    with Image.open(written) as img:
        assert img.format == "PNG" and img.mode == "RGBA"
        assert img.getpixel((1, 1))[3] == 0
        assert tuple(round(v) for v in img.info["dpi"]) == (350, 350)


def test_save_as_custom_size_defaults_to_300_dpi(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    answers: ScriptedDialogs,
    photos_dir: Path,
    tmp_path: Path,
) -> None:
    window = make_window(ui_services())
    load_photo(qtbot, window, photos_dir / PHOTO)
    qtbot.mouseClick(window.preset_picker.custom_radio, Qt.MouseButton.LeftButton)
    window.preset_picker.set_custom_size(300, 400)
    qtbot.mouseClick(window.background.png_radio, Qt.MouseButton.LeftButton)
    generate(qtbot, window)
    written = _save(qtbot, window, answers, tmp_path / "a.jpg")
    with Image.open(written) as img:
        assert img.format == "JPEG" and img.size == (300, 400)
        assert tuple(round(v) for v in img.info["dpi"]) == (300, 300)
