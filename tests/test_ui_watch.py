"""The window's watched folder, with real files written slowly like a tethered camera."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageStat
from PySide6.QtCore import Qt

from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.services import Services, default_engine_factory
from idphoto_desktop.ui.watch_strip import verdict_label
from tests.watch_helpers import SlowCamera, big_jpeg, wait_for

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT_COPY = Path("/tmp/watch_screenshot_1366x768.png")
WAIT_MS = 90_000

pytestmark = pytest.mark.gui


def _window(
    ui_services: Callable[..., Services], make_window: Callable[[Services], MainWindow],
    qtbot: Any,
) -> MainWindow:
    # the real offline engine and the real capture check
    window = make_window(ui_services(engine_factory=default_engine_factory, capture_check="auto"))
    qtbot.waitUntil(lambda: window._presets_loaded, timeout=10_000)
    assert window.preset_picker.select("us_passport")
    return window


def test_new_shots_are_opened_made_checked_and_kept_in_the_strip(
    ui_services: Callable[..., Services], make_window: Callable[[Services], MainWindow],
    qtbot: Any, tmp_path: Path, photos_dir: Path,
) -> None:
    window = _window(ui_services, make_window, qtbot)
    watch = window.watch_folder
    camera_dir = tmp_path / "camera"
    camera_dir.mkdir()
    (camera_dir / "OLD.JPG").write_bytes((photos_dir / "hivision_test4.jpg").read_bytes())
    # the File menu's action asks for the folder (the chooser is the folder dialog)
    asked: list[str] = []

    def chooser(_parent: object, start: str) -> Path:
        asked.append(start)
        return camera_dir

    watch.chooser = chooser
    assert watch.action is not None and watch.action.objectName() == "actWatchFolder"
    watch.action.trigger()
    assert asked and watch.watching
    assert window.settings.watch_folder == str(camera_dir.resolve())  # resumed next start
    window.watch_folder.strip.customer_edit.setText("  Order   42 ")

    # a shot written slowly: opened, made with the current preset, checked, without a click
    with qtbot.waitSignal(watch.shotShown, timeout=WAIT_MS) as shown:
        SlowCamera(camera_dir / "DSC_0001.JPG", big_jpeg(photos_dir / "hivision_test0.jpg")).start()
    assert shown.args == [str((camera_dir / "DSC_0001.JPG").resolve())]
    assert window.photo is not None and window.photo.source_path is not None
    assert window.photo.source_path.name == "DSC_0001.JPG"
    assert window.generated is not None
    assert (window.generated.result.width, window.generated.result.height) == (600, 600)
    assert watch.strip.shots.count() == 1  # the photo already there was left alone
    # the capture check's verdict is on the shot in the strip and under the result
    item = watch.strip.item_for((camera_dir / "DSC_0001.JPG").resolve())
    assert item is not None
    labels = {verdict_label(v) for v in ("ok", "check", "retake")}
    assert item.text().split("\n")[1] in labels
    assert "DSC_0001.JPG: capture check" in window.save_message.text()

    # a file that is not a photo: one message, and the watch goes on
    with qtbot.waitSignal(watch.shotSkipped, timeout=WAIT_MS) as skipped:
        (camera_dir / "DSC_0002.JPG").write_bytes(b"garbage, not a photo" * 100)
    assert "DSC_0002.JPG" in skipped.args[0]
    assert "DSC_0002.JPG" in window.message.text()

    # two shots in a row: the newest is shown, the other waits in the strip
    names = ["DSC_0003.JPG", "DSC_0004.JPG"]
    with qtbot.waitSignal(
        watch.shotShown, timeout=WAIT_MS,
        check_params_cb=lambda p: Path(p).name == "DSC_0004.JPG",
    ):
        first = SlowCamera(camera_dir / names[0], big_jpeg(photos_dir / "hivision_test1.jpg"))
        first.start()
        first.join(30)
        SlowCamera(camera_dir / names[1], big_jpeg(photos_dir / "hivision_test2.jpg")).start()
    strip = watch.strip.shots
    qtbot.waitUntil(lambda: strip.count() == 3, timeout=WAIT_MS)
    order = [strip.item(i).data(Qt.ItemDataRole.UserRole) for i in range(strip.count())]
    assert [Path(p).name for p in order] == ["DSC_0004.JPG", "DSC_0003.JPG", "DSC_0001.JPG"]
    assert window.photo is not None and window.photo.source_path is not None
    assert window.photo.source_path.name == "DSC_0004.JPG"

    # an earlier shot is one click away
    older = strip.item(2)
    assert older is not None
    with qtbot.waitSignal(watch.shotShown, timeout=WAIT_MS) as picked:
        rect = strip.visualItemRect(older)
        qtbot.mouseClick(strip.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert Path(picked.args[0]).name == "DSC_0001.JPG"
    assert window.photo.source_path.name == "DSC_0001.JPG"

    # each result was recorded with the customer
    history = window.services.studio.history()
    mine = history.list(customer="order 42")
    assert len(mine) >= 3 and {e.customer for e in mine} == {"Order 42"}
    watch.stop()
    assert not watch.watching and window.settings.watch_folder == ""


def test_the_folder_watched_last_time_is_watched_again_at_start(
    ui_services: Callable[..., Services], make_window: Callable[[Services], MainWindow],
    qtbot: Any, tmp_path: Path,
) -> None:
    services = ui_services()
    services.settings.watch_folder = str(tmp_path)
    window = make_window(services)
    qtbot.waitUntil(lambda: window.watch_folder.watching, timeout=5_000)
    assert window.watch_folder.folder == tmp_path.resolve()
    assert str(tmp_path.resolve()) in window.watch_folder.strip.status.text()


@pytest.fixture
def xvfb_1366() -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed")
    number = next(n for n in range(140, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists()
                  and not Path(f"/tmp/.X{n}-lock").exists())
    proc = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    assert wait_for(lambda: Path(f"/tmp/.X11-unix/X{number}").exists(), 10)
    try:
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.xvfb
def test_screenshot_of_a_result_that_arrived_from_the_folder(
    xvfb_1366: str, private_app_home: Path, photos_dir: Path, tmp_path: Path,
) -> None:
    import os

    camera_dir = tmp_path / "camera"
    camera_dir.mkdir()
    shot = tmp_path / "watch.png"
    env = dict(os.environ, DISPLAY=xvfb_1366, QT_QPA_PLATFORM="xcb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "idphoto_desktop.ui.app", "--watch", str(camera_dir),
         "--preset", "us_passport", "--engine", "offline", "--bg", "FFFFFF",
         "--screenshot", str(shot)],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        logs = private_app_home / "logs"
        assert wait_for(
            lambda: any("Watching the folder" in p.read_text(errors="replace")
                        for p in logs.glob("*.log")) if logs.is_dir() else False, 60
        ), "the window did not start watching"
        time.sleep(0.5)  # the first paint; not a measurement
        SlowCamera(camera_dir / "DSC_0100.JPG", big_jpeg(photos_dir / "hivision_test0.jpg")).run()
        _out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-3000:]
    assert shot.is_file(), err[-3000:]
    shutil.copyfile(shot, SCREENSHOT_COPY)
    with Image.open(shot) as img:
        assert img.size == (1366, 768)
        stat = ImageStat.Stat(img.convert("RGB"))
        assert max(stat.stddev) > 20
    assert "Traceback" not in err
