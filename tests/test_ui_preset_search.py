"""Preset search: the best match first, at least 12 rows, inch documents in inches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt

from idphoto_desktop.core.presets import load_presets
from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.preset_entries import entries_from_presets, inches, print_size_text
from idphoto_desktop.ui.preset_picker import VISIBLE_ROWS
from idphoto_desktop.ui.preset_search import rank
from idphoto_desktop.ui.services import Services

pytestmark = pytest.mark.gui

WindowFactory = Callable[[Services], MainWindow]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("us passport", "us_passport"),
        ("US Passport", "us_passport"),
        ("united states passport", "us_passport"),
        ("uk passport", "uk_passport_print"),
        ("germany", "de_biometric"),
        ("china visa", "cn_visa_print"),
        ("japan passport", "jp_passport_print"),
        ("canada passport", "ca_passport"),
        ("schengen", "schengen_visa"),
        ("一寸", "cn_1inch"),
    ],
)
def test_country_and_document_words_rank_first(qapp: Any, query: str, first: str) -> None:
    entries = entries_from_presets(load_presets())
    ranked = [e.id for e in rank(entries, query)]
    assert ranked and ranked[0] == first, ranked[:5]


def test_every_word_must_match(qapp: Any) -> None:
    entries = entries_from_presets(load_presets())
    assert rank(entries, "us zzzz") == []
    ids = [e.id for e in rank(entries, "passport")]
    assert "us_passport" in ids and "au_passport" in ids


def test_inch_documents_read_in_inches(qapp: Any) -> None:
    presets = {p.id: p for p in load_presets()}
    assert print_size_text(presets["us_passport"]) == "2 × 2 in"
    assert print_size_text(presets["in_passport_abroad"]) == "2 × 2 in"
    assert print_size_text(presets["icao_35x45"]) == "35 × 45 mm"
    assert print_size_text(presets["uk_passport_digital"]).endswith("px")
    assert inches(50.8) == 2.0 and inches(35.0) is None and inches(25.4 * 1.375) == 1.375


def test_search_in_the_window(
    qtbot: Any, make_window: WindowFactory, ui_services: Callable[..., Services]
) -> None:
    # GIVEN the window with its preset list
    window = make_window(ui_services())
    picker = window.preset_picker
    picker.ensure_filled()
    tree = picker.tree
    # THEN the list shows at least 12 rows without scrolling
    row = tree.visualItemRect(tree.topLevelItem(0)).height()
    assert row > 0
    assert tree.viewport().height() >= VISIBLE_ROWS * row
    assert VISIBLE_ROWS >= 12
    # WHEN the clerk types "us passport"
    picker.search.setFocus()
    qtbot.keyClicks(picker.search, "us passport")
    # THEN the United States passport is the first row, in inches
    first = tree.topLevelItem(0)
    assert first is not None
    assert first.data(0, Qt.ItemDataRole.UserRole) == "us_passport"
    assert "2 × 2 in" in first.text(0) and "50.8" not in first.text(0)
    # AND Enter chooses it; its details give inches and millimetres
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    assert picker.current_id() == "us_passport"
    assert "2 × 2 in (50.8 × 50.8 mm)" in picker.details.text()
    # WHEN the search is cleared the grouped list comes back with the choice kept
    picker.search.clear()
    assert tree.topLevelItemCount() > 10
    assert picker.current_id() == "us_passport"
    current = tree.currentItem()
    assert current is not None and current.data(0, Qt.ItemDataRole.UserRole) == "us_passport"
