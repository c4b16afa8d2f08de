"""The benchmarks still run and report well-formed figures (no timing is asserted here).

Speed and memory are judged by ``bench/run.py`` itself; these tests only prove that its
quick mode produces every figure in the agreed shape, that a crashed benchmark makes it
exit non-zero, and that a missed target does not.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench import run
from bench.common import figure, target, validate_figure

ROOT = Path(__file__).resolve().parent.parent


def sample_figure(**changes: Any) -> dict[str, Any]:
    fig = figure(
        "sample",
        "A sample figure",
        unit="s",
        value=2.0,
        value_label="ours",
        baseline=1.0,
        baseline_label="floor",
        ratio=2.0,
        ratio_label="x floor",
        targets=[target("ratio", 2.0, "<=", 1.5, "x")],
        quick=True,
    )
    fig.update(changes)
    return fig


def test_target_compares_as_labelled() -> None:
    assert target("t", 1.5, "<=", 1.5, "x")["met"] is True
    assert target("t", 1.5, "<", 1.5, "x")["met"] is False
    assert target("t", 4.0, ">=", 4.0, "x")["met"] is True
    assert target("t", float("nan"), "<=", 1.0, "x")["met"] is False
    with pytest.raises(ValueError):
        target("t", 1.0, "=", 1.0, "x")


def test_validate_figure_accepts_good_and_names_what_is_wrong() -> None:
    good = sample_figure()
    assert validate_figure(good) == []
    assert good["met"] is False  # 2.0 is not <= 1.5
    assert any("value" in p for p in validate_figure(sample_figure(value=float("inf"))))
    assert any("baseline" in p for p in validate_figure(sample_figure(baseline=0.0)))
    assert any("targets" in p for p in validate_figure(sample_figure(targets=[])))
    assert any("met" in p for p in validate_figure(sample_figure(met=True)))
    assert validate_figure(["not", "a", "dict"]) != []


def test_runner_exits_nonzero_only_when_a_benchmark_crashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.json"
    missed = sample_figure(name="startup")
    monkeypatch.setattr(run, "spawn", lambda *_args: (missed, "", 0.1))
    assert run.main(["--quick", "--only", "startup", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "MISSED" in printed and "0 met, 1 missed" in printed
    assert json.loads(out.read_text())["figures"][0]["name"] == "startup"

    monkeypatch.setattr(run, "spawn", lambda *_args: (None, "exited 1", 0.1))
    assert run.main(["--quick", "--only", "startup", "--out", str(out)]) == 1
    assert "CRASHED" in capsys.readouterr().out
    assert json.loads(out.read_text())["crashed"] == {"startup": "exited 1"}


@pytest.mark.slow
def test_quick_run_reports_every_figure_well_formed(tmp_path: Path) -> None:
    """The real quick run, every figure in its own process, as CI runs it."""
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["quick"] is True and results["crashed"] == {}
    names = [fig["name"] for fig in results["figures"]]
    assert names == list(run.FIGURES)
    for fig in results["figures"]:
        assert validate_figure(fig) == [], fig["name"]
        assert fig["quick"] is True
        assert fig["title"] in done.stdout
    assert (tmp_path / "logs" / "startup.log").is_file()
