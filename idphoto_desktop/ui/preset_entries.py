"""Turn the specification presets into picker rows with a plain details text.

Kept apart from the picker so that the one place that knows the preset's fields is
small. Every figure shown comes from the preset; a rule the data lacks says "not
specified" instead of a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from idphoto_desktop.ui import i18n
from idphoto_desktop.ui.preset_picker import PresetEntry

if TYPE_CHECKING:
    from idphoto_desktop.core.presets import Preset, PrintPaper

# The names go through Qt's translation (context PresetEntries) when shown.
COUNTRY_NAMES: dict[str, object] = {
    "INT": QT_TRANSLATE_NOOP("PresetEntries", "International"),
    "US": QT_TRANSLATE_NOOP("PresetEntries", "United States"),
    "GB": QT_TRANSLATE_NOOP("PresetEntries", "United Kingdom"),
    "UK": QT_TRANSLATE_NOOP("PresetEntries", "United Kingdom"),
    "CN": QT_TRANSLATE_NOOP("PresetEntries", "China"),
    "HK": QT_TRANSLATE_NOOP("PresetEntries", "Hong Kong"),
    "TW": QT_TRANSLATE_NOOP("PresetEntries", "Taiwan"),
    "JP": QT_TRANSLATE_NOOP("PresetEntries", "Japan"),
    "KR": QT_TRANSLATE_NOOP("PresetEntries", "South Korea"),
    "IN": QT_TRANSLATE_NOOP("PresetEntries", "India"),
    "CA": QT_TRANSLATE_NOOP("PresetEntries", "Canada"),
    "AU": QT_TRANSLATE_NOOP("PresetEntries", "Australia"),
    "NZ": QT_TRANSLATE_NOOP("PresetEntries", "New Zealand"),
    "DE": QT_TRANSLATE_NOOP("PresetEntries", "Germany"),
    "FR": QT_TRANSLATE_NOOP("PresetEntries", "France"),
    "IT": QT_TRANSLATE_NOOP("PresetEntries", "Italy"),
    "ES": QT_TRANSLATE_NOOP("PresetEntries", "Spain"),
    "NL": QT_TRANSLATE_NOOP("PresetEntries", "Netherlands"),
    "SG": QT_TRANSLATE_NOOP("PresetEntries", "Singapore"),
    "MY": QT_TRANSLATE_NOOP("PresetEntries", "Malaysia"),
    "TH": QT_TRANSLATE_NOOP("PresetEntries", "Thailand"),
    "VN": QT_TRANSLATE_NOOP("PresetEntries", "Vietnam"),
    "PH": QT_TRANSLATE_NOOP("PresetEntries", "Philippines"),
    "ID": QT_TRANSLATE_NOOP("PresetEntries", "Indonesia"),
    "RU": QT_TRANSLATE_NOOP("PresetEntries", "Russia"),
    "BR": QT_TRANSLATE_NOOP("PresetEntries", "Brazil"),
    "MX": QT_TRANSLATE_NOOP("PresetEntries", "Mexico"),
    "EU": QT_TRANSLATE_NOOP("PresetEntries", "Schengen / EU"),
    "IE": QT_TRANSLATE_NOOP("PresetEntries", "Ireland"),
    "CH": QT_TRANSLATE_NOOP("PresetEntries", "Switzerland"),
    "AT": QT_TRANSLATE_NOOP("PresetEntries", "Austria"),
    "BE": QT_TRANSLATE_NOOP("PresetEntries", "Belgium"),
    "PL": QT_TRANSLATE_NOOP("PresetEntries", "Poland"),
    "SE": QT_TRANSLATE_NOOP("PresetEntries", "Sweden"),
    "NO": QT_TRANSLATE_NOOP("PresetEntries", "Norway"),
    "DK": QT_TRANSLATE_NOOP("PresetEntries", "Denmark"),
    "FI": QT_TRANSLATE_NOOP("PresetEntries", "Finland"),
    "PT": QT_TRANSLATE_NOOP("PresetEntries", "Portugal"),
    "TR": QT_TRANSLATE_NOOP("PresetEntries", "Türkiye"),
    "NG": QT_TRANSLATE_NOOP("PresetEntries", "Nigeria"),
    "AE": QT_TRANSLATE_NOOP("PresetEntries", "United Arab Emirates"),
    "SA": QT_TRANSLATE_NOOP("PresetEntries", "Saudi Arabia"),
    "IL": QT_TRANSLATE_NOOP("PresetEntries", "Israel"),
    "ZA": QT_TRANSLATE_NOOP("PresetEntries", "South Africa"),
}


# Words clerks type for a country that its name does not contain.
_ALIASES = {
    "US": "usa america american",
    "GB": "uk britain british england",
    "EU": "europe european schengen",
    "CN": "prc chinese",
    "KR": "korea korean",
    "INT": "icao",
}


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


MM_PER_INCH = 25.4


def inches(mm: float) -> float | None:
    """``mm`` in inches when it is a whole number of eighths of an inch and not whole
    millimetres (50.8 mm = 2 in): the document was specified in inches."""
    value = mm / MM_PER_INCH
    eighths = value * 8
    if abs(eighths - round(eighths)) > 0.02 or abs(mm - round(mm)) < 0.05:
        return None
    return round(eighths) / 8


def _fmt_in(value: float) -> str:
    whole, frac = divmod(round(value * 8), 8)
    names = {1: "1/8", 2: "1/4", 3: "3/8", 4: "1/2", 5: "5/8", 6: "3/4", 7: "7/8"}
    if frac == 0:
        return str(whole)
    return f"{whole} {names[frac]}" if whole else names[frac]


def print_size_text(preset: Preset) -> str:
    """"2 × 2 in" for a document specified in inches, "35 × 45 mm" otherwise, pixels for a
    digital-only one."""
    if preset.print_mm is None:
        return QCoreApplication.translate("PresetEntries", "{0} × {1} px").format(
            preset.width_px, preset.height_px
        )
    w, h = preset.print_mm
    w_in, h_in = inches(w), inches(h)
    if w_in is not None and h_in is not None:
        return QCoreApplication.translate("PresetEntries", "{0} × {1} in").format(
            _fmt_in(w_in), _fmt_in(h_in)
        )
    return QCoreApplication.translate("PresetEntries", "{0} × {1} mm").format(_fmt(w), _fmt(h))


def _size_words(preset: Preset) -> str:
    """"35x45 413x531": what a clerk types for a size."""
    words = [f"{preset.width_px}x{preset.height_px}"]
    if preset.print_mm is not None:
        words.append(f"{_fmt(preset.print_mm[0])}x{_fmt(preset.print_mm[1])}")
    return " ".join(words)


def _t(text: str) -> str:
    return QCoreApplication.translate("PresetEntries", text)


def country_label(code: str) -> str:
    """The country's name in the window's language."""
    if not code:
        return QCoreApplication.translate("PresetEntries", "Other")
    return _t(str(COUNTRY_NAMES.get(code.upper(), code)))


def _source_kind(kind: str) -> str:
    """How authoritative a source is (the specs' provenance words), in the clerk's language."""
    words = {
        "official": QCoreApplication.translate("PresetEntries", "official"),
        "official-mirror": QCoreApplication.translate(
            "PresetEntries", "official, mirrored elsewhere"
        ),
        "project": QCoreApplication.translate("PresetEntries", "open-source project"),
        "secondary": QCoreApplication.translate("PresetEntries", "secondary"),
    }
    return words.get(kind, kind)


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def describe(preset: Preset) -> str:
    """Print size, pixels, head rule, background and source: one line each."""
    lines: list[str] = []
    if preset.print_mm is not None:
        w, h = preset.print_mm
        size = print_size_text(preset)
        if inches(w) is not None and inches(h) is not None:
            size += " (" + QCoreApplication.translate("PresetEntries", "{0} × {1} mm").format(
                _fmt(w), _fmt(h)
            ) + ")"
        lines.append(
            QCoreApplication.translate("PresetEntries", "Print {0} · sent as {1} × {2} px").format(
                size, preset.width_px, preset.height_px
            )
        )
    else:
        lines.append(
            QCoreApplication.translate("PresetEntries", "Digital upload · {0} × {1} px").format(
                preset.width_px, preset.height_px
            )
        )
    head: list[str] = []
    if preset.head_mm is not None:
        head.append(
            QCoreApplication.translate("PresetEntries", "{0}–{1} mm chin to crown").format(
                _fmt(preset.head_mm[0]), _fmt(preset.head_mm[1])
            )
        )
    if preset.head_fraction is not None:
        lo, hi = preset.head_fraction
        head.append(
            QCoreApplication.translate("PresetEntries", "{0}–{1} % of the height").format(
                f"{lo * 100:.0f}", f"{hi * 100:.0f}"
            )
        )
    lines.append(
        QCoreApplication.translate("PresetEntries", "Head: {0}").format(
            QCoreApplication.translate("PresetEntries", ", ", "between two items of a list").join(
                head
            )
            if head
            else QCoreApplication.translate("PresetEntries", "not given by the sources")
        )
    )
    if preset.background.text:
        lines.append(
            QCoreApplication.translate("PresetEntries", "Background: {0}").format(
                _short(i18n.text("; ".join(preset.background.text)), 80)
            )
        )
    if preset.sources:
        first = preset.sources[0]
        title = (first.title or first.url or first.id).split(":")[0]
        kind = f" ({_source_kind(first.type)})" if first.type else ""
        more = ""
        if len(preset.sources) > 1:
            more = " " + QCoreApplication.translate("PresetEntries", "+{0} more").format(
                len(preset.sources) - 1
            )
        lines.append(
            QCoreApplication.translate("PresetEntries", "Source: {0}").format(
                f"{_short(title, 60)}{kind}{more}"
            )
        )
    else:
        lines.append(QCoreApplication.translate("PresetEntries", "Source: none recorded"))
    return "\n".join(lines)


def preset_name(preset: Preset) -> str:
    """The preset's name in the window's language: the data's Chinese name where it has
    one, else the message catalogue's (``core.i18n``), else the English name."""
    from idphoto_desktop.core.i18n import current_language, translate

    if current_language() == "zh_CN" and preset.name_zh:
        return preset.name_zh
    return translate(preset.name)


def paper_name(paper: PrintPaper) -> str:
    """A print paper's name in the window's language (the message catalogue's)."""
    from idphoto_desktop.core.i18n import translate

    return translate(paper.name)


def preset_label(preset: Preset) -> str:
    """"Schengen visa photo (35 × 45 mm)": the name and the print size, translated; a
    name that already gives its size ("… (2x2 in)") is not followed by it again."""
    name = preset_name(preset)
    if re.search(r"\d\s*[x×]\s*\d", name):
        return name
    return f"{name} ({print_size_text(preset)})"


def entries_from_presets(presets: Iterable[Preset]) -> list[PresetEntry]:
    """Picker rows; in Chinese a preset's Chinese name (from the data) where it has one."""
    entries: list[PresetEntry] = []
    for preset in presets:
        group = country_label(preset.country)
        details = describe(preset)
        english = COUNTRY_NAMES.get(preset.country.upper(), "")
        name = preset_name(preset)
        entries.append(
            PresetEntry(
                id=preset.id,
                name=name,
                group=group,
                width=preset.width_px,
                height=preset.height_px,
                details=details,
                search_text=(
                    f"{preset.id} {preset.name} {name} {preset.document} {preset.name_zh or ''} "
                    f"{_size_words(preset)} {details}"
                ),
                country_words=(
                    f"{preset.country} {group} {english} {_ALIASES.get(preset.country, '')}"
                ),
                size_text=print_size_text(preset),
            )
        )
    return entries
