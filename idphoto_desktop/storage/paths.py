"""Every folder the app writes to, resolved in one place.

``IDPHOTO_HOME`` points all of them at one folder (tests, the frozen-build smoke test,
a portable install); otherwise ``platformdirs`` gives the platform's usual places.
``IDPHOTO_MODELS_DIR`` points the offline engine at a folder of ready models (tests
and CI use ``../shared/models``); a frozen build finds the models it was built with in
its own ``models/`` folder (:func:`bundled_models_dir`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from idphoto_desktop.core import tempfiles

APP_NAME = "idphoto-desktop"
APP_AUTHOR = "IDPhotoDesktop"


def _home_override() -> Path | None:
    value = os.environ.get("IDPHOTO_HOME")
    return Path(value) if value else None


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def make_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) and make it the user's alone (0700) where the
    platform has modes: history, logs and crash reports hold customers' data."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        try:
            if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
                path.chmod(0o700)
        except OSError:
            pass  # a folder we cannot change (shared, read-only): leave it
    return path


def make_private_file(path: Path) -> Path:
    """Create ``path`` if missing, readable and writable by the user only (0600)."""
    if os.name != "posix":
        path.touch(exist_ok=True)
        return path
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    return path


def data_dir() -> Path:
    """History database and downloaded models."""
    override = _home_override()
    if override is not None:
        return make_private_dir(override / "data")
    import platformdirs

    return make_private_dir(Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)))


def config_dir() -> Path:
    """Settings file (never the token)."""
    override = _home_override()
    if override is not None:
        return make_private_dir(override / "config")
    import platformdirs

    return make_private_dir(Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)))


def log_dir() -> Path:
    """Rotating log files and crash reports."""
    override = _home_override()
    if override is not None:
        return make_private_dir(override / "logs")
    import platformdirs

    return make_private_dir(Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)))


def _frozen_dir() -> Path | None:
    """``sys._MEIPASS``: the folder a frozen PyInstaller build unpacks its files to."""
    value = getattr(sys, "_MEIPASS", None)
    return Path(value) if value else None


def bundled_models_dir() -> Path | None:
    """The ``models/`` folder inside a frozen build, or None (from source, or none bundled)."""
    frozen = _frozen_dir()
    if frozen is None:
        return None
    folder = frozen / "models"
    return folder if folder.is_dir() else None


def models_dir() -> Path:
    """Where the offline engine's three model files are (or will be cached).

    In order: ``IDPHOTO_MODELS_DIR``, the frozen build's own models, the user data folder.
    """
    value = os.environ.get("IDPHOTO_MODELS_DIR")
    if value:
        return Path(value)
    bundled = bundled_models_dir()
    if bundled is not None:
        return bundled
    return _ensure(data_dir() / "models")


def licences_dir() -> Path | None:
    """The third-party licence texts of a frozen build (``licenses/`` beside its files)."""
    frozen = _frozen_dir()
    if frozen is None:
        return None
    for folder in (frozen.parent / "licenses", frozen / "licenses"):
        if folder.is_dir():
            return folder
    return None


def _pending_dir() -> Path:
    return make_private_dir(data_dir() / "pending-temp")


# Writes in core/ note their temporary files in the user's data folder (core does not
# import storage; storage tells core where the notes go).
tempfiles.set_journal_dir(_pending_dir)


def clean_stale_temps() -> list[Path]:
    """Remove hidden ``.tmp`` files that writes of dead processes left (at start-up)."""
    return tempfiles.clean_stale_temps()


def history_db_path() -> Path:
    """The history database: created 0600 here, so it is never readable by others."""
    path = data_dir() / "history.sqlite3"
    if os.name == "posix" and not path.exists():
        try:
            make_private_file(path)  # an empty file is a valid new SQLite database
        except OSError:
            pass
    return path


def settings_path() -> Path:
    """The settings file (JSON, never the token)."""
    return config_dir() / "settings.json"
