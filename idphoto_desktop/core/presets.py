"""Document presets and print papers, read from the package's ``data/presets.json``.

Why one data file: every figure must be traceable to a source, so the presets live in
``presets.json`` (generated from ``../shared/specs/id_specs.json`` by
``scripts/build_presets.py``), not in code. This module only types it: a ``None`` in
a preset means "no source gives this figure", and the code must treat it as unknown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from idphoto_desktop.core.errors import ValidationError
from idphoto_desktop.core.i18n import N_
from idphoto_desktop.core.job import CropGeometry, PhotoSize
from idphoto_desktop.core.validation import normalize_bg_color

MM_PER_INCH = 25.4
# How close (per channel, 0..255) a colour must be to a listed one to count as it:
# "off-white" and "close to white" are white for this purpose.
COLOUR_TOLERANCE = 16
# Beside the package's code, as data/i18n is (no importlib.resources: 5 ms at start-up).
PRESETS_FILE = Path(__file__).resolve().parent.parent / "data" / "presets.json"

Pair = tuple[float, float]
IntPair = tuple[int, int]


@dataclass(frozen=True)
class Source:
    """Where a figure came from (the clerk can open the URL to check)."""

    id: str
    type: str | None
    url: str | None
    title: str | None


@dataclass(frozen=True)
class DigitalRules:
    """An authority's rules for an uploaded file; ``None`` where none is known."""

    min_px: IntPair | None
    max_px: IntPair | None
    exact_px: IntPair | None
    aspect: str | None
    file_kb: tuple[int | None, int | None] | None
    typical_kb: str | None
    formats: tuple[str, ...]
    dpi: int | None
    dpi_range: IntPair | None
    color: str | None
    other: tuple[str, ...]

    @property
    def min_kb(self) -> int | None:
        return self.file_kb[0] if self.file_kb else None

    @property
    def max_kb(self) -> int | None:
        return self.file_kb[1] if self.file_kb else None

    @property
    def accepts_jpeg(self) -> bool:
        """True unless the formats are known and none of them is JPEG."""
        if not self.formats:
            return True
        return any("jp" in f.lower() for f in self.formats)


@dataclass(frozen=True)
class BackgroundColour:
    """A colour the source names unambiguously, and what it says about it."""

    hex: str
    name: str
    status: str  # "allowed", "forbidden" or "discouraged"
    from_text: str


@dataclass(frozen=True)
class Background:
    text: tuple[str, ...]
    colours: tuple[BackgroundColour, ...]
    only_listed: bool  # the source allows only the listed (white) colours
    conflicting: tuple[str, ...]


@dataclass(frozen=True)
class Preset:
    """One document choice: the size sent to the engine, and the rules it must meet."""

    id: str
    name: str
    name_zh: str | None
    country: str
    document: str
    category: str
    status: str
    use: str  # "print", "digital" or "print+digital"
    width_px: int
    height_px: int
    size_basis: str | None
    print_mm: Pair | None
    print_mm_range: Mapping[str, Any] | None
    dpi: int | None
    digital: DigitalRules | None
    head_mm: Pair | None
    head_fraction_source: Pair | None
    head_measured_to: str | None
    eyes_from_bottom_mm: Pair | None
    eyes_from_bottom_fraction_source: Pair | None
    top_margin_mm: Pair | None
    head_fraction: Pair | None
    top_margin_fraction: Pair | None
    eye_from_bottom_fraction: Pair | None
    background: Background
    notes: tuple[str, ...]
    sources: tuple[Source, ...]
    see_also: tuple[str, ...]
    hivision_names: tuple[str, ...]

    @property
    def size(self) -> PhotoSize:
        return PhotoSize(self.width_px, self.height_px)

    @property
    def geometry(self) -> CropGeometry:
        """Where the head goes, as fractions of the height (``None`` = engine default)."""
        return CropGeometry(
            head_fraction=self.head_fraction,
            top_margin_fraction=self.top_margin_fraction,
            eye_from_bottom_fraction=self.eye_from_bottom_fraction,
        )

    @property
    def is_print(self) -> bool:
        return self.print_mm is not None

    @property
    def mm_per_px(self) -> float | None:
        """Millimetres per output pixel when printed at the preset's size, else None."""
        if self.print_mm is None:
            return None
        return self.print_mm[1] / self.height_px

    @property
    def label(self) -> str:
        """Short text for a list: name and size."""
        if self.print_mm is not None:
            w, h = self.print_mm
            return f"{self.name} ({_fmt_mm(w)}x{_fmt_mm(h)} mm)"
        return f"{self.name} ({self.width_px}x{self.height_px} px)"


@dataclass(frozen=True)
class PrintPaper:
    """A photo paper for print sheets, at its exact physical size."""

    id: str
    key: str
    name: str
    width_mm: float
    height_mm: float
    notes: tuple[str, ...]
    sources: tuple[Source, ...]

    def size_px(self, dpi: int = 300) -> IntPair:
        """Pixels at ``dpi``, rounded as the spec does (floor(mm/25.4*dpi + 0.5))."""
        return (_mm_to_px(self.width_mm, dpi), _mm_to_px(self.height_mm, dpi))


def _fmt_mm(value: float) -> str:
    return f"{value:g}"


def _mm_to_px(mm: float, dpi: int) -> int:
    return int(mm / MM_PER_INCH * dpi + 0.5)


def _pair(value: Any) -> Pair | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return (float(value["w"]), float(value["h"]))
    lo, hi = value
    return (float(lo), float(hi))


def _int_pair(value: Any) -> IntPair | None:
    if value is None:
        return None
    a, b = value
    return (int(a), int(b))


def _sources(raw: Sequence[Mapping[str, Any]]) -> tuple[Source, ...]:
    return tuple(Source(s["id"], s.get("type"), s.get("url"), s.get("title")) for s in raw)


def _digital(raw: Mapping[str, Any] | None) -> DigitalRules | None:
    if raw is None:
        return None
    file_kb = raw.get("file_kb")
    other = raw.get("other") or {}
    typical = raw.get("typical_kb")
    return DigitalRules(
        min_px=_int_pair(raw.get("min_px")),
        max_px=_int_pair(raw.get("max_px")),
        exact_px=_int_pair(raw.get("exact_px")),
        aspect=raw.get("aspect"),
        file_kb=(file_kb[0], file_kb[1]) if file_kb is not None else None,
        typical_kb=None if typical is None else str(typical),
        formats=tuple(raw.get("formats") or ()),
        dpi=raw.get("dpi"),
        dpi_range=_int_pair(raw.get("dpi_range")),
        color=raw.get("color"),
        other=tuple(f"{k}: {v}" for k, v in other.items()),
    )


def _background(raw: Mapping[str, Any]) -> Background:
    return Background(
        text=tuple(raw.get("text") or ()),
        colours=tuple(
            BackgroundColour(c["hex"].upper(), c["name"], c["status"], c["from_text"])
            for c in raw.get("colours") or ()
        ),
        only_listed=bool(raw.get("only_listed")),
        conflicting=tuple(raw.get("conflicting") or ()),
    )


def _preset(raw: Mapping[str, Any]) -> Preset:
    head = raw.get("head") or {}
    eyes = raw.get("eyes") or {}
    geometry = raw.get("geometry") or {}
    return Preset(
        id=raw["id"],
        name=raw["name"],
        name_zh=raw.get("name_zh"),
        country=raw["country"],
        document=raw["document"],
        category=raw["category"],
        status=raw["status"],
        use=raw["use"],
        width_px=int(raw["size_px"]["w"]),
        height_px=int(raw["size_px"]["h"]),
        size_basis=raw.get("size_basis"),
        print_mm=_pair(raw.get("print_mm")),
        print_mm_range=raw.get("print_mm_range"),
        dpi=raw.get("dpi"),
        digital=_digital(raw.get("digital")),
        head_mm=_pair(head.get("chin_to_crown_mm")),
        head_fraction_source=_pair(head.get("fraction_of_height")),
        head_measured_to=head.get("measured_to"),
        eyes_from_bottom_mm=_pair(eyes.get("from_bottom_mm")),
        eyes_from_bottom_fraction_source=_pair(eyes.get("from_bottom_fraction")),
        top_margin_mm=_pair(raw.get("top_margin_mm")),
        head_fraction=_pair(geometry.get("head_fraction")),
        top_margin_fraction=_pair(geometry.get("top_margin_fraction")),
        eye_from_bottom_fraction=_pair(geometry.get("eye_from_bottom_fraction")),
        background=_background(raw.get("background") or {}),
        notes=tuple(raw.get("notes") or ()),
        sources=_sources(raw.get("sources") or ()),
        see_also=tuple(raw.get("see_also") or ()),
        hivision_names=tuple(raw.get("hivision_names") or ()),
    )


def _paper(raw: Mapping[str, Any]) -> PrintPaper:
    return PrintPaper(
        id=raw["id"],
        key=raw["key"],
        name=raw["name"],
        width_mm=float(raw["mm"]["w"]),
        height_mm=float(raw["mm"]["h"]),
        notes=tuple(raw.get("notes") or ()),
        sources=_sources(raw.get("sources") or ()),
    )


@cache
def _document() -> Mapping[str, Any]:
    text = PRESETS_FILE.read_text("utf-8")
    data: Mapping[str, Any] = json.loads(text)
    return data


@cache
def _presets() -> tuple[Preset, ...]:
    return tuple(_preset(p) for p in _document()["presets"])


@cache
def _papers() -> tuple[PrintPaper, ...]:
    return tuple(_paper(p) for p in _document()["papers"])


def load_presets() -> list[Preset]:
    """Every preset, in the data file's order (read once, then cached)."""
    return list(_presets())


def get_preset(preset_id: str) -> Preset:
    """The preset with this id, or a ValidationError naming close matches."""
    key = (preset_id or "").strip().lower()
    for preset in _presets():
        if preset.id == key:
            return preset
    close = [p.id for p in _presets() if key and (key in p.id or p.id.startswith(key[:3]))]
    hint = (
        N_(f"Did you mean {', '.join(close[:5])}?")
        if close
        else N_("Run 'idphoto presets' to list the presets.")
    )
    raise ValidationError(f"There is no preset called {preset_id!r}.", hint=hint)


def load_papers() -> list[PrintPaper]:
    """Print papers (3R, 4x6 in, 10x15 cm, 5x7 in, ..., A4, Letter)."""
    return list(_papers())


def get_paper(key: str) -> PrintPaper:
    """A paper by short key ("4x6", "10x15", "5x7", "a4", "letter") or by id."""
    wanted = (key or "").strip().lower()
    for paper in _papers():
        if wanted in (paper.key, paper.id):
            return paper
    keys = ", ".join(p.key for p in _papers())
    raise ValidationError(f"There is no paper called {key!r}.", hint=f"Choose one of: {keys}.")


def palette() -> list[tuple[str, str]]:
    """Common ID-photo background colours (hex, name), from HivisionIDPhotos' palette."""
    return [(c["hex"], c["name"]) for c in _document().get("palette") or ()]


def caveats() -> list[str]:
    """The specification's general warnings (rules change, altered photos...)."""
    return list(_document().get("caveats") or ())


def _distance(a: str, b: str) -> int:
    return max(abs(int(a[i : i + 2], 16) - int(b[i : i + 2], 16)) for i in (0, 2, 4))


def background_rule(preset: Preset, rrggbb: str) -> BackgroundColour | None:
    """The preset's named colour this colour counts as (within a small tolerance)."""
    colour = normalize_bg_color(rrggbb)
    best: BackgroundColour | None = None
    best_distance = COLOUR_TOLERANCE + 1
    for listed in preset.background.colours:
        distance = _distance(colour, listed.hex)
        if distance < best_distance:
            best, best_distance = listed, distance
    return best


def background_allowed(preset: Preset, rrggbb: str) -> bool | None:
    """True if the sources allow this colour, False if they forbid or advise against it,
    None when they do not say (check the preset's background text).
    """
    rule = background_rule(preset, rrggbb)
    if rule is not None:
        return rule.status == "allowed"
    if preset.background.only_listed:
        return False
    return None
