"""Everything the window uses that is not a widget, passed in as one object.

Tests build a :class:`Services` with their own engine factory, settings file, token
store and dialogs; ``Services.default()`` builds the real ones. Heavy modules (the HTTP
stack through the provider client, OpenCV through the offline engine, keyring) are imported
only when an engine or the token is first needed, never for the first paint.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from PySide6.QtCore import QCoreApplication

from idphoto_desktop.ui.dialogs import Dialogs, NativeDialogs
from idphoto_desktop.ui.studio_services import StudioServices

if TYPE_CHECKING:
    from idphoto_desktop.core.presets import Preset
    from idphoto_desktop.engines.base import Engine
    from idphoto_desktop.pipeline import Checker
    from idphoto_desktop.storage.settings import Settings

ENGINE_CLOUD = "cloud"
ENGINE_OFFLINE = "offline"
ENGINE_CROPRESIZE = "cropresize"  # protocol tests and the Xvfb screenshot only


class TokenStoreLike(Protocol):
    """The part of ``storage.token_store.TokenStore`` the window uses."""

    def get(self) -> str | None: ...

    def set(self, token: str, *, session_only: bool = False) -> None: ...

    def clear(self) -> None: ...

    @property
    def location_description(self) -> str: ...


EngineFactory = Callable[[str, "str | None", str], "Engine"]
"""(engine name, token or None, API base URL) -> an engine; called on a worker thread."""

ConnectionTester = Callable[[str, str], str]
"""(token, API base URL) -> a short success text; raises IdPhotoError. Worker thread."""


def default_engine_factory(kind: str, token: str | None, api_url: str) -> Engine:
    """The real engines, imported on first use (on the worker thread)."""
    if kind == ENGINE_CLOUD:
        from idphoto_desktop.api.client import ProviderClient
        from idphoto_desktop.core.errors import AuthenticationError
        from idphoto_desktop.engines.cloud import CloudEngine

        if not token:
            raise AuthenticationError(
                QCoreApplication.translate("Services", "No API token is set for the provider."),
                hint=QCoreApplication.translate(
                    "Services",
                    "Enter the token in Preferences (Ctrl+,), or choose the offline engine.",
                ),
            )
        return CloudEngine(ProviderClient(token, base_url=api_url))
    if kind == ENGINE_OFFLINE:
        from idphoto_desktop.engines.offline import OfflineEngine

        return OfflineEngine()
    if kind == ENGINE_CROPRESIZE:
        from idphoto_desktop.engines.cropresize import CropResizeEngine

        return CropResizeEngine()
    raise ValueError(f"unknown engine {kind!r}")


def default_connection_tester(token: str, api_url: str) -> str:
    """Ask the provider whether the token works (no credit is spent)."""
    from idphoto_desktop.api.client import ProviderClient

    client = ProviderClient(token, base_url=api_url, connect_timeout=5.0, read_timeout=15.0)
    try:
        client.test_connection()
    finally:
        client.close()
    return QCoreApplication.translate("Services", "Connected: the provider accepted the token.")


def default_presets() -> list[Preset]:
    from idphoto_desktop.core.presets import load_presets

    return list(load_presets())


@dataclass
class Services:
    """The window's collaborators; one instance per window."""

    settings: Settings
    token_store: TokenStoreLike
    dialogs: Dialogs = field(default_factory=NativeDialogs)
    engine_factory: EngineFactory = default_engine_factory
    connection_tester: ConnectionTester = default_connection_tester
    presets: Callable[[], list[Preset]] = default_presets
    show_crash_report: Callable[[str], None] | None = None
    studio: StudioServices = field(default_factory=StudioServices)
    capture_check: Checker | Literal["auto"] | None = "auto"  # the pipeline's check step
    _engines: dict[tuple[str, str, int], Engine] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def default(cls) -> Services:
        """The real settings file, the system keyring and native dialogs."""
        from idphoto_desktop.storage.settings import Settings
        from idphoto_desktop.storage.token_store import TokenStore

        return cls(settings=Settings(), token_store=TokenStore())

    def engine(self, kind: str, token: str | None, api_url: str) -> Engine:
        """An engine for these choices, built once and reused (models load once)."""
        key = (kind, api_url if kind == ENGINE_CLOUD else "", hash(token) if token else 0)
        with self._lock:
            engine = self._engines.get(key)
            if engine is None:
                engine = self.engine_factory(kind, token, api_url)
                self._engines[key] = engine
            return engine
