"""The capture check where the clerk meets it: the CLI's generate says the verdict, the
window shows it on the result, and a retake asks before Save, Export and Print.

Real photos, real transformations (bench/capture_transforms.py), the real check."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from bench.capture_transforms import TRANSFORMS, Face
from idphoto_desktop.cli import main
from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.services import Services
from tests.fixtures.ui import ScriptedDialogs
from tests.test_ui_flow import generate, load_photo


@pytest.fixture
def tiny_face(photos_dir: Path, tmp_path: Path) -> Path:
    """A studio portrait shrunk until its face is far too small for any document."""
    with Image.open(photos_dir / "hivision_test3.jpg") as img:
        photo = img.convert("RGB")
    path = tmp_path / "tiny.png"
    TRANSFORMS["tiny"][0](photo, Face(142, 146, 216, 216)).save(path)
    return path


def test_generate_says_the_verdict_of_a_good_and_of_a_hopeless_photo(
    photos_dir: Path, tiny_face: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a good studio portrait, made offline
    good = tmp_path / "good.jpg"
    assert main(["generate", str(photos_dir / "hivision_test3.jpg"), "--preset",
                 "schengen_visa", "--engine", "offline", "--format", "jpg", "--bg",
                 "FFFFFF", "-o", str(good)]) == 0
    out = capsys.readouterr().out
    # THEN its verdict is printed, and it is not a retake
    line = next(x for x in out.splitlines() if x.startswith("capture check:"))
    assert "retake" not in line
    # GIVEN a tiny face: the free engine still makes a file, but the verdict says retake
    bad = tmp_path / "bad.jpg"
    assert main(["generate", str(tiny_face), "--preset", "schengen_visa", "--engine",
                 "offline", "--format", "jpg", "--bg", "FFFFFF", "-o", str(bad)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines()
                if x.startswith("capture check:"))
    assert line.startswith("capture check: retake")


@pytest.mark.gui
def test_a_retake_is_on_the_result_and_save_export_print_ask_first(
    qtbot: Any,
    make_window: Callable[[Services], MainWindow],
    ui_services: Callable[..., Services],
    answers: ScriptedDialogs,
    photos_dir: Path,
    tiny_face: Path,
) -> None:
    services = ui_services(capture_check="auto")
    questions: list[str] = []

    def confirm(_parent: QWidget, _title: str, question: str) -> bool:
        questions.append(question)
        return False  # the clerk says no: nothing leaves

    services.studio.confirm = confirm
    window = make_window(services)
    # GIVEN a good photo: the badge shows a verdict that is not retake, Save does not ask
    load_photo(qtbot, window, photos_dir / "hivision_test3.jpg")
    window.preset_picker.select("schengen_visa")
    generate(qtbot, window, timeout=60_000)
    badge = window.verdict_badge
    assert badge.isVisible() and badge.verdict in ("ok", "check")
    assert window.result_panel.isAncestorOf(badge)
    assert window.notes.confirm_save() and not questions
    # WHEN a hopeless photo is made
    load_photo(qtbot, window, tiny_face)
    assert not badge.isVisible()  # a new photo: the old verdict is gone
    generate(qtbot, window, timeout=60_000)
    # THEN the badge says retake with its reasons, on the result
    assert badge.isVisible() and badge.verdict == "retake" and badge.reason_lines()
    problem = window.result_panel.problem
    assert problem.isVisible() and "retake" in problem.text()
    # AND Save, Export and Print each ask, and "No" opens nothing
    qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    window.studio.export_current()
    window.studio.print_current()
    assert len(questions) == 3 and all("retake" in q for q in questions)
    assert not [a for a in answers.asked if a[0] == "save"]
    assert window.studio.export_dialog is None and window.studio.sheet_dialog is None
