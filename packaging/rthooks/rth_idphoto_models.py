"""PyInstaller runtime hook: point the offline engine at the models inside the bundle.

Runs before the app's own code in both frozen executables. A ``models/`` folder in the
bundle (``sys._MEIPASS``) holds the three verified model files, so a fresh counter PC
needs no download. An ``IDPHOTO_MODELS_DIR`` the user set is respected. Nothing is
imported here beyond the standard library (start-up time).
"""

import os
import sys

_bundle = getattr(sys, "_MEIPASS", None)
if _bundle and not os.environ.get("IDPHOTO_MODELS_DIR"):
    _models = os.path.join(_bundle, "models")
    if os.path.isdir(_models):
        os.environ["IDPHOTO_MODELS_DIR"] = _models
