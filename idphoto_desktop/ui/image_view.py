"""A picture scaled to fit, with zoom, pan and the foreground rectangle drawn over it.

Used twice in the window (original and result). The overlay is given in the image's
own pixels, so the caller maps the provider's rectangle once (through the upload
scale or the crop) and this widget only maps image pixels to screen pixels.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from functools import cache

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from idphoto_desktop.ui.overlay_shape import OverlayShape, shape_on_frame

OVERLAY_COLOR = QColor(0, 200, 83)  # a green that no photo backdrop is likely to be
OVERLAY_APPROX_COLOR = QColor(255, 171, 0)
CANVAS_COLOR = QColor(236, 239, 243)
FRAME_COLOR = QColor(201, 209, 217)
MIN_ZOOM = 1.0
MAX_ZOOM = 8.0
ZOOM_STEP = 1.25
_CHECKER = 8
NOTES_MIN_WIDTH = 280  # a smaller picture gets the arrows only (the words are beside it)


@cache
def _checker_brush() -> QBrush:
    """The usual grey checkerboard, so transparency reads as transparency.

    Made from its pixels, once: painting the tile with QPainter.fillRect would set up
    Python's view of QGradient (its 169 presets) at start-up, for two grey squares.
    """
    white, grey = 0xFFFFFFFF, 0xFFD6DAE0  # 0xAARRGGBB, as Format_RGB32 holds a pixel
    side = _CHECKER * 2
    top = [grey] * _CHECKER + [white] * _CHECKER
    bottom = [white] * _CHECKER + [grey] * _CHECKER
    pixels = array("I", top * _CHECKER + bottom * _CHECKER).tobytes()  # native byte order
    tile = QImage(pixels, side, side, side * 4, QImage.Format.Format_RGB32).copy()
    return QBrush(tile)


class ImageView(QWidget):
    """Shows one image fitted to the widget; ``zoom`` > 1 magnifies, drag to pan."""

    zoomChanged = Signal(float)

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(QSize(120, 160))  # two views and History fit 1024 px
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._image: QImage | None = None
        self._placeholder = placeholder
        self._overlay: list[tuple[float, float]] | None = None
        self._overlay_note = ""
        self._overlay_approximate = False
        self._overlay_visible = True
        self._dimmed = False
        self._zoom = 1.0
        self._pan = QPointF(0.0, 0.0)
        self._drag_from: QPointF | None = None
        self._checker = _checker_brush()
        # Extra drawing over the image (the compliance guides), in widget pixels.
        self.decorate: Callable[[QPainter], None] | None = None

    # ----- content -----
    def image(self) -> QImage | None:
        return self._image

    def set_image(self, image: QImage | None, *, keep_zoom: bool = False) -> None:
        """Show ``image`` (None shows the placeholder text)."""
        self._image = image
        if not keep_zoom:
            self._zoom = 1.0
            self._pan = QPointF(0.0, 0.0)
        self.update()

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.update()

    def placeholder(self) -> str:
        return self._placeholder

    def set_overlay(
        self,
        polygon: Sequence[tuple[float, float]] | None,
        *,
        approximate: bool = False,
        note: str = "",
    ) -> None:
        """The foreground outline in this image's pixels (4 corners), or None."""
        self._overlay = list(polygon) if polygon is not None else None
        self._overlay_approximate = approximate
        self._overlay_note = note
        self.update()

    def overlay(self) -> list[tuple[float, float]] | None:
        return None if self._overlay is None else list(self._overlay)

    def set_dimmed(self, dimmed: bool) -> None:
        """A pale veil over the picture: it no longer matches the clerk's choice."""
        if dimmed != self._dimmed:
            self._dimmed = dimmed
            self.update()

    @property
    def dimmed(self) -> bool:
        return self._dimmed

    def set_overlay_visible(self, visible: bool) -> None:
        self._overlay_visible = visible
        self.update()

    # ----- zoom -----
    @property
    def zoom(self) -> float:
        return self._zoom

    def set_zoom(self, zoom: float) -> None:
        zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
        if zoom != self._zoom:
            self._zoom = zoom
            self._clamp_pan()
            self.update()
            self.zoomChanged.emit(zoom)

    def zoom_in(self) -> None:
        self.set_zoom(self._zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self._zoom / ZOOM_STEP)

    def zoom_fit(self) -> None:
        self._pan = QPointF(0.0, 0.0)
        self.set_zoom(1.0)
        self.update()

    # ----- geometry -----
    def _fit_scale(self) -> float:
        if self._image is None or self._image.isNull():
            return 1.0
        margin = 12.0
        avail_w = max(1.0, self.width() - 2 * margin)
        avail_h = max(1.0, self.height() - 2 * margin)
        return min(avail_w / self._image.width(), avail_h / self._image.height())

    def image_rect(self) -> QRectF:
        """Where the image is painted, in widget pixels."""
        if self._image is None or self._image.isNull():
            return QRectF()
        scale = self._fit_scale() * self._zoom
        w = self._image.width() * scale
        h = self._image.height() * scale
        x = (self.width() - w) / 2.0 + self._pan.x()
        y = (self.height() - h) / 2.0 + self._pan.y()
        return QRectF(x, y, w, h)

    def image_to_widget(self, x: float, y: float) -> QPointF:
        """A point in image pixels, in widget pixels (what tests and the overlay use)."""
        rect = self.image_rect()
        assert self._image is not None
        scale = rect.width() / self._image.width()
        return QPointF(rect.x() + x * scale, rect.y() + y * scale)

    def _clamp_pan(self) -> None:
        if self._image is None:
            self._pan = QPointF(0.0, 0.0)
            return
        scale = self._fit_scale() * self._zoom
        spare_x = max(0.0, (self._image.width() * scale - self.width()) / 2.0 + 12)
        spare_y = max(0.0, (self._image.height() * scale - self.height()) / 2.0 + 12)
        self._pan = QPointF(
            max(-spare_x, min(spare_x, self._pan.x())),
            max(-spare_y, min(spare_y, self._pan.y())),
        )

    # ----- events -----
    def resizeEvent(self, event: QResizeEvent) -> None:
        self._clamp_pan()
        super().resizeEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self._image is None:
            event.ignore()
            return
        if event.angleDelta().y() > 0:
            self.zoom_in()
        elif event.angleDelta().y() < 0:
            self.zoom_out()
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._zoom > 1.0:
            self._drag_from = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            delta = event.position() - self._drag_from
            self._drag_from = event.position()
            self._pan = self._pan + delta
            self._clamp_pan()
            self.update()
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag_from = None
        self.unsetCursor()
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self._zoom > 1.0:
            self.zoom_fit()
        else:
            self.set_zoom(2.0)
        super().mouseDoubleClickEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), CANVAS_COLOR)
        if self._image is None or self._image.isNull():
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            zone = QPen(QColor(176, 186, 197), 2.0, Qt.PenStyle.DashLine)
            painter.setPen(zone)
            painter.drawRoundedRect(QRectF(self.rect()).adjusted(14, 14, -14, -14), 12, 12)
            painter.setPen(QColor(110, 118, 129))
            painter.drawText(
                self.rect().adjusted(16, 16, -16, -16),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self._placeholder,
            )
            painter.end()
            return
        target = self.image_rect()
        if self._image.hasAlphaChannel():
            painter.fillRect(target, self._checker)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(target, self._image)
        painter.setPen(QPen(FRAME_COLOR, 1.0))
        painter.drawRect(target.adjusted(-0.5, -0.5, 0.5, 0.5))
        if self._dimmed:
            painter.fillRect(target, QColor(255, 255, 255, 150))
        if self.decorate is not None:
            self.decorate(painter)
        if self._overlay and self._overlay_visible:
            self._paint_overlay(painter)
        painter.end()

    def overlay_shape(self) -> OverlayShape | None:
        """The rectangle against this picture's frame (what is drawn, what runs off)."""
        if not self._overlay or self._image is None or self._image.isNull():
            return None
        return shape_on_frame(self._overlay, self._image.width(), self._image.height())

    def overlay_notes(self) -> list[str]:
        """The lines written over the picture about the rectangle."""
        shape = self.overlay_shape()
        if shape is None:
            return []
        notes = [self._overlay_note] if self._overlay_note else []
        sides = set(shape.outside)
        runs: list[str] = []
        if "top" in sides:
            runs.append(self.tr("above the photo"))
        if "bottom" in sides:
            runs.append(self.tr("below the photo"))
        if {"left", "right"} <= sides:
            runs.append(self.tr("past both sides"))
        elif "left" in sides:
            runs.append(self.tr("past the left edge"))
        elif "right" in sides:
            runs.append(self.tr("past the right edge"))
        if runs:
            notes.append(self.tr("The rectangle extends {0}").format(self.tr(", ").join(runs)))
        if not shape.visible:
            notes.append(self.tr("Rectangle: wholly outside this picture"))
        if shape.tilted:
            notes.append(
                self.tr("Tilted {0}° by the straightening").format(f"{abs(shape.tilt_deg):.1f}")
            )
        return notes

    def _paint_overlay(self, painter: QPainter) -> None:
        shape = self.overlay_shape()
        if shape is None:
            return
        color = OVERLAY_APPROX_COLOR if self._overlay_approximate else OVERLAY_COLOR
        pen = QPen(color, 3.0)
        if self._overlay_approximate:
            pen.setStyle(Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        # Only the parts inside the picture are drawn; the sides it runs past are marked.
        painter.setClipRect(self.image_rect().adjusted(-2, -2, 2, 2))
        for start, end in shape.segments:
            painter.drawLine(self.image_to_widget(*start), self.image_to_widget(*end))
        self._paint_arrows(painter, shape, color)
        painter.setClipping(False)
        notes = self.overlay_notes()
        if notes and self.image_rect().width() >= NOTES_MIN_WIDTH:
            # At the bottom of the picture: the top of the rectangle (the crown) is what
            # the clerk checks, so nothing is written over it.
            font = painter.font()
            font.setPointSizeF(max(8.0, font.pointSizeF() - 1))
            painter.setFont(font)
            metrics = painter.fontMetrics()
            area = self.image_rect().intersected(QRectF(self.rect()))
            text = "\n".join(notes)
            flags = int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap)
            width = max(60, int(area.width()) - 16)
            needed = metrics.boundingRect(0, 0, width, 10_000, flags, text)
            box = QRectF(
                area.x() + 4,
                area.bottom() - needed.height() - 22,
                needed.width() + 12,
                needed.height() + 6,
            )
            painter.fillRect(box, QColor(0, 0, 0, 170))
            painter.setPen(QColor(255, 255, 255))
            painter.drawText(box.adjusted(6, 3, -6, -3), flags, text)

    def _paint_arrows(self, painter: QPainter, shape: OverlayShape, color: QColor) -> None:
        """A small filled arrow inside each frame side the rectangle runs past."""
        assert self._overlay is not None and self._image is not None
        w, h = self._image.width(), self._image.height()
        xs = [min(max(x, 0.0), w) for x, _ in self._overlay]
        ys = [min(max(y, 0.0), h) for _, y in self._overlay]
        mid_x, mid_y = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        size = 9.0
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        for side in shape.outside:
            if side == "bottom":
                tip = self.image_to_widget(mid_x, h)
                points = [tip + QPointF(0, -3), tip + QPointF(-size, -size - 3),
                          tip + QPointF(size, -size - 3)]
            elif side == "top":
                tip = self.image_to_widget(mid_x, 0)
                points = [tip + QPointF(0, 3), tip + QPointF(-size, size + 3),
                          tip + QPointF(size, size + 3)]
            elif side == "left":
                tip = self.image_to_widget(0, mid_y)
                points = [tip + QPointF(3, 0), tip + QPointF(size + 3, -size),
                          tip + QPointF(size + 3, size)]
            else:
                tip = self.image_to_widget(w, mid_y)
                points = [tip + QPointF(-3, 0), tip + QPointF(-size - 3, -size),
                          tip + QPointF(-size - 3, size)]
            painter.drawPolygon(QPolygonF(points))
        painter.setBrush(Qt.BrushStyle.NoBrush)
