"""Issue 6, secrets: a whole session with faults leaves the token in no file, log or error.

One distinctive token drives the client through every fault of the matrix, the
window through failing and good calls and a save, a crash report, and the command
line. Then every file the app wrote under IDPHOTO_HOME (settings, log files, the
history database with its journal, crash reports), every captured log record and
console line, every message the window showed and every exception raised, with its
causes, is searched for the token: zero hits. The same files hold no piece of the
customer's photo either (the history keeps results and a hash of the input).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from idphoto_desktop import logsetup
from idphoto_desktop.api.client import ProviderClient
from idphoto_desktop.core.errors import IdPhotoError
from idphoto_desktop.sandbox.server import SandboxServer
from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.services import Services
from tests.fixtures.sandbox import SandboxFactory
from tests.fixtures.ui import ScriptedDialogs
from tests.test_api_client import FaultSession, closed_port, make_request, prepared
from tests.test_reliability_faults import CASES, FAST

pytestmark = pytest.mark.gui

TOKEN = "sk-LEAKCHECK-7d1f0c9a2b4e6f8091a3c5e7"
PHOTO = "hivision_test3.jpg"
WINDOW_FAULTS = [
    "status=401",
    "reset",
    "task-fails",
    "expired-result",
    "status=502-html",
    "malformed-json",
    "result-not-image",
    "",
]


def texts_of(error: BaseException) -> Iterator[str]:
    """Everything an error can show: message, repr, args, hint, causes, traceback."""
    seen: list[BaseException] = []
    stack: list[BaseException | None] = [error]
    while stack:
        item = stack.pop()
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        yield str(item)
        yield repr(item)
        yield repr(item.args)
        for attr in ("hint", "err_info", "message"):
            yield str(getattr(item, attr, ""))
        stack += [item.__cause__, item.__context__]
    yield "".join(traceback.format_exception(error))


@pytest.fixture
def app_logging(private_app_home: Path) -> Iterator[Path]:
    """The app's own logging (redacting console and rotating file), as at start-up."""
    root = logging.getLogger()
    level = root.level
    path = logsetup.setup_logging(level=logging.DEBUG)
    assert path is not None and private_app_home in path.parents
    yield path
    logsetup.teardown_logging()
    root.setLevel(level)


def test_a_whole_session_with_faults_leaves_the_token_nowhere(
    qtbot: Any,
    make_window: Callable[[Services], MainWindow],
    ui_services: Callable[..., Services],
    answers: ScriptedDialogs,
    sandbox_factory: SandboxFactory,
    photos_dir: Path,
    tmp_path: Path,
    private_app_home: Path,
    app_logging: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    server: SandboxServer = sandbox_factory(token=TOKEN)
    errors: list[BaseException] = []
    shown: list[str] = []

    # 1) The client, through every fault the sandbox can play, and the network down.
    photo = prepared(photos_dir / PHOTO)
    for case in CASES.values():
        url = f"http://127.0.0.1:{closed_port()}" if case.down else server.base_url
        client = ProviderClient(
            TOKEN, url, session=FaultSession(post=[case.spec]), **{**FAST, **case.client}
        )
        try:
            client.generate(make_request(photo, sync=case.sync))
        except IdPhotoError as err:
            errors.append(err)
        assert TOKEN not in repr(client) and TOKEN not in repr(vars(client))
    assert len(errors) == sum(1 for case in CASES.values() if case.error is not None)

    # 2) The window: the real provider engine, failing calls, a good one, a save.
    services = ui_services(token=TOKEN, api_url=server.base_url, engine="cloud")
    window = make_window(services)
    window.jobFailed.connect(shown.append)
    answers.open_answers.append(photos_dir / PHOTO)
    with qtbot.waitSignal(window.photoLoaded, timeout=15_000):
        qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    qtbot.mouseClick(window.preset_picker.custom_radio, Qt.MouseButton.LeftButton)
    window.preset_picker.set_custom_size(300, 400)
    for spec in WINDOW_FAULTS:
        server.faults = spec
        qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not window.running, timeout=20_000)
        shown += [window.message.text(), window.statusBar().currentMessage()]
    server.faults = ""
    assert window.generated is not None, window.message.text()
    assert len(shown) > 2 * len(WINDOW_FAULTS)  # the failures were said, and read back
    answers.save_answers.append(tmp_path / "customer.jpg")
    with qtbot.waitSignal(window.saved, timeout=10_000):
        qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    window.close()  # writes the settings file

    # 3) Crashes, reported as the app reports them (a file in the log folder).
    from idphoto_desktop.ui.crash import CrashHandler

    crash = CrashHandler(show=lambda report, _path: shown.append(report))
    try:
        raise RuntimeError(f"a library failed with {{'Authorization': 'Bearer {TOKEN}'}}")
    except RuntimeError as exc:
        crash.handle(type(exc), exc, exc.__traceback__)
    for error in errors[:3]:
        crash.handle(type(error), error, error.__traceback__)

    # 4) The command line, with the token in the environment: a failure, then a result.
    from idphoto_desktop.cli import main

    monkeypatch.setenv("IDPHOTO_TOKEN", TOKEN)
    args = ["generate", str(photos_dir / PHOTO), "--size", "300x400", "--api-url", server.base_url]
    server.faults = "status=401"
    assert main([*args, "--force", "-o", str(tmp_path / "cli-a.png")]) == 1
    server.faults = ""
    assert main([*args, "--force", "-o", str(tmp_path / "cli-b.png")]) == 0
    assert main(["token", "status"]) == 0
    console = capsys.readouterr()

    # THEN: every file the app wrote ...
    written = sorted(p for p in private_app_home.rglob("*") if p.is_file())
    names = {p.name for p in written}
    assert app_logging.name in names
    assert any(n.startswith("crash-") for n in names)
    assert any(n.endswith(".json") for n in names)  # the settings
    assert any(n.endswith((".db", ".sqlite", ".sqlite3")) for n in names)  # the history
    outputs = [tmp_path / "customer.jpg", tmp_path / "cli-b.png"]
    needle = TOKEN.encode()
    for path in written + outputs:
        data = path.read_bytes()
        assert needle not in data, f"the token is in {path}"
        assert TOKEN.encode("utf-16-le") not in data, f"the token is in {path}"
    # ... nor the customer's photo: neither the file nor the upload made from it.
    for photo_bytes in ((photos_dir / PHOTO).read_bytes(), photo.data):
        middle = photo_bytes[len(photo_bytes) // 2 :][:2048]
        for path in written:
            assert middle not in path.read_bytes(), f"the customer's photo is in {path}"
    # ... the log output, the console, the window's messages and every error: clean.
    assert "Bearer ***" in caplog.text or "***" in app_logging.read_text(encoding="utf-8")
    assert TOKEN not in caplog.text
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
        assert TOKEN not in (record.exc_text or "")
    assert TOKEN not in console.out and TOKEN not in console.err
    assert "idphoto:" in console.err  # the CLI did say what failed
    for text in shown:
        assert TOKEN not in text
    for error in errors:
        for text in texts_of(error):
            assert TOKEN not in text, f"{type(error).__name__} carries the token"
