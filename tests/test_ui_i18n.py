"""Languages: every string translated, the .qm in step with the .ts, the window in Chinese."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QTranslator
from PySide6.QtWidgets import QDialogButtonBox

from idphoto_desktop.ui import i18n
from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.services import Services

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "resources" / "i18n" / "idphoto_zh_CN.ts"
UI_DIR = ROOT / "idphoto_desktop" / "ui"
BIN = Path(sys.executable).parent
PLACEHOLDER = re.compile(r"\{\d*\}")

WindowFactory = Callable[[Services], MainWindow]


def read_ts(path: Path) -> list[tuple[str, str, ET.Element]]:
    """(context, source, translation element) for every message."""
    messages = []
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None
            messages.append((name, message.findtext("source") or "", translation))
    return messages


def tool(name: str) -> Path | None:
    path = BIN / name
    if path.exists():
        return path
    found = shutil.which(name)
    return Path(found) if found else None


def test_every_message_has_a_real_translation() -> None:
    messages = read_ts(TS)
    assert len(messages) > 100
    problems = []
    for context, source, translation in messages:
        text = translation.text or ""
        if translation.get("type") in ("unfinished", "vanished", "obsolete") or not text.strip():
            problems.append(f"{context}: {source!r} has no translation")
            continue
        if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
            problems.append(f"{context}: {source!r} -> {text!r} changes the {{}} placeholders")
        if "&" in source.replace("&&", "") and "&" not in text:
            problems.append(f"{context}: {source!r} -> {text!r} loses its keyboard accelerator")
    assert not problems, "\n".join(problems)


def _strings_in_sources() -> set[tuple[str, str]]:
    """(context, text) of every literal tr()/translate()/QT_TRANSLATE_NOOP in ui/ (fallback)."""
    found: set[tuple[str, str]] = set()
    for path in UI_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for cls in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]:
            for call in [n for n in ast.walk(cls) if isinstance(n, ast.Call)]:
                func = call.func
                if isinstance(func, ast.Attribute) and func.attr == "tr" and call.args:
                    arg = call.args[0]
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.add((cls.name, arg.value))
        for call in [n for n in ast.walk(tree) if isinstance(n, ast.Call)]:
            func = call.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("translate", "QT_TRANSLATE_NOOP") and len(call.args) >= 2:
                ctx, text = call.args[0], call.args[1]
                if isinstance(ctx, ast.Constant) and isinstance(text, ast.Constant):
                    found.add((str(ctx.value), str(text.value)))
    return found


def test_every_string_in_the_sources_is_in_the_ts(tmp_path: Path) -> None:
    """lupdate over the ui sources adds nothing new to a copy of the .ts."""
    in_ts = {(context, source) for context, source, _ in read_ts(TS)}
    lupdate = tool("pyside6-lupdate")
    if lupdate is not None:
        copy = tmp_path / TS.name
        shutil.copy(TS, copy)
        sources = sorted(str(p) for p in UI_DIR.glob("*.py"))
        subprocess.run(
            [
                str(lupdate),
                "-silent",
                "-locations",
                "none",
                "-no-obsolete",
                *sources,
                "-ts",
                str(copy),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        in_code = {(context, source) for context, source, _ in read_ts(copy)}
    else:
        in_code = _strings_in_sources()
    missing = sorted(in_code - in_ts)
    assert not missing, "run scripts/update_translations.sh and translate: " + repr(missing)
    assert in_code, "no translatable string found: the check itself is broken"


def test_the_shipped_qm_matches_the_ts(qapp: Any, tmp_path: Path) -> None:
    qm = i18n.qm_path("zh_CN")
    translator = QTranslator()
    assert translator.load(str(qm)), f"{qm} does not load"
    stale = [
        (context, source)
        for context, source, translation in read_ts(TS)
        if translator.translate(context, source) != (translation.text or "")
    ]
    assert not stale, "the .qm is older than the .ts; run scripts/update_translations.sh: " + repr(
        stale[:5]
    )
    lrelease = tool("pyside6-lrelease")
    if lrelease is not None:
        fresh = tmp_path / "fresh.qm"
        subprocess.run(
            [str(lrelease), "-silent", str(TS), "-qm", str(fresh)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        assert fresh.read_bytes() == qm.read_bytes()


def test_language_choice_follows_the_system_unless_overridden() -> None:
    chinese = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
    english = QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)
    assert i18n.choose_language("", chinese) == "zh_CN"
    assert i18n.choose_language("", english) == "en"
    assert i18n.choose_language("en", chinese) == "en"
    assert i18n.choose_language("zh_CN", english) == "zh_CN"
    assert i18n.choose_language("fr", english) == "en"  # unknown: the system's, else English


@pytest.fixture
def chinese(qapp: Any) -> Iterator[None]:
    assert i18n.install("zh_CN")
    yield
    i18n.remove()


def test_window_in_chinese_shows_chinese_for_the_main_actions(
    chinese: None, make_window: WindowFactory, ui_services: Callable[..., Services]
) -> None:
    # GIVEN the Chinese translation installed before the window is built (as at start-up)
    window = make_window(ui_services())
    # THEN the main actions read in Chinese
    assert window.generate_button.text() == "生成"
    assert window.open_button.text() == "打开…"
    assert window.engine_picker.offline_radio.text() == "离线（免费）"
    assert window.save_button.text() == "另存为…"
    titles = [a.text() for a in window.menuBar().actions()]
    assert "文件(&F)" in titles and "帮助(&H)" in titles
    assert window.generate_action.text() == "生成(&G)"
    # AND Qt's own strings (standard buttons) come from Qt's zh_CN translation
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    close = box.button(QDialogButtonBox.StandardButton.Close)
    assert close is not None and close.text() == "关闭"
    box.deleteLater()


def test_english_without_a_translator(
    qapp: Any, make_window: WindowFactory, ui_services: Callable[..., Services]
) -> None:
    i18n.remove()
    window = make_window(ui_services())
    assert window.generate_button.text() == "Generate"
    assert QCoreApplication.translate("SidePanel", "Generate") == "Generate"


def test_language_choice_saved_from_preferences(
    qtbot: Any, make_window: WindowFactory, ui_services: Callable[..., Services]
) -> None:
    services = ui_services()
    window = make_window(services)
    window.open_preferences()
    dialog = window.preferences_dialog
    qtbot.waitExposed(dialog)
    assert "next start" in dialog.language_note.text()
    dialog.language.setCurrentIndex(dialog.language.findData("zh_CN"))
    dialog.save_button.click()
    assert services.settings.language == "zh_CN"
    assert i18n.install_for_setting(services.settings.language) == "zh_CN"
    i18n.remove()


def test_a_preset_s_details_read_in_chinese(chinese: None) -> None:
    """The details under the preset list: the head's two rules joined with "，", and how
    authoritative the first source is in Chinese (was "(official)")."""
    from idphoto_desktop.core.presets import get_preset
    from idphoto_desktop.ui.preset_entries import describe

    text = describe(get_preset("us_passport"))
    assert "mm，占照片高度" in text and "(官方)" in text
    assert "official" not in text and "mm, " not in text
