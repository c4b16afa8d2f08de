"""Which engine runs: the paid provider (needs a token) or the offline one.

The window always says which engine will run and, for the provider, that Generate
costs a call, so nobody spends a credit by surprise.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QWidget,
)

from idphoto_desktop.ui.services import ENGINE_CLOUD, ENGINE_CROPRESIZE, ENGINE_OFFLINE
from idphoto_desktop.ui.widgets import set_role


def engine_label(name: str) -> str:
    """An engine's name in the window's language (English keeps the engine's own name)."""
    labels = {
        ENGINE_OFFLINE: QCoreApplication.translate("EnginePicker", "offline"),
        ENGINE_CLOUD: QCoreApplication.translate("EnginePicker", "cloud"),
        ENGINE_CROPRESIZE: QCoreApplication.translate("EnginePicker", "cropresize"),
    }
    return labels.get(name, name)


class EnginePicker(QWidget):
    """Two choices plus a line saying what Generate will do."""

    changed = Signal()
    preferencesRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._has_token: bool | None = None
        self._hidden_kind: str | None = None
        self.offline_radio = QRadioButton(self.tr("Offline (free)"))
        self.offline_radio.setObjectName("engineOffline")
        self.cloud_radio = QRadioButton(self.tr("Provider (paid)"))
        self.cloud_radio.setObjectName("engineCloud")
        self.offline_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.offline_radio)
        group.addButton(self.cloud_radio)
        self.cloud_radio.toggled.connect(self._toggled)

        self.token_button = QPushButton(self.tr("Set token…"))
        self.token_button.setObjectName("setToken")
        self.token_button.setFlat(True)
        self.token_button.clicked.connect(self.preferencesRequested.emit)

        # The two choices sit in the step's title row (the side panel places this bar).
        self.choice_bar = QWidget()
        choices = QHBoxLayout(self.choice_bar)
        choices.setContentsMargins(0, 0, 0, 0)
        choices.addWidget(self.offline_radio)
        choices.addWidget(self.cloud_radio)

        self.note = QLabel()
        self.note.setObjectName("engineNote")
        self.note.setWordWrap(True)
        self.note.setProperty("role", "hint")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.note, 1)
        layout.addWidget(self.token_button)
        self._refresh()

    def engine(self) -> str:
        if self._hidden_kind is not None:
            return self._hidden_kind
        return ENGINE_CLOUD if self.cloud_radio.isChecked() else ENGINE_OFFLINE

    def set_engine(self, kind: str) -> None:
        """Choose an engine; ``cropresize`` (tests, screenshots) shows as offline."""
        self._hidden_kind = kind if kind == ENGINE_CROPRESIZE else None
        (self.cloud_radio if kind == ENGINE_CLOUD else self.offline_radio).setChecked(True)
        self._refresh()

    def set_has_token(self, has_token: bool | None) -> None:
        """None: not known yet (the keyring is read after the first paint)."""
        self._has_token = has_token
        self._refresh()

    def _toggled(self, _checked: bool) -> None:
        self._hidden_kind = None
        self._refresh()
        self.changed.emit()

    def _refresh(self) -> None:
        cloud = self.cloud_radio.isChecked()
        self.token_button.setVisible(cloud and self._has_token is False)
        if not cloud:
            if self._hidden_kind == ENGINE_CROPRESIZE:
                text = self.tr("Crop-and-resize test engine: no face detection, no network.")
            else:
                text = self.tr("Runs on this computer: no token, no network, no cost.")
        elif self._has_token is False:
            text = self.tr("The provider needs an API token: set it in Preferences.")
        else:
            text = self.tr("Sends the photo to the provider: each Generate costs one call.")
        self.note.setText(text)
        set_role(self.note, "warning" if cloud and self._has_token is False else "hint")
