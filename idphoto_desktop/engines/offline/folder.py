"""Where the offline models are expected, without downloading anything.

For readers that must not touch the network (the capture check): the same folder
``ensure_models`` would use (``IDPHOTO_MODELS_DIR``, a frozen build's models, the user
data folder).
"""

from __future__ import annotations

from pathlib import Path

from idphoto_desktop.storage import paths


def models_folder() -> Path:
    return paths.models_dir()
