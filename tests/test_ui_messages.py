"""Messages next to what they are about, cleared when the situation changes; a blocking
problem is on the result and Save asks before writing it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from idphoto_desktop.core.errors import NetworkError
from idphoto_desktop.core.job import CancelToken, GenerateRequest, GenerateResult, ProgressCallback
from idphoto_desktop.engines.cropresize import CropResizeEngine
from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.services import Services
from tests.fixtures.ui import ScriptedDialogs
from tests.test_ui_flow import generate, load_photo

pytestmark = pytest.mark.gui

WindowFactory = Callable[[Services], MainWindow]


class Unreachable:
    """An engine whose service cannot be reached (the first call only)."""

    name = "unreachable"
    costs_money = False
    calls = 0

    def generate(
        self,
        request: GenerateRequest,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> GenerateResult:
        Unreachable.calls += 1
        if Unreachable.calls == 1:
            raise NetworkError("The service could not be reached.")
        return CropResizeEngine().generate(request, progress=progress, cancel=cancel)


def test_a_new_photo_clears_an_old_network_error(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    photos_dir: Path,
) -> None:
    Unreachable.calls = 0
    window = make_window(ui_services(engine_factory=lambda *_a: Unreachable()))
    load_photo(qtbot, window, photos_dir / "hivision_test0.jpg")
    # GIVEN Generate failed because the service could not be reached
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.running, timeout=10_000)
    assert window.message.isVisible() and "could not be reached" in window.message.text()
    # WHEN another photo is opened
    load_photo(qtbot, window, photos_dir / "fr_obama.jpg")
    # THEN the old error is gone (it was about the earlier attempt)
    assert not window.message.isVisible()


def test_changing_the_preset_marks_the_result_and_going_back_clears_it(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    photos_dir: Path,
) -> None:
    window = make_window(ui_services())
    load_photo(qtbot, window, photos_dir / "hivision_test0.jpg")
    window.preset_picker.select("us_passport")
    generate(qtbot, window)
    panel = window.result_panel
    assert not panel.stale.isVisible() and not window.result_view.dimmed
    # WHEN another document is chosen
    window.preset_picker.select("schengen_visa")
    # THEN the result says what it was made for, and is veiled
    assert panel.stale.isVisible()
    assert "United States passport" in panel.stale.text() and "Generate" in panel.stale.text()
    assert window.result_view.dimmed
    # WHEN the clerk goes back to the result's document, the mark goes
    window.preset_picker.select("us_passport")
    assert not panel.stale.isVisible() and not window.result_view.dimmed
    # AND a custom size of a different size marks it again
    qtbot.mouseClick(window.preset_picker.custom_radio, Qt.MouseButton.LeftButton)
    window.preset_picker.set_custom_size(300, 400)
    assert panel.stale.isVisible()


def test_forbidden_colour_is_on_the_result_and_save_asks(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    answers: ScriptedDialogs,
    photos_dir: Path,
    tmp_path: Path,
) -> None:
    services = ui_services()
    questions: list[str] = []
    replies: list[bool] = [False, True]

    def confirm(_parent: QWidget, _title: str, question: str) -> bool:
        questions.append(question)
        return replies.pop(0)

    services.studio.confirm = confirm
    window = make_window(services)
    load_photo(qtbot, window, photos_dir / "hivision_test0.jpg")
    window.preset_picker.select("us_passport")
    qtbot.mouseClick(window.background.jpg_radio, Qt.MouseButton.LeftButton)
    generate(qtbot, window)
    problem = window.result_panel.problem
    assert not problem.isVisible()
    # WHEN a colour the US rules forbid is chosen after the result
    with qtbot.waitSignal(window.resultShown, timeout=5_000):
        qtbot.mouseClick(window.background.swatch_buttons["D6E9F8"], Qt.MouseButton.LeftButton)
    # THEN the problem is written on the result itself
    assert problem.isVisible() and "forbid" in problem.text() and problem.role == "error"
    assert window.result_panel.isAncestorOf(problem)
    # AND Save asks first; "No" writes nothing and does not even ask where
    qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    assert len(questions) == 1 and "forbid" in questions[0]
    assert not [a for a in answers.asked if a[0] == "save"]
    # "Yes" goes on to the file dialog and writes
    answers.save_answers.append(tmp_path / "anyway.jpg")
    with qtbot.waitSignal(window.saved, timeout=10_000):
        qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / "anyway.jpg").is_file()
    # WHEN an allowed colour is chosen the problem goes and Save no longer asks
    with qtbot.waitSignal(window.resultShown, timeout=5_000):
        qtbot.mouseClick(window.background.swatch_buttons["FFFFFF"], Qt.MouseButton.LeftButton)
    assert not problem.isVisible()
    assert window.notes.confirm_save() and len(questions) == 2
