"""A counter whose shared history (PostgreSQL) cannot be reached keeps working on its own
history and says so plainly on the result, where the clerk looks (issue 17)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.services import Services
from tests.test_ui_flow import generate, load_photo

pytestmark = pytest.mark.gui


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends


def test_an_unreachable_shared_history_is_said_on_the_result(
    qtbot: Any,
    make_window: Callable[[Services], MainWindow],
    ui_services: Callable[..., Services],
    photos_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a shared history address where no database answers
    monkeypatch.setenv("IDPHOTO_DATABASE_URL", f"postgresql://idphoto@127.0.0.1:{_closed_port()}/x")
    window = make_window(ui_services())
    load_photo(qtbot, window, photos_dir / "hivision_test0.jpg")
    window.preset_picker.select("us_passport")
    # WHEN a photo is made
    generate(qtbot, window)
    # THEN it is made and kept on this counter, and the result says the shared one is away
    assert window.generated is not None
    info = window.result_panel.result_info.text()
    assert "own history" in info, info
    assert window.services.studio.history().count() == 1
