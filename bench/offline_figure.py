"""Offline engine: bench/offline.py's measurement (its owner's), as one of the run's figures.

Median seconds per photo over ``../shared/photos`` against decoding and resizing the
same photos, and the process's peak RSS. The runner gives this its own process, so the
peak RSS is the offline engine's (plus a light runner), not the other benchmarks'.
"""

from __future__ import annotations

from typing import Any

from bench.common import Figure, figure, target

TARGET_S = 0.5
TARGET_MB = 400.0
TARGET_RERENDER_MS = 100.0


def main(quick: bool) -> Figure:
    from bench import offline

    summary: dict[str, Any] = offline.main(quick)
    median_s = float(summary["median_s"])
    base_s = float(summary["baseline_median_s"])
    rss = float(summary["peak_rss_mb"])
    rerender_ms = float(summary["rerender_median_ms"])
    failed = [row["photo"] for row in summary.get("rows", []) if "error" in row]
    notes = [
        f"{summary['results']}/{summary['photos']} photos gave a result; max "
        f"{summary['max_s']} s; first call with model loading "
        f"{summary['first_call_s_incl_model_load']} s; head height in range "
        f"{summary['head_in_range']}/{summary['results']}.",
        f"Re-render after a frame change (cached cut-out): median {rerender_ms} ms, max "
        f"{summary['rerender_max_ms']} ms, {summary['rerender_ratio_to_first']} x the first "
        "render.",
        f"Contact sheet: {summary['contact_sheet']}",
    ]
    if failed:
        notes.append("Failed: " + ", ".join(failed))
    slowest = max(
        (row for row in summary.get("rows", []) if "seconds" in row),
        key=lambda row: row["seconds"],
        default=None,
    )
    if slowest is not None and median_s >= TARGET_S:
        steps = sorted(slowest.get("timings_ms", {}).items(), key=lambda kv: -kv[1])[:5]
        notes.append(
            f"Slowest photo {slowest['photo']}: " + ", ".join(f"{k} {v} ms" for k, v in steps)
        )
    return figure(
        "offline",
        "Offline engine: seconds per photo and peak RSS over ../shared/photos",
        unit="s",
        value=median_s,
        value_label=f"OfflineEngine.generate, median over {summary['photos']} photos",
        baseline=base_s,
        baseline_label="decode, orient and resize the same photos, median",
        ratio=median_s / base_s,
        ratio_label="x decode+resize",
        targets=[
            target("median per photo", median_s, "<", TARGET_S, "s"),
            target("peak RSS", rss, "<", TARGET_MB, "MB"),
            target("re-render after a frame change", rerender_ms, "<", TARGET_RERENDER_MS, "ms"),
        ],
        quick=quick,
        details={k: v for k, v in summary.items() if k != "rows"} | {"rows": summary.get("rows")},
        notes=notes,
    )
