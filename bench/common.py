"""What every benchmark shares: the figure's dict, test photos, a sandbox in its own process.

Every figure module has ``main(quick: bool) -> dict`` returning :func:`figure`'s dict, so
the runner can print and store them alike. Test photos are built once per run in the
folder named by ``BENCH_TMP`` (the runner sets it), never in the repository.
"""

from __future__ import annotations

import atexit
import math
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("IDPHOTO_SHARED", ROOT.parent / "shared")).resolve()
PHOTOS = SHARED / "photos"
MODELS = SHARED / "models"
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable
SANDBOX_TOKEN = "bench-sandbox-token-0123456789"
SOURCE_PHOTO = PHOTOS / "hivision_test4.jpg"  # 978x1014 JPEG, head and shoulders

Figure = dict[str, Any]
OPS = ("<", "<=", ">", ">=")

# ----------------------------------------------------------------- the figure's dict


def target(label: str, measured: float, op: str, limit: float, unit: str) -> dict[str, Any]:
    """One target: ``measured op limit`` (e.g. ratio <= 1.5), and whether it is met."""
    if op not in OPS:
        raise ValueError(f"unknown operator {op!r}")
    met = {
        "<": measured < limit,
        "<=": measured <= limit,
        ">": measured > limit,
        ">=": measured >= limit,
    }[op]
    return {
        "label": label,
        "measured": float(measured),
        "op": op,
        "limit": float(limit),
        "unit": unit,
        "met": bool(met and math.isfinite(measured)),
    }


def figure(
    name: str,
    title: str,
    *,
    unit: str,
    value: float,
    value_label: str,
    baseline: float,
    baseline_label: str,
    ratio: float,
    ratio_label: str,
    targets: Sequence[dict[str, Any]],
    quick: bool,
    details: dict[str, Any] | None = None,
    notes: Sequence[str] = (),
) -> Figure:
    """The dict every ``main(quick)`` returns; ``met`` is true when every target is met."""
    return {
        "name": name,
        "title": title,
        "unit": unit,
        "value": float(value),
        "value_label": value_label,
        "baseline": float(baseline),
        "baseline_label": baseline_label,
        "ratio": float(ratio),
        "ratio_label": ratio_label,
        "targets": list(targets),
        "met": all(t["met"] for t in targets),
        "quick": quick,
        "details": details or {},
        "notes": list(notes),
    }


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def validate_figure(fig: object) -> list[str]:
    """What is wrong with a figure's dict (empty when it is well formed)."""
    if not isinstance(fig, dict):
        return [f"not a dict but {type(fig).__name__}"]
    problems: list[str] = []
    for key in ("name", "title", "unit", "value_label", "baseline_label", "ratio_label"):
        if not isinstance(fig.get(key), str) or not fig[key]:
            problems.append(f"{key} is not a non-empty string")
    for key in ("value", "baseline", "ratio"):
        if not _finite(fig.get(key)):
            problems.append(f"{key} is not a finite number: {fig.get(key)!r}")
    if _finite(fig.get("baseline")) and fig["baseline"] <= 0:
        problems.append("baseline is not positive")
    targets = fig.get("targets")
    if not isinstance(targets, list) or not targets:
        problems.append("targets is not a non-empty list")
        targets = []
    for i, t in enumerate(targets):
        if not isinstance(t, dict):
            problems.append(f"target {i} is not a dict")
            continue
        if not _finite(t.get("measured")) or not _finite(t.get("limit")):
            problems.append(f"target {i} has no finite measured/limit")
        if t.get("op") not in OPS or not isinstance(t.get("met"), bool):
            problems.append(f"target {i} has a bad op or met")
    if not isinstance(fig.get("met"), bool):
        problems.append("met is not a bool")
    elif targets and fig["met"] != all(bool(t.get("met")) for t in targets if isinstance(t, dict)):
        problems.append("met disagrees with the targets")
    if not isinstance(fig.get("details"), dict) or not isinstance(fig.get("notes"), list):
        problems.append("details or notes have the wrong type")
    return problems


# ----------------------------------------------------------------- small helpers


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def work_dir() -> Path:
    """The run's scratch folder (``BENCH_TMP``), or one for this process only."""
    named = os.environ.get("BENCH_TMP")
    if named:
        path = Path(named)
        path.mkdir(parents=True, exist_ok=True)
        return path
    global _own_tmp
    if _own_tmp is None:
        _own_tmp = Path(tempfile.mkdtemp(prefix="idphoto-bench-"))
        atexit.register(shutil.rmtree, _own_tmp, True)
    return _own_tmp


_own_tmp: Path | None = None


def app_env(home: Path, **extra: str) -> dict[str, str]:
    """Environment of an app process: offscreen Qt, a private home, the shared models."""
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        IDPHOTO_HOME=str(home),
        IDPHOTO_MODELS_DIR=str(MODELS),
        PYTHONPATH=str(ROOT),
    )
    env.pop("IDPHOTO_TOKEN", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(bytecode_env())
    env.update(extra)
    return env


def bytecode_env() -> dict[str, str]:
    """Let processes cache bytecode, outside the repository, as an installed app has it.

    With ``PYTHONDONTWRITEBYTECODE`` set (as in some shells here) every start compiles
    our modules from source again: tens of milliseconds no installed copy pays.
    """
    prefix = os.environ.get("PYTHONPYCACHEPREFIX") or str(work_dir() / "pycache")
    return {"PYTHONPYCACHEPREFIX": prefix}


def desktop_command() -> list[str]:
    """``idphoto-desktop`` as installed in the venv (the real entry point), else -m."""
    script = Path(PYTHON).parent / "idphoto-desktop"
    if script.is_file():
        return [str(script)]
    return [PYTHON, "-m", "idphoto_desktop.ui.app"]


def psnr(a: Any, b: Any) -> float:
    """Peak signal-to-noise ratio in dB of two uint8 arrays of the same shape."""
    import numpy as np

    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    mse = float(np.mean(diff * diff))
    return float("inf") if mse == 0 else 10.0 * math.log10(255.0**2 / mse)


# ----------------------------------------------------------------- test photos

CAMERA_SIZE = (6000, 4000)  # 24 MP as stored by a camera held upright (EXIF orientation 6)
QUICK_CAMERA_SIZE = (2400, 1600)


def clean_upright(*, quick: bool) -> Any:
    """The scene before the sensor: the shared photo cropped to 2:3 and upscaled, upright."""
    from PIL import Image

    width, height = QUICK_CAMERA_SIZE if quick else CAMERA_SIZE
    with Image.open(SOURCE_PHOTO) as opened:
        source = opened.convert("RGB")
    sw, sh = source.size
    crop_w = min(sw, sh * height // width)
    crop_h = crop_w * width // height
    box = ((sw - crop_w) / 2, (sh - crop_h) / 2, (sw + crop_w) / 2, (sh + crop_h) / 2)
    return source.resize((height, width), Image.Resampling.LANCZOS, box=box)


PHONE_SIZE = (4032, 3024)  # 12 MP as a phone stores it held upright (EXIF orientation 6)
QUICK_PHONE_SIZE = (2016, 1512)
PHONE_SOURCE = PHOTOS / "hivision_test0.jpg"  # 576x768 JPEG, studio-style head and shoulders


def phone_jpeg(*, quick: bool) -> Path:
    """A 12 MP phone-like JPEG built from a shared photo (once per run, then reused).

    Cropped to 3:4, upscaled with Lanczos to 3024x4032, given a phone's sensor noise
    (read noise 3, shot noise), stored landscape with EXIF orientation 6 at quality 95
    (what phones write), as a phone held upright does.
    """
    width, height = QUICK_PHONE_SIZE if quick else PHONE_SIZE
    path = work_dir() / f"phone_{width}x{height}.jpg"
    if path.is_file():
        return path
    import numpy as np
    from PIL import Image

    with Image.open(PHONE_SOURCE) as opened:
        source = opened.convert("RGB")
    sw, sh = source.size
    crop_w = min(sw, sh * height // width)
    crop_h = crop_w * width // height
    box = ((sw - crop_w) / 2, (sh - crop_h) / 2, (sw + crop_w) / 2, (sh + crop_h) / 2)
    upright = source.resize((height, width), Image.Resampling.LANCZOS, box=box)
    pixels = np.asarray(upright)
    rng = np.random.default_rng(12)
    noise = rng.standard_normal(pixels.shape, dtype=np.float32)
    noise *= np.sqrt(9.0 + 0.03 * pixels.astype(np.float32))
    noisy = np.clip(pixels + noise + 0.5, 0, 255).astype(np.uint8)
    stored = Image.fromarray(noisy).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x010F] = "BenchPhone"
    exif[0x0112] = 6
    partial = path.with_suffix(".part")
    stored.save(partial, "JPEG", exif=exif.tobytes(), quality=95)
    partial.replace(path)
    return path


def clean_camera_jpeg(*, quick: bool) -> Path:
    """A clean 24 MP camera JPEG (no added noise, quality 92), stored as a camera does."""
    width, height = QUICK_CAMERA_SIZE if quick else CAMERA_SIZE
    path = work_dir() / f"clean_camera_{width}x{height}.jpg"
    if path.is_file():
        return path
    from PIL import Image

    stored = clean_upright(quick=quick).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x010F] = "BenchCam"
    exif[0x0112] = 6
    partial = path.with_suffix(".part")
    stored.save(partial, "JPEG", exif=exif.tobytes(), quality=92)
    partial.replace(path)
    return path


def camera_jpeg(*, quick: bool, twenty_mb: bool = False) -> Path:
    """A camera-like JPEG built from a shared photo (built once per run, then reused).

    The photo is cropped to 2:3, upscaled with Lanczos to 4000x6000, given sensor-like
    noise (read noise plus signal-dependent shot noise, independent per channel), then
    stored rotated to landscape with EXIF orientation 6 and camera tags, as cameras do.
    ``twenty_mb`` saves at quality 97 without chroma subsampling: about 20 MB.
    """
    width, height = QUICK_CAMERA_SIZE if quick else CAMERA_SIZE
    kind = "20mb" if twenty_mb else "camera"
    path = work_dir() / f"{kind}_{width}x{height}.jpg"
    if path.is_file():
        return path
    import numpy as np
    from PIL import Image

    pixels = np.asarray(clean_upright(quick=quick))
    rng = np.random.default_rng(24)
    noise = rng.standard_normal(pixels.shape, dtype=np.float32)
    noise *= np.sqrt(16.0 + 0.03 * pixels.astype(np.float32))  # read noise 4, shot noise
    noisy = np.clip(pixels + noise + 0.5, 0, 255).astype(np.uint8)
    del noise
    stored = Image.fromarray(noisy).transpose(Image.Transpose.ROTATE_90)  # landscape
    exif = Image.Exif()
    exif[0x010F] = "BenchCam"  # Make
    exif[0x0110] = "BC-24"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90 CW to view
    exif[0x0131] = "bench/common.py"  # Software
    options: dict[str, Any] = {"quality": 95, "subsampling": 2}
    if twenty_mb:
        options = {"quality": 97, "subsampling": 0}
    partial = path.with_suffix(".part")
    stored.save(partial, "JPEG", exif=exif.tobytes(), **options)
    partial.replace(path)
    return path


# ----------------------------------------------------------------- the sandbox, elsewhere

_SERVING = re.compile(r"Sandbox serving (http://127\.0\.0\.1:\d+)")


class SandboxProcess:
    """``python -m idphoto_desktop.sandbox`` in its own process, as a remote provider is.

    In a thread of the measuring process it would compete for the GIL with the client
    being measured (and not with curl); the real provider uses none of our CPU time.
    """

    def __init__(self, *, engine: str = "cropresize", delay_s: float = 0.0) -> None:
        self.engine = engine
        self.delay_s = delay_s
        self.base_url = ""
        self._proc: subprocess.Popen[str] | None = None
        self._log: TextIO | None = None
        self._home = Path(tempfile.mkdtemp(prefix="bench-sandbox-", dir=work_dir()))

    def __enter__(self) -> SandboxProcess:
        argv = [
            PYTHON,
            "-m",
            "idphoto_desktop.sandbox",
            "--port",
            "0",
            "--token",
            SANDBOX_TOKEN,
            "--engine",
            self.engine,
            "--rate-limit",
            "0",
            "--delay",
            str(self.delay_s),
        ]
        self._log = (self._home / "sandbox.log").open("w", encoding="utf-8")
        self._proc = subprocess.Popen(
            argv,
            env=app_env(self._home),
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            cwd=ROOT,
        )
        assert self._proc.stdout is not None
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline:
            line = self._proc.stdout.readline()
            match = _SERVING.search(line)
            if match:
                self.base_url = match.group(1)
                served = line.split("(engine ", 1)[-1].rstrip(")\n")
                if served != self.engine:
                    self.__exit__(None, None, None)
                    raise RuntimeError(f"the sandbox serves {served!r}, not {self.engine!r}")
                return self
            if not line and self._proc.poll() is not None:
                break
        self._log.flush()
        err = (self._home / "sandbox.log").read_text(encoding="utf-8", errors="replace")
        self.__exit__(None, None, None)
        raise RuntimeError(f"the sandbox did not start: {line!r} {err[-2000:]}")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        proc = self._proc
        self._proc = None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
        if self._log is not None:
            self._log.close()
            self._log = None
        shutil.rmtree(self._home, ignore_errors=True)
