"""Translating a long line for a Chinese window, on the window's own thread.

The window shows an error's message and hint, a watched folder's reasons and similar
lines through ``core.i18n.translate``, on the GUI thread: a slow line is a frozen window.
Lines of 2, 4, 8 and 12 catalogue sentences, their fields filled with file names, preset
ids and sizes (seeded, the same every run), each translated with the catalogue's memory
cleared (the cold case: a line never seen). Baseline: the same sentences looked up one by
one (``Catalogue.translate`` of each, also cold), the least work any reading of the line
needs. Target: the slowest line stays under the responsiveness bench's 50 ms stall.
"""

from __future__ import annotations

import json
import random
import re
import time

from bench.common import Figure, figure, median, target

SENTENCES = (2, 4, 8, 12)
STALL_MS = 50.0  # bench/responsiveness.py: a GUI stall
_FIELD = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_VALUES = (
    "C:/Users/clerk/Pictures/IMG_2041.JPG", "us_passport", "600x600", "12", "The disk is full"
)


def _lines(count: int, sentences: int, seed: int) -> list[list[str]]:
    from idphoto_desktop.core import i18n

    path = i18n.CATALOGUE_DIR / "messages_zh_CN.json"
    messages = json.loads(path.read_text("utf-8"))["messages"]
    keys = sorted(k for k, v in messages.items() if v and k[:1].isupper() and k.endswith("."))
    rng = random.Random(seed)
    return [
        [_FIELD.sub(lambda _m: rng.choice(_VALUES), k) for k in rng.sample(keys, sentences)]
        for _ in range(count)
    ]


def main(quick: bool) -> Figure:
    from idphoto_desktop.core import i18n

    book = i18n.catalogue("zh_CN")
    per_size = 10 if quick else 150
    line_ms: dict[int, list[float]] = {}
    lookup_ms: dict[int, list[float]] = {}
    for n in SENTENCES:
        line_ms[n], lookup_ms[n] = [], []
        for sentences in _lines(per_size, n, seed=n):
            book._known.clear()
            started = time.perf_counter()
            i18n.translate(" ".join(sentences), "zh_CN")
            line_ms[n].append((time.perf_counter() - started) * 1000.0)
            book._known.clear()
            started = time.perf_counter()
            for sentence in sentences:
                book.translate(sentence)
            lookup_ms[n].append((time.perf_counter() - started) * 1000.0)
    slowest = max(max(v) for v in line_ms.values())
    ours = median(line_ms[8])
    base = median(lookup_ms[8])
    return figure(
        "translate_lines",
        "Translating a line of several sentences for a Chinese window (GUI thread)",
        unit="ms",
        value=ours,
        value_label=f"translate() of a line of 8 sentences, cold, median of {per_size}",
        baseline=base,
        baseline_label="the same 8 sentences looked up one by one, cold",
        ratio=ours / base if base else float("inf"),
        ratio_label="x the lookups",
        targets=[target("slowest line of up to 12 sentences", slowest, "<", STALL_MS, "ms")],
        quick=quick,
        details={
            str(n): {
                "median_ms": round(median(line_ms[n]), 2),
                "max_ms": round(max(line_ms[n]), 2),
                "lookups_median_ms": round(median(lookup_ms[n]), 2),
            }
            for n in SENTENCES
        },
        notes=[
            "; ".join(
                f"{n} sentences: median {median(line_ms[n]):.1f} ms, max {max(line_ms[n]):.1f} ms"
                for n in SENTENCES
            )
        ],
    )
