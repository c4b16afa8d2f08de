"""A light command line: nothing heavy imported before it is needed; many photos, one process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from idphoto_desktop.cli import main
from idphoto_desktop.sandbox.server import SandboxServer

ROOT = Path(__file__).resolve().parent.parent

_PROBE = """
import contextlib, io, json, os, sys
from idphoto_desktop.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exit:
        code = exit.code
heavy = os.environ.get("PROBE_MODULES", "numpy,requests,cv2,urllib3,keyring").split(",")
print(json.dumps({"code": code, "heavy": [m for m in heavy if m in sys.modules]}))
"""


@pytest.mark.parametrize(
    "argv", [["--help"], ["presets"], ["presets", "--country", "US"], ["generate", "--help"]]
)
def test_help_and_presets_import_nothing_heavy(argv: list[str]) -> None:
    """A fresh interpreter: ``--help`` and ``presets`` never pay for numpy/requests/cv2."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv],
        capture_output=True, text=True, timeout=60, cwd=ROOT, check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 0
    assert report["heavy"] == []


def test_the_capture_check_pays_for_no_module_it_does_not_use(
    photos_dir: Path, models_dir: Path
) -> None:
    """``idphoto check`` in a fresh interpreter: ``numpy.ma`` (7.5 ms, imported by
    ``np.percentile`` and ``np.unique``) stays out of every checked generate."""
    env = {**os.environ, "IDPHOTO_MODELS_DIR": str(models_dir),
           "PROBE_MODULES": "numpy,cv2,numpy.ma"}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE,
         "check", str(photos_dir / "hivision_test0.jpg"), "--preset", "us_passport"],
        capture_output=True, text=True, timeout=120, cwd=ROOT, env=env, check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 0, done.stderr
    assert "numpy" in report["heavy"] and "cv2" in report["heavy"]
    assert "numpy.ma" not in report["heavy"]


def test_several_photos_in_one_process_land_in_the_folder(
    sandbox: SandboxServer,
    sandbox_token: str,
    photos_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("IDPHOTO_TOKEN", sandbox_token)
    photos = [photos_dir / "hivision_test0.jpg", photos_dir / "hivision_test3.jpg"]
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 300)
    out = tmp_path / "out"
    out.mkdir()
    argv = [
        "generate", str(photos[0]), str(broken), str(photos[1]), "--size", "300x400",
        "--format", "jpg", "--bg", "FFFFFF", "--api-url", sandbox.base_url, "-o", str(out),
    ]
    assert main(argv) == 1  # one photo failed: the others are still made
    err = capsys.readouterr().err
    assert "broken.jpg" in err and "1 of 3 photos failed" in err
    for photo in photos:
        with Image.open(out / f"{photo.stem}.jpg") as made:
            assert made.size == (300, 400)
    assert not (out / "broken.jpg").exists()
    assert sandbox.request_counts["POST /task/pic/idphoto"] == 2
    # one engine for the command: both photos' calls and downloads on one kept-alive
    # connection (a client made per photo would open one each)
    assert sandbox.connections_accepted == 1


def test_several_photos_need_a_folder(photos_dir: Path, tmp_path: Path) -> None:
    photo = str(photos_dir / "hivision_test0.jpg")
    code = main(["generate", photo, photo, "--size", "300x400", "-o", str(tmp_path / "x.png")])
    assert code == 1
    assert not (tmp_path / "x.png").exists()


_THREADS = """
import os, idphoto_desktop, numpy
print(len(os.listdir("/proc/self/task")))
"""


@pytest.mark.skipif(
    (os.cpu_count() or 1) < 2 or not Path("/proc/self/task").is_dir(),
    reason="OpenBLAS starts one thread per core: one core tells nothing",
)
def test_numpy_under_the_package_starts_no_busy_blas_threads() -> None:
    """OpenBLAS's pool of spinning threads took ~0.15 s of CPU from every generate;
    importing the package first keeps numpy to one thread, and a user's own
    OPENBLAS_NUM_THREADS still wins."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}

    def threads(**extra: str) -> int:
        done = subprocess.run(
            [sys.executable, "-c", _THREADS], env={**env, **extra},
            capture_output=True, text=True, timeout=60, cwd=ROOT, check=True,
        )
        return int(done.stdout.strip().splitlines()[-1])

    assert threads() == 1
    assert threads(OPENBLAS_NUM_THREADS="2") == 2


def test_the_process_ends_with_its_output_log_and_exit_code_whole(tmp_path: Path) -> None:
    """``idphoto`` ends without the interpreter's teardown (cli.run): what it printed to
    a pipe (block-buffered), its log and its exit code all get out; a photo that is not
    there is exit 1 with its line."""
    env = {**os.environ, "IDPHOTO_HOME": str(tmp_path)}
    env.pop("IDPHOTO_TOKEN", None)
    env.pop("PYTHONUNBUFFERED", None)  # stdout to a pipe is then block-buffered
    listed = subprocess.run(
        [sys.executable, "-m", "idphoto_desktop.cli", "presets"],
        capture_output=True, text=True, timeout=60, cwd=ROOT, env=env,
    )
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert len(lines) >= 50 and lines[-1].strip()  # every preset, the last line whole
    assert any(line.startswith("us_passport ") for line in lines)
    missing = subprocess.run(
        [sys.executable, "-m", "idphoto_desktop.cli", "generate", str(tmp_path / "none.jpg"),
         "--preset", "us_passport", "--engine", "offline", "-o", str(tmp_path / "out.png")],
        capture_output=True, text=True, timeout=60, cwd=ROOT, env=env,
    )
    assert missing.returncode == 1
    assert "none.jpg" in missing.stderr and "not found" in missing.stderr
    log = (tmp_path / "logs" / "idphoto.log").read_text(encoding="utf-8")
    assert "none.jpg" in log.splitlines()[-1]  # the last record was written out
