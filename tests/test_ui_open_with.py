"""`idphoto-desktop PHOTO` opens the photo; the desktop entry offers the app for images."""

from __future__ import annotations

import configparser
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from idphoto_desktop.ui.app import _parse

ROOT = Path(__file__).resolve().parent.parent
DESKTOP = ROOT / "packaging" / "idphoto-desktop.desktop"
INSTALL = ROOT / "packaging" / "install-desktop-entry.sh"


def test_the_photo_argument_is_parsed() -> None:
    assert _parse(["customer.jpg"]).photo == Path("customer.jpg")
    assert _parse([]).photo is None


@pytest.mark.gui
def test_the_window_opens_the_photo_given_on_the_command_line(
    private_app_home: Path, photos_dir: Path
) -> None:
    # GIVEN a fresh home and the real entry point, as a file manager starts it
    photo = photos_dir / "hivision_test0.jpg"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "IDPHOTO_HOME": str(private_app_home)}
    code = "from idphoto_desktop.ui.app import main; raise SystemExit(main())"
    proc = subprocess.run(
        [sys.executable, "-c", code, str(photo), "--quit-after-ms", "4000"],
        env=env, capture_output=True, text=True, timeout=90, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    # THEN the photo was read (the folder it came from is remembered only on success)
    settings = json.loads((private_app_home / "config" / "settings.json").read_text("utf-8"))
    assert settings["last_open_dir"] == str(photos_dir)


def test_desktop_entry_declares_image_types_and_passes_the_file() -> None:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DESKTOP, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Exec"].split() == ["idphoto-desktop", "%f"]
    types = set(filter(None, entry["MimeType"].split(";")))
    assert {"image/jpeg", "image/png", "image/webp", "image/tiff", "image/heic"} <= types
    assert '%f|"' in INSTALL.read_text("utf-8")  # the installed entry keeps %f too
