"""Memory: peak RSS of the whole app generating from the 24-megapixel camera photo.

The real window in its own process (bench/window_driver.py): open the photo, generate,
show the result. Twice: with the offline engine (the default: models loaded in the app)
and with the provider client against the sandbox (its own process, not counted). The
figure is the larger peak (VmHWM of the app's process). Baseline: a bare PySide6
QMainWindow's peak RSS, measured in the same run.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from bench.common import PYTHON, ROOT, Figure, SandboxProcess, app_env, camera_jpeg, figure, target
from bench.responsiveness import drive_window

TARGET_MB = 600.0
BARE = Path(__file__).with_name("bare_window.py")


def bare_window_mb() -> float:
    with tempfile.TemporaryDirectory(prefix="bench-bare-") as home:
        done = subprocess.run(
            [PYTHON, str(BARE), "--rss"],
            env=app_env(Path(home)),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    return float(done.stdout.strip().splitlines()[-1])


def main(quick: bool) -> Figure:
    photo = camera_jpeg(quick=quick)
    bare = bare_window_mb()
    runs: dict[str, float] = {}
    phases: dict[str, dict[str, float]] = {}
    reports = {}
    report = drive_window(photo, "offline")
    reports["offline"] = report
    if not quick:
        with SandboxProcess(engine="offline") as sandbox:
            reports["cloud"] = drive_window(photo, "cloud", api_url=sandbox.base_url)
    for engine, report in reports.items():
        runs[engine] = float(report["peak_rss_mb"])
        phases[engine] = {k: v for k, v in report.items() if k.startswith("rss_mb_after_")}
    worst_engine = max(runs, key=lambda k: runs[k])
    peak = runs[worst_engine]
    notes = [
        "Peak RSS by engine: "
        + ", ".join(f"{engine} {mb:.0f} MB" for engine, mb in runs.items())
        + f"; photo {photo.stat().st_size / 1e6:.1f} MB.",
    ]
    for engine, marks in phases.items():
        notes.append(
            f"{engine}: peak so far after "
            + ", ".join(f"{k.removeprefix('rss_mb_after_')} {v:.0f}" for k, v in marks.items())
            + " MB"
        )
    return figure(
        "memory",
        "Memory: peak RSS of the app generating from the 24-megapixel photo",
        unit="MB",
        value=peak,
        value_label=f"window + {worst_engine} engine (the larger of the runs)",
        baseline=bare,
        baseline_label="bare PySide6 QMainWindow shown and closed",
        ratio=peak / bare,
        ratio_label="x the bare window",
        targets=[target("peak RSS", peak, "<", TARGET_MB, "MB")],
        quick=quick,
        details={"peak_rss_mb": runs, "rss_by_phase": phases, "bare_window_mb": bare},
        notes=notes,
    )
