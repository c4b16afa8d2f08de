"""The window's parts that the first paint does not show, built the first time they are used.

Why one module: start-up (issue 18, ``bench/startup.py``) pays only for what the clerk
sees at once (the side panel with its presets, the drop area, Generate, the menus). The
parts below are hidden at start: the Generate job (the pipeline, on the first Generate),
the capture verdict (on the first report), the studio (history, export, sheets, guides;
built right after the first paint), and the dialogs (the crash report too). The window
reaches them only through :class:`OnDemand` and the builders here, so what is deferred,
and where its modules are imported, is listed in this one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from idphoto_desktop.ui.generate_job import GenerateController
    from idphoto_desktop.ui.main_window import MainWindow
    from idphoto_desktop.ui.preferences import PreferencesDialog
    from idphoto_desktop.ui.studio import Studio
    from idphoto_desktop.ui.verdict_badge import VerdictBadge

T = TypeVar("T")


class OnDemand(Generic[T]):
    """One part, built by ``build`` on the first :meth:`get`; :meth:`built` never builds.

    ``ready`` runs once the part is in place (wiring that may ask for the part again).
    """

    def __init__(
        self, build: Callable[[], T], ready: Callable[[T], object] | None = None
    ) -> None:
        self._build: Callable[[], T] | None = build
        self._ready = ready
        self._part: T | None = None

    def get(self) -> T:
        if self._build is not None:
            build, self._build = self._build, None
            self._part = build()
            if self._ready is not None:
                self._ready(self._part)
        assert self._part is not None
        return self._part

    def built(self) -> T | None:
        """The part if it was built already, else None (nothing is built here)."""
        return self._part


def generate_controller(window: MainWindow) -> GenerateController:
    """The window's Generate (imports the pipeline): needed once Generate is pressed."""
    from idphoto_desktop.ui.generate_job import GenerateController

    return GenerateController(window)


def studio(window: MainWindow) -> Studio:
    """History, export, sheets and guides."""
    from idphoto_desktop.ui.studio import Studio

    return Studio(window)


def verdict_badge(parent: QWidget) -> VerdictBadge:
    """The capture check's verdict (imports the capture package): on the first report."""
    from idphoto_desktop.ui.verdict_badge import VerdictBadge

    return VerdictBadge(parent)


def preferences_dialog(window: MainWindow) -> PreferencesDialog:
    from idphoto_desktop.ui.preferences import PreferencesDialog

    return PreferencesDialog(window.services, window.runner, window)


def show_crash_dialog(report: str, report_path: str) -> None:
    """The crash report, on the first crash (the handler is installed at start)."""
    from idphoto_desktop.ui.crash_dialog import show_crash_dialog as show

    show(report, report_path)


def show_about(window: MainWindow) -> None:
    from idphoto_desktop.ui.about import show_about as show

    show(window)
