"""Start-up: process start to the main window's first paint, against a bare QMainWindow.

Both are whole processes timed from spawn to exit, each quitting at its first paint
(``idphoto-desktop --smoke`` and bench/bare_window.py), alternated so that the shared
machine's noise falls on both alike; medians are compared. One ``python -X importtime``
pass of the smoke start names what is imported at start-up and what costs the most.
A context row (a note, not a target; the baseline stays the plain bare window): spawn
to first paint of the bare window that also uses one enum of Qt's namespace
(bench/bare_window.py ``--qt-enums``, ``Qt.AlignmentFlag.AlignCenter``: PySide6 then
creates all of the namespace's Python enums, which any window with a layout alignment
or a focus policy pays and the bare window never does), against the plain bare window
in alternating rounds of its own, with the share of the 1.5x budget it takes.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import PYTHON, ROOT, Figure, app_env, desktop_command, figure, median, target

TARGET_RATIO = 1.5
BARE = Path(__file__).with_name("bare_window.py")
PHASES = Path(__file__).with_name("startup_phases.py")
LAZY_MODULES = ("requests", "keyring", "cv2", "numpy", "PIL", "urllib3", "secretstorage")


def _timed(argv: list[str], env: dict[str, str], paints: list[float] | None = None) -> float:
    """Spawn to exit; with ``paints``, also append spawn to first paint (same clock)."""
    with tempfile.TemporaryDirectory(prefix="bench-paint-") as tmp:
        paint_file = Path(tmp) / "paint"
        env = dict(env, IDPHOTO_SMOKE_PAINT_FILE=str(paint_file))
        spawned = time.monotonic()
        started = time.perf_counter()
        done = subprocess.run(
            argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]} exited {done.returncode}: {done.stderr[-2000:]}")
        if paints is not None:
            if not paint_file.is_file():
                raise RuntimeError(f"{argv[0]} did not note its first paint")
            paints.append(float(paint_file.read_text(encoding="ascii")) - spawned)
    return elapsed


def import_profile(env: dict[str, str]) -> dict[str, Any]:
    """Top-level imports of a smoke start by cumulative time, and which heavy ones appear."""
    done = subprocess.run(
        [PYTHON, "-X", "importtime", "-m", "idphoto_desktop.ui.app", "--smoke"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"importtime run exited {done.returncode}: {done.stderr[-2000:]}")
    top: list[tuple[int, str]] = []
    ours: list[tuple[int, str]] = []
    seen: set[str] = set()
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        _self_us, cumulative_us, name = line[len("import time:") :].split("|", 2)
        module = name.strip()
        seen.add(module)
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        if depth == 0:
            top.append((int(cumulative_us), module))
        if module.startswith("idphoto_desktop"):
            ours.append((int(cumulative_us), module))
    top.sort(reverse=True)
    ours.sort(reverse=True)
    return {
        "top_level_ms": [(m, round(us / 1000, 1)) for us, m in top[:12]],
        "idphoto_modules_ms": [(m, round(us / 1000, 1)) for us, m in ours[:12]],
        "heavy_imported_at_startup": [m for m in LAZY_MODULES if m in seen],
        "modules_imported": len(seen),
    }


def step_times(env: dict[str, str], runs: int) -> dict[str, float]:
    """Median milliseconds of each start-up step (bench/startup_phases.py), in order."""
    rows: list[dict[str, float]] = []
    for _ in range(runs):
        done = subprocess.run(
            [PYTHON, str(PHASES)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"startup_phases exited {done.returncode}: {done.stderr[-2000:]}")
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {step: round(median([row[step] for row in rows]), 1) for step in rows[0]}


def alternated(
    first: list[str], second: list[str], env: dict[str, str], runs: int
) -> tuple[list[float], list[float], list[float], list[float]]:
    """Spawn-to-exit times and spawn-to-first-paint times of two commands, after one
    warm-up each, in ``runs`` rounds that alternate which goes first (so neither always
    follows the other): (first's exits, second's exits, first's paints, second's paints).
    """
    _timed(first, env)  # warm the disk cache (and, for the app, write its settings once)
    _timed(second, env)
    exits: tuple[list[float], list[float]] = ([], [])
    paints: tuple[list[float], list[float]] = ([], [])
    for i in range(runs):
        for k in (0, 1) if i % 2 == 0 else (1, 0):
            exits[k].append(_timed((first, second)[k], env, paints[k]))
    return exits[0], exits[1], paints[0], paints[1]


def main(quick: bool) -> Figure:
    runs = 3 if quick else 15
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as home:
        env = app_env(Path(home))
        bare_cmd = [PYTHON, str(BARE)]
        app_s, bare_s, app_paint, bare_paint = alternated(
            [*desktop_command(), "--smoke"], bare_cmd, env, runs
        )
        profile = import_profile(env)
        steps = step_times(env, 1 if quick else 5)
        _, _, enums_paint, plain_paint = alternated(
            [*bare_cmd, "--qt-enums"], bare_cmd, env, 3 if quick else 9
        )
    app_med, bare_med = median(app_s), median(bare_s)
    ratio = app_med / bare_med
    paint_ratio = median(app_paint) / median(bare_paint)
    notes = [
        "Spawn to exit of each process, quitting at the first paint; includes the "
        "interpreter's own start (about the same for both).",
        f"Spawn to first paint (each process notes the monotonic clock at its first paint): "
        f"ours {median(app_paint):.3f} s, bare {median(bare_paint):.3f} s, "
        f"{paint_ratio:.2f}x; the rest is quitting (closing, saving settings, Qt teardown).",
    ]
    plain_med, enums_med = median(plain_paint), median(enums_paint)
    budget = (TARGET_RATIO - 1.0) * plain_med  # what the target allows over the bare window
    notes.append(
        f"Context, not a target: a bare window that also uses Qt's namespace enums "
        f"(bare_window.py --qt-enums: Qt.AlignmentFlag.AlignCenter before show, as any "
        f"layout alignment or focus policy does) paints first at {enums_med:.3f} s against "
        f"{plain_med:.3f} s for the plain bare window ({enums_med / plain_med:.2f}x, medians "
        f"of {len(plain_paint)} alternated rounds); its {(enums_med - plain_med) * 1000:.0f} "
        f"ms are {(enums_med - plain_med) / budget:.0%} of the {TARGET_RATIO}x budget's "
        f"{budget * 1000:.0f} ms over the bare window."
    )
    heavy = profile["heavy_imported_at_startup"]
    notes.append(
        "Imported at start-up among " + ", ".join(LAZY_MODULES) + ": "
        + (", ".join(heavy) if heavy else "none")
    )
    notes.append(
        "In-process steps (median ms): " + ", ".join(f"{k} {v}" for k, v in steps.items())
    )
    if min(ratio, paint_ratio) > TARGET_RATIO:
        notes.append(
            "Slowest top-level imports (cumulative ms): "
            + ", ".join(f"{m} {ms}" for m, ms in profile["top_level_ms"][:8])
        )
        notes.append(
            "Slowest idphoto_desktop modules (cumulative ms): "
            + ", ".join(f"{m} {ms}" for m, ms in profile["idphoto_modules_ms"][:8])
        )
    return figure(
        "startup",
        "Start-up: process start to the main window's first paint",
        unit="s",
        value=app_med,
        value_label=f"idphoto-desktop --smoke, median of {runs}",
        baseline=bare_med,
        baseline_label=f"bare PySide6 QMainWindow shown and closed, median of {runs}",
        ratio=ratio,
        ratio_label="x the bare window",
        targets=[
            target("spawn to exit vs bare window", ratio, "<=", TARGET_RATIO, "x"),
            target("spawn to first paint vs bare window", paint_ratio, "<=", TARGET_RATIO, "x"),
        ],
        quick=quick,
        details={
            "app_runs_s": [round(x, 4) for x in app_s],
            "bare_runs_s": [round(x, 4) for x in bare_s],
            "extra_ms": round((app_med - bare_med) * 1000, 1),
            "app_first_paint_s": [round(x, 4) for x in app_paint],
            "bare_first_paint_s": [round(x, 4) for x in bare_paint],
            "import_profile": profile,
            "steps_ms": steps,
            "bare_first_paint_plain_s": [round(x, 4) for x in plain_paint],
            "bare_first_paint_qt_enums_s": [round(x, 4) for x in enums_paint],
        },
        notes=notes,
    )
