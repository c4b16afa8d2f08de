"""Every command in the README's "Running it" table runs as written.

Each command is taken from the README itself (a new row without a way to run it here
fails the test). Harmless ones run exactly as written (a photo and a temporary folder
in place of PHOTO and out.jpg); ones that would download, build, serve forever or
change the keyring run with ``--help``, which still proves the program and the
subcommand exist.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def table_commands() -> list[str]:
    """The code spans of the "Running it" table's command column that start a program."""
    text = README.read_text("utf-8")
    section = text.split("## Running it", 1)[1].split("\n## ", 1)[0]
    commands: list[str] = []
    for line in section.splitlines():
        if not line.startswith("|") or line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) < 2 or cells[1] == "command":
            continue
        for span in re.findall(r"`([^`]+)`", cells[1]):
            if span.startswith((".venv/bin/", "bash ")):
                commands.append(span)
    return commands


SANDBOX = ".venv/bin/idphoto sandbox --port 8765 --token T"

# How each command is run here: "exact" as written, "help" with --help appended,
# "smoke" (the window, quits after its first paint), "offline" (needs no token), "bare"
# (as written without its optional [...] parts).
HOW = {
    ".venv/bin/idphoto-desktop": "smoke",
    ".venv/bin/idphoto-desktop PHOTO": "smoke",
    ".venv/bin/idphoto generate PHOTO --preset us_passport --format jpg --bg FFFFFF -o out.jpg": (
        "offline"
    ),
    ".venv/bin/idphoto token set": "help",
    ".venv/bin/idphoto presets": "exact",
    SANDBOX: "subcommand-help",  # it serves until stopped
    ".venv/bin/idphoto-desktop --watch CAMERA_DIR": "smoke",
    ".venv/bin/idphoto history set-url": "help",  # it would change the keyring
    ".venv/bin/idphoto history list [--json] [--customer TEXT] [--since YYYY-MM-DD]": "bare",
    ".venv/bin/idphoto history push": "help",  # needs a shared database
    ".venv/bin/idphoto check PHOTO [--preset ID] [--face N] [--json]": "bare",
    "bash packaging/build.sh": "help",
    "bash packaging/ci_build_and_smoke.sh": "help",
    ".venv/bin/python bench/run.py": "help",
    ".venv/bin/idphoto models": "help",
}


def test_the_table_is_read() -> None:
    commands = table_commands()
    assert len(commands) >= 8
    assert ".venv/bin/idphoto presets" in commands


@pytest.mark.parametrize("command", table_commands())
def test_readme_command_runs(
    command: str, tmp_path: Path, private_app_home: Path, photos_dir: Path
) -> None:
    assert command in HOW, f"README command {command!r}: say here how to run it"
    how = HOW[command]
    argv = shlex.split(command)
    if how == "help":
        argv.append("--help")
    elif how == "subcommand-help":
        argv = [*argv[:2], "--help"]
    elif how == "smoke":
        camera = tmp_path / "camera"
        camera.mkdir()
        places = {"PHOTO": str(photos_dir / "hivision_test0.jpg"), "CAMERA_DIR": str(camera)}
        argv = [places.get(a, a) for a in argv]
        argv.append("--smoke")
    elif how == "bare":  # as written, without the optional [...] parts
        argv = [
            str(photos_dir / "hivision_test0.jpg") if a == "PHOTO" else a
            for a in shlex.split(re.sub(r"\[[^\]]*\]", "", command))
        ]
    elif how == "offline":
        argv = [
            str(photos_dir / "hivision_test0.jpg") if a == "PHOTO" else a for a in argv
        ] + ["--engine", "offline"]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "IDPHOTO_HOME": str(private_app_home)}
    env.pop("IDPHOTO_TOKEN", None)
    if argv[0].startswith(".venv/"):
        argv[0] = str(ROOT / argv[0])
    if argv[0] == "bash":
        argv[1] = str(ROOT / argv[1])
    if argv[0].endswith("python") and len(argv) > 1 and argv[1].endswith(".py"):
        argv[1] = str(ROOT / argv[1])
    proc = subprocess.run(
        argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    assert proc.returncode == 0, f"{command}: {proc.stderr[-1500:]}"
    if how.endswith("help"):
        assert "usage" in proc.stdout.lower() or len(proc.stdout.splitlines()) >= 3
    if how == "offline":
        with Image.open(tmp_path / "out.jpg") as img:
            assert img.format == "JPEG" and img.size == (600, 600)
    if command.endswith("presets"):
        assert "us_passport" in proc.stdout
