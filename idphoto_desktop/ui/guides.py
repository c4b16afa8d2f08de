"""Compliance guides over the result: where crown, chin and eyes must fall, and the verdict.

The bands come from :func:`core.compliance.guide_bands` (the preset's head-height,
top-margin and eye-line rules), the verdict from :func:`core.compliance.check_compliance`,
measured from the offline engine's face guides, or else from the provider's rectangle
mapped onto the result (which gives the crown, so only the space above the head is
judged). Both are cheap arithmetic, so they run on the GUI thread; nothing here reads
a file or an image.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from idphoto_desktop.core.compliance import (
    ComplianceReport,
    GuideBands,
    Verdict,
    check_compliance,
    guide_bands,
)
from idphoto_desktop.core.geometry import Rect
from idphoto_desktop.core.job import GenerateResult
from idphoto_desktop.core.presets import Preset
from idphoto_desktop.ui import i18n
from idphoto_desktop.ui.flow_layout import FlowLayout
from idphoto_desktop.ui.image_view import ImageView
from idphoto_desktop.ui.preset_entries import preset_name

HEAD_BAND_COLOR = QColor(30, 136, 229)  # crown and chin bands
EYE_BAND_COLOR = QColor(216, 27, 96)
CENTER_COLOR = QColor(0, 172, 193)
MEASURED_COLOR = QColor(255, 214, 0)
BAND_ALPHA = 70


@dataclass(frozen=True)
class GuideMarks:
    """Everything drawn over one result, in the result's pixels."""

    width: int
    height: int
    bands: GuideBands
    measured: tuple[float, ...]  # y of the measured crown, chin and eye line (if known)


def person_rect_on_result(result: GenerateResult) -> Rect | None:
    """The provider's rectangle (uploaded pixels) mapped onto the result, if possible."""
    if result.foreground_rect is None or result.crop is None:
        return None
    return result.crop.map_rect_bounds(result.foreground_rect)


def measure(
    result: GenerateResult, preset: Preset, bg_color: str | None
) -> tuple[GuideMarks, ComplianceReport]:
    """Bands and verdict for ``result`` under ``preset``.

    A band is drawn only for what was measured: with face guides (offline engine)
    crown, chin and eye line; with only the provider's rectangle, the crown when the
    rectangle's top lies inside the picture; with neither, nothing.
    """
    guides = result.guides
    person = None if guides is not None else person_rect_on_result(result)
    if person is not None and not 0 <= person.y < result.height:
        person = None  # its top is not the crown on this picture
    crown = guides.crown_y if guides is not None else (person.y if person else None)
    bands = guide_bands(preset, result.width, result.height, crown_y=crown)
    report = check_compliance(
        preset, result.height, guides=guides, person_rect=person, bg_color=bg_color
    )
    measured: tuple[float, ...] = ()
    if guides is not None:
        measured = (guides.crown_y, guides.chin_y, guides.eye_y)
    else:
        bands = GuideBands(
            crown_band=bands.crown_band if crown is not None else None,
            chin_band=None,  # needs the chin, which only face guides give
            head_height_px=bands.head_height_px,
            eye_band=None,  # needs the eyes
            center_x=bands.center_x,
        )
        if crown is not None:
            measured = (crown,)
    return GuideMarks(result.width, result.height, bands, measured), report


def paint_marks(painter: QPainter, view: ImageView, marks: GuideMarks) -> None:
    """Draw the bands, the centre line and the measured lines over ``view``'s image."""
    image = view.image()
    if image is None or image.width() != marks.width or image.height() != marks.height:
        return  # another picture is shown now
    area = view.image_rect()
    painter.save()
    painter.setClipRect(area)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def band(span: tuple[float, float] | None, color: QColor) -> None:
        if span is None:
            return
        top = view.image_to_widget(0, min(span))
        bottom = view.image_to_widget(marks.width, max(span))
        rect = QRectF(top, bottom)
        if rect.height() < 3:
            rect.adjust(0, -1.5, 0, 1.5)
        fill = QColor(color)
        fill.setAlpha(BAND_ALPHA)
        painter.fillRect(rect, fill)
        pen = QPen(color, 1.0, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.drawLine(rect.topLeft(), rect.topRight())
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())

    if not marks.measured:
        painter.restore()
        return  # nothing measured: nothing drawn (the verdict line says so)
    b = marks.bands
    band(b.crown_band, HEAD_BAND_COLOR)
    band(b.chin_band, HEAD_BAND_COLOR)
    band(b.eye_band, EYE_BAND_COLOR)
    pen = QPen(CENTER_COLOR, 2.0, Qt.PenStyle.DashLine)
    pen.setCosmetic(True)
    painter.setPen(pen)
    painter.drawLine(
        view.image_to_widget(b.center_x, 0), view.image_to_widget(b.center_x, marks.height)
    )
    pen = QPen(MEASURED_COLOR, 2.0)
    pen.setCosmetic(True)
    painter.setPen(pen)
    for y in marks.measured:
        left: QPointF = view.image_to_widget(marks.width * 0.2, y)
        right: QPointF = view.image_to_widget(marks.width * 0.8, y)
        painter.drawLine(left, right)
    painter.restore()


class GuidesBar(QWidget):
    """The "Show compliance guides" checkbox and the verdict line under the result."""

    def __init__(self, view: ImageView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guidesBar")
        self._view = view
        self._marks: GuideMarks | None = None
        self.report: ComplianceReport | None = None
        self.toggle = QCheckBox(self.tr("Show compliance guides"))
        self.toggle.setObjectName("guidesToggle")
        self.toggle.setToolTip(
            self.tr("Draw the allowed bands for crown, chin and eyes, and check them (Ctrl+G)")
        )
        self.toggle.toggled.connect(self._toggled)
        self.line = QLabel()
        self.line.setObjectName("complianceLine")
        self.line.setWordWrap(True)
        self.line.setTextFormat(Qt.TextFormat.PlainText)
        self.line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.line.hide()
        row = FlowLayout()  # wraps when the window is narrow
        row.addWidget(self.toggle)
        row.addStretch()
        self.tools = row  # the studio adds its buttons here, at the right end
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.line)
        view.decorate = self._paint

    @property
    def marks(self) -> GuideMarks | None:
        return self._marks

    def refresh(
        self, result: GenerateResult | None, preset: Preset | None, bg_color: str | None
    ) -> None:
        """Measure again for what is shown now (a new result, preset or colour)."""
        self._marks = None
        self.report = None
        if result is None:
            self.line.setText("")
        elif preset is None:
            self.line.setText(
                self.tr("No document preset for this result: there are no rules to check.")
            )
        else:
            self._marks, self.report = measure(result, preset, bg_color)
            self.line.setText(self._verdict_text(preset, self.report))
        self.line.setVisible(self.toggle.isChecked() and bool(self.line.text()))
        self._view.update()

    def _verdict_text(self, preset: Preset, report: ComplianceReport) -> str:
        lines: list[str] = []
        name = preset_name(preset)
        if report.passed is True:
            lines.append(self.tr("✓ Meets the framing rules of {0}.").replace("{0}", name))
        elif report.passed is False:
            lines.append(self.tr("✗ Outside the rules of {0}:").replace("{0}", name))
        for check in report.checks:
            if check.verdict is Verdict.UNKNOWN and check.value_px is None:
                continue
            mark = {Verdict.PASS: "✓", Verdict.UNKNOWN: "·"}.get(check.verdict, "✗")
            lines.append(f"{mark} {i18n.text(check.message)}")
        marks = self._marks
        if marks is not None and not marks.measured:
            lines.append(
                self.tr(
                    "Crown, chin and eye line were not measured on this result (no face "
                    "landmarks; the offline engine gives them), so no guides are drawn."
                )
            )
        elif marks is not None and len(marks.measured) == 1:
            lines.append(
                self.tr(
                    "Only the crown was measured (the top of the person's rectangle); "
                    "chin and eye line need face landmarks and are not drawn."
                )
            )
        if report.background_ok is False and report.background_message:
            lines.append(f"⚠ {i18n.text(report.background_message)}")
        return "\n".join(lines)

    def _toggled(self, checked: bool) -> None:
        self.line.setVisible(checked and bool(self.line.text()))
        self._view.update()

    def _paint(self, painter: QPainter) -> None:
        if self.toggle.isChecked() and self._marks is not None:
            paint_marks(painter, self._view, self._marks)
