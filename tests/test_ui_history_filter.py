"""The history panel narrowed to one customer and to one day; the sheet names the customer."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import ImageChops

from idphoto_desktop.core import validation
from idphoto_desktop.core.imageprep import prepare_photo
from idphoto_desktop.core.job import OutputFormat
from idphoto_desktop.engines.cropresize import CropResizeEngine
from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.services import Services

pytestmark = pytest.mark.gui


def _fill(history: Any, photo_path: Path) -> None:
    photo = prepare_photo(photo_path)
    params = validation.make_params(validation.validate_size(600, 600), OutputFormat.PNG,
                                    preset_id="us_passport")
    result = CropResizeEngine().generate(validation.make_request(params, photo=photo))
    ids = [
        history.add(photo.source_sha256, params, result, "a.jpg", customer="Li Wei"),
        history.add(photo.source_sha256, params, result, "b.jpg", customer="Anna Schmidt"),
        history.add(photo.source_sha256, params, result, "c.jpg"),
    ]
    yesterday = _dt.datetime.now(_dt.UTC) - _dt.timedelta(days=1)
    old = dataclasses.replace(history.get(ids[0]), created_at=yesterday, uid=uuid.uuid4().hex)
    history.add_entry(old)


def test_history_filters_by_customer_and_by_day(
    ui_services: Callable[..., Services], make_window: Callable[[Services], MainWindow],
    qtbot: Any, photos_dir: Path,
) -> None:
    window = make_window(ui_services())
    _fill(window.services.studio.history(), photos_dir / "hivision_test0.jpg")
    studio = window.studio
    studio.history_action.trigger()
    panel = studio.history_panel
    qtbot.waitUntil(lambda: len(panel.rows) == 4, timeout=10_000)
    assert panel.clear_button.isEnabled()

    qtbot.keyClicks(panel.customer_filter, "li WEI")
    qtbot.waitUntil(lambda: len(panel.rows) == 2, timeout=10_000)
    assert {r.summary.customer for r in panel.rows} == {"Li Wei"}
    assert "Li Wei" in panel.list.item(0).text()
    assert not panel.clear_button.isEnabled()  # "Clear all" is never offered filtered

    yesterday = (_dt.datetime.now() - _dt.timedelta(days=1)).date()
    panel.day_edit.setDate(yesterday)
    panel.day_check.setChecked(True)
    qtbot.waitUntil(lambda: len(panel.rows) == 1, timeout=10_000)
    assert panel.rows[0].summary.created_at.astimezone().date() == yesterday

    panel.customer_filter.clear()
    panel.day_edit.setDate(_dt.date.today())
    qtbot.waitUntil(
        lambda: len(panel.rows) == 3 and panel.filters()[0] is None, timeout=10_000
    )
    panel.customer_filter.setText("nobody")
    qtbot.waitUntil(lambda: not panel.rows, timeout=10_000)
    assert panel.empty.isVisible() and "filter" in panel.empty.text()


def test_the_print_sheet_carries_the_customer_field(
    ui_services: Callable[..., Services], make_window: Callable[[Services], MainWindow],
    qtbot: Any, photos_dir: Path,
) -> None:
    window = make_window(ui_services())
    qtbot.waitUntil(lambda: window._presets_loaded, timeout=10_000)
    assert window.preset_picker.select("us_passport")
    window.watch_folder.strip.customer_edit.setText("Order 77")
    with qtbot.waitSignal(window.photoLoaded, timeout=30_000):
        window.open_path(photos_dir / "hivision_test0.jpg")
    with qtbot.waitSignal(window.resultShown, timeout=30_000):
        window.generate()
    window.studio.print_current()
    dialog = window.studio.sheet_dialog
    assert dialog is not None and dialog.caption == "Order 77"
    qtbot.waitUntil(lambda: dialog.sheet is not None, timeout=30_000)
    named = dialog.sheet
    assert named is not None and dialog.layout_ is not None
    from idphoto_desktop.core.sheet import render_sheet

    plain = render_sheet(window.generated.result.image if window.generated else b"",
                         dialog.layout_, bg_color=window.studio._color())
    diff = np.asarray(ImageChops.difference(plain, named).convert("L")) > 0
    bottom = max(y for _x, y in dialog.layout_.positions) + dialog.layout_.photo_px[1]
    ys, _xs = np.nonzero(diff)
    assert ys.size > 50 and ys.min() > bottom  # the name, in the margin under the photos
    dialog.close()
