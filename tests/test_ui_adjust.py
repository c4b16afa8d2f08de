"""Issue 12 in the window: pick the face with a click, move/scale/turn/reset the frame.

Real photos, the real offline engine (models from ../shared/models), the provider as
the sandbox on 127.0.0.1 backed by the offline engine. Engine calls are counted by a
thin subclass that only counts ``generate`` (the window's live frame must not call it).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from idphoto_desktop.core.frame_map import framing_choice
from idphoto_desktop.core.job import (
    CancelToken,
    FrameAdjust,
    GenerateRequest,
    GenerateResult,
    ProgressCallback,
)
from idphoto_desktop.engines.offline import OfflineEngine
from idphoto_desktop.sandbox.server import SandboxServer
from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.services import ENGINE_CLOUD, Services, default_engine_factory
from tests.test_ui_flow import generate, load_photo

WindowFactory = Callable[[Services], MainWindow]


class CountingOffline(OfflineEngine):
    """The real offline engine; ``calls`` counts ``generate`` (not the cached render)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self._count_lock = threading.Lock()

    def generate(
        self,
        request: GenerateRequest,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> GenerateResult:
        with self._count_lock:
            self.calls += 1
        return super().generate(request, progress=progress, cancel=cancel)


def offline_window(
    make_window: WindowFactory, ui_services: Callable[..., Services]
) -> tuple[MainWindow, CountingOffline]:
    engine = CountingOffline()

    def factory(kind: str, token: str | None, api_url: str) -> Any:
        return default_engine_factory(kind, token, api_url) if kind == ENGINE_CLOUD else engine

    window = make_window(ui_services(engine_factory=factory, capture_check="auto"))
    return window, engine


def head_on_upload(result: GenerateResult) -> tuple[float, float]:
    """The result's head centre (face guides) mapped back onto the uploaded photo."""
    assert result.crop is not None and result.guides is not None
    c = result.crop
    m = np.linalg.inv(np.array([[c.a, c.b, c.c], [c.d, c.e, c.f], [0, 0, 1]]))
    g = result.guides
    u = m @ np.array([g.center_x, (g.crown_y + g.chin_y) / 2, 1.0])
    return float(u[0]), float(u[1])


def pixels(result: GenerateResult) -> bytes:
    with Image.open(io.BytesIO(result.image)) as image:
        return image.convert("RGBA").tobytes()


def wait_render(qtbot: Any, window: MainWindow, before: int) -> None:
    adjuster = window.frame_adjuster
    qtbot.waitUntil(lambda: adjuster.renders > before, timeout=30_000)


def test_a_click_on_the_right_face_picks_face_two_and_the_result_follows(
    qtbot: Any, make_window: WindowFactory, ui_services: Callable[..., Services],
    photos_dir: Path,
) -> None:
    # GIVEN a result of the photo of two people, made with the automatic face choice
    window, engine = offline_window(make_window, ui_services)
    load_photo(qtbot, window, photos_dir / "fr_two_people.jpg")
    window.preset_picker.select("icao_35x45")
    generate(qtbot, window, timeout=60_000)
    adjuster = window.frame_adjuster
    assert [f.index for f in adjuster.faces] == [1, 2]
    right = max(adjuster.faces, key=lambda f: f.x)
    assert right.index == 2
    def inside(face: Any, point: tuple[float, float]) -> bool:
        x, y = point  # both in uploaded pixels (the check looks at the upload)
        return face.x <= x <= face.x + face.width and face.y <= y <= face.y + face.height

    first = window.generated
    assert first is not None
    if inside(right, head_on_upload(first.result)):  # the automatic choice was face 2
        left = min(adjuster.faces, key=lambda f: f.x)
        qtbot.mouseClick(
            window.original_view, Qt.MouseButton.LeftButton,
            pos=adjuster.face_rect(left).center().toPoint(),
        )
        qtbot.waitUntil(lambda: not window.running, timeout=60_000)
        first = window.generated
        assert first is not None and not inside(right, head_on_upload(first.result))
    calls = engine.calls

    # WHEN the clerk clicks on the right-hand face on the original
    qtbot.mouseClick(
        window.original_view, Qt.MouseButton.LeftButton,
        pos=adjuster.face_rect(right).center().toPoint(),
    )

    # THEN face 2 is chosen and the result is made again offline, at once
    assert adjuster.face_index == 2
    qtbot.waitUntil(lambda: not window.running, timeout=60_000)
    assert engine.calls == calls + 1
    shown = window.generated
    assert shown is not None and shown is not first
    assert window.generated_key is not None
    assert framing_choice(window.generated_key[2])[0] == 2
    # AND the new result's head centre lies in face 2's box on the photo
    head = head_on_upload(shown.result)
    assert inside(right, head)
    assert head_on_upload(first.result)[0] < head[0]  # it moved to the right-hand person


def test_drag_keys_wheel_turn_and_reset_re_render_with_no_new_engine_call(
    qtbot: Any, make_window: WindowFactory, ui_services: Callable[..., Services],
    photos_dir: Path,
) -> None:
    # GIVEN an offline result of a one-person photo (nothing about faces is shown)
    window, engine = offline_window(make_window, ui_services)
    load_photo(qtbot, window, photos_dir / "hivision_test0.jpg")
    window.preset_picker.select("icao_35x45")
    generate(qtbot, window, timeout=60_000)
    adjuster = window.frame_adjuster
    assert len(adjuster.faces) == 1
    first = window.generated
    assert first is not None and first.result.guides is not None
    assert engine.calls == 1
    width = first.result.width

    # WHEN the clerk turns on "Adjust the frame" and drags the frame to the right
    qtbot.mouseClick(adjuster.bar.toggle, Qt.MouseButton.LeftButton)
    assert adjuster.adjusting
    frame = adjuster.frame_polygon()
    assert not frame.isEmpty()
    start = frame.boundingRect().center().toPoint()
    view = window.original_view
    renders = adjuster.renders
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(view, start + QPoint(25, 0))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=start + QPoint(25, 0))

    # THEN the frame moved right on the photo, so the person sits further left in the
    # result, re-rendered locally: no new engine call
    assert adjuster.adjust.dx < -0.01
    assert adjuster.frame_polygon().boundingRect().center().x() > frame.boundingRect().center().x()
    wait_render(qtbot, window, renders)
    moved = window.generated
    assert moved is not None and moved.result.guides is not None
    assert moved.result.guides.center_x < first.result.guides.center_x - 0.01 * width
    assert moved.result.image != first.result.image
    assert engine.calls == 1
    # ... shown as the current result for the chosen preset (not marked stale or dimmed)
    assert window.notes.stale_text() == ""
    assert not window.result_view.dimmed

    # WHEN an arrow key nudges the frame up
    renders, dy = adjuster.renders, adjuster.adjust.dy
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert adjuster.adjust.dy > dy  # the person moves down in the frame
    wait_render(qtbot, window, renders)
    nudged = window.generated
    assert nudged is not None and nudged.result.guides is not None
    assert nudged.result.guides.crown_y > moved.result.guides.crown_y

    # WHEN the wheel scales (one notch up: a bigger head)
    renders = adjuster.renders
    centre = QPointF(adjuster.frame_polygon().boundingRect().center())
    wheel = QWheelEvent(
        centre, view.mapToGlobal(centre), QPoint(0, 0), QPoint(0, 120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase, False,
    )
    QApplication.sendEvent(view, wheel)
    assert adjuster.adjust.scale > 1.0
    assert adjuster.bar.size_slider.value() > 100
    wait_render(qtbot, window, renders)
    bigger = window.generated
    assert bigger is not None and bigger.result.guides is not None
    assert bigger.result.guides.head_height > nudged.result.guides.head_height

    # WHEN the Turn control rotates 10°
    renders = adjuster.renders
    adjuster.bar.turn.setValue(10.0)
    assert adjuster.adjust.angle_deg == 10.0
    wait_render(qtbot, window, renders)
    turned = window.generated
    assert turned is not None and turned.result.crop is not None
    base = first.result.crop
    assert base is not None
    angle = np.degrees(
        np.arctan2(turned.result.crop.d, turned.result.crop.a) - np.arctan2(base.d, base.a)
    )
    assert abs(angle - 10.0) < 0.5
    assert engine.calls == 1

    # THEN the history keeps the settled adjustment with the result (a reprint is the same)
    history = window.services.studio.history()
    qtbot.waitUntil(lambda: history.count() >= 2, timeout=10_000)
    entry = history.list()[0]
    _face, kept = framing_choice(entry.framing_key)
    assert kept is not None and kept.angle_deg == 10.0 and kept.scale > 1.0

    # WHEN Reset is pressed: the automatic frame, the same picture as the first Generate
    renders = adjuster.renders
    qtbot.mouseClick(adjuster.bar.reset, Qt.MouseButton.LeftButton)
    assert adjuster.adjust == FrameAdjust()
    assert adjuster.bar.turn.value() == 0.0 and adjuster.bar.size_slider.value() == 100
    wait_render(qtbot, window, renders)
    reset = window.generated
    assert reset is not None
    assert pixels(reset.result) == pixels(first.result)  # the same picture, pixel for pixel
    assert engine.calls == 1

    # AND reopening the adjusted result from the history restores its frame
    with qtbot.waitSignal(window.resultShown, timeout=10_000):
        window.studio.open_entry(entry.id)
    assert adjuster.adjust == kept
    assert adjuster.bar.turn.value() == 10.0


def test_provider_result_is_re_cut_locally_or_a_paid_call_is_asked_first(
    qtbot: Any, make_window: WindowFactory, ui_services: Callable[..., Services],
    photos_dir: Path, sandbox_factory: Callable[..., SandboxServer], sandbox_token: str,
) -> None:
    # GIVEN a provider result (the sandbox on 127.0.0.1, a real cut-out behind it)
    sandbox = sandbox_factory(engine=OfflineEngine())
    services = ui_services(
        token=sandbox_token, api_url=sandbox.base_url, engine="cloud", capture_check="auto"
    )
    window = make_window(services)
    load_photo(qtbot, window, photos_dir / "hivision_test0.jpg")
    window.preset_picker.select("icao_35x45")
    generate(qtbot, window, timeout=60_000)
    posts = "POST /task/pic/idphoto"
    assert sandbox.counter.snapshot()[posts] == 1
    adjuster = window.frame_adjuster
    first = window.generated
    assert first is not None

    # WHEN the clerk makes the head a little bigger (the picture covers that frame)
    renders = adjuster.renders
    adjuster.bar.size_slider.setValue(115)
    wait_render(qtbot, window, renders)

    # THEN it is re-cut from the provider's transparent picture: no new call
    cut = window.generated
    assert cut is not None and cut.result.image != first.result.image
    assert (cut.result.width, cut.result.height) == (first.result.width, first.result.height)
    assert sandbox.counter.snapshot()[posts] == 1
    assert not adjuster.bar.question.isVisible()

    # WHEN the head is made much smaller (the body would be needed below the picture)
    renders = adjuster.renders
    adjuster.bar.size_slider.setValue(55)
    qtbot.waitUntil(adjuster.bar.question.isVisible, timeout=10_000)

    # THEN the window asks before a new paid call, and has made none
    assert "paid call" in adjuster.bar.question_text.text()
    assert sandbox.counter.snapshot()[posts] == 1
    assert adjuster.renders == renders
    assert window.generated is cut

    # WHEN the clerk agrees, the new call is made (and only then)
    qtbot.mouseClick(adjuster.bar.paid_yes, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.running, timeout=60_000)
    assert sandbox.counter.snapshot()[posts] == 2
    # AND the provider frames the person itself again: the window says so and never
    # offers yet another paid call for the same frame
    qtbot.waitUntil(adjuster.bar.status.isVisible, timeout=10_000)
    assert "either" in adjuster.bar.status.text()
    assert not adjuster.bar.question.isVisible()
    assert adjuster.adjust.scale == 0.55
    assert sandbox.counter.snapshot()[posts] == 2


def test_frame_on_the_photo_follows_the_engine_and_the_stored_key_reads_back(
    models_dir: Path, photos_dir: Path
) -> None:
    """The frame drawn on the original is where the offline engine cuts, for any
    adjustment, from a result made with another adjustment (plain arithmetic, no Qt)."""
    from idphoto_desktop.core.frame_map import base_of
    from idphoto_desktop.core.imageprep import prepare_photo
    from idphoto_desktop.core.job import GenerateParams
    from idphoto_desktop.core.presets import load_presets

    preset = {p.id: p for p in load_presets()}["de_biometric"]
    engine = OfflineEngine(models_dir)
    photo = prepare_photo(photos_dir / "hivision_test1.jpg")

    def made(adjust: FrameAdjust | None) -> GenerateResult:
        params = GenerateParams(
            size=preset.size, preset_id=preset.id, geometry=preset.geometry, adjust=adjust
        )
        return engine.render(GenerateRequest(params=params, photo=photo))

    a = FrameAdjust(0.04, -0.02, 1.15, -6.0)
    b = FrameAdjust(-0.03, 0.05, 0.9, 9.0)
    from_a = base_of(made(a), a)
    assert from_a is not None
    wanted = made(b)
    assert wanted.crop is not None and wanted.guides is not None
    got = from_a.to_output(b)
    expected = (wanted.crop.a, wanted.crop.b, wanted.crop.c, wanted.crop.d, wanted.crop.e,
                wanted.crop.f)
    assert np.allclose(got, expected, atol=1e-6)
    crown = from_a.crown_at(b)
    assert crown is not None and abs(crown - wanted.guides.crown_y) < 1e-6
    # the stored framing key gives the face and the adjustment back
    key = GenerateParams(size=preset.size, preset_id=preset.id, geometry=preset.geometry,
                         face_index=2, adjust=b).framing_key()
    assert framing_choice(key) == (2, b)
    assert framing_choice("413x531|x|||") == (None, None)


def test_faces_are_outlined_before_generate_and_a_click_chooses_who_the_provider_gets(
    qtbot: Any, make_window: WindowFactory, ui_services: Callable[..., Services],
    photos_dir: Path, sandbox_factory: Callable[..., SandboxServer], sandbox_token: str,
) -> None:
    # GIVEN the provider chosen and the photo of two people just opened
    sandbox = sandbox_factory(engine=OfflineEngine())
    local = OfflineEngine()

    def factory(kind: str, token: str | None, api_url: str) -> Any:
        return default_engine_factory(kind, token, api_url) if kind == ENGINE_CLOUD else local

    services = ui_services(
        engine_factory=factory, token=sandbox_token, api_url=sandbox.base_url, engine="cloud",
        capture_check="auto",
    )
    window = make_window(services)
    load_photo(qtbot, window, photos_dir / "fr_two_people.jpg")
    window.preset_picker.select("icao_35x45")
    adjuster = window.frame_adjuster

    # THEN both faces are found (and outlined) before anything is sent
    qtbot.waitUntil(lambda: len(adjuster.faces) == 2, timeout=30_000)
    assert sandbox.counter.snapshot().get("POST /task/pic/idphoto", 0) == 0
    right = max(adjuster.faces, key=lambda f: f.x)
    rect = adjuster.face_rect(right)
    assert window.original_view.image_rect().contains(rect)

    # WHEN the clerk clicks on the right-hand person
    qtbot.mouseClick(
        window.original_view, Qt.MouseButton.LeftButton, pos=rect.center().toPoint()
    )

    # THEN it is chosen, nothing is sent, and the clerk is told the provider has no
    # face choice (its service picks the person itself): the offline engine does it
    assert adjuster.face_index == 2
    assert not window.running
    assert "offline engine" in adjuster.bar.status.text()
    assert sandbox.counter.snapshot().get("POST /task/pic/idphoto", 0) == 0

    # AND switching to the offline engine, Generate makes the photo of face 2
    qtbot.mouseClick(window.engine_picker.offline_radio, Qt.MouseButton.LeftButton)
    assert window.engine_picker.engine() == "offline"
    generate(qtbot, window, timeout=60_000)
    shown = window.generated
    assert shown is not None and shown.result.engine == "offline"
    assert window.generated_key is not None
    assert framing_choice(window.generated_key[2])[0] == 2
    head = head_on_upload(shown.result)
    assert right.x <= head[0] <= right.x + right.width
    assert sandbox.counter.snapshot().get("POST /task/pic/idphoto", 0) == 0
