"""The one history rule: when a stored result can make what is asked, locally.

Engines are always asked for a transparent PNG and every format and colour is composed
from it (``core.background.compose``). So a stored result serves a request for the same
photo, size and framing (the history key is ``GenerateParams.framing_key()``) when:

- it was made by the same engine (an offline request is never answered with a paid
  provider result, nor the other way round; the engine is said wherever it is shown), and
- it is transparent, or was made without a colour (the engine would answer the same
  again): it serves every colour and format; an opaque result made on a colour serves
  only that colour.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from idphoto_desktop.core.job import OutputFormat

if TYPE_CHECKING:
    from idphoto_desktop.storage.history import HistoryEntry


def input_digest(source_sha256: str | None, image_url: str | None) -> str:
    """What identifies the input: the photo's SHA-256, else a hash of its address."""
    if source_sha256:
        return source_sha256.strip().lower()
    if not image_url:
        raise ValueError("a job needs a photo or an image address")
    return hashlib.sha256(f"url:{image_url}".encode()).hexdigest()


def serves(entry: HistoryEntry, engine: str, color: str | None) -> bool:
    """Can ``entry`` make the request (``color`` wanted, None for transparent) locally?"""
    if entry.engine != engine:
        return False
    made_on = entry.bg_color if entry.format is OutputFormat.JPG else None
    if made_on is None:
        return True  # transparent (or the engine's answer to a transparent request)
    return color is not None and made_on.upper() == color.upper()


def pick(entries: Iterable[HistoryEntry], engine: str, color: str | None) -> HistoryEntry | None:
    """The newest stored result that serves the request (entries come newest first)."""
    for entry in entries:
        if serves(entry, engine, color):
            return entry
    return None
