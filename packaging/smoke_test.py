"""Smoke-test the frozen one-folder bundle, headless, the way a counter PC would start it.

    .venv/bin/python packaging/smoke_test.py [--bundle dist/idphoto-desktop] [--photo PATH]

Every check runs the built executables (never the source) with ``QT_QPA_PLATFORM=offscreen``,
a fresh ``IDPHOTO_HOME``, no ``IDPHOTO_MODELS_DIR`` and no ``IDPHOTO_TOKEN``, and with a
dead HTTP(S) proxy, so a frozen app that tried to download its models instead of using
the bundled ones would fail rather than pass quietly:

1. the bundle holds both executables and the three models with their published sums, and
   a ``licenses/`` folder with its README.txt index, PySide6's LGPL text and the MediaPipe
   notice;
2. ``idphoto models`` finds the models inside the bundle;
3. ``idphoto generate PHOTO --engine offline`` writes a valid ID photo of the preset's
   size, downloads nothing and keeps a history entry;
4. ``idphoto token status`` loads a keyring backend (the frozen build names them itself);
5. with ``dbus-run-session`` and ``gnome-keyring-daemon`` present: ``idphoto token
   set/status/clear`` against a real Secret Service keyring;
6. ``idphoto-desktop --smoke`` paints its window and exits 0, in English and with the
   clerk's language set to Simplified Chinese (the bundled translation loads), and, with
   Xvfb present, on a real X server through the bundled xcb platform plugin.

Exits non-zero if any check fails; the last line is ``smoke: N passed, N failed``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BUNDLE = ROOT / "dist" / "idphoto-desktop"
DEFAULT_PHOTO = ROOT.parent / "shared" / "photos" / "hivision_test0.jpg"
PRESET = "us_passport"
EXE_SUFFIX = ".exe" if sys.platform == "win32" else ""
TIMEOUT_S = 180
DEAD_PROXY = "http://127.0.0.1:9"  # the discard port: any download attempt fails at once


class SmokeFailure(Exception):
    """One check did not hold; the message says what was seen."""


def model_table() -> dict[str, str]:
    """Model file name -> SHA-256, from the package (the one place they are written down)."""
    sys.path.insert(0, str(ROOT))
    from idphoto_desktop.engines.offline.models import MODEL_FILES

    return {m.name: m.sha256 for m in MODEL_FILES.values()}


class Smoke:
    """Runs the checks against one bundle, each in the same clean environment."""

    def __init__(self, bundle: Path, photo: Path, work: Path) -> None:
        self.bundle = bundle
        self.photo = photo
        self.work = work
        self.home = work / "home"
        self.home.mkdir()
        self.cli = bundle / f"idphoto{EXE_SUFFIX}"
        self.gui = bundle / f"idphoto-desktop{EXE_SUFFIX}"
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("IDPHOTO_") and k != "PYTHON_KEYRING_BACKEND"
        }
        env.update(
            IDPHOTO_HOME=str(self.home),
            QT_QPA_PLATFORM="offscreen",
            HTTP_PROXY=DEAD_PROXY,
            HTTPS_PROXY=DEAD_PROXY,
            http_proxy=DEAD_PROXY,
            https_proxy=DEAD_PROXY,
            NO_PROXY="",
            no_proxy="",
        )
        # A frozen app must not lean on the build venv: keep it off every search path.
        for var in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "LD_LIBRARY_PATH"):
            env.pop(var, None)
        self.env = env
        self.passed = 0
        self.failed = 0

    def run(
        self, argv: Sequence[str], *, env: dict[str, str] | None = None, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        started = time.perf_counter()
        proc = subprocess.run(  # noqa: S603 - argv[0] is the bundle's own executable
            list(argv),
            env=env or self.env,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            cwd=self.work,
            check=False,
        )
        took = time.perf_counter() - started
        shown = " ".join(Path(a).name if a == argv[0] else a for a in argv)
        print(f"  $ {shown}  -> exit {proc.returncode} in {took:.2f} s")
        for line in (proc.stdout + proc.stderr).strip().splitlines():
            print(f"    | {line}")
        return proc

    def check(self, name: str, body: Callable[[], None]) -> None:
        print(f"== {name}")
        try:
            body()
        except (SmokeFailure, subprocess.TimeoutExpired, OSError) as err:
            self.failed += 1
            print(f"FAIL {name}: {err}")
        else:
            self.passed += 1
            print(f"ok   {name}")

    @staticmethod
    def expect_clean_exit(proc: subprocess.CompletedProcess[str]) -> None:
        if proc.returncode != 0:
            raise SmokeFailure(f"exit status {proc.returncode}")
        if "Traceback (most recent call last)" in proc.stdout + proc.stderr:
            raise SmokeFailure("a Python traceback was printed")

    # -- the checks ------------------------------------------------------------------

    def layout(self) -> None:
        for exe in (self.cli, self.gui):
            if not exe.is_file() or (os.name != "nt" and not os.access(exe, os.X_OK)):
                raise SmokeFailure(f"{exe} is missing or not executable")
        folders = [p for p in self.bundle.rglob("models") if p.is_dir()]
        if len(folders) != 1:
            raise SmokeFailure(f"expected one models/ folder in the bundle, found {folders}")
        table = model_table()  # puts the checkout on sys.path
        from idphoto_desktop.engines.offline.models import sha256_of

        for name, sha in table.items():
            path = folders[0] / name
            if not path.is_file() or sha256_of(path) != sha:
                raise SmokeFailure(f"{path} is missing or fails its SHA-256 check")
        files = [p for p in self.bundle.rglob("*") if p.is_file() and not p.is_symlink()]
        # Every data file of the package (presets, translations...) made it in.
        contents = folders[0].parent
        package = ROOT / "idphoto_desktop"
        for data in package.rglob("*"):
            if data.is_file() and data.suffix not in {".py", ".pyc", ".typed"} and (
                "__pycache__" not in data.parts
            ):
                if not (contents / data.relative_to(ROOT)).is_file():
                    raise SmokeFailure(f"{data.relative_to(ROOT)} is missing from the bundle")
        self.licences()
        size = sum(p.stat().st_size for p in files)
        print(f"  bundle: {size / 2**20:.0f} MiB in {len(files)} files; models verified")

    def licences(self) -> None:
        folder = self.bundle / "licenses"
        readme = folder / "README.txt"
        if not readme.is_file():
            raise SmokeFailure(f"{readme} is missing")
        names = sorted(p.name for p in folder.iterdir() if p.is_file())
        index = readme.read_text("utf-8")
        wanted = {
            "PySide6 LGPL-3.0 text": lambda n: n.lower().startswith("pyside6")
            and "LGPL-3.0" in n,
            "MediaPipe notice": lambda n: n.startswith("mediapipe-0.10.21-NOTICE"),
            "MediaPipe Apache-2.0 text": lambda n: n.startswith("mediapipe-")
            and "Apache-2.0" in n,
        }
        for what, matches in wanted.items():
            found = [n for n in names if matches(n)]
            if not found:
                raise SmokeFailure(f"licenses/ has no {what}")
            if not all(n in index for n in found):
                raise SmokeFailure(f"licenses/README.txt does not list {found}")
        lgpl = next(n for n in names if wanted["PySide6 LGPL-3.0 text"](n))
        if "GNU LESSER GENERAL PUBLIC LICENSE" not in (folder / lgpl).read_text("utf-8"):
            raise SmokeFailure(f"{lgpl} is not the LGPL text")
        print(f"  licences: {len(names)} files in {folder.name}/")

    def models(self) -> None:
        proc = self.run([str(self.cli), "models"])
        self.expect_clean_exit(proc)
        bundle_real = self.bundle.resolve()
        lines = proc.stdout.strip().splitlines()
        # the three detection models, then the optional hair-matting model
        for prefix, required in (("models ready in ", True),
                                 ("hair-matting model ready in ", False)):
            line = next((x for x in lines if x.startswith(prefix)), None)
            if line is None:
                if required:
                    raise SmokeFailure(f"no {prefix!r} line in {lines!r}")
                continue
            where = Path(line[len(prefix):]).resolve()
            if bundle_real not in where.parents:
                raise SmokeFailure(f"the models were taken from {where}, not from the bundle")

    def generate(self) -> None:
        if not self.photo.is_file():
            raise SmokeFailure(f"no test photo at {self.photo}")
        out = self.work / "smoke-idphoto.jpg"
        proc = self.run([
            str(self.cli), "generate", str(self.photo), "--preset", PRESET, "--format", "jpg",
            "--bg", "FFFFFF", "--engine", "offline", "-o", str(out),
        ])
        self.expect_clean_exit(proc)
        if "engine offline" not in proc.stdout:
            raise SmokeFailure("the output does not say the offline engine made the photo")
        data = out.read_bytes() if out.is_file() else b""
        if not data.startswith(b"\xff\xd8\xff") or not data.endswith(b"\xff\xd9"):
            raise SmokeFailure(f"{out} is not a complete JPEG ({len(data)} bytes)")
        from PIL import Image  # only to read the result back; the bundle was what wrote it

        with Image.open(out) as image:
            width, height = image.size
            # The US passport preset is 2x2 in at 300 dpi.
            if (width, height) != (600, 600):
                raise SmokeFailure(f"result is {width}x{height}, expected 600x600")
            # A white background: the top corners of an ID photo are background.
            rgb = image.convert("RGB")
            for corner in ((2, 2), (width - 3, 2)):
                if min(rgb.getpixel(corner)) < 235:  # type: ignore[arg-type]
                    raise SmokeFailure(f"corner {corner} is {rgb.getpixel(corner)}, not white")
        downloaded = [p for p in self.home.rglob("*.tflite")] + list(self.home.rglob("*.whl"))
        if downloaded:
            raise SmokeFailure(f"model files were fetched into the data folder: {downloaded}")
        if not list(self.home.rglob("history.sqlite3")):
            raise SmokeFailure("no history database was written under IDPHOTO_HOME")
        print(f"  result: {out.name} {width}x{height}, {len(data)} bytes")

    def token_status(self) -> None:
        # No D-Bus session here: the frozen store must still pick a backend by name and
        # fall back to "session only", never crash on a missing backend module.
        env = dict(self.env)
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        proc = self.run([str(self.cli), "token", "status"], env=env)
        self.expect_clean_exit(proc)
        if "no token set" not in proc.stdout:
            raise SmokeFailure(f"unexpected output {proc.stdout.strip()!r}")

    def keyring_round_trip(self) -> None:
        xdg = self.work / "keyring-data"
        xdg.mkdir()
        env = dict(self.env, XDG_DATA_HOME=str(xdg))
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        script = (
            "printf ci | gnome-keyring-daemon --unlock --components=secrets >/dev/null && "
            'printf "smoke-token-123\\n" | "$1" token set && "$1" token status && '
            '"$1" token clear && "$1" token status'
        )
        proc = self.run(
            ["dbus-run-session", "--", "sh", "-c", script, "sh", str(self.cli)], env=env
        )
        self.expect_clean_exit(proc)
        if "smoke-token-123" in proc.stdout + proc.stderr:
            raise SmokeFailure("the token was printed")
        lines = proc.stdout.strip().splitlines()
        if not any(line.startswith("token set. Stored in the system keyring (Secret Service)")
                   for line in lines):
            raise SmokeFailure("the frozen app did not store the token in the Secret Service")
        if not lines or not lines[-1].startswith("no token set."):
            raise SmokeFailure("the token was not cleared")

    def window(self) -> None:
        proc = self.run([str(self.gui), "--smoke"])
        self.expect_clean_exit(proc)

    def window_on_x11(self) -> None:
        # The real platform plugin (xcb) against the system's X libraries, on Xvfb.
        xvfb_path = shutil.which("Xvfb")
        if xvfb_path is None:
            raise SmokeFailure("Xvfb is not installed")
        xvfb = subprocess.Popen(  # noqa: S603 - the system's Xvfb, fixed arguments
            [xvfb_path, "-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert xvfb.stdout is not None
            display = xvfb.stdout.readline().strip()
            if not display.isdigit():
                raise SmokeFailure("Xvfb did not start")
            env = dict(self.env, QT_QPA_PLATFORM="xcb", DISPLAY=f":{display}")
            proc = self.run([str(self.gui), "--smoke"], env=env)
            self.expect_clean_exit(proc)
        finally:
            xvfb.terminate()
            try:
                xvfb.wait(timeout=10)
            except subprocess.TimeoutExpired:
                xvfb.kill()
                xvfb.wait()

    def window_in_chinese(self) -> None:
        # A clerk who chose Simplified Chinese: the bundled .qm must load.
        home = self.work / "home-zh"
        (home / "config").mkdir(parents=True)
        (home / "config" / "settings.json").write_text(
            json.dumps({"version": 1, "language": "zh_CN"}), "utf-8"
        )
        proc = self.run([str(self.gui), "--smoke"], env=dict(self.env, IDPHOTO_HOME=str(home)))
        self.expect_clean_exit(proc)
        logs = "".join(p.read_text("utf-8", "replace") for p in home.rglob("*.log"))
        if "No translation file" in logs + proc.stderr:
            raise SmokeFailure("the Simplified Chinese translation did not load from the bundle")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Smoke-test the frozen bundle headless.")
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--photo", type=Path, default=DEFAULT_PHOTO)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)

    bundle = args.bundle.resolve()
    if not bundle.is_dir():
        print(f"smoke: no bundle at {bundle}; build it with packaging/build.sh", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="idphoto-smoke-"))
    print(f"smoke: bundle {bundle}, data folder {work / 'home'}")
    started = time.perf_counter()
    try:
        smoke = Smoke(bundle, args.photo.resolve(), work)
        smoke.check("bundle layout, models and licences", smoke.layout)
        smoke.check("idphoto models uses the bundled models", smoke.models)
        smoke.check("idphoto generate --engine offline", smoke.generate)
        smoke.check("idphoto token status (keyring backend loads)", smoke.token_status)
        if sys.platform.startswith("linux") and all(
            shutil.which(tool) for tool in ("dbus-run-session", "gnome-keyring-daemon")
        ):
            smoke.check("token round trip through a real Secret Service", smoke.keyring_round_trip)
        else:
            print("-- skipped: Secret Service round trip (no dbus-run-session/gnome-keyring)")
        smoke.check("idphoto-desktop --smoke", smoke.window)
        smoke.check("idphoto-desktop --smoke in Simplified Chinese", smoke.window_in_chinese)
        if sys.platform.startswith("linux") and shutil.which("Xvfb"):
            smoke.check("idphoto-desktop --smoke on X11 (Xvfb, xcb)", smoke.window_on_x11)
        else:
            print("-- skipped: the window on X11 (no Xvfb)")
    finally:
        if args.keep:
            print(f"smoke: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"smoke: took {time.perf_counter() - started:.1f} s")
    print(f"smoke: {smoke.passed} passed, {smoke.failed} failed")
    return 1 if smoke.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
