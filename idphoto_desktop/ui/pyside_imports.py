"""Make PySide6's look at every newly imported module cheap.

Why: to support ``from __feature__ import snake_case`` module by module, PySide6 (6.11)
replaces ``__import__``, and after each module imported for the first time it calls
``shibokensupport.feature._mod_uses_pyside``. That runs ``inspect.getsource(module)``:
linecache decodes, splits and keeps every line of the file in memory, only to look for
the word "PySide6", for every module: 88 at the window's start, 113 more at the first
Generate (numpy, OpenCV, the offline engine), some on the GUI thread. Measured end to
end with warm file caches: the window's modules 131 -> 122 ms, the first Generate's
imports 298 -> 275 ms; with the file cache dropped the reads cost more (one run: 350 ->
157 ms). The same question is answered here from the file's bytes.

The answer only chooses between "uses PySide, default features" and "does not use
PySide"; this application selects no feature anywhere, so both behave alike, and the
answers are the same as PySide's own (tests/test_ui_pyside_imports.py).
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

__all__ = ["install", "uses_pyside"]

_HOOK_MODULE = "shibokensupport.feature"
_HOOK_NAME = "_mod_uses_pyside"


def uses_pyside(module: ModuleType) -> bool:
    """Whether the module's source file names PySide6 (False without a source file)."""
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return False  # an extension, a frozen or source-less module: PySide says False too
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()
    except OSError:
        return False


def install() -> Any:
    """Put :func:`uses_pyside` in PySide's place; returns what was there (None if this
    PySide has no such hook, when nothing is changed). Call after importing PySide6."""
    hook = sys.modules.get(_HOOK_MODULE)
    previous = getattr(hook, _HOOK_NAME, None)
    if hook is None or previous is None:
        return None
    setattr(hook, _HOOK_NAME, uses_pyside)
    return previous
