"""The verdict badge shows real capture reports, in English and in Chinese (offscreen)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bench.capture_transforms import TRANSFORMS, Face
from idphoto_desktop.capture import CaptureReport, check_photo, messages
from idphoto_desktop.ui import i18n, verdict_badge
from idphoto_desktop.ui.verdict_badge import VerdictBadge

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def reports(photos_dir: Path, models_dir: Path) -> dict[str, CaptureReport]:
    with Image.open(photos_dir / "hivision_test3.jpg") as img:
        photo = img.convert("RGB")
    good = check_photo(photo, models_dir=models_dir)
    assert good.chosen_face is not None
    box = good.faces[good.chosen_face - 1]
    face = Face(box.x, box.y, box.width, box.height)
    tiny = check_photo(TRANSFORMS["tiny"][0](photo, face), models_dir=models_dir)
    turned = check_photo(TRANSFORMS["rotated20"][0](photo, face), models_dir=models_dir)
    return {"ok": good, "retake": tiny, "check": turned}


@pytest.fixture
def chinese(qapp: Any) -> Iterator[None]:
    assert i18n.install("zh_CN")
    verdict_badge.ensure_translator()
    yield
    i18n.remove()
    verdict_badge.ensure_translator()


def test_badge_shows_each_verdict_with_its_colour_and_reasons(
    qtbot: Any, reasons_ok: None, reports: dict[str, CaptureReport]
) -> None:
    badge = VerdictBadge()
    qtbot.addWidget(badge)
    assert not badge.isVisibleTo(None) and badge.verdict is None
    seen_colours = set()
    for verdict in ("ok", "check", "retake"):
        report = reports[verdict]
        assert report.verdict == verdict
        badge.set_report(report)
        assert badge.verdict == verdict and badge.property("verdict") == verdict
        assert badge.title.text() == messages.VERDICTS[verdict]
        assert verdict_badge.COLOURS[verdict][0] in badge.styleSheet()
        seen_colours.add(verdict_badge.COLOURS[verdict][0])
        lines = badge.reasons.text().splitlines() if badge.reasons.text() else []
        assert lines == [f"• {r.message}" for r in report.reasons]
    assert len(seen_colours) == 3
    assert "face_small" in reports["retake"].codes()
    assert "enlarged" in badge.reasons.text()
    badge.set_report(None)
    assert badge.verdict is None and badge.title.text() == ""


@pytest.fixture
def reasons_ok(qapp: Any) -> None:
    i18n.remove()
    verdict_badge.ensure_translator()


def test_badge_speaks_chinese_from_the_capture_table(
    qtbot: Any, chinese: None, reports: dict[str, CaptureReport]
) -> None:
    badge = VerdictBadge()
    qtbot.addWidget(badge)
    badge.set_report(reports["retake"])
    assert badge.title.text() == messages.VERDICTS_ZH["retake"]
    text = badge.reasons.text()
    assert "放大" in text  # face_small, in Chinese, with the measured factor filled in
    factor = next(r.fields["factor"] for r in reports["retake"].reasons if r.code == "face_small")
    assert f"{factor:.1f}" in text
    assert "enlarged" not in text
