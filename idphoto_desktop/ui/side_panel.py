"""The left side of the window: the four steps in the order the clerk works.

1 Photo, 2 Size, 3 Background fit a 1366x768 screen (and 1024x700) without
scrolling: each step's choices share its title row where they fit, the preset list
keeps twelve rows, the details are cut to their lines. The scroll area is only a
fallback for smaller screens. 4 Engine and the Generate button are pinned at the
bottom, so the primary action and what it will cost are always on screen. Only
layout here: the window connects the signals.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from idphoto_desktop.ui.background_picker import BackgroundPicker
from idphoto_desktop.ui.engine_picker import EnginePicker
from idphoto_desktop.ui.preset_picker import PresetPicker
from idphoto_desktop.ui.token_notice import KeyringNotice
from idphoto_desktop.ui.widgets import Banner, TranslatedLabel, section_title

PANEL_WIDTH = 400


class SidePanel(QWidget):
    """Photo in, size, background, engine, Generate."""

    def __init__(
        self, pick_color: Callable[[str], str | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        side = QWidget()
        side.setObjectName("sideContent")
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(16, 4, 16, 2)
        side_layout.setSpacing(4)

        # 1 Photo: Open, Paste in the title row; the address below
        photo_row = QHBoxLayout()
        self.open_button = QPushButton(self.tr("Open…"))
        self.open_button.setObjectName("openButton")
        self.open_button.setToolTip(
            self.tr("Open a photo file (Ctrl+O). You can also drop it anywhere.")
        )
        self.paste_button = QPushButton(self.tr("Paste"))
        self.paste_button.setObjectName("pasteButton")
        self.paste_button.setToolTip(
            self.tr("Paste an image or a file from the clipboard (Ctrl+V)")
        )
        photo_row.setContentsMargins(0, 0, 0, 0)
        photo_row.addWidget(self.open_button)
        photo_row.addWidget(self.paste_button)
        side_layout.addWidget(section_title(1, self.tr("Photo"), photo_row))
        url_row = QHBoxLayout()
        self.url_edit = QLineEdit()
        self.url_edit.setObjectName("imageUrl")
        self.url_edit.setPlaceholderText(self.tr("…or an image address (https://…)"))
        self.url_edit.setClearButtonEnabled(True)
        self.url_button = QPushButton(self.tr("Use"))
        self.url_button.setObjectName("useUrl")
        url_row.addWidget(self.url_edit, 1)
        url_row.addWidget(self.url_button)
        side_layout.addLayout(url_row)
        self.photo_info = QLabel(self.tr("No photo yet: drop one anywhere on this window."))
        self.photo_info.setObjectName("photoInfo")
        self.photo_info.setWordWrap(True)
        side_layout.addWidget(self.photo_info)
        self.photo_error = Banner("photoError")
        side_layout.addWidget(self.photo_error)

        # 2 Size: preset or custom in the title row
        self.preset_picker = PresetPicker()
        mode = QHBoxLayout()
        mode.setContentsMargins(0, 0, 0, 0)
        mode.addWidget(self.preset_picker.mode_bar)
        side_layout.addWidget(section_title(2, self.tr("Size"), mode))
        side_layout.addWidget(self.preset_picker, 1)

        # 3 Background
        side_layout.addWidget(section_title(3, self.tr("Background")))
        self.background = BackgroundPicker(pick_color)
        side_layout.addWidget(self.background)

        # 4 Engine and Generate: pinned under the choices, always on screen, so the
        # clerk sees which engine runs (and what it costs) right beside the button.
        actions = QWidget()
        actions.setObjectName("actionPanel")
        actions.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        actions_layout = QVBoxLayout(actions)
        actions_layout.setContentsMargins(16, 2, 16, 8)
        actions_layout.setSpacing(5)
        self.engine_picker = EnginePicker()
        engine_row = QHBoxLayout()
        engine_row.setContentsMargins(0, 0, 0, 0)
        engine_row.addWidget(self.engine_picker.choice_bar)
        actions_layout.addWidget(section_title(4, self.tr("Engine"), engine_row))
        actions_layout.addWidget(self.engine_picker)
        self.keyring_notice = KeyringNotice()  # no keyring: said here, beside the engine
        actions_layout.addWidget(self.keyring_notice)
        # The notice says what matters then; the engine's own line would push step 3 down.
        self.keyring_notice.visibilityChanged.connect(
            lambda shown: self.engine_picker.note.setVisible(not shown)
        )
        self.generate_button = QPushButton(self.tr("Generate"))
        self.generate_button.setObjectName("generateButton")
        self.generate_button.setToolTip(self.tr("Make the ID photo (Ctrl+Enter)"))
        self.generate_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        actions_layout.addWidget(self.generate_button)
        progress_row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setObjectName("progress")
        self.progress.setRange(0, 100)
        self.progress.setTextVisible(False)
        self.progress_label = TranslatedLabel()  # the engines' progress, in the clerk's words
        self.progress_label.setObjectName("progressLabel")
        self.progress_label.setProperty("role", "hint")
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setToolTip(self.tr("Stop the running job (Esc)"))
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        actions_layout.addLayout(progress_row)
        actions_layout.addWidget(self.progress_label)
        self.message = Banner("jobMessage")
        actions_layout.addWidget(self.message)

        scroll = QScrollArea()
        scroll.setObjectName("sideScroll")
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setObjectName("sidePanel")
        self.setFixedWidth(PANEL_WIDTH)
        left_layout = QVBoxLayout(self)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(0)
        left_layout.addWidget(scroll, 1)
        left_layout.addWidget(actions)

    def focus_chain(self) -> list[QWidget]:
        """Keyboard order, top to bottom."""
        picker, bg, engine = self.preset_picker, self.background, self.engine_picker
        return [
            self.open_button, self.paste_button, self.url_edit, self.url_button,
            picker.preset_radio, picker.custom_radio, picker.search, picker.tree,
            picker.width_spin, picker.height_spin, bg.jpg_radio, bg.png_radio,
            *bg.swatch_buttons.values(), bg.more_button,
            engine.offline_radio, engine.cloud_radio, engine.token_button,
            self.generate_button, self.cancel_button,
        ]
