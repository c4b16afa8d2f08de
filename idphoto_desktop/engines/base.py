"""The one interface every engine (provider, offline, test) implements."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from idphoto_desktop.core.job import (
    CancelToken,
    GenerateRequest,
    GenerateResult,
    ProgressCallback,
)


@runtime_checkable
class Engine(Protocol):
    """Turns a validated request into a result, or raises an ``IdPhotoError``.

    Runs on a worker thread; must honour ``cancel`` and report ``progress``.
    """

    name: str
    costs_money: bool

    def generate(
        self,
        request: GenerateRequest,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> GenerateResult: ...
