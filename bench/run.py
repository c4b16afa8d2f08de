"""Run every benchmark, print each figure against its baseline and target, save JSON.

Usage: ``.venv/bin/python bench/run.py`` (``--quick``: few repetitions and small inputs,
only to prove each benchmark still runs; ``--only startup,memory`` for some figures).

Each figure runs in its own process (``--child``), so one figure's memory or a crash
does not spill into another; the child's output goes to ``bench/out/logs/``. Missed
targets are reported, not failures: the exit status is 1 only when a benchmark crashed.
Results: ``bench/out/results.json`` (``--out`` to change).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import OUT, Figure, validate_figure  # noqa: E402

# One registration line a figure: name -> module with ``main(quick) -> dict`` (bench/common.py).
FIGURES: dict[str, str] = {
    "startup": "bench.startup",
    "client_overhead": "bench.client_overhead",
    "cli_process": "bench.cli_process",
    "upload_size": "bench.upload_size",
    "open_photo": "bench.open_photo",
    "responsiveness": "bench.responsiveness",
    "offline": "bench.offline_figure",
    "memory": "bench.memory",
    "capture": "bench.capture",
    "watch_latency": "bench.watch_latency",
    "cancel_latency": "bench.cancel_latency",
    "adjust_latency": "bench.adjust_latency",
    "translate_lines": "bench.translate_lines",
}
QUICK_TIMEOUT_S = 170.0
FULL_TIMEOUT_S = 1200.0


def run_child(name: str, quick: bool, out: Path) -> int:
    """In the child process: run one figure's ``main`` and write its dict as JSON."""
    import importlib

    module = importlib.import_module(FIGURES[name])
    result = module.main(quick)
    problems = validate_figure(result)
    if problems:
        raise RuntimeError(f"{name} returned a malformed figure: {'; '.join(problems)}")
    out.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    return 0


def spawn(name: str, quick: bool, tmp: Path, log_dir: Path) -> tuple[Figure | None, str, float]:
    """Run one figure in a child process: (figure or None, why it failed, seconds)."""
    out = tmp / f"{name}.json"
    log = log_dir / f"{name}.log"
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", name, "--child-out", str(out)]
    if quick:
        argv.append("--quick")
    env = dict(os.environ, BENCH_TMP=str(tmp / "cache"), PYTHONPATH=str(ROOT))
    # Bytecode cached outside the repository, as an installed app has it.
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as sink:
        # Its own process group, so a hung figure is ended with everything it started
        # (a sandbox server, a window) and nothing else.
        child = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
        code: int | None
        try:
            code = child.wait(timeout=QUICK_TIMEOUT_S if quick else FULL_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            code = None
        except KeyboardInterrupt:  # its own session does not see the terminal's Ctrl+C
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            raise
    elapsed = time.perf_counter() - started
    tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-25:])
    if code is None:
        return None, f"timed out; log {log}\n{tail}", elapsed
    if code != 0 or not out.is_file():
        return None, f"exited {code}; log {log}\n{tail}", elapsed
    figure: Figure = json.loads(out.read_text(encoding="utf-8"))
    problems = validate_figure(figure)
    if problems:
        return None, "malformed: " + "; ".join(problems), elapsed
    return figure, "", elapsed


def _num(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def describe(fig: Figure) -> list[str]:
    """The printed block of one figure."""
    unit = fig["unit"]
    lines = [
        f"== {fig['title']}",
        f"   ours      {_num(fig['value'])} {unit}  ({fig['value_label']})",
        f"   baseline  {_num(fig['baseline'])} {unit}  ({fig['baseline_label']})",
        f"   ratio     {fig['ratio']:.2f} {fig['ratio_label']}",
    ]
    for t in fig["targets"]:
        verdict = "MET" if t["met"] else "MISSED"
        lines.append(
            f"   target    {t['label']}: {_num(t['measured'])} {t['unit']} "
            f"(target {t['op']} {_num(t['limit'])} {t['unit']})  {verdict}"
        )
    lines.extend(f"   note      {note}" for note in fig["notes"])
    return lines


def summary_table(figures: Sequence[Figure], crashed: dict[str, str]) -> list[str]:
    header = f"   {'figure':16s} {'ours':>10s} {'baseline':>10s} {'ratio':>8s}  target"
    lines = ["== Summary", header]
    for fig in figures:
        for i, t in enumerate(fig["targets"]):
            head = (
                f"   {fig['name']:16s} {_num(fig['value']):>10s} {_num(fig['baseline']):>10s} "
                f"{fig['ratio']:>7.2f}x"
                if i == 0
                else f"   {'':16s} {'':>10s} {'':>10s} {'':>8s}"
            )
            lines.append(
                f"{head}  {t['label']} {_num(t['measured'])} {t['op']} {_num(t['limit'])} "
                f"{t['unit']}: {'MET' if t['met'] else 'MISSED'}"
            )
    lines.extend(f"   {name:16s} CRASHED" for name in crashed)
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="prove each benchmark runs")
    parser.add_argument("--only", default="", help="comma-separated figures: " + ",".join(FIGURES))
    parser.add_argument("--out", type=Path, default=OUT / "results.json")
    parser.add_argument("--child", choices=sorted(FIGURES), help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        if args.child_out is None:
            parser.error("--child needs --child-out")
        return run_child(args.child, args.quick, args.child_out)

    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(FIGURES)
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        parser.error(f"unknown figures: {', '.join(unknown)}")
    log_dir = args.out.parent / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    started = time.time()
    mode = "quick (proves the benchmarks run; the numbers mean little)" if args.quick else "full"
    print(
        f"ID Photo Desktop benchmarks, {mode}; {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M:%S')}, load average "
        + ", ".join(f"{x:.1f}" for x in os.getloadavg()),
        flush=True,
    )
    figures: list[Figure] = []
    crashed: dict[str, str] = {}
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="idphoto-bench-") as tmp:
        for name in names:
            fig, why, elapsed = spawn(name, args.quick, Path(tmp), log_dir)
            seconds[name] = round(elapsed, 1)
            if fig is None:
                crashed[name] = why
                print(f"== {name}: CRASHED ({elapsed:.0f} s): {why}", flush=True)
                continue
            figures.append(fig)
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            fig["details"]["load_average_after"] = load
            print(
                "\n".join(describe(fig)) + f"\n   ({elapsed:.0f} s; load average {load})",
                flush=True,
            )
    print("\n".join(summary_table(figures, crashed)), flush=True)
    document: dict[str, Any] = {
        "quick": args.quick,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
        "seconds": seconds,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "figures": figures,
        "crashed": crashed,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=1, default=str), encoding="utf-8")
    missed = [f["name"] for f in figures if not f["met"]]
    print(
        f"results: {args.out}; {len(figures) - len(missed)} met, {len(missed)} missed"
        + (f" ({', '.join(missed)})" if missed else "")
        + (f", {len(crashed)} crashed ({', '.join(crashed)})" if crashed else ""),
        flush=True,
    )
    return 1 if crashed else 0


if __name__ == "__main__":
    raise SystemExit(main())
