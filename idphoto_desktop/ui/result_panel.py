"""The right side of the window: the original beside the result, the rectangle on both.

The provider's rectangle is in the uploaded image's pixels (NOTES.md). On the
original it is mapped back through the upload scale (exact); on the result through
the crop the engine reports, which is marked approximate when it was derived.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from idphoto_desktop.core.job import GenerateResult
from idphoto_desktop.ui.engine_picker import engine_label
from idphoto_desktop.ui.flow_layout import FlowLayout
from idphoto_desktop.ui.image_view import ImageView
from idphoto_desktop.ui.jobs import LoadedPhoto
from idphoto_desktop.ui.widgets import Banner, ElidedLines


def _tool_button(text: str, tip: str, name: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setObjectName(name)
    button.setAccessibleName(tip)
    button.setMinimumWidth(34)
    return button


class ResultPanel(QWidget):
    """Two views, a line about the result, and the tools that act on it."""

    saveRequested = Signal()
    copyRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.original_view = ImageView(
            self.tr("Drop a photo here, or press Ctrl+O to open one.")
        )
        self.original_view.setObjectName("originalView")
        self.result_view = ImageView(self.tr("The ID photo appears here after Generate."))
        self.result_view.setObjectName("resultView")
        # A long caption (a stored result's date and document) is cut with "…" (the
        # whole of it in the tooltip), never widening the window past the screen.
        self.original_caption = ElidedLines()
        self.original_caption.setText(self.tr("Original"))
        self.original_caption.setObjectName("viewCaption")
        self.result_caption = ElidedLines()
        self.result_caption.setText(self.tr("Result"))
        self.result_caption.setObjectName("viewCaption")
        self.result_info = QLabel()
        self.result_info.setObjectName("resultInfo")
        self.result_info.setProperty("role", "hint")
        self.result_info.setWordWrap(True)

        # What is wrong with the shown result is said on the result itself.
        self.problem = Banner("resultProblem")  # blocking: Save asks first
        self.stale = Banner("resultStale")  # made for another preset or size

        views = QHBoxLayout()
        views.setSpacing(14)
        for caption, view, stretch in (
            (self.original_caption, self.original_view, 2),
            (self.result_caption, self.result_view, 3),
        ):
            column = QVBoxLayout()
            column.setSpacing(6)
            column.addWidget(caption)
            column.addWidget(view, 1)
            if view is self.result_view:
                column.addWidget(self.problem)
                column.addWidget(self.stale)
            views.addLayout(column, stretch)

        tools = FlowLayout()  # wraps when History shares the window's width
        self.overlay_check = QCheckBox(self.tr("Show foreground rectangle"))
        self.overlay_check.setObjectName("overlayToggle")
        self.overlay_check.setToolTip(
            self.tr("Draw the detected person's rectangle on both (Ctrl+R)")
        )
        self.overlay_check.setChecked(True)
        self.overlay_check.toggled.connect(self._overlay_toggled)
        tools.addWidget(self.overlay_check)
        self.zoom_out_button = _tool_button("−", self.tr("Zoom out (Ctrl+-)"), "zoomOut")
        self.zoom_fit_button = _tool_button(
            self.tr("Fit"), self.tr("Fit to the view (Ctrl+0)"), "zoomFit"
        )
        self.zoom_in_button = _tool_button("+", self.tr("Zoom in (Ctrl++)"), "zoomIn")
        self.zoom_out_button.clicked.connect(self.zoom_out)
        self.zoom_fit_button.clicked.connect(self.zoom_fit)
        self.zoom_in_button.clicked.connect(self.zoom_in)
        for button in (self.zoom_out_button, self.zoom_fit_button, self.zoom_in_button):
            tools.addWidget(button)
        tools.addStretch()
        self.copy_button = QPushButton(self.tr("Copy"))
        self.copy_button.setObjectName("copyButton")
        self.copy_button.setToolTip(self.tr("Copy the result to the clipboard (Ctrl+Shift+C)"))
        self.copy_button.clicked.connect(self.copyRequested.emit)
        self.save_button = QPushButton(self.tr("Save as…"))
        self.save_button.setObjectName("saveButton")
        self.save_button.setToolTip(self.tr("Save the result (Ctrl+S)"))
        self.save_button.clicked.connect(self.saveRequested.emit)
        tools.addWidget(self.copy_button)
        tools.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(8)
        layout.addLayout(views, 1)
        layout.addWidget(self.result_info)
        layout.addLayout(tools)
        self.save_message = Banner("saveMessage")
        layout.addWidget(self.save_message)

    def focus_chain(self) -> list[QWidget]:
        """The keyboard order of the tools, for the window's tab order."""
        return [
            self.overlay_check, self.zoom_out_button, self.zoom_fit_button,
            self.zoom_in_button, self.copy_button, self.save_button,
        ]

    # ----- content -----
    def show_photo(self, photo: LoadedPhoto) -> None:
        """A new photo: its original, and no result (nothing from an earlier photo)."""
        if photo.original is not None:
            self.original_view.set_image(photo.original)
        else:
            self.original_view.set_image(None)
            self.original_view.set_placeholder(
                self.tr("The provider will download the image from\n{0}").format(photo.label)
            )
        self.original_view.set_overlay(None)
        self.result_view.set_image(None)
        self.result_view.set_overlay(None)
        self.result_view.set_placeholder(
            self.tr("Press Generate (Ctrl+Enter) to make the ID photo.")
        )
        self.result_info.setText("")
        self.save_message.clear_message()
        self.problem.clear_message()
        self.stale.clear_message()
        self.set_result_stale(False)

    def show_result(
        self, image: QImage, result: GenerateResult, photo: LoadedPhoto | None, color: str | None
    ) -> None:
        self.result_view.set_image(image, keep_zoom=True)
        self._apply_overlays(result, photo)
        self._describe(result, color)

    def _apply_overlays(self, result: GenerateResult, photo: LoadedPhoto | None) -> None:
        rect = result.foreground_rect
        if rect is None:
            self.original_view.set_overlay(None)
            self.result_view.set_overlay(None)
            return
        if photo is not None:
            self.original_view.set_overlay(photo.overlay_on_original(rect))
        if result.crop is not None:
            approx = result.crop_is_approximate
            self.result_view.set_overlay(
                result.crop.map_rect(rect),
                approximate=approx,
                note=self.tr("Approximate outline") if approx else "",
            )
        else:
            self.result_view.set_overlay(None)

    def _describe(self, result: GenerateResult, color: str | None) -> None:
        bg = self.tr("JPG on #{0}").format(color) if color else self.tr("transparent PNG")
        parts = [
            f"{result.width}×{result.height} px",
            bg,
            self.tr("engine: {0}").format(engine_label(result.engine)),
        ]
        total = result.timings_ms.get("total")
        if total is not None:
            parts.append(f"{total / 1000:.1f} s")
        text = " · ".join(parts)
        if result.foreground_rect is not None and result.crop is None:
            text += "\n" + self.tr(
                "The crop could not be derived, so the rectangle is on the original only."
            )
        elif result.crop_is_approximate:
            text += "\n" + self.tr(
                "The rectangle on the result is approximate (derived from the cut-out)."
            )
        from idphoto_desktop.ui import i18n

        approximate = self.tr("Approximate outline")
        for note in self.result_view.overlay_notes():  # also written beside the picture
            if note != approximate:
                text += f"\n{note}"
        for warning in result.warnings:
            text += f"\n{i18n.text(warning)}"
        self.result_info.setText(text)

    # ----- view tools -----
    def _overlay_toggled(self, visible: bool) -> None:
        self.original_view.set_overlay_visible(visible)
        self.result_view.set_overlay_visible(visible)

    def zoom_in(self) -> None:
        self.original_view.zoom_in()
        self.result_view.zoom_in()

    def zoom_out(self) -> None:
        self.original_view.zoom_out()
        self.result_view.zoom_out()

    def zoom_fit(self) -> None:
        self.original_view.zoom_fit()
        self.result_view.zoom_fit()

    def set_result_stale(self, stale: bool) -> None:
        """Veil the result while it was made for something other than the current choice."""
        self.result_view.set_dimmed(stale)

    def set_result_actions_enabled(self, save: bool, copy: bool) -> None:
        self.save_button.setEnabled(save)
        self.copy_button.setEnabled(copy)
