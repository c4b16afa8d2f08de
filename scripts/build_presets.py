#!/usr/bin/env python3
"""Build ``idphoto_desktop/data/presets.json`` from ``../shared/specs/id_specs.json``.

Why a script: the presets are product data that must stay traceable to their sources.
This script only selects, reshapes and splits what the specification file says; it
never adds a figure of its own (a null stays null). The one interpretation it makes
(reading background texts such as "WHITE FORBIDDEN" as RRGGBB colours) is an explicit
table below, keyed by the exact source text, and each colour keeps the text it came
from. A new, unclassified text stops the build instead of being guessed.

Usage:  python scripts/build_presets.py [--specs PATH] [--output PATH] [--check]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPECS = (
    Path(os.environ.get("IDPHOTO_SHARED", ROOT.parent / "shared")) / "specs" / "id_specs.json"
)
DEFAULT_OUTPUT = ROOT / "idphoto_desktop" / "data" / "presets.json"
FORMAT_VERSION = 1
API_MIN, API_MAX = 100, 2000

Json = dict[str, Any]

# Documents whose printed photo and online upload differ in pixel size: one preset
# each. The digital size is a figure from the spec (its API suggestion when that is
# the digital size, otherwise the digital minimum), with the reason recorded.
SPLITS: dict[str, Json] = {
    "ca_visa_ircc": {
        "digital_px": "api_px_suggestion",
        "names": ("Canada IRCC visa / permit photo - printed",
                  "Canada IRCC visa / permit photo - digital upload"),
    },
    "cn_visa": {
        "digital_px": "api_px_suggestion",
        "names": ("China visa - printed photo", "China visa - online form photo"),
    },
    "hk_passport": {
        "digital_px": "api_px_suggestion",
        "names": ("Hong Kong SAR passport / DI - printed photo",
                  "Hong Kong SAR passport / DI - digital photo"),
    },
    "sg_passport_ic": {
        "digital_px": "api_px_suggestion",
        "names": ("Singapore passport / NRIC - printed photo",
                  "Singapore passport / NRIC - digital photo (ICA e-services)"),
    },
    "cn_exit_entry": {
        "digital_px": "min_px",
        "basis": "digital minimum from the spec (354x472, 3:4); the 300 dpi print size "
        "390x567 is not 3:4",
        "names": ("China exit-entry documents - printed photo",
                  "China exit-entry documents - digital photo"),
    },
    "jp_passport": {
        "digital_px": "min_px",
        "basis": "online-application minimum from the spec (480x640); the 300 dpi print "
        "size 413x531 is below it",
        "names": ("Japan passport - printed photo", "Japan passport - online application photo"),
    },
}

# HivisionIDPhotos' size list: entries equal to a spec preset are folded into it (the
# Chinese name is kept); the others become presets of their own, except where the
# spec itself says the entry is not an ID photo or contradicts an official page.
HIVISION_MAP: dict[str, str | None] = {
    "一寸": "cn_1inch",
    "二寸": "cn_2inch_35x53",
    "小一寸": "cn_small_1inch",
    "小二寸": "cn_small_2inch",
    "大一寸": "cn_large_1inch",
    "大二寸": "cn_2inch_35x53",
    "美国签证": "us_visa_ds160",
    "韩国签证": "kr_visa",
    "教师资格证": "cn_teacher_certificate",
    "国家公务员考试": "cn_civil_service_exam",
    "初级会计考试": "cn_accounting_exam",
    "英语四六级考试": "cn_cet_exam",
    "计算机等级考试": "cn_computer_exam",
    "研究生考试": "cn_graduate_exam",
    "社保卡": "cn_social_security_card",
    "电子驾驶证": "cn_e_driving_licence",
    "五寸": None,
    "日本签证": None,
}
HIVISION_SKIP_REASONS = {
    "五寸": "a 3.5x5 in print paper (3R), not an ID-photo size; see paper_3r",
    "日本签证": "the spec notes it does not match the 45x45 mm on an official Japanese "
    "consulate page; use jp_visa",
}
# Presets built from the Hivision list only: whether the size is meant for print.
HIVISION_DIGITAL_ONLY = {"英语四六级考试"}
# GA 461-2004 pixels at 350 dpi: the spec's note says "(= 26x32 mm), not 300 dpi".
HIVISION_DPI_OVERRIDE: dict[str, tuple[int, Json]] = {
    "社保卡": (350, {"w": 26, "h": 32}),
}

PAPER_KEYS = {
    "paper_3r": "3.5x5",
    "paper_4r": "4x6",
    "paper_10x15": "10x15",
    "paper_5r": "5x7",
    "paper_13x18": "13x18",
    "paper_6r": "6x8",
    "paper_a4": "a4",
    "paper_letter": "letter",
}

WHITE = ("FFFFFF", "white")
BLACK = ("000000", "black")
PURE_RED = ("FF0000", "red")
# HivisionIDPhotos palette (from the spec's hivision_presets.background_colors).
HIVE_BLUE = ("628BCE", "blue (HivisionIDPhotos palette)")
HIVE_RED = ("D74532", "red (HivisionIDPhotos palette)")

# Exact background text from the spec -> (colours with a status, only those allowed?)
# "only" means the text limits the background to white / near white.
_A, _F = "allowed", "forbidden"
BACKGROUND_TEXTS: dict[str, tuple[list[tuple[tuple[str, str], str]], bool]] = {
    "plain, uniform, light-coloured (exact colour varies by country)": ([], False),
    "light, plain (white or light grey accepted by most consulates; some visa centres "
    "require white)": ([(WHITE, _A)], False),
    "white": ([(WHITE, _A)], True),
    "off-white": ([(WHITE, _A)], True),
    "neutral light-coloured (older DV text); plain white/off-white in newer summaries": (
        [(WHITE, _A)],
        False,
    ),
    "plain cream": ([], False),
    "plain light grey": ([], False),
    "plain light-coloured": ([], False),
    "cream": ([], False),
    "plain white": ([(WHITE, _A)], True),
    "light-coloured": ([], False),
    "light grey": ([], False),
    "plain, light-coloured": ([], False),
    "plain light (neutral light grey recommended)": ([], False),
    "plain light colour (light blue, light grey) - WHITE FORBIDDEN": ([(WHITE, _F)], False),
    "uniform white": ([(WHITE, _A)], True),
    "light grey (H=0,S=0,V>=198)": ([], False),
    "light blue (H=135,S=240,V>=167)": ([], False),
    "white or close to white, no border": ([(WHITE, _A)], True),
    "pure white, no border": ([(WHITE, _A)], True),
    "plain pale uniform colour, no gradation; white recommended since Mar 2025": (
        [(WHITE, _A)],
        False,
    ),
    "plain (無背景); extreme primary colours (red, black) not allowed": (
        [(PURE_RED, _F), (BLACK, _F)],
        False,
    ),
    "not regulated (white/blue/grey customary)": ([(WHITE, _A)], False),
    "white only": ([(WHITE, _A)], True),
    "white (or no background)": ([(WHITE, _A)], True),
    "off-white (Rabat)": ([(WHITE, _A)], True),
    "plain light-coloured or white": ([(WHITE, _A)], False),
    "plain white, no shadows": ([(WHITE, _A)], True),
    "white (most sources)": ([(WHITE, _A)], True),
    "light, not white (Timpson 2019) - conflicting": ([(WHITE, _F)], False),
    "white (secondary)": ([(WHITE, _A)], True),
    "not fixed: white / blue / red depending on the form": (
        [(WHITE, _A), (HIVE_BLUE, _A), (HIVE_RED, _A)],
        False,
    ),
}
# Per-spec colour statuses that come from the spec's notes rather than its
# background list (quoted in ``from_text``).
BACKGROUND_NOTES: dict[str, list[tuple[tuple[str, str], str, str]]] = {
    "uk_passport_print": [
        (
            WHITE,
            "discouraged",
            "Pure white is reported (secondary, uk_easyphoto) as a common rejection reason "
            "for UK photos; use light grey/cream.",
        )
    ],
}


def _pair(value: Any) -> list[Any] | None:
    """[w, h] from {"w", "h"} or a 2-list; None stays None."""
    if value is None:
        return None
    if isinstance(value, dict):
        return [value["w"], value["h"]]
    return list(value)


def _size(value: Any) -> Json | None:
    if value is None:
        return None
    return {"w": value["w"], "h": value["h"]}


def _flat_digital(digital: Any) -> Json | None:
    """The spec's digital rules, unwrapped from "online_renewal"-style nesting."""
    if not isinstance(digital, dict):
        return None
    for key in ("online_renewal", "online_application"):
        inner = digital.get(key)
        if isinstance(inner, dict):
            return dict(inner)
    return dict(digital)


_STRUCTURED_DIGITAL = {
    "min_px",
    "max_px",
    "exact_px",
    "w_range_px",
    "h_range_px",
    "aspect",
    "file_kb",
    "typical_kb",
    "formats",
    "dpi",
    "color",
}


def _digital_rules(spec: Json) -> tuple[Json | None, list[str]]:
    """Digital-upload rules in one shape, and any text-only rules as notes."""
    raw = spec.get("digital")
    notes: list[str] = []
    if isinstance(raw, dict):
        for key in ("online_renewal", "online_application"):
            if isinstance(raw.get(key), str):
                notes.append(f"Digital ({key.replace('_', ' ')}): {raw[key]}")
    flat = _flat_digital(raw)
    if flat is None:
        return None, notes
    if not _STRUCTURED_DIGITAL & set(flat):
        for key, value in flat.items():
            if isinstance(value, str) and not any(value in n for n in notes):
                notes.append(f"Digital ({key.replace('_', ' ')}): {value}")
        return None, notes
    min_px = _pair(flat.get("min_px"))
    max_px = _pair(flat.get("max_px"))
    w_range, h_range = flat.get("w_range_px"), flat.get("h_range_px")
    if w_range is not None and h_range is not None:
        min_px = min_px or [w_range[0], h_range[0]]
        max_px = max_px or [w_range[1], h_range[1]]
    dpi = flat.get("dpi")
    other = {
        k: v
        for k, v in flat.items()
        if k not in _STRUCTURED_DIGITAL and k not in ("online_renewal", "online_application")
    }
    rules: Json = {
        "min_px": min_px,
        "max_px": max_px,
        "exact_px": _pair(flat.get("exact_px")),
        "aspect": flat.get("aspect"),
        "file_kb": _pair(flat.get("file_kb")),
        "typical_kb": flat.get("typical_kb"),
        "formats": flat.get("formats"),
        "dpi": dpi if isinstance(dpi, int) else None,
        "dpi_range": _pair(dpi) if isinstance(dpi, list) else None,
        "color": flat.get("color"),
        "other": other or None,
    }
    return rules, notes


def _sources(ids: list[str], catalogue: Json) -> list[Json]:
    out = []
    for source_id in ids:
        entry = catalogue[source_id]  # KeyError: the spec cites a source it lacks
        out.append(
            {
                "id": source_id,
                "type": entry.get("type"),
                "url": entry.get("url"),
                "title": entry.get("title"),
            }
        )
    return out


def _background(spec_id: str, texts: list[str]) -> Json:
    """Background texts, and RRGGBB colours where the text is unambiguous."""
    statuses: dict[str, Json] = {}
    conflict: set[str] = set()
    only_flags: list[bool] = []
    for text in texts:
        if text not in BACKGROUND_TEXTS:
            raise SystemExit(
                f"build_presets: background text of {spec_id!r} is not classified: {text!r}. "
                "Add it to BACKGROUND_TEXTS (do not guess)."
            )
        colours, only = BACKGROUND_TEXTS[text]
        only_flags.append(only)
        for (hex_, name), status in colours:
            seen = statuses.get(hex_)
            if seen is not None and seen["status"] != status:
                conflict.add(hex_)
            statuses.setdefault(hex_, {"hex": hex_, "name": name, "status": status,
                                       "from_text": text})
    for (hex_, name), status, note in BACKGROUND_NOTES.get(spec_id, []):
        statuses[hex_] = {"hex": hex_, "name": name, "status": status, "from_text": note}
    for hex_ in conflict:
        del statuses[hex_]
    only_listed = bool(only_flags) and all(only_flags) and not conflict
    return {
        "text": list(texts),
        "colours": list(statuses.values()),
        "only_listed": only_listed,
        "conflicting": sorted(conflict),
    }


def _geometry(spec: Json) -> Json:
    """The fractions the engine uses: the spec's derived ones, else its own fractions."""
    derived = spec.get("derived") or {}
    head = spec.get("head") or {}
    eyes = spec.get("eyes") or {}
    head_fraction = derived.get("head_fraction_of_height") or head.get("fraction_of_height")
    eye_fraction = derived.get("eye_line_fraction_from_bottom") or eyes.get(
        "from_bottom_fraction"
    )
    return {
        "head_fraction": head_fraction,
        "top_margin_fraction": derived.get("top_margin_fraction"),
        "eye_from_bottom_fraction": eye_fraction,
    }


def _head(spec: Json) -> Json:
    head = dict(spec.get("head") or {})
    return {
        "chin_to_crown_mm": head.pop("chin_to_crown_mm", None),
        "fraction_of_height": head.pop("fraction_of_height", None),
        "measured_to": spec.get("head_measured_to"),
        "other": head or None,
    }


def _eyes(spec: Json) -> Json:
    eyes = dict(spec.get("eyes") or {})
    return {
        "from_bottom_mm": eyes.pop("from_bottom_mm", None),
        "from_bottom_fraction": eyes.pop("from_bottom_fraction", None),
        "other": eyes or None,
    }


def _dpi_for(size: Json, print_mm: Json | None, stated: int | None) -> int | None:
    """The resolution at which ``size`` prints at ``print_mm``: stated, else 300 if exact."""
    if print_mm is None:
        return None
    candidates = [stated] if stated else [300]
    for dpi in candidates:
        w = print_mm["w"] / 25.4 * dpi
        h = print_mm["h"] / 25.4 * dpi
        if abs(w - size["w"]) <= 1 and abs(h - size["h"]) <= 1:
            return dpi
    return None


def _base(spec: Json, catalogue: Json) -> Json:
    digital, digital_notes = _digital_rules(spec)
    return {
        "id": spec["id"],
        "spec_id": spec["id"],
        "name": spec["name"],
        "name_zh": None,
        "hivision_names": [],
        "country": spec["country"],
        "document": spec["document"],
        "category": spec["category"],
        "status": spec["status"],
        "use": None,
        "size_px": None,
        "size_basis": None,
        "print_mm": _size(spec.get("print_mm")),
        "print_mm_range": spec.get("print_mm_range"),
        "dpi": None,
        "digital": digital,
        "head": _head(spec),
        "eyes": _eyes(spec),
        "top_margin_mm": spec.get("top_margin_mm"),
        "geometry": _geometry(spec),
        "background": _background(spec["id"], spec.get("background") or []),
        "extra": spec.get("extra"),
        "notes": list(spec.get("notes") or []) + digital_notes,
        "provenance": spec.get("provenance") or {},
        "sources": _sources(spec.get("sources") or [], catalogue),
        "see_also": [],
    }


def _finish(preset: Json, stated_dpi: int | None = None) -> Json:
    size = preset["size_px"]
    if not (API_MIN <= size["w"] <= API_MAX and API_MIN <= size["h"] <= API_MAX):
        raise SystemExit(f"build_presets: {preset['id']} size {size} is outside the API range")
    stated = stated_dpi or (preset["digital"] or {}).get("dpi")
    preset["dpi"] = _dpi_for(size, preset["print_mm"], stated)
    if preset["print_mm"] is not None and preset["dpi"] is None:
        raise SystemExit(f"build_presets: {preset['id']}: {size} does not print at its mm size")
    has_print = preset["print_mm"] is not None
    has_digital = preset["digital"] is not None
    preset["use"] = "print+digital" if has_print and has_digital else (
        "print" if has_print else "digital"
    )
    return preset


def _from_spec(spec: Json, catalogue: Json) -> list[Json]:
    derived = spec.get("derived") or {}
    suggestion = _size(derived.get("api_px_suggestion"))
    basis = derived.get("api_px_basis")
    if suggestion is None:
        raise SystemExit(f"build_presets: {spec['id']} has no API size suggestion")
    split = SPLITS.get(spec["id"])
    if split is None:
        preset = _base(spec, catalogue)
        preset["size_px"] = suggestion
        preset["size_basis"] = basis
        if preset["print_mm"] is not None and suggestion != _size(spec.get("px_300dpi")):
            # The suggested size is a digital size that does not print at print_mm
            # (only cn_resident_id: 358x441 at 350 dpi), keep print_mm only if it fits.
            stated = (preset["digital"] or {}).get("dpi")
            if _dpi_for(suggestion, preset["print_mm"], stated) is None:
                preset["print_mm"] = None
        return [_finish(preset)]

    printed = _base(spec, catalogue)
    printed["id"] = f"{spec['id']}_print"
    printed["name"] = split["names"][0]
    printed["size_px"] = _size(spec["px_300dpi"])
    printed["size_basis"] = "300 dpi print size (computed)"
    printed["digital"] = None
    printed["see_also"] = [f"{spec['id']}_digital"]

    digital = _base(spec, catalogue)
    digital["id"] = f"{spec['id']}_digital"
    digital["name"] = split["names"][1]
    digital["print_mm"] = None
    digital["print_mm_range"] = None
    digital["see_also"] = [printed["id"]]
    if split["digital_px"] == "api_px_suggestion":
        digital["size_px"] = suggestion
        digital["size_basis"] = basis
    else:
        rules = digital["digital"]
        digital["size_px"] = {"w": rules["min_px"][0], "h": rules["min_px"][1]}
        digital["size_basis"] = split["basis"]
    return [_finish(printed), _finish(digital)]


def _from_hivision(entry: Json, preset_id: str, hive: Json, catalogue: Json) -> Json:
    name_zh = entry["name_zh"]
    size = {"w": entry["w_px"], "h": entry["h_px"]}
    print_mm: Json | None = dict(entry["mm_at_300dpi"])
    dpi_stated: int | None = None
    basis = "HivisionIDPhotos preset size; mm back-computed at 300 dpi by the spec"
    if name_zh in HIVISION_DIGITAL_ONLY:
        print_mm = None
        basis = "HivisionIDPhotos preset size (a digital upload size)"
    if name_zh in HIVISION_DPI_OVERRIDE:
        dpi_stated, print_mm = HIVISION_DPI_OVERRIDE[name_zh]
        basis = "HivisionIDPhotos preset size; GA 461-2004 pixels at 350 dpi per the spec's note"
    notes = [entry["note"]] if entry.get("note") else []
    notes.append(
        "From the HivisionIDPhotos preset list only: no authority page was found for this "
        "document, so head size, eye line and background are unknown."
    )
    preset: Json = {
        "id": preset_id,
        "spec_id": None,
        "name": entry["name_en"],
        "name_zh": name_zh,
        "hivision_names": [name_zh],
        "country": "CN",
        "document": entry["name_en"],
        "category": "cn_hivision",
        "status": "project_only",
        "use": None,
        "size_px": size,
        "size_basis": basis,
        "print_mm": print_mm,
        "print_mm_range": None,
        "dpi": None,
        "digital": None,
        "head": {"chin_to_crown_mm": None, "fraction_of_height": None, "measured_to": None,
                 "other": None},
        "eyes": {"from_bottom_mm": None, "from_bottom_fraction": None, "other": None},
        "top_margin_mm": None,
        "geometry": {"head_fraction": None, "top_margin_fraction": None,
                     "eye_from_bottom_fraction": None},
        "background": {"text": [], "colours": [], "only_listed": False, "conflicting": []},
        "extra": None,
        "notes": notes,
        "provenance": {"size_px": "project (HivisionIDPhotos)"},
        "sources": _sources([hive["source"]], catalogue),
        "see_also": [],
    }
    return _finish(preset, dpi_stated)


def build(specs: Json, specs_bytes: bytes) -> Json:
    """The presets document (a plain JSON value) from the parsed specification file."""
    catalogue = specs["sources"]
    presets: list[Json] = []
    for spec in specs["specs"]:
        presets.extend(_from_spec(spec, catalogue))
    by_id = {p["id"]: p for p in presets}
    hive = specs["hivision_presets"]
    skipped: list[Json] = []
    for entry in hive["sizes"]:
        name_zh = entry["name_zh"]
        if name_zh not in HIVISION_MAP:
            raise SystemExit(f"build_presets: Hivision entry {name_zh!r} is not mapped")
        target = HIVISION_MAP[name_zh]
        if target is None:
            skipped.append({"source": "hivision_presets", "name": name_zh,
                            "name_en": entry["name_en"], "reason": HIVISION_SKIP_REASONS[name_zh]})
            continue
        if target in by_id:
            existing = by_id[target]
            if [existing["size_px"]["w"], existing["size_px"]["h"]] != [entry["w_px"],
                                                                        entry["h_px"]]:
                raise SystemExit(f"build_presets: {name_zh} size differs from {target}")
            existing["hivision_names"].append(name_zh)
            if existing["category"] == "cn_generic" and existing["name_zh"] is None:
                existing["name_zh"] = name_zh
            continue
        preset = _from_hivision(entry, target, hive, catalogue)
        presets.append(preset)
        by_id[target] = preset
    papers = [
        {
            "id": paper["id"],
            "key": PAPER_KEYS[paper["id"]],
            "name": paper["name"],
            "mm": _size(paper["mm"]),
            "px_300dpi": _size(paper["px_300dpi"]),
            "notes": list(paper.get("notes") or []),
            "sources": _sources(paper.get("sources") or [], catalogue),
        }
        for paper in specs["print_papers"]
    ]
    palette = [
        {"hex": c["hex"].upper(), "name": c["name_en"], "name_zh": c["name_zh"],
         "source": hive["source"]}
        for c in hive.get("background_colors") or []
    ]
    return {
        "format": FORMAT_VERSION,
        "generated_by": "scripts/build_presets.py",
        "generated_from": "../shared/specs/id_specs.json",
        "specs_sha256": hashlib.sha256(specs_bytes).hexdigest(),
        "caveats": list(specs["meta"].get("caveats") or []),
        "provenance_legend": specs["meta"].get("provenance_legend") or {},
        "presets": presets,
        "papers": papers,
        "palette": palette,
        "skipped": skipped,
    }


def render(document: Json) -> str:
    """Stable text (so the committed file can be compared with a fresh build)."""
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", type=Path, default=DEFAULT_SPECS)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the output file differs from a fresh build")
    args = parser.parse_args(argv)
    raw = args.specs.read_bytes()
    text = render(build(json.loads(raw), raw))
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date: run scripts/build_presets.py", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.output.with_name(args.output.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, args.output)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
