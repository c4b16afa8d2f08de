"""Client overhead: our ProviderClient against curl, same sandbox, same request, same result.

The sandbox runs in its own process (crop-and-resize engine, a fixed processing delay,
no rate limit). One round is: POST the prepared photo with ``sync=1``, then download
the result. Ours is a fresh ``ProviderClient`` per round (a new connection, as curl
makes), timed in-process; curl is two processes (POST, then GET of the ``image`` URL),
timed from spawn to exit, so curl's own start-up counts against curl. Rounds alternate.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from bench.common import (
    PHOTOS,
    SANDBOX_TOKEN,
    Figure,
    SandboxProcess,
    camera_jpeg,
    figure,
    median,
    target,
    work_dir,
)

TARGET_RATIO = 1.1
DELAY_S = 0.5
QUICK_DELAY_S = 0.1
OUTPUT = (600, 600)  # us_passport, 2x2 in at 300 DPI


def _curl_round(base_url: str, photo: Path, mime: str, out: Path) -> tuple[float, dict[str, float]]:
    started = time.perf_counter()
    post = subprocess.run(
        [
            "curl",
            "--silent",
            "--show-error",
            "--max-time",
            "60",
            "-X",
            "POST",
            f"{base_url}/task/pic/idphoto",
            "-H",
            f"Authorization: Bearer {SANDBOX_TOKEN}",
            "-H",
            "Accept: application/json",
            "-H",
            "Expect:",  # requests sends no Expect: 100-continue either
            "-F",
            f"image_file=@{photo};type={mime};filename=photo.jpg",
            "-F",
            f"size={OUTPUT[0]}x{OUTPUT[1]}",
            "-F",
            "format=png",
            "-F",
            "sync=1",
            "--write-out",
            "\n%{time_total}",
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=True,
    )
    posted = time.perf_counter()
    body, _, post_total = post.stdout.rpartition("\n")
    data = json.loads(body)["data"]
    if data.get("state") != 1 or not data.get("image"):
        raise RuntimeError(f"curl's task did not finish: {body[:300]}")
    get = subprocess.run(
        [
            "curl",
            "--silent",
            "--show-error",
            "--fail",
            "--max-time",
            "60",
            "-o",
            str(out),
            data["image"],
            "--write-out",
            "%{time_total}",
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=True,
    )
    elapsed = time.perf_counter() - started
    if out.stat().st_size < 100:
        raise RuntimeError("curl downloaded no image")
    return elapsed, {
        "post_process_s": posted - started,
        "post_curl_total_s": float(post_total),
        "get_curl_total_s": float(get.stdout),
    }


def main(quick: bool) -> Figure:
    if shutil.which("curl") is None:
        raise RuntimeError("curl is not installed: the baseline cannot be measured")
    from idphoto_desktop.api.client import ProviderClient
    from idphoto_desktop.core.imageprep import prepare_photo
    from idphoto_desktop.core.job import GenerateParams, GenerateRequest, OutputFormat, PhotoSize

    rounds = 2 if quick else 15
    delay = QUICK_DELAY_S if quick else DELAY_S
    source = PHOTOS / "hivision_test0.jpg" if quick else camera_jpeg(quick=False)
    prepared = prepare_photo(source)  # what the app uploads (prepared once, not timed)
    upload = work_dir() / "client_overhead_upload.jpg"
    upload.write_bytes(prepared.data)
    request = GenerateRequest(
        GenerateParams(PhotoSize(*OUTPUT), OutputFormat.PNG), photo=prepared, sync=True
    )
    ours_s: list[float] = []
    ours_warm_s: list[float] = []
    curl_s: list[float] = []
    ours_steps: list[dict[str, float]] = []
    curl_steps: list[dict[str, float]] = []
    with SandboxProcess(engine="cropresize", delay_s=delay) as sandbox:

        def ours() -> float:
            started = time.perf_counter()
            with ProviderClient(SANDBOX_TOKEN, base_url=sandbox.base_url) as client:
                result = client.generate(request)
            elapsed = time.perf_counter() - started
            if (result.width, result.height) != OUTPUT:
                raise RuntimeError(f"our client got a {result.width}x{result.height} result")
            ours_steps.append(dict(result.timings_ms))
            return elapsed

        def curl() -> float:
            elapsed, steps = _curl_round(
                sandbox.base_url, upload, prepared.mime, work_dir() / "curl_result.png"
            )
            curl_steps.append(steps)
            return elapsed

        ours()  # warm-up: imports, first connection, the sandbox's first task
        curl()
        ours_steps.clear()
        curl_steps.clear()
        for i in range(rounds):
            if i % 2 == 0:
                ours_s.append(ours())
                curl_s.append(curl())
            else:
                curl_s.append(curl())
                ours_s.append(ours())
        # The app reuses its engine's client (Services caches it): a warm session too.
        with ProviderClient(SANDBOX_TOKEN, base_url=sandbox.base_url) as warm:
            warm.generate(request)
            for _ in range(max(2, rounds // 3)):
                started = time.perf_counter()
                warm.generate(request)
                ours_warm_s.append(time.perf_counter() - started)
    ours_med, curl_med = median(ours_s), median(curl_s)
    ratio = ours_med / curl_med
    overhead_ms = (ours_med - curl_med) * 1000.0

    def step_median(rows: list[dict[str, float]], key: str, scale: float = 1.0) -> float | None:
        values = [row[key] * scale for row in rows if key in row]
        return round(median(values), 1) if values else None

    curl_transfer_s = median(
        [row["post_curl_total_s"] + row["get_curl_total_s"] for row in curl_steps]
    )
    details: dict[str, Any] = {
        "processing_delay_s": delay,
        "upload_bytes": len(prepared.data),
        "upload_pixels": f"{prepared.width}x{prepared.height}",
        "output": f"{OUTPUT[0]}x{OUTPUT[1]} png",
        "rounds": rounds,
        "ours_runs_s": [round(x, 4) for x in ours_s],
        "curl_runs_s": [round(x, 4) for x in curl_s],
        "overhead_ms": round(overhead_ms, 1),
        "ours_warm_session_median_s": round(median(ours_warm_s), 4),
        "ours_post_round_trip_ms": step_median(ours_steps, "round_trip"),
        "ours_result_download_ms": step_median(ours_steps, "result_download"),
        "curl_post_process_ms": step_median(curl_steps, "post_process_s", 1000.0),
        "curl_post_transfer_ms": step_median(curl_steps, "post_curl_total_s", 1000.0),
        "curl_get_transfer_ms": step_median(curl_steps, "get_curl_total_s", 1000.0),
    }
    return figure(
        "client_overhead",
        "Client overhead: ProviderClient vs curl against the sandbox",
        unit="s",
        value=ours_med,
        value_label=f"ProviderClient.generate (fresh client), median of {rounds}",
        baseline=curl_med,
        baseline_label=f"curl POST + curl GET (processes), median of {rounds}",
        ratio=ratio,
        ratio_label="x curl",
        targets=[target("ours vs curl", ratio, "<=", TARGET_RATIO, "x")],
        quick=quick,
        details=details,
        notes=[
            f"Overhead {overhead_ms:+.1f} ms per generate (ours minus curl), with a fixed "
            f"{delay:.1f} s processing delay in the sandbox; a warm session (the app reuses "
            f"its client) takes {median(ours_warm_s):.3f} s.",
            f"Upload {len(prepared.data) / 1e6:.2f} MB ({prepared.width}x{prepared.height} "
            "prepared JPEG); curl's times include starting two curl processes.",
            "Without curl's process starts (its own time_total, POST + GET): "
            f"{curl_transfer_s:.3f} s, so ours is {ours_med / curl_transfer_s:.3f}x that "
            f"({(ours_med - curl_transfer_s) * 1000:+.1f} ms).",
        ],
    )
