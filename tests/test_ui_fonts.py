"""A CJK font is guaranteed: setup installs one, the bundle carries one (with its licence),
and the app registers it before the first widget."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from PySide6.QtGui import QFont, QFontDatabase

from idphoto_desktop.ui import fonts

ROOT = Path(__file__).resolve().parent.parent


def _rules() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bundle_rules", ROOT / "packaging" /
                                                  "bundle_rules.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_setup_installs_a_cjk_font() -> None:
    text = (ROOT / "scripts" / "setup.sh").read_text("utf-8")
    packages = re.search(r"pkgs=\(([^)]*)\)", text, re.S)
    assert packages is not None and "fonts-wqy-microhei" in packages.group(1).split()


def test_the_bundle_takes_the_font_and_its_licence(tmp_path: Path) -> None:
    rules = _rules()
    font, licence = rules.cjk_font()
    assert font.suffix in (".ttc", ".ttf", ".otf") and font.stat().st_size > 1_000_000
    assert "Apache-2.0" in licence.read_text("utf-8")
    assert (rules.LICENCE_TEXTS / "Apache-2.0.txt").is_file()
    with pytest.raises(rules.BundleError):
        rules.cjk_font([tmp_path / "none.ttc"], licence)
    spec = (ROOT / "packaging" / "idphoto.spec").read_text("utf-8")
    assert "rules.cjk_font()" in spec and '"fonts"' in spec and "fonts-wqy-microhei" in spec


@pytest.mark.gui
def test_the_app_registers_the_bundled_font(
    qapp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a bundle's fonts/ folder holding the CJK font (as the frozen build has it)
    font, _licence = _rules().cjk_font()
    folder = tmp_path / "fonts"
    folder.mkdir()
    (folder / font.name).symlink_to(font)
    monkeypatch.setenv("IDPHOTO_FONTS_DIR", str(folder))
    # WHEN the app starts
    added = fonts.load_fonts(fonts.bundled_fonts_dir())
    family = fonts.ensure_cjk_font(qapp)  # a Chinese window
    # THEN the font is registered and Chinese text falls back to it
    assert "WenQuanYi Micro Hei" in added
    assert family == "WenQuanYi Micro Hei"
    systems = QFontDatabase.writingSystems(family)
    assert QFontDatabase.WritingSystem.SimplifiedChinese in systems
    try:
        substitutes = QFont.substitutes(qapp.font().family())
        assert family.casefold() in [s.casefold() for s in substitutes]
    finally:  # other tests measure English text in the default font
        for name in fonts.substituted_families(qapp):
            QFont.removeSubstitutions(name)


def test_an_english_window_says_after_its_paint_when_no_font_writes_chinese(
    qapp: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a machine where a CJK font exists: nothing to say
    with caplog.at_level("WARNING", logger=fonts.log.name):
        fonts.warn_without_cjk_font()
    assert fonts.cjk_family() is not None and fonts.NO_CJK_FONT not in caplog.text
    # WHEN no family can write Chinese THEN the log says so
    monkeypatch.setattr(fonts, "cjk_family", lambda: None)
    with caplog.at_level("WARNING", logger=fonts.log.name):
        fonts.warn_without_cjk_font()
    assert fonts.NO_CJK_FONT in caplog.text
