"""Today's cut-out vs the cut-out with MODNet in the hair band, side by side (issue 12).

For every person in ../shared/photos (and, with ``--extra DIR``, in public portraits fetched
outside the repository, e.g. scikit-image's ``astronaut.png`` or insightface's ``t1.jpg``
from their PyPI packages; every face of a group photo is its own case), the same cut-out
is rendered twice at 413x531 (ICAO 35x45): without and with MODNet. Two figures per case,
both measured in the *hair band* (from the jaw up, within 0.1 head heights of the
person's outline, the same band for both):

- ``bg_left`` (%, lower is better): of the opacity in the band, the share that sits on
  pixels whose original colour *is* the local backdrop's (within 15 % of the local
  person-to-backdrop colour contrast, so their true alpha is at most ~0.15): the opacity
  above 0.15 there is backdrop left in the result. Backdrop kept inside hair loops, a
  halo, and MODNet's dark leaks beside white hair all raise it; a semi-transparent strand
  does not (its colour differs from the backdrop's by its own opacity).
- ``edge_energy`` (higher = finer): mean alpha gradient magnitude in the band (Sobel, per
  pixel of output). Strands kept as strands raise it; a smooth blob outline is low.

Saves ``bench/out/matting_sheet_N.png`` (per case: today's on blue | new on blue | where
alpha changed, red = added, green = removed; head and hair enlarged) and
``bench/out/matting_compare.json``. Not committed: look at the sheets.

Run: ``.venv/bin/python bench/matting_compare.py --extra /path/to/portraits``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("IDPHOTO_SHARED", ROOT.parent / "shared")).resolve()
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from idphoto_desktop.core.imageprep import prepare_photo  # noqa: E402
from idphoto_desktop.core.job import CropGeometry, PhotoSize  # noqa: E402
from idphoto_desktop.engines.offline import pipeline, render  # noqa: E402
from idphoto_desktop.engines.offline.faces import find_faces  # noqa: E402
from idphoto_desktop.engines.offline.imaging import Pyramid, decode  # noqa: E402
from idphoto_desktop.engines.offline.nets import Networks  # noqa: E402

SIZE = PhotoSize(413, 531)
GEOMETRY = CropGeometry(head_fraction=(0.711, 0.8))
TILE = 380  # px per tile side (head crop)
PER_SHEET = 4


def _nothing(_p: int = 0, _t: str = "") -> None:
    return None


Array = np.ndarray[Any, Any]


def _band(cut: pipeline.CutOut, alpha_a: Array, matrix: Array) -> Array:
    """The hair band at output size: near today's outline, from the jaw up."""
    frame = cut.frame
    s = float(np.sqrt(abs(np.linalg.det(matrix[:, :2]))))
    head_px = s * frame.head_height
    binary = (alpha_a >= 0.5).astype(np.uint8)
    inside = cv2.distanceTransform(binary, cv2.DIST_L2, 3)
    outside = cv2.distanceTransform(1 - binary, cv2.DIST_L2, 3)
    near = np.minimum(inside, outside) <= 0.1 * head_px
    chin = render.framing(cut, SIZE, GEOMETRY, None).guides.chin_y
    rows = np.arange(alpha_a.shape[0])[:, None] < chin
    out: Array = near & rows
    return out


def _figures(
    image: Array, alpha: Array, band: Array, sure_bg: Array, sure_fg: Array
) -> dict[str, float]:
    img = image.astype(np.float32) / 255.0
    r = 15

    def means(w: Array) -> Array:
        num = cv2.blur(img * w[:, :, None], (2 * r + 1, 2 * r + 1))
        den = cv2.blur(w, (2 * r + 1, 2 * r + 1))[:, :, None] + 1e-4
        return np.asarray(num / den)

    bg = means(sure_bg.astype(np.float32))
    fg = means(sure_fg.astype(np.float32))
    d_bg = np.linalg.norm(img - bg, axis=2)
    contrast = np.linalg.norm(fg - bg, axis=2)
    backdrop = d_bg < np.maximum(0.03, 0.15 * contrast)
    a = alpha * band
    total = float(a.sum()) or 1.0
    left = np.clip(alpha - 0.15, 0.0, None) * band
    gx = cv2.Sobel(alpha, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(alpha, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    grad = np.sqrt(gx * gx + gy * gy)
    return {
        "bg_left_pct": round(100.0 * float((left * backdrop).sum()) / total, 2),
        "edge_energy": round(float(grad[band].mean()) if band.any() else 0.0, 4),
    }


def _on_blue(image: Array, alpha: Array) -> Array:
    blue = np.array([0.85, 0.45, 0.1], np.float32) * 255.0
    a = alpha[:, :, None]
    out: Array = (image.astype(np.float32) * a + blue * (1 - a) + 0.5).astype(np.uint8)
    return out


def _tiles(fg_a: Array, alpha_a: Array, fg_b: Array, alpha_b: Array, label: str) -> Array:
    h = alpha_a.shape[0]
    crop = slice(0, int(h * 0.62))  # head and hair, enlarged

    def fit(x: Array) -> Array:
        x = x[crop]
        k = TILE / max(x.shape[:2])
        out: Array = cv2.resize(x, (round(x.shape[1] * k), round(x.shape[0] * k)),
                                interpolation=cv2.INTER_AREA)
        return out

    diff = alpha_b - alpha_a
    heat = np.full((*alpha_a.shape, 3), 40, np.uint8)
    heat[..., 2] = np.clip(40 + 215 * np.clip(diff, 0, 1), 0, 255).astype(np.uint8)
    heat[..., 1] = np.clip(40 + 215 * np.clip(-diff, 0, 1), 0, 255).astype(np.uint8)
    heat[..., 0] = (alpha_a * 80).astype(np.uint8)
    row = np.hstack([fit(_on_blue(fg_a, alpha_a)), fit(_on_blue(fg_b, alpha_b)), fit(heat)])
    cv2.putText(row, label[:40], (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 255), 1)
    font, white, bottom = cv2.FONT_HERSHEY_SIMPLEX, (255, 255, 255), row.shape[0] - 6
    cv2.putText(row, "today", (4, bottom), font, 0.4, white, 1)
    cv2.putText(row, "MODNet band", (row.shape[1] // 3 + 4, bottom), font, 0.4, white, 1)
    return row


def cases(extra: Path | None) -> list[tuple[Path, int | None]]:
    """Every shared photo (automatic face), the other face of the two-people photos, and
    every face of the extra portraits."""
    kinds = {".jpg", ".png"}
    shared = sorted(p for p in (SHARED / "photos").iterdir() if p.suffix.lower() in kinds)
    out: list[tuple[Path, int | None]] = [(p, None) for p in shared]
    out += [(SHARED / "photos" / "fr_two_people.jpg", 2),
            (SHARED / "photos" / "fr_knn_examples_test_kit_with_rose.jpg", 1)]
    if extra is not None:
        for p in sorted(extra.iterdir()):
            if p.suffix.lower() in {".jpg", ".png"}:
                out.append((p, 0))  # 0: every face, expanded below
    return out


def main(extra: Path | None) -> dict[str, Any]:
    nets = Networks(SHARED / "models")
    nets.load()
    assert nets.has_matting, "MODNet is needed for this comparison"
    rows: list[dict[str, Any]] = []
    sheet_rows: list[Array] = []
    for path, face in cases(extra):
        photo = prepare_photo(path)
        image = decode(photo.data)
        faces: list[int | None] = [face]
        if face == 0:
            numbers: list[int | None] = []
            try:
                found = find_faces(nets, image, Pyramid(image))
            except Exception:
                continue
            for i, f in enumerate(found.faces):
                if f.detection.height >= 60 and len(numbers) < 6:
                    numbers.append(i + 1)
            faces = numbers
        for number in faces:
            label = f"{path.stem} #{number}" if number else path.stem
            try:
                located = pipeline.locate(nets, image, number, _nothing, _nothing)
            except Exception as exc:  # report every case
                rows.append({"case": label, "error": str(exc)})
                continue
            region = pipeline.default_region(located.frame)
            c0 = time.process_time()
            today = pipeline.separate(nets, located, region, _nothing, _nothing, False)
            c1 = time.process_time()
            new = pipeline.separate(nets, located, region, _nothing, _nothing, True)
            c2 = time.process_time()
            ra = render.render(today, SIZE, GEOMETRY)
            rb = render.render(new, SIZE, GEOMETRY)
            matrix = render.framing(today, SIZE, GEOMETRY, None).matrix
            original = located.pyr.warp(matrix, (SIZE.width, SIZE.height), cv2.INTER_CUBIC,
                                        exact_resize=True)
            band = _band(today, ra.alpha, matrix)
            sure_bg = (ra.alpha < 0.02) & (rb.alpha < 0.02)
            valid = pipeline.valid_area(image.shape, matrix, (SIZE.width, SIZE.height)) > 0.5
            sure_bg &= valid
            sure_fg = (ra.alpha > 0.98) & (rb.alpha > 0.98)
            fa = _figures(original, ra.alpha, band, sure_bg, sure_fg)
            fb = _figures(original, rb.alpha, band, sure_bg, sure_fg)
            rows.append({
                "case": label,
                "today": fa,
                "modnet": fb,
                "hair_band_used": new.hair is not None,
                "cpu_ms_today_separate": round((c1 - c0) * 1000, 1),
                "cpu_ms_new_separate": round((c2 - c1) * 1000, 1),
                "hair_ms": new.timings_ms.get("hair"),
            })
            sheet_rows.append(_tiles(ra.foreground, ra.alpha, rb.foreground, rb.alpha, label))
            print(f"{label:48s} bg_left {fa['bg_left_pct']:6.2f}% -> {fb['bg_left_pct']:6.2f}%  "
                  f"edge {fa['edge_energy']:.4f} -> {fb['edge_energy']:.4f}  "
                  f"modnet {new.timings_ms.get('hair')} ms, cpu separate "
                  f"{(c1 - c0) * 1000:.0f} -> {(c2 - c1) * 1000:.0f} ms")
    OUT.mkdir(parents=True, exist_ok=True)
    width = max(r.shape[1] for r in sheet_rows)
    padded = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0))) for r in sheet_rows]
    sheets = []
    for old in OUT.glob("matting_sheet_*.png"):
        old.unlink()
    for k in range(0, len(padded), PER_SHEET):
        sheet = np.vstack(padded[k : k + PER_SHEET])
        name = OUT / f"matting_sheet_{k // PER_SHEET + 1}.png"
        cv2.imwrite(str(name), sheet)
        sheets.append(str(name))
    done = [r for r in rows if "today" in r]
    summary = {
        "cases": len(done),
        "errors": [r for r in rows if "error" in r],
        "bg_left_median_today": statistics.median(r["today"]["bg_left_pct"] for r in done),
        "bg_left_median_modnet": statistics.median(r["modnet"]["bg_left_pct"] for r in done),
        "edge_energy_median_today": statistics.median(r["today"]["edge_energy"] for r in done),
        "edge_energy_median_modnet": statistics.median(r["modnet"]["edge_energy"] for r in done),
        "bg_left_lower_with_modnet": sum(
            r["modnet"]["bg_left_pct"] < r["today"]["bg_left_pct"] - 0.5 for r in done
        ),
        "bg_left_higher_with_modnet": sum(
            r["modnet"]["bg_left_pct"] > r["today"]["bg_left_pct"] + 0.5 for r in done
        ),
        "hair_ms_median": statistics.median(
            float(r["hair_ms"]) for r in done if r["hair_ms"] is not None
        ),
        "sheets": sheets,
        "rows": rows,
    }
    (OUT / "matting_compare.json").write_text(json.dumps(summary, indent=1))
    print({k: v for k, v in summary.items() if k not in ("rows",)})
    return summary


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", type=Path, default=None, help="folder of more portraits")
    main(parser.parse_args().extra)
