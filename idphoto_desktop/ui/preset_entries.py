"""Turn the specification presets into picker rows with a plain details text.

Kept apart from the picker so that the one place that knows the preset's fields is
small. Every figure shown comes from the preset; a rule the data lacks says "not
specified" instead of a guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from idphoto_desktop.ui.preset_picker import PresetEntry

if TYPE_CHECKING:
    from idphoto_desktop.core.presets import Preset

COUNTRY_NAMES = {
    "INT": "International", "US": "United States", "GB": "United Kingdom", "UK": "United Kingdom",
    "CN": "China", "HK": "Hong Kong", "TW": "Taiwan", "JP": "Japan", "KR": "South Korea",
    "IN": "India", "CA": "Canada", "AU": "Australia", "NZ": "New Zealand", "DE": "Germany",
    "FR": "France", "IT": "Italy", "ES": "Spain", "NL": "Netherlands", "SG": "Singapore",
    "MY": "Malaysia", "TH": "Thailand", "VN": "Vietnam", "PH": "Philippines", "ID": "Indonesia",
    "RU": "Russia", "BR": "Brazil", "MX": "Mexico", "EU": "Schengen / EU", "IE": "Ireland",
    "CH": "Switzerland", "AT": "Austria", "BE": "Belgium", "PL": "Poland", "SE": "Sweden",
    "NO": "Norway", "DK": "Denmark", "FI": "Finland", "PT": "Portugal", "TR": "Türkiye",
    "NG": "Nigeria", "AE": "United Arab Emirates", "SA": "Saudi Arabia", "IL": "Israel",
    "ZA": "South Africa",
}


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def country_label(code: str) -> str:
    return COUNTRY_NAMES.get(code.upper(), code) if code else "Other"


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def describe(preset: Preset) -> str:
    """Print size, pixels, head rule, background and source: one line each."""
    lines: list[str] = []
    if preset.print_mm is not None:
        w, h = preset.print_mm
        lines.append(
            f"Print {_fmt(w)} × {_fmt(h)} mm · sent as {preset.width_px} × {preset.height_px} px"
        )
    else:
        lines.append(f"Digital upload · {preset.width_px} × {preset.height_px} px")
    head: list[str] = []
    if preset.head_mm is not None:
        head.append(f"{_fmt(preset.head_mm[0])}–{_fmt(preset.head_mm[1])} mm chin to crown")
    if preset.head_fraction is not None:
        lo, hi = preset.head_fraction
        head.append(f"{lo * 100:.0f}–{hi * 100:.0f} % of the height")
    lines.append("Head: " + (", ".join(head) if head else "not given by the sources"))
    if preset.background.text:
        lines.append("Background: " + _short("; ".join(preset.background.text), 80))
    if preset.sources:
        first = preset.sources[0]
        title = (first.title or first.url or first.id).split(":")[0]
        kind = f" ({first.type})" if first.type else ""
        more = f" +{len(preset.sources) - 1} more" if len(preset.sources) > 1 else ""
        lines.append(f"Source: {_short(title, 60)}{kind}{more}")
    else:
        lines.append("Source: none recorded")
    return "\n".join(lines)


def entries_from_presets(presets: Iterable[Preset]) -> list[PresetEntry]:
    entries: list[PresetEntry] = []
    for preset in presets:
        group = country_label(preset.country)
        details = describe(preset)
        entries.append(
            PresetEntry(
                id=preset.id,
                name=preset.name,
                group=group,
                width=preset.width_px,
                height=preset.height_px,
                details=details,
                search_text=(
                    f"{preset.id} {preset.country} {group} {preset.document} "
                    f"{preset.name_zh or ''} {details}"
                ),
            )
        )
    return entries
