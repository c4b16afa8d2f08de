"""The whole ``idphoto generate`` process against curl's, and many photos in one process.

The sandbox runs in its own process (crop-and-resize engine, no delay, no rate limit).
Ours: ``idphoto generate PHOTO --preset us_passport --force`` as installed, timed from
spawn to exit (interpreter start, imports, history, upload, download, write). Baseline:
curl POST of the same bytes plus curl GET of the result, two processes, spawn to exit.
Rounds alternate. Then 10 photos: 10 ``idphoto generate`` processes against one
process given the 10 photos and ``-o`` a folder (a context row: the issue asks only
that there be a way to do many photos in one process). ``python -X importtime`` of one
generate names what the process imports. Three more rows put the figure in context: the
spawn-to-exit time of a process that only imports the libraries a checked generate needs
(numpy and OpenCV for the capture check, Pillow, the standard library's HTTP client);
the spawn-to-exit time of a process that does only the capture check's own chain
(bench/check_chain.py: the check's imports, the upload prepared as the CLI prepares it,
the capture check on it, the result check on a result the sandbox made for that same
upload, saved once from the warm-up's curl round), timed in the same alternating rounds
and set against the same curl median: the CLI must check every photo in its own
process, so a chain near or above 3x curl alone leaves the 3x target out of reach;
and the same CLI-vs-curl ratio with the sandbox taking 1 s per task, as a real provider
does, where the capture check runs during the wait.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.client_overhead import _curl_round
from bench.common import (
    PHOTOS,
    PYTHON,
    ROOT,
    SANDBOX_TOKEN,
    Figure,
    SandboxProcess,
    app_env,
    figure,
    median,
    target,
    work_dir,
)

TARGET_RATIO = 3.0
PHOTO = PHOTOS / "hivision_test0.jpg"  # 576x768, sent as it is
SLOW_PROVIDER_S = 1.0
CHAIN = Path(__file__).with_name("check_chain.py")
NEEDED = (
    "import numpy, cv2, http.client, PIL.Image, PIL.PngImagePlugin, PIL.JpegImagePlugin"
)
HEAVY = ("numpy", "requests", "urllib3", "cv2", "keyring", "PIL.Image", "sqlite3")


def _cli() -> list[str]:
    script = Path(PYTHON).parent / "idphoto"
    return [str(script)] if script.is_file() else [PYTHON, "-m", "idphoto_desktop.cli"]


def _run(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])} exited {done.returncode}: {done.stderr[-2000:]}")
    return elapsed


def _chain(result: Path, env: dict[str, str]) -> tuple[float, dict[str, Any]]:
    """Spawn to exit of bench/check_chain.py on PHOTO, and what it says it found."""
    argv = [PYTHON, str(CHAIN), str(PHOTO), "us_passport", str(result)]
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"check_chain.py exited {done.returncode}: {done.stderr[-2000:]}")
    said: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    # It must have checked both: a face on the upload, and the result (its face or
    # its left-over background measured), with a verdict.
    if said.get("verdict") not in ("ok", "check", "retake") or not said.get("faces"):
        raise RuntimeError(f"check_chain.py checked nothing: {said}")
    if not said.get("result_checked"):
        raise RuntimeError(f"check_chain.py did not check the result: {said}")
    return elapsed, said


def _imports(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [PYTHON, "-X", "importtime", "-m", "idphoto_desktop.cli", *argv],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    cumulative: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "imported package" not in line:
            _self, cum, name = line[len("import time:") :].split("|", 2)
            cumulative.setdefault(name.strip(), int(cum) / 1000.0)
    return {m: round(cumulative[m], 1) for m in HEAVY if m in cumulative}


def _slow_provider(mime: str, upload: Path, *, rounds: int) -> tuple[float, float]:
    """Medians (ours, curl) against a sandbox that takes SLOW_PROVIDER_S per task."""
    ours_s: list[float] = []
    curl_s: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-cli-slow-") as tmp, SandboxProcess(
        engine="cropresize", delay_s=SLOW_PROVIDER_S
    ) as sandbox:
        home = Path(tmp)
        env = app_env(home, IDPHOTO_TOKEN=SANDBOX_TOKEN)
        argv = [*_cli(), "generate", str(PHOTO), "--preset", "us_passport", "--api-url",
                sandbox.base_url, "--force", "--overwrite", "-o", str(home / "out.png")]
        _run(argv, env)  # warm-up
        for _ in range(rounds):
            ours_s.append(_run(argv, env))
            curl_s.append(_curl_round(sandbox.base_url, upload, mime, home / "curl.png")[0])
    return median(ours_s), median(curl_s)


def main(quick: bool) -> Figure:
    if shutil.which("curl") is None:
        raise RuntimeError("curl is not installed: the baseline cannot be measured")
    from idphoto_desktop.core.imageprep import prepare_photo

    rounds = 3 if quick else 15
    prepared = prepare_photo(PHOTO)  # what the CLI sends (this photo needs no resizing)
    upload = work_dir() / "cli_process_upload.jpg"
    upload.write_bytes(prepared.data)
    ours_s: list[float] = []
    curl_s: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp, SandboxProcess(
        engine="cropresize"
    ) as sandbox:
        home = Path(tmp)
        env = app_env(home, IDPHOTO_TOKEN=SANDBOX_TOKEN)
        out = home / "out.png"
        common = ["--preset", "us_passport", "--api-url", sandbox.base_url, "--force"]
        ours_argv = [*_cli(), "generate", str(PHOTO), *common, "--overwrite", "-o", str(out)]

        def ours() -> float:
            return _run(ours_argv, env)

        def curl() -> float:
            return _curl_round(sandbox.base_url, upload, prepared.mime, home / "curl.png")[0]

        ours(), curl()  # warm-up: bytecode, the history file, the sandbox's first task
        # The sandbox's result for the upload the CLI sends (the same bytes: this photo
        # goes as it is), kept for the check chain's result check.
        result = home / "result.png"
        shutil.copyfile(home / "curl.png", result)
        chain_said = _chain(result, env)[1]  # warm-up: its bytecode, the models' pages
        floor_runs: list[float] = []
        chain_runs: list[float] = []
        for i in range(rounds):
            floor_runs.append(_run([sys.executable, "-c", NEEDED], env))
            chain_runs.append(_chain(result, env)[0])
            if i % 2 == 0:
                ours_s.append(ours())
                curl_s.append(curl())
            else:
                curl_s.append(curl())
                ours_s.append(ours())
        python_s = median(
            [_run([sys.executable, "-c", "pass"], env) for _ in range(max(3, rounds // 3))]
        )
        imports = _imports(["generate", str(PHOTO), *common, "--overwrite", "-o", str(out)], env)
        # Ten photos (copies under other names, so each is its own job).
        photos = []
        for n in range(10):
            copy = home / f"photo{n}.jpg"
            shutil.copyfile(PHOTO, copy)
            photos.append(copy)
        batch_runs = 1 if quick else 3
        ten_s: list[float] = []
        one_s: list[float] = []
        for b in range(batch_runs):
            folder = home / f"batch{b}"
            folder.mkdir()
            started = time.perf_counter()
            for n, photo in enumerate(photos):
                _run([*_cli(), "generate", str(photo), *common, "-o", str(folder / f"{n}.png")],
                     env)
            ten_s.append(time.perf_counter() - started)
            folder = home / f"one{b}"
            folder.mkdir()
            one_s.append(
                _run([*_cli(), "generate", *map(str, photos), *common, "-o", str(folder)], env)
            )
            made = sorted(p.name for p in folder.iterdir())
            if made != sorted(f"photo{n}.png" for n in range(10)):
                raise RuntimeError(f"the one-process batch wrote {made}")
    slow_ours, slow_curl = _slow_provider(prepared.mime, upload, rounds=2 if quick else 5)
    ours_med, curl_med, floor_s = median(ours_s), median(curl_s), median(floor_runs)
    chain_s = median(chain_runs)
    chain_ratio = chain_s / curl_med
    if chain_ratio >= TARGET_RATIO:
        chain_verdict = (
            f"at or above the {TARGET_RATIO:.0f}x target by itself: the target cannot be met "
            "while the check runs in the CLI process"
        )
    else:
        chain_verdict = (
            f"{(TARGET_RATIO - chain_ratio) * curl_med:.3f} s of the {TARGET_RATIO:.0f}x "
            f"budget ({TARGET_RATIO * curl_med:.3f} s) is left for everything else the CLI does"
        )
    ratio = ours_med / curl_med
    ten_med, one_med = median(ten_s), median(one_s)
    batch = ten_med / one_med
    return figure(
        "cli_process",
        "idphoto generate as a process vs curl POST + GET, and 10 photos in one process",
        unit="s",
        value=ours_med,
        value_label=f"idphoto generate (spawn to exit), median of {rounds}",
        baseline=curl_med,
        baseline_label=f"curl POST + curl GET (processes), median of {rounds}",
        ratio=ratio,
        ratio_label="x curl",
        targets=[
            target("CLI process vs curl", ratio, "<=", TARGET_RATIO, "x"),
        ],
        quick=quick,
        details={
            "ours_runs_s": [round(x, 4) for x in ours_s],
            "curl_runs_s": [round(x, 4) for x in curl_s],
            "python_pass_s": round(python_s, 4),
            "import_ms": imports,
            "ten_processes_s": [round(x, 3) for x in ten_s],
            "one_process_s": [round(x, 3) for x in one_s],
            "imports_only_s": round(floor_s, 4),
            "check_chain_runs_s": [round(x, 4) for x in chain_runs],
            "check_chain_said": chain_said,
            "slow_provider": {"ours_s": round(slow_ours, 4), "curl_s": round(slow_curl, 4)},
        },
        notes=[
            f"Photo {PHOTO.name} ({PHOTO.stat().st_size / 1e3:.0f} KB); `python -c pass` takes "
            f"{python_s:.3f} s here, so the CLI's own part is {ours_med - python_s:.3f} s.",
            "Cumulative import ms in one generate: "
            + ", ".join(f"{m} {ms}" for m, ms in imports.items()),
            f"10 photos: 10 processes {ten_med:.2f} s, one process {one_med:.2f} s "
            f"({batch:.2f}x; in one process {one_med / 10:.3f} s a photo, "
            f"{one_med / 10 / curl_med:.2f}x curl's round). Context, not a target: the issue "
            "asks for a way to do many photos in one process (several PHOTO arguments, "
            "`watch`); the ratio falls whenever a process's start gets cheaper while one "
            "process's time stays, and raising it would need several calls at the provider "
            "at once, which its limit of about 2 requests a second rules out (shared "
            "api/NOTES.md).",
            f"Importing only the libraries a checked generate needs takes {floor_s:.3f} s "
            f"(spawn to exit), {floor_s / curl_med:.2f}x curl, before any work.",
            f"The capture check's own chain alone (bench/check_chain.py: its imports, the "
            f"upload prepared as the CLI does, the check of it, the check of the sandbox's "
            f"result; verdict {chain_said['verdict']}, {len(chain_said['reasons'])} reasons) "
            f"takes {chain_s:.3f} s (spawn to exit, median of {rounds}), {chain_ratio:.2f}x "
            f"curl: {chain_verdict}.",
            f"With the sandbox taking {SLOW_PROVIDER_S:.0f} s a task, as a provider does: ours "
            f"{slow_ours:.3f} s vs curl {slow_curl:.3f} s ({slow_ours / slow_curl:.2f}x); the "
            "capture check runs during the wait.",
        ],
    )
