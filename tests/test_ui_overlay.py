"""The foreground rectangle reads as a rectangle; guides only where measured."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QColor, QImage

from idphoto_desktop.core.presets import get_preset
from idphoto_desktop.engines.offline import OfflineEngine
from idphoto_desktop.ui.guides import GuidesBar
from idphoto_desktop.ui.image_view import OVERLAY_COLOR, ImageView
from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.overlay_shape import shape_on_frame
from idphoto_desktop.ui.services import ENGINE_CLOUD, Services
from tests.fixtures.ui import fast_engine_factory
from tests.test_ui_flow import generate, load_photo, near

pytestmark = pytest.mark.gui

WindowFactory = Callable[[Services], MainWindow]


def _tilted_box(cx: float, top: float, width: float, height: float, deg: float) -> list[
    tuple[float, float]
]:
    """A rectangle turned ``deg`` about its top centre."""
    a = math.radians(deg)
    cos, sin = math.cos(a), math.sin(a)
    local = [(-width / 2, 0), (width / 2, 0), (width / 2, height), (-width / 2, height)]
    return [(cx + x * cos - y * sin, top + x * sin + y * cos) for x, y in local]


def test_shape_names_the_sides_it_runs_past_and_its_tilt() -> None:
    corners = _tilted_box(100, 30, 300, 400, 3.0)  # wider and longer than a 200x240 photo
    shape = shape_on_frame(corners, 200, 240)
    assert set(shape.outside) == {"bottom", "left", "right"}
    assert shape.tilted and abs(shape.tilt_deg - 3.0) < 0.01
    assert len(shape.segments) == 1  # only the top edge crosses the picture
    (x0, _y0), (x1, _y1) = shape.segments[0]
    assert min(x0, x1) <= 0.5 and max(x0, x1) >= 199.5
    inside = shape_on_frame([(20, 20), (180, 20), (180, 200), (20, 200)], 200, 240)
    assert inside.outside == () and len(inside.segments) == 4 and not inside.tilted


def test_view_draws_the_inside_part_and_marks_the_rest(qtbot: Any) -> None:
    # GIVEN a grey 200x240 picture and a tilted rectangle running off three sides
    image = QImage(200, 240, QImage.Format.Format_RGB32)
    image.fill(QColor(128, 128, 128))
    view = ImageView()
    qtbot.addWidget(view)
    view.resize(400, 480)
    view.set_image(image)
    view.set_overlay(_tilted_box(100, 30, 300, 400, 3.0))
    view.show()
    qtbot.waitExposed(view)
    grab = view.grab().toImage()

    def colour_at(x: float, y: float) -> QColor:
        point = view.image_to_widget(x, y)
        return QColor(grab.pixel(round(point.x()), round(point.y())))

    # THEN the top edge is drawn where it crosses the picture (y = 30 + x' * tan 3°)
    assert near(colour_at(100, 30), OVERLAY_COLOR, 30)
    assert not near(colour_at(100, 120), OVERLAY_COLOR, 30)  # no side through the face
    # AND an arrow marks the bottom it runs past, and the words say what happened
    assert near(colour_at(100, 237), OVERLAY_COLOR, 30)
    notes = " | ".join(view.overlay_notes())
    assert "extends below the photo" in notes and "both sides" in notes
    assert "Tilted 3.0°" in notes


def test_window_result_rectangle_and_guides_only_where_measured(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    photos_dir: Path,
) -> None:
    # GIVEN a real offline result (the person's box runs off the bottom of an ID photo)
    def factory(kind: str, token: str | None, api_url: str) -> Any:
        return fast_engine_factory(kind, token, api_url) if kind == ENGINE_CLOUD else (
            OfflineEngine()
        )

    window = make_window(ui_services(engine_factory=factory))
    load_photo(qtbot, window, photos_dir / "hivision_test0.jpg")
    window.preset_picker.select("us_passport")
    generate(qtbot, window, timeout=60_000)
    generated = window.generated
    assert generated is not None and generated.result.foreground_rect is not None
    # THEN the rectangle is on the original as a whole, and on the result cut to the frame
    assert window.original_view.overlay() is not None
    shape = window.result_view.overlay_shape()
    assert shape is not None and shape.visible and shape.segments
    assert "bottom" in shape.outside
    assert any("extends below the photo" in n for n in window.result_view.overlay_notes())

    # WHEN the same result had no face guides (as the provider's): only the crown is used
    bar = GuidesBar(window.result_view)
    qtbot.addWidget(bar)
    bar.toggle.setChecked(True)
    provider_like = dataclasses.replace(generated.result, guides=None)
    preset = get_preset("us_passport")
    bar.refresh(provider_like, preset, None)
    marks = bar.marks
    assert marks is not None
    assert marks.bands.chin_band is None and marks.bands.eye_band is None
    text = bar.line.text()
    assert "Nothing could be measured" not in text
    if marks.measured:
        assert len(marks.measured) == 1 and "Only the crown" in text
    else:
        assert marks.bands.crown_band is None and "no guides are drawn" in text
    # AND with neither guides nor rectangle, nothing is drawn and the line says why
    bare = dataclasses.replace(generated.result, guides=None, foreground_rect=None)
    bar.refresh(bare, preset, None)
    assert bar.marks is not None and bar.marks.measured == ()
    assert "no guides are drawn" in bar.line.text()
    window.result_view.decorate = None
