"""A font with Chinese characters, guaranteed: without one the Chinese window is boxes.

Why: a counter PC with only DejaVu fonts shows every Chinese character as a tofu box.
The installer bundle carries WenQuanYi Micro Hei (Apache-2.0 / GPL-3 with the font
exception; licence text in ``licenses/``) in its ``fonts/`` folder, registered here
with ``QFontDatabase`` before the first widget; from source, ``scripts/setup.sh``
installs the same font system-wide (``fonts-wqy-microhei``). Either way the window's
font family gets the CJK family as its substitute, so Chinese text falls back to it.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication

log = logging.getLogger(__name__)

FONT_SUFFIXES = (".ttf", ".ttc", ".otf")
NO_CJK_FONT = "No font with Chinese characters found: Chinese text will not show"
PREFERRED_CJK = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC")


def bundled_fonts_dir() -> Path | None:
    """``fonts/`` inside a frozen build, or ``IDPHOTO_FONTS_DIR`` (tests); else None."""
    override = os.environ.get("IDPHOTO_FONTS_DIR")
    if override:
        return Path(override)
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        folder = Path(frozen) / "fonts"
        return folder if folder.is_dir() else None
    return None


def load_fonts(folder: Path | None) -> list[str]:
    """Register every font file in ``folder``; returns the families it added."""
    families: list[str] = []
    if folder is None or not folder.is_dir():
        return families
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in FONT_SUFFIXES:
            continue
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.warning("Font %s could not be loaded", path)
            continue
        families.extend(QFontDatabase.applicationFontFamilies(font_id))
    return families


def cjk_family() -> str | None:
    """A font family that can write Simplified Chinese, preferring the bundled one."""
    chinese = QFontDatabase.WritingSystem.SimplifiedChinese
    available = set(QFontDatabase.families(chinese))
    for name in PREFERRED_CJK:
        if name in available:
            return name
    return sorted(available)[0] if available else None


def ensure_cjk_font(app: QGuiApplication, *, substitute: bool = True) -> str | None:
    """Load the bundled fonts and make Chinese text fall back to a CJK family.

    With ``substitute`` (a Chinese window) the window's family gets the CJK family as
    its substitute; an English window keeps its own font metrics and relies on the
    font fallback for the odd Chinese preset name. Returns the family, or None (logged)
    when the machine has none at all.
    """
    load_fonts(bundled_fonts_dir())
    family = cjk_family()
    if family is None:
        log.warning(NO_CJK_FONT)
        return None
    if substitute:
        for name in substituted_families(app):
            QFont.insertSubstitution(name, family)
    return family


def substituted_families(app: QGuiApplication) -> list[str]:
    """The families whose text falls back to the CJK family in a Chinese window."""
    return [app.font().family(), "Sans Serif", "DejaVu Sans", "sans-serif"]


def warn_without_cjk_font() -> None:
    """Log when no font can write Chinese. An English window asks after its first paint
    (the search through every family costs 7 ms, and only a log line depends on it)."""
    if cjk_family() is None:
        log.warning(NO_CJK_FONT)
