"""Screenshot of the frame adjustment (issue 12) on a real X server (Xvfb), 1366x768.

Usage (Xvfb started by the caller)::

    Xvfb :57 -screen 0 1366x768x24 -nolisten tcp &
    DISPLAY=:57 IDPHOTO_HOME=$(mktemp -d) IDPHOTO_MODELS_DIR=../shared/models \
        .venv/bin/python scripts/adjust_screenshot.py bench/out/adjust_view.png

Opens the two-person photo, makes the offline result, picks the right-hand face with a
click, turns on "Adjust the frame", moves, scales and turns it, and grabs the screen.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHARED = Path(os.environ.get("IDPHOTO_SHARED", ROOT.parent / "shared")).resolve()


def _wait(app: Any, done: Any, timeout_s: float = 120.0) -> None:
    end = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.01)


def main(out: Path) -> None:
    from PIL import ImageGrab
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from bench.window_driver import MemoryTokens
    from idphoto_desktop.core.job import FrameAdjust
    from idphoto_desktop.storage.settings import Settings
    from idphoto_desktop.ui.main_window import MainWindow
    from idphoto_desktop.ui.services import Services

    app = QApplication.instance() or QApplication([])
    app.setStyle("Fusion")
    if "IDPHOTO_HOME" not in os.environ:  # never the clerk's own settings and history
        os.environ["IDPHOTO_HOME"] = tempfile.mkdtemp(prefix="adjust-shot-")
    home = Path(os.environ["IDPHOTO_HOME"])
    settings = Settings(home / "settings.json")
    settings.engine = "offline"
    window = MainWindow(Services(settings=settings, token_store=MemoryTokens(None)))
    window.resize(1366, 768)
    window.move(0, 0)
    window.show()
    _wait(app, lambda: window.preset_picker.select("de_biometric"))
    window.open_path(SHARED / "photos" / "fr_two_people.jpg")
    _wait(app, lambda: window.photo is not None)
    window.generate()
    _wait(app, lambda: not window.running and window.generated is not None)
    adjuster = window.frame_adjuster
    right = max(adjuster.faces, key=lambda f: f.x)
    QTest.mouseClick(
        window.original_view, Qt.MouseButton.LeftButton, pos=adjuster.face_rect(right).center()
        .toPoint(),
    )
    _wait(app, lambda: not window.running)
    adjuster.bar.toggle.setChecked(True)
    renders = adjuster.renders
    adjuster.set_adjust(FrameAdjust(dx=0.03, dy=0.02, scale=1.08, angle_deg=6.0))
    _wait(app, lambda: adjuster.renders > renders)
    QTest.mouseMove(window.original_view, QPoint(5, 5))
    for _ in range(30):
        app.processEvents()
        time.sleep(0.02)
    out.parent.mkdir(parents=True, exist_ok=True)
    ImageGrab.grab(xdisplay=os.environ["DISPLAY"]).save(out)
    print(out, window.size().width(), window.size().height(), adjuster.adjust)
    window.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "bench" / "out" / "adjust_view.png"))
