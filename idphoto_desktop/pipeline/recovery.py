"""The last place a paid result goes when the history cannot keep it.

A file per result in the data folder's ``recovered/`` (private to the user), named by
time and photo hash, written atomically. Nothing paid for is ever only in memory.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

from idphoto_desktop.core.export import write_atomic
from idphoto_desktop.core.job import GenerateResult


def recovery_dir() -> Path:
    from idphoto_desktop.storage import paths

    return paths.data_dir() / "recovered"


def keep_in_folder(result: GenerateResult, digest: str, folder: Path | None = None) -> Path:
    """Write the result's bytes as they came; the path written. Raises StorageError."""
    return keep_bytes(result.image, result.format.extension, digest, result.engine, folder)


def keep_bytes(
    data: bytes, extension: str, digest: str, engine: str, folder: Path | None = None
) -> Path:
    """Write paid bytes that are no usable result (a wrong-sized one) as they came."""
    target = folder if folder is not None else recovery_dir()
    target.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        os.chmod(target, 0o700)
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return write_atomic(target / f"{stamp}-{digest[:12]}-{engine}{extension}", data)
