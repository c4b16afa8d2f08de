"""Benchmark of the offline engine on every photo in ../shared/photos.

Measures what the issue asks for (median seconds per photo, peak RSS, head height as a
fraction of a 35x45 photo against the preset's range) next to a baseline measured in the
same run: decoding and resizing the same photos. Saves a contact sheet of every output on
blue, white and a checkerboard (transparency) to bench/out/offline_contact.png, to be
looked at for halos, background patches near hair, cut shoulders and tilted heads.

It also times the re-render the window's frame adjustment needs (issue 12): after each
photo's first render, the same photo again with a moved, scaled and turned frame and
another colour (``OfflineEngine.render``, the cut-out reused from the in-memory cache),
reported against that photo's first render in the same run.

Run: ``.venv/bin/python bench/offline.py`` (``--quick`` for four photos).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("IDPHOTO_SHARED", ROOT.parent / "shared")).resolve()
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("IDPHOTO_MODELS_DIR", str(SHARED / "models"))

from idphoto_desktop.core.imageprep import prepare_photo  # noqa: E402
from idphoto_desktop.core.job import (  # noqa: E402
    CropGeometry,
    FrameAdjust,
    GenerateParams,
    GenerateRequest,
    OutputFormat,
    PhotoSize,
    PreparedPhoto,
)
from idphoto_desktop.engines.offline import OfflineEngine  # noqa: E402
from idphoto_desktop.engines.offline.detector import detect_faces  # noqa: E402
from idphoto_desktop.engines.offline.imaging import Pyramid  # noqa: E402
from idphoto_desktop.engines.offline.landmarks import CHIN, face_mesh  # noqa: E402
from idphoto_desktop.engines.offline.models import ensure_models  # noqa: E402
from idphoto_desktop.engines.offline.nets import Networks  # noqa: E402

# icao_35x45 in ../shared/specs/id_specs.json: derived.head_fraction_of_height, 413x531 px
SIZE = PhotoSize(413, 531)
GEOMETRY = CropGeometry(head_fraction=(0.711, 0.8))
TILE_W = 180
# what a clerk's drag, wheel and rotate give: re-rendered from the cached cut-out
NUDGES = (
    FrameAdjust(dx=0.03, dy=-0.02),
    FrameAdjust(dx=-0.05, dy=0.04, scale=1.1),
    FrameAdjust(scale=0.92, angle_deg=4.0),
)


def prepared(path: Path) -> PreparedPhoto:
    """The photo as the app uploads it (core.imageprep); not part of the timed work."""
    return prepare_photo(path)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def baseline_seconds(path: Path) -> float:
    """Decode, orient and resize to the output size: the floor any engine pays."""
    t0 = time.perf_counter()
    with Image.open(path) as img:
        rgb = np.asarray(ImageOps.exif_transpose(img).convert("RGB"))
    cv2.resize(rgb, (SIZE.width, SIZE.height), interpolation=cv2.INTER_AREA)
    return time.perf_counter() - t0


def remeasured_head_fraction(png: bytes, nets: Networks) -> float | None:
    """Head height / photo height measured again on the output, independently of the guides.

    Chin: the face mesh run afresh on the result (flattened on white); crown: the top of the
    opaque region over the face's centre columns.
    """
    rgba = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED)
    if rgba is None:
        return None
    alpha = rgba[:, :, 3:4].astype(np.float32) / 255.0
    flat = (rgba[:, :, :3] * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    faces = detect_faces(flat, nets.detect)
    if not faces:
        return None
    mesh = face_mesh(Pyramid(flat), faces[0], nets.mesh)
    cx = round(mesh.eye_mid[0])
    column = alpha[:, max(0, cx - 15) : cx + 15, 0].max(axis=1)
    crown = int(np.argmax(column > 0.5))
    return float((mesh.points[CHIN][1] - crown) / rgba.shape[0])


def _checker(h: int, w: int, cell: int = 10) -> np.ndarray[Any, np.dtype[np.float32]]:
    yy, xx = np.mgrid[0:h, 0:w]
    light = ((yy // cell + xx // cell) % 2 == 0)[:, :, None]
    return np.where(light, 0.85, 0.6).astype(np.float32) * np.ones((1, 1, 3), np.float32)


def _tiles(png: bytes, label: str) -> list[np.ndarray[Any, np.dtype[np.uint8]]]:
    rgba = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED)
    assert rgba is not None
    h = round(rgba.shape[0] * TILE_W / rgba.shape[1])
    rgba = cv2.resize(rgba, (TILE_W, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    fg, a = rgba[:, :, :3], rgba[:, :, 3:4]
    backs = [
        np.full((h, TILE_W, 3), (0.85, 0.45, 0.1), np.float32),  # blue (BGR)
        np.ones((h, TILE_W, 3), np.float32),
        _checker(h, TILE_W),
    ]
    out = []
    for back in backs:
        tile = ((fg * a + back * (1 - a)) * 255 + 0.5).astype(np.uint8)
        cv2.putText(tile, label[:22], (3, h - 5), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (0, 0, 255), 1)
        out.append(tile)
    return out


def contact_sheet(results: list[tuple[str, bytes]], path: Path) -> None:
    """Columns of photos; for each group of 8, three rows: blue, white, transparency."""
    rows: list[np.ndarray[Any, np.dtype[np.uint8]]] = []
    per_row = 8
    for start in range(0, len(results), per_row):
        group = [_tiles(png, name) for name, png in results[start : start + per_row]]
        while len(group) < per_row:
            group.append([np.zeros_like(group[0][0])] * 3)
        for k in range(3):
            rows.append(np.hstack([g[k] for g in group]))
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.vstack(rows))


def main(quick: bool) -> dict[str, Any]:
    photos = sorted(
        p for p in (SHARED / "photos").iterdir() if p.suffix.lower() in {".jpg", ".png"}
    )
    if quick:
        photos = photos[:4]
    engine = OfflineEngine()
    checker = Networks(ensure_models())
    params = GenerateParams(size=SIZE, format=OutputFormat.PNG, geometry=GEOMETRY)
    t0 = time.perf_counter()
    engine.generate(GenerateRequest(params=params, photo=prepared(photos[0])))
    warmup = time.perf_counter() - t0
    seconds: list[float] = []
    cpu: list[float] = []
    rerender: list[float] = []
    base: list[float] = []
    rows: list[dict[str, Any]] = []
    sheet: list[tuple[str, bytes]] = []
    lo, hi = GEOMETRY.head_fraction or (0.0, 1.0)
    for path in photos:
        base.append(min(baseline_seconds(path) for _ in range(2)))
        req = GenerateRequest(params=params, photo=prepared(path))
        t = time.perf_counter()
        c = time.process_time()
        try:
            res = engine.generate(req)
        except Exception as exc:  # the bench reports every photo, whatever happens
            seconds.append(time.perf_counter() - t)
            rows.append({"photo": path.name, "error": str(exc)})
            continue
        seconds.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        again_s: list[float] = []
        for k, nudge in enumerate(NUDGES):
            nudged = GenerateParams(
                size=SIZE,
                format=OutputFormat.JPG if k % 2 else OutputFormat.PNG,
                bg_color="3366AA" if k % 2 else None,
                geometry=GEOMETRY,
                adjust=nudge,
            )
            t = time.perf_counter()
            redone = engine.render(GenerateRequest(params=nudged, photo=req.photo))
            again_s.append(time.perf_counter() - t)
            assert redone.timings_ms.get("cutout_cached") == 1.0
        rerender += again_s
        assert res.guides is not None
        frac = res.guides.head_height / res.height
        again = remeasured_head_fraction(res.image, checker)
        rows.append(
            {
                "photo": path.name,
                "seconds": round(seconds[-1], 3),
                "rerender_ms": [round(x * 1000.0, 1) for x in again_s],
                "head_fraction": round(frac, 3),
                "head_fraction_remeasured": None if again is None else round(again, 3),
                "in_range": lo <= frac <= hi,
                "remeasured_in_range": again is not None and lo <= again <= hi,
                "warnings": list(res.warnings),
                "timings_ms": res.timings_ms,
            }
        )
        sheet.append((path.stem, res.image))
        (OUT / "offline").mkdir(parents=True, exist_ok=True)
        (OUT / "offline" / f"{path.stem}.png").write_bytes(res.image)
    contact_sheet(sheet, OUT / "offline_contact.png")
    med, med_base = statistics.median(seconds), statistics.median(base)
    med_re = statistics.median(rerender) if rerender else float("nan")
    summary = {
        "photos": len(photos),
        "results": len(sheet),
        "median_s": round(med, 3),
        "max_s": round(max(seconds), 3),
        # CPU seconds of this process: less disturbed than wall time on a shared machine
        "median_cpu_s": round(statistics.median(cpu), 3) if cpu else None,
        "baseline_median_s": round(med_base, 4),
        "ratio_to_baseline": round(med / med_base, 1),
        "rerender_median_ms": round(med_re * 1000.0, 1),
        "modnet_hair_median_ms": round(
            statistics.median(
                [float(r["timings_ms"].get("hair", 0.0)) for r in rows if "timings_ms" in r]
                or [0.0]
            ),
            1,
        ),
        "rerender_max_ms": round(max(rerender) * 1000.0, 1) if rerender else None,
        "rerender_ratio_to_first": round(med_re / med, 3),
        "first_call_s_incl_model_load": round(warmup, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "head_fraction_range": [lo, hi],
        "head_in_range": sum(1 for r in rows if r.get("in_range")),
        "head_in_range_remeasured": sum(1 for r in rows if r.get("remeasured_in_range")),
        "rows": rows,
        "contact_sheet": str(OUT / "offline_contact.png"),
    }
    for r in rows:
        if "error" in r:
            print(f"{r['photo']:45s} ERROR {r['error']}")
        else:
            again = r["head_fraction_remeasured"]
            print(
                f"{r['photo']:44s} {r['seconds']:.3f}s head {r['head_fraction']:.3f} "
                f"(re-measured {again if again is not None else '-'}) "
                f"{'in' if r['remeasured_in_range'] else 'OUT'}  "
                f"{' | '.join(r['warnings'])[:110]}"
            )
    print(
        f"re-render after a frame change (cached cut-out): median {med_re * 1000:.1f} ms, "
        f"max {summary['rerender_max_ms']} ms over {len(rerender)} renders = "
        f"{med_re / med:.2f} x the first render"
    )
    print(
        f"median {med:.3f} s/photo (CPU {summary['median_cpu_s']} s, of it MODNet "
        f"{summary['modnet_hair_median_ms']} ms; baseline decode+resize {med_base * 1000:.1f} ms, "
        f"ratio {med / med_base:.0f}x); max {max(seconds):.3f} s; first call "
        f"{warmup:.3f} s; peak RSS {summary['peak_rss_mb']} MB; head in "
        f"{lo}-{hi}: {summary['head_in_range']}/{len(sheet)} by the guides, "
        f"{summary['head_in_range_remeasured']}/{len(sheet)} re-measured on the output"
    )
    (OUT / "offline_summary.json").write_text(json.dumps(summary, indent=1))
    return summary


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="four photos only")
    main(parser.parse_args().quick)
