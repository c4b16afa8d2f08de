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

APP_NAME = "idphoto-desktop"
APP_AUTHOR = "IDPhotoDesktop"


def _home_override() -> Path | None:
    value = os.environ.get("IDPHOTO_HOME")
    return Path(value) if value else None


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """History database and downloaded models."""
    override = _home_override()
    if override is not None:
        return _ensure(override / "data")
    import platformdirs

    return _ensure(Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)))


def config_dir() -> Path:
    """Settings file (never the token)."""
    override = _home_override()
    if override is not None:
        return _ensure(override / "config")
    import platformdirs

    return _ensure(Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)))


def log_dir() -> Path:
    """Rotating log files and crash reports."""
    override = _home_override()
    if override is not None:
        return _ensure(override / "logs")
    import platformdirs

    return _ensure(Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)))


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


def history_db_path() -> Path:
    return data_dir() / "history.sqlite3"


def settings_path() -> Path:
    """The settings file (JSON, never the token)."""
    return config_dir() / "settings.json"
