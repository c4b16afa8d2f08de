"""Never paying twice, in the window: the in-window offer of a stored result.

The rule itself (which stored result serves a request, and keeping every fresh result
before anything can fail) lives in :mod:`idphoto_desktop.pipeline`; the window runs
that pipeline. :class:`StoredResultOffer` is the in-window choice shown when the job
paused at "use the stored result?": "Use the stored result" (the default, focused) or
"Call the provider again" (in :mod:`idphoto_desktop.ui.inline_questions`, which the
window needs before any job). :class:`RecordingEngine` is the pipeline's record step for
a caller that runs an engine on its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from idphoto_desktop.pipeline import JobContext
from idphoto_desktop.pipeline import input_digest as _digest
from idphoto_desktop.pipeline.steps import record

if TYPE_CHECKING:
    from idphoto_desktop.core.job import (
        CancelToken,
        GenerateParams,
        GenerateRequest,
        GenerateResult,
        ProgressCallback,
    )
    from idphoto_desktop.engines.base import Engine
    from idphoto_desktop.storage.history import HistoryStore


def input_digest(request: GenerateRequest) -> str:
    """The SHA-256 that identifies the input: the photo file's bytes, else the address."""
    return _digest(request.photo.source_sha256 if request.photo else None, request.image_url)


@dataclass(frozen=True)
class RecordTarget:
    """What to store a result under."""

    digest: str
    params: GenerateParams
    source_name: str
    customer: str | None = None


class RecordingEngine:
    """An engine that keeps each result the moment it returns (the pipeline's record step)."""

    def __init__(
        self, inner: Engine, history: Callable[[], HistoryStore], target: RecordTarget
    ) -> None:
        self._inner = inner
        self._history = history
        self._target = target
        self.name = inner.name
        self.costs_money = inner.costs_money
        self.entry_id: int | None = None

    def generate(
        self,
        request: GenerateRequest,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> GenerateResult:
        from idphoto_desktop.core.job import CancelToken as Token
        from idphoto_desktop.pipeline.questions import FixedQuestions
        from idphoto_desktop.pipeline.run import JobRun

        result = self._inner.generate(request, progress=progress, cancel=cancel)
        ctx = JobContext(
            params=self._target.params, engine_name=self.name, engine_factory=lambda: self,
            paid=self.costs_money, photo=request.photo, image_url=request.image_url,
            source_name=self._target.source_name, history=self._history,
            customer=self._target.customer,
            result=result, fresh=True, paid_call=self.costs_money,
        )
        token = Token()
        record(ctx, JobRun(FixedQuestions(), lambda _p, _t: None, token, token))
        self.entry_id = ctx.entry_id
        if ctx.warnings:
            notes = tuple(
                QCoreApplication.translate("HistoryGate", "Not kept in the history: {0}")
                .replace("{0}", w.removeprefix("Not kept in the history: "))
                if w.startswith("Not kept in the history: ") else w
                for w in ctx.warnings
            )
            result = dataclasses.replace(result, warnings=(*result.warnings, *notes))
        return result
