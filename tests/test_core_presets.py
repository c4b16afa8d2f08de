"""Presets: generated exactly from the specs, every figure traceable, every size usable."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from idphoto_desktop.core.errors import ValidationError
from idphoto_desktop.core.job import MAX_SIDE, MIN_SIDE, CropGeometry
from idphoto_desktop.core.presets import (
    background_allowed,
    background_rule,
    get_paper,
    get_preset,
    load_papers,
    load_presets,
    palette,
)

ROOT = Path(__file__).resolve().parent.parent
SPLIT_DOCUMENTS = ["ca_visa_ircc", "cn_visa", "cn_exit_entry", "hk_passport", "jp_passport",
                   "sg_passport_ic"]


@pytest.fixture(scope="module")
def specs(shared_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((shared_dir / "specs" / "id_specs.json").read_text("utf-8"))
    return data


@pytest.fixture(scope="module")
def raw_presets() -> dict[str, Any]:
    text = resources.files("idphoto_desktop").joinpath("data/presets.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def test_presets_json_is_exactly_what_the_script_generates(
    shared_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "presets.json"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_presets.py"),
         "--specs", str(shared_dir / "specs" / "id_specs.json"), "--output", str(out)],
        check=True, capture_output=True, timeout=120,
    )
    packaged = ROOT / "idphoto_desktop" / "data" / "presets.json"
    assert out.read_bytes() == packaged.read_bytes(), "run scripts/build_presets.py"


def test_check_mode_detects_a_stale_file(shared_dir: Path, tmp_path: Path) -> None:
    stale = tmp_path / "presets.json"
    stale.write_text("{}\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_presets.py"),
         "--specs", str(shared_dir / "specs" / "id_specs.json"), "--output", str(stale),
         "--check"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1 and "out of date" in done.stderr


def test_every_spec_is_a_preset(specs: dict[str, Any]) -> None:
    ids = {p.id for p in load_presets()}
    for spec in specs["specs"]:
        assert spec["id"] in ids or {f"{spec['id']}_print", f"{spec['id']}_digital"} <= ids
    for document in SPLIT_DOCUMENTS:
        assert document not in ids
    assert {"uk_passport_print", "uk_passport_digital", "us_passport", "schengen_visa",
            "cn_1inch", "cn_2inch_35x53"} <= ids
    assert len(ids) == len(load_presets())  # unique


def test_hivision_list_is_covered(specs: dict[str, Any]) -> None:
    names = {n for p in load_presets() for n in p.hivision_names}
    skipped = {"五寸", "日本签证"}
    for entry in specs["hivision_presets"]["sizes"]:
        assert entry["name_zh"] in names or entry["name_zh"] in skipped
    assert get_preset("cn_2inch_35x53").hivision_names == ("二寸", "大二寸")


def test_every_preset_fits_the_api_and_its_print_size() -> None:
    for preset in load_presets():
        assert MIN_SIDE <= preset.width_px <= MAX_SIDE, preset.id
        assert MIN_SIDE <= preset.height_px <= MAX_SIDE, preset.id
        if preset.print_mm is not None:
            assert preset.dpi in (300, 350), preset.id
            w_mm, h_mm = preset.print_mm
            assert abs(w_mm / 25.4 * preset.dpi - preset.width_px) <= 1, preset.id
            assert abs(h_mm / 25.4 * preset.dpi - preset.height_px) <= 1, preset.id
            assert preset.mm_per_px == pytest.approx(h_mm / preset.height_px)
            assert preset.use in ("print", "print+digital")
        else:
            assert preset.dpi is None and preset.use == "digital", preset.id


def _aspect(text: str) -> float | None:
    match = re.search(r"(\d+)\s*:\s*(\d+)", text)
    return int(match.group(1)) / int(match.group(2)) if match else None


def test_every_preset_meets_its_own_digital_rules() -> None:
    for preset in load_presets():
        rules = preset.digital
        if rules is None:
            continue
        w, h = preset.width_px, preset.height_px
        if rules.min_px:
            assert w >= rules.min_px[0] and h >= rules.min_px[1], preset.id
        if rules.max_px:
            assert w <= rules.max_px[0] and h <= rules.max_px[1], preset.id
        if rules.exact_px:
            assert (w, h) == rules.exact_px, preset.id
        if rules.aspect and (ratio := _aspect(rules.aspect)) is not None:
            assert abs(w / ratio - h) <= 1.5, preset.id
        if rules.file_kb:
            lo, hi = rules.file_kb
            assert lo is None or hi is None or lo < hi, preset.id


def test_figures_come_from_the_specs(specs: dict[str, Any], raw_presets: dict[str, Any]) -> None:
    """Never invent: each figure equals the spec's (or is null where the spec has none)."""
    by_id = {s["id"]: s for s in specs["specs"]}
    for raw in raw_presets["presets"]:
        spec = by_id.get(raw["spec_id"] or "")
        if spec is None:
            assert raw["category"] == "cn_hivision"
            continue
        derived = spec["derived"]
        allowed_sizes = [derived["api_px_suggestion"], spec["px_300dpi"]]
        digital = spec.get("digital") or {}
        if isinstance(digital.get("min_px"), list):
            allowed_sizes.append({"w": digital["min_px"][0], "h": digital["min_px"][1]})
        if isinstance(digital.get("online_application"), dict):
            inner = digital["online_application"]
            allowed_sizes.append({"w": inner["w_range_px"][0], "h": inner["h_range_px"][0]})
        assert {"w": raw["size_px"]["w"], "h": raw["size_px"]["h"]} in [
            {"w": s["w"], "h": s["h"]} for s in allowed_sizes if s
        ], raw["id"]
        assert raw["print_mm"] in (spec["print_mm"], None), raw["id"]
        head = spec.get("head") or {}
        assert raw["head"]["chin_to_crown_mm"] == head.get("chin_to_crown_mm"), raw["id"]
        geometry = raw["geometry"]
        assert geometry["head_fraction"] == (
            derived.get("head_fraction_of_height") or head.get("fraction_of_height")
        ), raw["id"]
        assert geometry["top_margin_fraction"] == derived.get("top_margin_fraction"), raw["id"]
        assert raw["top_margin_mm"] == spec.get("top_margin_mm"), raw["id"]
        assert raw["background"]["text"] == spec["background"], raw["id"]
        assert [s["id"] for s in raw["sources"]] == spec["sources"], raw["id"]
        for source in raw["sources"]:
            assert source == {"id": source["id"], **specs["sources"][source["id"]]}
        for note in spec["notes"]:
            assert note in raw["notes"]


def test_nulls_stay_null() -> None:
    brazil = get_preset("br_passport")
    assert brazil.head_mm is None and brazil.geometry == CropGeometry(None, None, None)
    uk_digital = get_preset("uk_passport_digital")
    assert uk_digital.print_mm is None and uk_digital.dpi is None
    assert uk_digital.head_fraction is None


def test_geometry_of_known_presets() -> None:
    us = get_preset("us_passport")
    assert us.geometry == CropGeometry((0.5, 0.687), None, (0.563, 0.687))
    assert us.size.width == 600 and us.dpi == 300 and us.print_mm == (50.8, 50.8)
    assert us.digital is not None and us.digital.file_kb == (54, 10240)
    cn = get_preset("cn_visa_digital")
    assert (cn.width_px, cn.height_px) == (354, 472)
    assert cn.geometry.top_margin_fraction == (0.062, 0.104)
    assert cn.digital is not None and (cn.digital.min_kb, cn.digital.max_kb) == (40, 120)
    assert cn.see_also == ("cn_visa_print",)
    exit_entry = get_preset("cn_exit_entry_digital")
    assert exit_entry.digital is not None
    assert exit_entry.digital.min_px == (354, 472) and exit_entry.digital.max_px == (480, 640)
    assert exit_entry.digital.dpi_range == (300, 600)
    resident = get_preset("cn_resident_id")
    assert resident.dpi == 350 and resident.print_mm == (26.0, 32.0)
    uk = get_preset("uk_passport_digital")
    assert (uk.width_px, uk.height_px) == (600, 772)
    nz = get_preset("nz_passport_online")
    assert nz.digital is not None and nz.digital.min_kb == 500


def test_every_preset_has_a_source() -> None:
    for preset in load_presets():
        assert preset.sources, preset.id
        assert all(s.title for s in preset.sources), preset.id
        for other in preset.see_also:
            get_preset(other)


def test_background_rules() -> None:
    france = get_preset("fr_identity")
    assert background_allowed(france, "FFFFFF") is False
    assert background_allowed(france, "#fafafa") is False  # near white is white
    assert background_allowed(france, "ADD8E6") is None  # light blue: text says allowed
    rule = background_rule(france, "ffffff")
    assert rule is not None and "WHITE FORBIDDEN" in rule.from_text

    us = get_preset("us_passport")
    assert background_allowed(us, "FFFFFF") is True
    assert background_allowed(us, "FAF9F6") is True  # off-white
    assert background_allowed(us, "438EDB") is False  # only white/off-white allowed

    assert background_allowed(get_preset("cn_1inch"), "628BCE") is True
    assert background_allowed(get_preset("cn_1inch"), "D74532") is True
    licence = get_preset("jp_driver_licence")
    assert background_allowed(licence, "000000") is False
    assert background_allowed(licence, "FF0000") is False
    assert background_allowed(licence, "FFFFFF") is None
    assert background_allowed(get_preset("ng_passport"), "FFFFFF") is None  # conflicting
    assert background_allowed(get_preset("uk_passport_print"), "FFFFFF") is False
    assert background_allowed(get_preset("icao_35x45"), "FFFFFF") is None
    with pytest.raises(ValidationError):
        background_allowed(us, "white")


@pytest.mark.parametrize(
    ("key", "px"),
    [("4x6", (1200, 1800)), ("10x15", (1181, 1772)), ("5x7", (1500, 2100)),
     ("a4", (2480, 3508)), ("letter", (2550, 3300)), ("paper_3r", (1050, 1500))],
)
def test_papers(key: str, px: tuple[int, int], specs: dict[str, Any]) -> None:
    paper = get_paper(key)
    assert paper.size_px(300) == px
    spec = next(p for p in specs["print_papers"] if p["id"] == paper.id)
    assert (spec["px_300dpi"]["w"], spec["px_300dpi"]["h"]) == px
    assert paper.sources


def test_lookup_errors() -> None:
    with pytest.raises(ValidationError, match="no preset called 'uk_passport'") as info:
        get_preset("uk_passport")
    assert "uk_passport_print" in info.value.hint
    with pytest.raises(ValidationError, match="no paper"):
        get_paper("a3")
    assert get_preset(" US_PASSPORT ").id == "us_passport"


def test_loading_is_cached_and_safe_to_mutate() -> None:
    first = load_presets()
    first.clear()
    again = load_presets()
    assert again and again[0] is load_presets()[0]
    assert len(load_papers()) == 8
    assert ("628BCE", "Blue") in palette()
