"""Compliance: head height, eye line and top margin against a preset, in mm and percent."""

from __future__ import annotations

import pytest

from idphoto_desktop.core.compliance import Verdict, check_compliance, guide_bands
from idphoto_desktop.core.geometry import Rect
from idphoto_desktop.core.job import FaceGuides
from idphoto_desktop.core.presets import get_preset


def test_us_passport_pass() -> None:
    preset = get_preset("us_passport")  # 600x600 = 50.8 mm; head 50-68.7 %, eyes 56.3-68.7 %
    guides = FaceGuides(crown_y=60, chin_y=420, eye_y=230, center_x=300)
    report = check_compliance(preset, 600, guides=guides)
    head, eyes, top = report.checks
    assert head.verdict is Verdict.PASS
    assert head.value_mm == pytest.approx(360 * 50.8 / 600)
    assert head.allowed_mm == (25.4, 34.9)
    assert "30.5 mm" in head.message and "pass" in head.message
    assert eyes.verdict is Verdict.PASS and eyes.value_fraction == pytest.approx(370 / 600)
    assert top.verdict is Verdict.UNKNOWN  # the US gives no top-margin rule
    assert report.passed is True and not report.failures


def test_head_too_large_says_by_how_much() -> None:
    preset = get_preset("us_passport")
    guides = FaceGuides(crown_y=40, chin_y=500, eye_y=230, center_x=300)
    head = check_compliance(preset, 600, guides=guides).checks[0]
    assert head.verdict is Verdict.TOO_LARGE
    fraction = 460 / 600
    assert head.off_mm == pytest.approx((fraction - 0.687) * 50.8)
    assert head.off_percent == pytest.approx((fraction - 0.687) / 0.687 * 100)
    assert f"{head.off_mm:.1f} mm" in head.message
    assert "too large" in head.message


def test_head_too_small_from_a_head_box() -> None:
    preset = get_preset("schengen_visa")  # 45 mm tall, head 71.1-80 %
    report = check_compliance(preset, 531, head_rect=Rect(100, 80, 200, 300))
    head = report.checks[0]
    assert head.verdict is Verdict.TOO_SMALL
    assert head.off_mm == pytest.approx((0.711 - 300 / 531) * 45)
    assert report.checks[1].verdict is Verdict.UNKNOWN  # no eye line from a box
    assert report.passed is False
    assert report.failures == (head,)


def test_top_margin_from_the_person_rectangle() -> None:
    preset = get_preset("jp_passport_print")  # top margin 4.4-13.3 % (2-6 mm)
    ok = check_compliance(preset, 531, person_rect=Rect(50, 40, 300, 491))
    assert ok.checks[0].verdict is Verdict.UNKNOWN  # a person box has no chin
    assert ok.checks[2].verdict is Verdict.PASS
    assert ok.checks[2].allowed_mm == (2.0, 6.0)
    tight = check_compliance(preset, 531, person_rect=Rect(50, 5, 300, 526)).checks[2]
    assert tight.verdict is Verdict.TOO_SMALL
    assert tight.off_mm == pytest.approx((0.044 - 5 / 531) * 45)


def test_digital_preset_reports_percent_only() -> None:
    preset = get_preset("cn_visa_digital")
    guides = FaceGuides(crown_y=10, chin_y=400, eye_y=200, center_x=177)
    head = check_compliance(preset, 472, guides=guides).checks[0]
    assert head.value_mm is None and head.off_mm is None
    assert head.verdict is Verdict.TOO_LARGE
    assert "%" in head.message and "mm" not in head.message


def test_unknown_rules_are_not_guessed() -> None:
    report = check_compliance(get_preset("br_passport"), 827,
                              guides=FaceGuides(100, 600, 350, 295))
    assert all(c.verdict is Verdict.UNKNOWN for c in report.checks)
    assert report.passed is None


def test_background_rule_in_the_report() -> None:
    guides = FaceGuides(crown_y=40, chin_y=400, eye_y=200, center_x=206)
    france = check_compliance(get_preset("fr_identity"), 531, guides=guides, bg_color="FFFFFF")
    assert france.background_ok is False and france.passed is False
    assert france.background_message is not None
    assert "WHITE FORBIDDEN" in france.background_message
    grey = check_compliance(get_preset("fr_identity"), 531, guides=guides, bg_color="D3D3D3")
    assert grey.background_ok is None and grey.background_message is not None
    assert "light grey" in grey.background_message
    us = check_compliance(get_preset("us_passport"), 600, bg_color="438EDB")
    assert us.background_ok is False


def test_guide_bands() -> None:
    cn = guide_bands(get_preset("cn_visa_print"), 390, 567)
    assert cn.crown_band == pytest.approx((0.062 * 567, 0.104 * 567))
    assert cn.head_height_px == pytest.approx((0.583 * 567, 0.688 * 567))
    assert cn.chin_band == pytest.approx((0.645 * 567, 0.792 * 567))
    assert cn.eye_band is None and cn.center_x == 195
    us = guide_bands(get_preset("us_passport"), 600, 600, crown_y=50)
    assert us.crown_band is None
    assert us.chin_band == pytest.approx((50 + 300, 50 + 0.687 * 600))
    assert us.eye_band == pytest.approx((600 * (1 - 0.687), 600 * (1 - 0.563)))
    assert guide_bands(get_preset("br_passport"), 591, 827).chin_band is None
