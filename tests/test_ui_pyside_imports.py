"""PySide6's look at each new module (ui/pyside_imports.py): the same answers, no source read.

PySide6 asks, after every first import, whether the module names "PySide6"; its own way
reads the whole source through ``inspect.getsource``. The window replaces that question's
function at start-up. Here: it is replaced, it answers as PySide's own did on every module
loaded in this process, and a module imported afterwards is never read through inspect.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6.QtCore")

from idphoto_desktop.ui import pyside_imports

HOOK = "shibokensupport.feature"


@pytest.fixture
def installed() -> Iterator[Any]:
    """The replacement in place; PySide's own function given to the test, then put back."""
    feature = sys.modules[HOOK]
    previous = pyside_imports.install()
    assert previous is not None, "this PySide6 has no per-module feature hook any more"
    original = previous if previous is not pyside_imports.uses_pyside else None
    yield original
    if original is not None:
        feature._mod_uses_pyside = original


def test_the_hook_is_replaced(installed: Any) -> None:
    assert sys.modules[HOOK]._mod_uses_pyside is pyside_imports.uses_pyside


def test_the_answers_are_pysides_own(installed: Any) -> None:
    if installed is None:
        pytest.skip("replaced earlier in this process: PySide's own is not at hand")
    import idphoto_desktop.core.job
    import idphoto_desktop.ui.main_window  # noqa: F401 - modules that name PySide6 and not

    modules = [m for m in list(sys.modules.values()) if getattr(m, "__file__", None)]
    assert len(modules) > 100
    differing = [
        m.__name__ for m in modules if bool(installed(m)) != pyside_imports.uses_pyside(m)
    ]
    assert differing == []
    assert pyside_imports.uses_pyside(sys.modules["idphoto_desktop.ui.main_window"])
    assert not pyside_imports.uses_pyside(sys.modules["idphoto_desktop.core.job"])


def test_a_new_module_is_not_read_through_inspect(
    installed: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(_obj: object) -> str:
        raise AssertionError("inspect.getsource called for an import")

    (tmp_path / "fresh_module_for_pyside_hook.py").write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(inspect, "getsource", refuse)
    # an import statement (PySide hooks __import__, which importlib.import_module skips)
    module = __import__("fresh_module_for_pyside_hook")
    assert module.VALUE == 1
    assert sys.modules[HOOK].pyside_feature_dict["fresh_module_for_pyside_hook"] == -1
