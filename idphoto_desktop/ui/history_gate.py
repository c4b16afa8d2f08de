"""Never paying twice: store every result as it arrives, and offer it before a new call.

:class:`RecordingEngine` wraps the engine on the worker thread and writes the result to
the history right after the engine returns, before decoding or anything else that could
fail, so a paid result is never lost. :class:`StoredResultOffer` is the in-window choice
shown when the provider would be asked again for the same photo content (SHA-256) and
the same parameters: "Use the stored result" (the default, focused) or "Call the
provider again". The offline engine costs nothing, so it simply runs again (and its
result is stored too).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from idphoto_desktop.core.errors import IdPhotoError

if TYPE_CHECKING:
    from idphoto_desktop.core.job import (
        CancelToken,
        GenerateParams,
        GenerateRequest,
        GenerateResult,
        ProgressCallback,
    )
    from idphoto_desktop.engines.base import Engine
    from idphoto_desktop.storage.history import History, HistoryEntry

log = logging.getLogger(__name__)


def input_digest(request: GenerateRequest) -> str:
    """The SHA-256 that identifies the input: the photo file's bytes, else the address."""
    if request.photo is not None:
        return request.photo.source_sha256
    assert request.image_url is not None
    return hashlib.sha256(f"url:{request.image_url}".encode()).hexdigest()


@dataclass(frozen=True)
class RecordTarget:
    """What to store a result under; built on the GUI thread, used on the worker."""

    digest: str
    params: GenerateParams
    source_name: str
    customer: str | None = None


class RecordingEngine:
    """An engine that stores each result in the history the moment it returns."""

    def __init__(self, inner: Engine, history: Callable[[], History], target: RecordTarget):
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
        result = self._inner.generate(request, progress=progress, cancel=cancel)
        t = self._target
        try:
            self.entry_id = self._history().add(
                t.digest, t.params, result, t.source_name, customer=t.customer
            )
        except (IdPhotoError, ValueError) as err:
            # The result is still shown and can be saved; the clerk learns it is not kept.
            log.warning("Result not stored in the history: %s", err)
            note = QCoreApplication.translate(
                "HistoryGate", "Not kept in the history: {0}"
            ).replace("{0}", str(err))
            result = dataclasses.replace(result, warnings=(*result.warnings, note))
        return result


def find_stored(
    history: Callable[[], History], digest: str, params: GenerateParams, engine: str
) -> HistoryEntry | None:
    """The newest stored result of ``engine`` for this input and these parameters."""
    return history().find(digest, params, engine=engine)


class StoredResultOffer(QFrame):
    """The in-window choice between the stored result and a new paid call."""

    useStored = Signal()
    callAgain = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("storedOffer")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.text = QLabel()
        self.text.setObjectName("storedOfferText")
        self.text.setWordWrap(True)
        self.use_button = QPushButton(self.tr("Use the stored result"))
        self.use_button.setObjectName("useStoredButton")
        self.use_button.setDefault(True)
        self.use_button.setToolTip(self.tr("Show the result already paid for (no new call)"))
        self.again_button = QPushButton(self.tr("Call the provider again"))
        self.again_button.setObjectName("callAgainButton")
        self.again_button.setToolTip(self.tr("Send the photo again: this costs one more call"))
        self.use_button.clicked.connect(self._use)
        self.again_button.clicked.connect(self._again)
        buttons = QHBoxLayout()
        buttons.addWidget(self.use_button, 1)
        buttons.addWidget(self.again_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        self.hide()

    def offer(self, when: str, engine: str) -> None:
        self.text.setText(
            self.tr(
                "This photo was already made with these settings ({0}, {1}). "
                "Use the stored result, or pay for a new call?"
            ).replace("{0}", when).replace("{1}", engine)
        )
        self.show()
        self.use_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def withdraw(self) -> None:
        self.hide()

    def _use(self) -> None:
        self.hide()
        self.useStored.emit()

    def _again(self) -> None:
        self.hide()
        self.callAgain.emit()
