"""The real window on real X screens of counter sizes, in English and Chinese.

Each run saves its screenshot to ``$IDPHOTO_SCREENS`` (default /tmp/idphoto-screens)
for a person to look at; the test checks what can be checked as data: the window
fills the screen, nothing in the steps scrolls or falls off, a result is shown, and
in Chinese every button and title is in Chinese.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageStat

ROOT = Path(__file__).resolve().parent.parent
SCREENS = Path(os.environ.get("IDPHOTO_SCREENS", "/tmp/idphoto-screens"))
CJK = re.compile(r"[\u4e00-\u9fff]")
# Words that stay as they are in Chinese: formats, units, names of things, key names.
KEPT = re.compile(r"^(JPG|JPEG|PNG|API|ICAO|Ctrl|px|mm|in|OK|#[0-9A-F]{6})$")

pytestmark = pytest.mark.xvfb


def _free_display() -> int:
    for number in range(141, 200):
        if not Path(f"/tmp/.X{number}-lock").exists() and not Path(
            f"/tmp/.X11-unix/X{number}"
        ).exists():
            return number
    raise RuntimeError("no free X display number")


def _xvfb(width: int, height: int) -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (scripts/setup.sh --test installs it)")
    number = _free_display()
    proc = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    socket_path = Path(f"/tmp/.X11-unix/X{number}")
    deadline = time.monotonic() + 10
    while not socket_path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("Xvfb did not start")
        time.sleep(0.05)
    try:
        yield f":{number}"
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize(
    ("width", "height", "language"),
    [(1366, 768, "en"), (1024, 700, "en"), (1366, 768, "zh_CN"), (1024, 700, "zh_CN")],
)
def test_the_window_on_a_counter_screen(
    width: int,
    height: int,
    language: str,
    private_app_home: Path,
    photos_dir: Path,
    models_dir: Path,
    tmp_path: Path,
) -> None:
    # GIVEN a real X screen of the counter's size and the clerk's language
    (private_app_home / "config").mkdir(parents=True, exist_ok=True)
    (private_app_home / "config" / "settings.json").write_text(
        json.dumps({"language": language, "welcome_done": True}), "utf-8"
    )
    shot, report_path = tmp_path / "screen.png", tmp_path / "report.json"
    for display in _xvfb(width, height):
        env = {
            **os.environ,
            "IDPHOTO_HOME": str(private_app_home),
            "IDPHOTO_MODELS_DIR": str(models_dir),
            "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb",
            "PYTHONPATH": str(ROOT),
        }
        env.pop("IDPHOTO_TOKEN", None)
        # WHEN the window opens a photo, makes a US passport photo and shows it
        proc = subprocess.run(
            [sys.executable, "-m", "idphoto_desktop.ui.app",
             "--open", str(photos_dir / "hivision_test0.jpg"), "--preset", "us_passport",
             "--engine", "offline", "--bg", "D6E9F8", "--generate",
             "--screenshot", str(shot), "--report", str(report_path)],
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    SCREENS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, SCREENS / f"window-{width}x{height}-{language}.png")
    report = json.loads(report_path.read_text("utf-8"))
    # THEN the window fills the screen, nothing scrolls or falls off, a result is shown
    assert report["window"] == [width, height]
    assert report["side_scroll_max"] == 0, report
    assert report["steps_off_screen"] == [], report
    assert report["result_shown"]
    with Image.open(shot) as img:
        assert img.size == (width, height)
        assert max(ImageStat.Stat(img.convert("RGB")).stddev) > 20
    # AND in Chinese every button and step title reads in Chinese
    if language == "zh_CN":
        english = [
            text for text in [*report["buttons"], *report["titles"]]
            if not CJK.search(text)
            and any(not KEPT.match(w) for w in re.findall(r"[A-Za-z#][A-Za-z0-9#]+", text))
        ]
        assert not english, english
    assert "Traceback" not in proc.stderr
