"""Workers never call QImage.fromData: its format probing takes a Qt mutex while the
worker holds the GIL, and a GUI thread holding that mutex (a disconnect) waits for the
GIL: the window froze once in CI this way. Results decode through Pillow instead."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage

from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.services import Services
from tests.test_ui_flow import PHOTO, generate, load_photo


@pytest.mark.gui
def test_a_generate_decodes_its_result_without_qimage_fromdata_off_the_gui_thread(
    qtbot: Any,
    make_window: Callable[[Services], MainWindow],
    ui_services: Callable[..., Services],
    photos_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gui = threading.current_thread()
    off_gui: list[str] = []
    original = QImage.fromData

    def watched(*args: Any, **kwargs: Any) -> QImage:
        if threading.current_thread() is not gui:
            off_gui.append(threading.current_thread().name)
        return original(*args, **kwargs)

    monkeypatch.setattr(QImage, "fromData", staticmethod(watched))
    window = make_window(ui_services())
    load_photo(qtbot, window, photos_dir / PHOTO)
    generate(qtbot, window)
    assert window.generated is not None
    shown = window.generated.shown
    assert not shown.isNull() and (shown.width(), shown.height()) == (
        window.generated.result.width, window.generated.result.height
    )
    assert off_gui == []
