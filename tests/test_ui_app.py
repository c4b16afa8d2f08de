"""The real application as a process: ``--smoke`` offscreen, and a finished result on Xvfb."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageStat

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT_COPY = Path("/tmp/ui_screenshot.png")


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["IDPHOTO_HOME"] = str(home)
    env.pop("IDPHOTO_TOKEN", None)
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


@pytest.mark.gui
@pytest.mark.parametrize("scale", ["1", "2"])  # 2: a high-DPI screen
def test_smoke_starts_paints_and_quits_without_heavy_imports(
    private_app_home: Path, scale: str
) -> None:
    code = (
        "import sys\n"
        "from idphoto_desktop.ui.app import main\n"
        "status = main(['--smoke'])\n"
        "heavy = sorted({'requests', 'keyring', 'cv2', 'numpy'} & set(sys.modules))\n"
        "print('HEAVY', heavy)\n"
        "sys.exit(status)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(private_app_home, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR=scale),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout, proc.stdout


def _free_display() -> int:
    for number in range(91, 140):
        if not Path(f"/tmp/.X{number}-lock").exists() and not Path(
            f"/tmp/.X11-unix/X{number}"
        ).exists():
            return number
    raise RuntimeError("no free X display number")


@pytest.fixture
def xvfb() -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed")
    number = _free_display()
    proc = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
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


@pytest.mark.xvfb
def test_real_app_on_xvfb_reaches_a_result(
    xvfb: str, private_app_home: Path, photos_dir: Path, models_dir: Path, tmp_path: Path
) -> None:
    # GIVEN the real application on a real X server, offline engine, a preset
    shot = tmp_path / "finished.png"
    env = _env(
        private_app_home,
        DISPLAY=xvfb,
        QT_QPA_PLATFORM="xcb",
        IDPHOTO_MODELS_DIR=str(models_dir),
    )
    # WHEN it opens a photo and generates (hidden test options), then screenshots
    proc = subprocess.run(
        [
            sys.executable, "-m", "idphoto_desktop.ui.app",
            "--open", str(photos_dir / "hivision_test0.jpg"),
            "--preset", "schengen_visa",
            "--engine", "offline",
            "--bg", "D6E9F8",
            "--generate",
            "--screenshot", str(shot),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    # THEN it exits cleanly and the screen shows a window, not a blank
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert shot.is_file(), proc.stderr[-3000:]
    shutil.copyfile(shot, SCREENSHOT_COPY)
    with Image.open(shot) as img:
        assert img.size == (1280, 800)
        rgb = img.convert("RGB")
        stat = ImageStat.Stat(rgb)
        assert max(stat.stddev) > 20  # not one flat colour
        colours = rgb.resize((320, 200)).getcolors(maxcolors=1_000_000) or []
        assert len(colours) > 500  # photos, text and controls, not an empty frame
        # the primary button's blue is on screen
        blue = 0
        for count, colour in colours:
            assert isinstance(colour, tuple)
            r, g, b = colour[:3]
            if b > 150 and r < 60 and 80 < g < 130:
                blue += count
        assert blue > 50
    assert "Traceback" not in proc.stderr
