"""Transparent PNG, or JPG on a colour: swatches, "More…", the RRGGBB shown.

The colour is only a choice here; the engine is always asked for a transparent
result and the window recolours it locally, so trying colours costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from idphoto_desktop.core.job import OutputFormat
from idphoto_desktop.ui.widgets import ElidedLines

SWATCHES: tuple[tuple[str, str], ...] = (
    ("White", "FFFFFF"),
    ("Light grey", "E6E6E6"),
    ("Light blue", "D6E9F8"),
    ("Blue", "438EDB"),
    ("Red", "D9001B"),
)
# Names for lupdate; shown through QCoreApplication.translate("BackgroundPicker", name).
_SWATCH_NAMES = (
    QT_TRANSLATE_NOOP("BackgroundPicker", "White"),
    QT_TRANSLATE_NOOP("BackgroundPicker", "Light grey"),
    QT_TRANSLATE_NOOP("BackgroundPicker", "Light blue"),
    QT_TRANSLATE_NOOP("BackgroundPicker", "Blue"),
    QT_TRANSLATE_NOOP("BackgroundPicker", "Red"),
)


def _text_color(rrggbb: str) -> str:
    color = QColor(f"#{rrggbb}")
    return "#000000" if color.lightness() > 140 else "#FFFFFF"


class BackgroundPicker(QWidget):
    """Emits ``changed`` when the format or the colour changes."""

    changed = Signal()

    def __init__(
        self,
        pick_color: Callable[[str], str | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._pick_color = pick_color
        self._color = "FFFFFF"

        self.png_radio = QRadioButton(self.tr("Transparent PNG"))
        self.png_radio.setObjectName("formatPng")
        self.jpg_radio = QRadioButton(self.tr("JPG on a colour"))
        self.jpg_radio.setObjectName("formatJpg")
        self.jpg_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.png_radio)
        group.addButton(self.jpg_radio)
        self.png_radio.toggled.connect(self._format_toggled)

        format_row = QHBoxLayout()
        format_row.setContentsMargins(0, 0, 0, 0)
        format_row.addWidget(self.jpg_radio)
        format_row.addWidget(self.png_radio)
        format_row.addStretch(1)

        self.swatch_buttons: dict[str, QToolButton] = {}
        swatch_row = QHBoxLayout()
        swatch_row.setContentsMargins(0, 0, 0, 0)
        swatch_row.setSpacing(6)
        for name, rrggbb in SWATCHES:
            button = QToolButton()
            button.setObjectName(f"swatch_{rrggbb}")
            shown = QCoreApplication.translate("BackgroundPicker", name)
            button.setToolTip(f"{shown} #{rrggbb}")
            button.setAccessibleName(self.tr("{0} background").format(shown))
            button.setCheckable(True)
            button.setFixedSize(30, 30)
            button.setStyleSheet(
                f"QToolButton {{ background: #{rrggbb}; border: 1px solid #9aa3ad;"
                " border-radius: 15px; }"
                "QToolButton:checked { border: 3px solid #1565c0; }"
                "QToolButton:focus { border: 2px dashed #1565c0; }"
            )
            button.clicked.connect(lambda _checked=False, c=rrggbb: self.set_color(c))
            self.swatch_buttons[rrggbb] = button
            swatch_row.addWidget(button)
        self.more_button = QPushButton(self.tr("More…"))
        self.more_button.setObjectName("moreColors")
        self.more_button.clicked.connect(self._more)
        swatch_row.addWidget(self.more_button)

        self.current_chip = QLabel()
        self.current_chip.setObjectName("colorChip")
        self.current_chip.setFixedHeight(26)
        self.current_chip.setMinimumWidth(78)
        self.current_chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint_label = QLabel()
        self.hint_label.setObjectName("backgroundHint")
        self.hint_label.setWordWrap(True)
        self.hint_label.setProperty("role", "hint")
        # One line (the whole rule in its tooltip): the full problem is written on the
        # result itself, and step 4 stays on screen.
        self.warning_label = ElidedLines()
        self.warning_label.setObjectName("backgroundWarning")
        self.warning_label.setProperty("role", "warning")
        self.warning_label.hide()

        swatch_row.addWidget(self.current_chip)
        swatch_row.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(format_row)
        layout.addLayout(swatch_row)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.warning_label)
        self._refresh()

    # ----- state -----
    def output_format(self) -> OutputFormat:
        return OutputFormat.PNG if self.png_radio.isChecked() else OutputFormat.JPG

    def set_output_format(self, fmt: OutputFormat) -> None:
        (self.png_radio if fmt is OutputFormat.PNG else self.jpg_radio).setChecked(True)
        self._refresh()

    def color(self) -> str:
        """RRGGBB, upper case (meaningful with JPG only)."""
        return self._color

    def set_color(self, rrggbb: str) -> None:
        rrggbb = rrggbb.strip().lstrip("#").upper()
        if len(rrggbb) != 6:
            return
        changed = rrggbb != self._color
        self._color = rrggbb
        self._refresh()
        if changed:
            self.changed.emit()

    def set_warning(self, text: str) -> None:
        """A preset rule the colour breaks (empty hides it)."""
        self.warning_label.setText(text)
        self.warning_label.setVisible(bool(text))

    # ----- internals -----
    def _format_toggled(self, _checked: bool) -> None:
        self._refresh()
        self.changed.emit()

    def _more(self) -> None:
        chosen = self._pick_color(self._color)
        if chosen:
            self.set_color(chosen)

    def _refresh(self) -> None:
        jpg = self.output_format() is OutputFormat.JPG
        for rrggbb, button in self.swatch_buttons.items():
            button.setEnabled(jpg)
            button.setChecked(jpg and rrggbb == self._color)
        self.more_button.setEnabled(jpg)
        if jpg:
            self.current_chip.setText(f"#{self._color}")
            self.current_chip.setStyleSheet(
                f"background: #{self._color}; color: {_text_color(self._color)};"
                " border: 1px solid #9aa3ad; border-radius: 4px; font-family: monospace;"
            )
            free = self.tr("Changing the colour after a result is free.")
            self.hint_label.setText("")  # said in the tooltips: the steps stay on screen
            self.hint_label.hide()
            for widget in (*self.swatch_buttons.values(), self.more_button, self.current_chip):
                if free not in widget.toolTip():
                    widget.setToolTip(f"{widget.toolTip()}\n{free}".strip())
        else:
            self.current_chip.setText(self.tr("none"))
            self.current_chip.setStyleSheet(
                "background: transparent; color: #6e7681; border: 1px dashed #9aa3ad;"
                " border-radius: 4px;"
            )
            self.hint_label.setText(
                self.tr("Transparent PNG has no background colour. Choose JPG to pick one.")
            )
            self.hint_label.show()
        self.current_chip.setEnabled(jpg)
