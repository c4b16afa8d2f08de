"""Fix it at the counter (issue 12): pick the person, move, scale and turn the frame.

On the original, the faces the capture check found are outlined and numbered (when
there is more than one); a click on one picks that person for Generate (and makes the
result again at once with the offline engine; with the provider the clerk is asked
first, since that is a new paid call). With "Adjust the frame" on, the preset's frame
and its crown, chin and eye-line bands are drawn on the original, where they would cut
it: drag the frame to move it, the wheel or the Size slider to scale, Turn to rotate
(±15°), the arrow keys to nudge (Shift: more), Reset for the automatic frame.

Every change re-renders the result on a worker, latest only: the offline engine from
its cached cut-out (``OfflineEngine.render``, no new engine call), a provider's result
re-cut from its transparent picture (``core.recrop``), or, where that picture does not
cover the new frame, a question before a new paid call. The adjustment goes into the
job's parameters (``GenerateParams.adjust``), so the history keeps it in the result's
framing key; a settled offline adjustment is kept in the history like a Generate, and a
stored result reopens with its face and frame.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, TypeAlias

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from idphoto_desktop.core.errors import IdPhotoError
from idphoto_desktop.core.frame_map import FrameBase, base_of, clamp, framing_choice
from idphoto_desktop.core.job import (
    MAX_ADJUST_ANGLE,
    CancelToken,
    FrameAdjust,
    GenerateParams,
    GenerateResult,
    ProgressCallback,
)
from idphoto_desktop.ui import jobs
from idphoto_desktop.ui.errors import clerk_text
from idphoto_desktop.ui.flow_layout import FlowLayout
from idphoto_desktop.ui.services import ENGINE_CLOUD, ENGINE_OFFLINE

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from idphoto_desktop.capture.report import FaceBox
    from idphoto_desktop.ui.image_view import ImageView
    from idphoto_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)

FACE_COLOR = QColor(255, 171, 0)
CHOSEN_FACE_COLOR = QColor(0, 200, 83)
FRAME_COLOR = QColor(30, 136, 229)
NUDGE, BIG_NUDGE = 0.005, 0.02  # fractions of the output per arrow key (Shift: big)
WHEEL_STEP = 1.05  # scale per wheel notch
CLICK_SLOP = 4.0  # widget pixels: a press and release closer than this is a click
SETTLE_MS = 1200  # an adjustment left alone this long is kept in the history


if TYPE_CHECKING:
    Pixels: TypeAlias = npt.NDArray[np.uint8]
    _Rendered: TypeAlias = tuple[jobs.GeneratedImage, Pixels | None]
HEAD_BAND_COLOR = QColor(30, 136, 229)  # as ui/guides.py draws them on the result
EYE_BAND_COLOR = QColor(216, 27, 96)


def preview(result: GenerateResult, pixels: Pixels, color: str | None) -> jobs.GeneratedImage:
    """Worker: the offline engine's pixels (BGRA, or BGR for a JPG) as the pictures the
    window shows, with no PNG decoding (the live adjustment's latency)."""
    import numpy as np  # not at start-up: the window opens without numpy

    pixels = np.ascontiguousarray(pixels)
    h, w = pixels.shape[:2]
    if pixels.shape[2] == 3:
        bgrx = np.ascontiguousarray(np.dstack([pixels, np.full((h, w), 255, np.uint8)]))
        flat = QImage(bgrx.data, w, h, 4 * w, QImage.Format.Format_RGB32).copy()
        return jobs.GeneratedImage(result, flat, flat, None)
    transparent = QImage(pixels.data, w, h, 4 * w, QImage.Format.Format_ARGB32).copy()
    if color is None:
        return jobs.GeneratedImage(result, transparent, transparent, None)
    bgr = np.array([int(color[4:6], 16), int(color[2:4], 16), int(color[0:2], 16)], np.float32)
    alpha = pixels[:, :, 3:4].astype(np.float32) / 255.0
    mixed = pixels[:, :, :3].astype(np.float32) * alpha + bgr * (1.0 - alpha)
    solid = np.dstack([np.clip(mixed + 0.5, 0, 255).astype(np.uint8),
                       np.full((h, w), 255, np.uint8)])
    solid = np.ascontiguousarray(solid)
    shown = QImage(solid.data, w, h, 4 * w, QImage.Format.Format_RGB32).copy()
    return jobs.GeneratedImage(result, transparent, shown, color)


class AdjustBar(QWidget):
    """The frame controls under the result: toggle, size, turn, reset, and a question."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("adjustBar")
        self.toggle = QCheckBox(self.tr("Adjust the frame"))
        self.toggle.setObjectName("adjustToggle")
        self.toggle.setToolTip(
            self.tr(
                "Show the frame and its bands on the original: drag to move, wheel to "
                "scale, arrow keys to nudge"
            )
        )
        self.size_label = QLabel(self.tr("Size"))
        self.size_slider = QSlider(Qt.Orientation.Horizontal)
        self.size_slider.setObjectName("adjustSize")
        self.size_slider.setRange(50, 200)
        self.size_slider.setValue(100)
        self.size_slider.setFixedWidth(90)
        self.size_slider.setToolTip(self.tr("Head size, in percent of the automatic size"))
        self.turn_label = QLabel(self.tr("Turn"))
        self.turn = QDoubleSpinBox()
        self.turn.setObjectName("adjustTurn")
        self.turn.setRange(-MAX_ADJUST_ANGLE, MAX_ADJUST_ANGLE)
        self.turn.setSingleStep(0.5)
        self.turn.setDecimals(1)
        self.turn.setSuffix("°")
        self.turn.setToolTip(self.tr("Turn the person, in degrees (±15°)"))
        self.reset = QPushButton(self.tr("Reset to automatic"))
        self.reset.setObjectName("adjustReset")
        self.status = QLabel()
        self.status.setObjectName("adjustStatus")
        self.status.setWordWrap(True)
        self.status.hide()
        self.question = QWidget()
        ask = QHBoxLayout(self.question)
        ask.setContentsMargins(0, 0, 0, 0)
        self.question_text = QLabel()
        self.question_text.setWordWrap(True)
        self.paid_yes = QPushButton(self.tr("Make a new paid call"))
        self.paid_yes.setObjectName("adjustPaidYes")
        self.paid_no = QPushButton(self.tr("Keep the result as it is"))
        self.paid_no.setObjectName("adjustPaidNo")
        ask.addWidget(self.question_text, 1)
        ask.addWidget(self.paid_yes)
        ask.addWidget(self.paid_no)
        self.question.hide()
        row = FlowLayout()
        for widget in (
            self.toggle, self.size_label, self.size_slider, self.turn_label, self.turn,
            self.reset,
        ):
            row.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.question)

    def show_adjust(self, adjust: FrameAdjust) -> None:
        """The controls for ``adjust`` (no change signals)."""
        self.size_slider.blockSignals(True)
        self.size_slider.setValue(round(adjust.scale * 100))
        self.size_slider.blockSignals(False)
        self.turn.blockSignals(True)
        self.turn.setValue(adjust.angle_deg)
        self.turn.blockSignals(False)

    def say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def ask(self, text: str) -> None:
        self.question_text.setText(text)
        self.question.setVisible(bool(text))


class FrameAdjuster(QObject):
    """The face choice and the frame adjustment of one window (see the module text)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.view: ImageView = window.original_view
        self.bar = AdjustBar()
        self.faces: tuple[FaceBox, ...] = ()
        self.chosen_face: int | None = None  # what the check used (automatic choice)
        self.face_index: int | None = None  # the clerk's pick; None: automatic
        self.adjust = FrameAdjust()
        self.base: FrameBase | None = None
        self._base_result: GenerateResult | None = None  # a provider's picture to re-cut
        self._base_engine = ""
        self._paid_frame = False  # the clerk agreed to a new paid call for this frame
        self._after_paid_call = False  # the shown provider picture came from that call
        self._own = False  # showing our own render: not a new base
        self._last_own: GenerateResult | None = None  # … nor when it is recoloured
        self._press: QPointF | None = None
        self._drag_from: FrameAdjust | None = None
        self.renders = 0  # renders shown (tests and the bench count them)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._keep_in_history)
        self._kept: tuple[GenerateParams, GenerateResult, Pixels | None] | None = None

        bar = self.bar
        bar.toggle.toggled.connect(self._toggled)
        bar.size_slider.valueChanged.connect(
            lambda v: self.set_adjust(replace(self.adjust, scale=v / 100.0))
        )
        bar.turn.valueChanged.connect(
            lambda v: self.set_adjust(replace(self.adjust, angle_deg=float(v)))
        )
        bar.reset.clicked.connect(self.reset)
        bar.paid_yes.clicked.connect(self._paid_yes)
        bar.paid_no.clicked.connect(self._paid_no)
        window.add_result_tools(bar)
        window.framing = self.framing
        window.checkReported.connect(self._reported)
        window.photoLoaded.connect(self._photo_loaded)
        window.resultShown.connect(self._result_shown)
        window.jobStarting.connect(lambda: self.bar.ask(""))
        window.stateChanged.connect(self._state)
        self.view.decorate = self._paint
        self.view.installEventFilter(self)
        self._state(False)

    # ============================================================ the choice
    def framing(self, params: GenerateParams) -> GenerateParams:
        """The Generate parameters with the clerk's face and frame (GenerateController)."""
        adjust: FrameAdjust | None = None if self.adjust.is_identity else self.adjust
        if self.window.engine_picker.engine() == ENGINE_CLOUD:
            # The provider takes neither: it frames and picks the person itself. Its own
            # frame is re-cut here, so the history key stays its own (never paid twice),
            # unless the clerk agreed to a new call for a frame it does not cover.
            return replace(params, adjust=adjust if self._paid_frame else None)
        return replace(params, face_index=self.face_index, adjust=adjust)

    @property
    def adjusting(self) -> bool:
        return self.bar.toggle.isChecked()

    def _state(self, has_result: bool) -> None:
        enabled = has_result and self.window.photo is not None
        for widget in (self.bar.size_slider, self.bar.turn, self.bar.reset):
            widget.setEnabled(enabled)
        self.bar.toggle.setEnabled(enabled)

    def _toggled(self, on: bool) -> None:
        self.view.setFocusPolicy(
            Qt.FocusPolicy.StrongFocus if on else Qt.FocusPolicy.NoFocus
        )
        if on:
            self.view.setFocus(Qt.FocusReason.OtherFocusReason)
        self.view.update()

    # =========================================================== the outcomes
    def _photo_loaded(self) -> None:
        self.faces, self.chosen_face, self.face_index = (), None, None
        self.adjust, self.base, self._base_result = FrameAdjust(), None, None
        self._paid_frame = self._after_paid_call = False
        self._settle.stop()
        self._kept = None
        self.window.runner.cancel_latest("adjust")
        self.bar.show_adjust(self.adjust)
        self.bar.say("")
        self.bar.ask("")
        self.view.update()
        self._find_faces()

    def _find_faces(self) -> None:
        """The faces of a new photo, found in the background before any Generate, so the
        clerk can pick the person before a paid call (the capture check's detector)."""
        window = self.window
        photo = window.photo
        checker = window.services.capture_check
        if photo is None or photo.prepared is None or checker is None:
            return
        data, seq, given = photo.prepared.data, window.photo_seq, checker

        def work(_p: ProgressCallback, _c: CancelToken) -> object:
            import io

            from PIL import Image

            if given == "auto":
                # Imported here (numpy and OpenCV would stall the window), and from the
                # capture package itself: importing the pipeline on this thread while the
                # window builds its Generate job raced into a half-initialised module.
                from idphoto_desktop.capture import check_photo as check
            else:
                check = given
            with Image.open(io.BytesIO(data)) as opened:
                image = opened.convert("RGB")
            try:
                return check(image)
            except IdPhotoError:
                return None  # no face at all: the Generate job says so in its words

        def done(report: object) -> None:
            if seq == window.photo_seq and not self.faces:
                self._reported(report)

        def failed(error: BaseException) -> None:
            log.warning("Faces not found before Generate: %s", error)

        window.runner.submit(work, on_success=done, on_failure=failed, latest="faces")

    def _reported(self, report: object) -> None:
        from idphoto_desktop.capture.report import CaptureReport

        if isinstance(report, CaptureReport):
            self.faces = report.faces
            self.chosen_face = report.chosen_face
        self.view.update()

    def _shown_choice(self) -> tuple[int | None, FrameAdjust | None, bool]:
        """Face and adjustment of the shown result, and whether it is this photo's."""
        window = self.window
        key = window.generated_key
        if key is not None:
            return (*framing_choice(key[2]), True)
        origin = window.studio.origin
        if origin is not None and origin.framing_key:
            return (*framing_choice(origin.framing_key), origin.matches_photo)
        return None, None, origin is None or origin.matches_photo

    def _result_shown(self) -> None:
        """A result from Generate or the history (or our own render): the new base."""
        generated = self.window.generated
        if self._own or generated is None or generated.result is self._last_own:
            return
        result = generated.result
        face, made_with, ours = self._shown_choice()
        self._settle.stop()
        self.bar.ask("")
        if not ours:
            self.base, self._base_result = None, None
            self.view.update()
            return
        self.face_index = face if face is not None else self.face_index
        self._base_engine = result.engine
        if result.engine == ENGINE_OFFLINE:
            self.adjust = made_with or FrameAdjust()
            self.base, self._base_result = base_of(result, self.adjust), None
        else:
            self.base = base_of(result, None)
            self._base_result = result
            self._after_paid_call = self._paid_frame
            if made_with is not None:
                self.adjust = made_with
            if not self.adjust.is_identity:
                self._render()  # the provider's picture, cut to the clerk's frame
        self._paid_frame = False
        self.bar.show_adjust(self.adjust)
        self.view.update()

    # ============================================================ the changes
    def set_adjust(self, adjust: FrameAdjust) -> None:
        """A new frame: drawn now, rendered on a worker (latest only)."""
        adjust = clamp(adjust)
        if adjust == self.adjust:
            return
        self.adjust = adjust
        self.bar.show_adjust(adjust)
        self.bar.ask("")
        self.view.update()
        self._render()

    def reset(self) -> None:
        """The automatic frame."""
        self.set_adjust(FrameAdjust())

    def nudge(self, dx: float, dy: float) -> None:
        """Move the frame by fractions of the output (the person moves the other way)."""
        self.set_adjust(replace(self.adjust, dx=self.adjust.dx - dx, dy=self.adjust.dy - dy))

    def pick_face(self, index: int) -> None:
        """The clerk clicked face ``index`` (1-based, left to right)."""
        window = self.window
        if not 1 <= index <= len(self.faces):
            return
        current = self.face_index or self.chosen_face
        if index == current and window.generated is not None:
            return
        if window.engine_picker.engine() == ENGINE_CLOUD:
            # The provider's service has no face choice: it picks the person itself, so
            # a new paid call would give the same person. Said, never charged.
            self.face_index = index
            self.view.update()
            self.bar.say(
                self.tr(
                    "Face {0} is chosen, but the provider picks the person itself: choose "
                    "the offline engine to make the photo of face {0}."
                ).replace("{0}", str(index))
            )
            return
        self._use_face(index)

    def _use_face(self, index: int) -> None:
        window = self.window
        self.face_index = index
        self.adjust = FrameAdjust()  # another person: the automatic frame first
        self.bar.show_adjust(self.adjust)
        self.view.update()
        if window.generated is not None and not window.running:
            window.generate()
        else:
            window.statusBar().showMessage(
                self.tr("Face {0} will be used for the ID photo.").format(index), 5000
            )

    def _paid_yes(self) -> None:
        self.bar.ask("")
        self._paid_frame = True
        self.window.generate()

    def _paid_no(self) -> None:
        self.bar.ask("")

    # ================================================================ render
    def _render(self) -> None:
        window = self.window
        photo = window.photo
        generated = window.generated
        if photo is None or generated is None or self.base is None:
            return
        adjust = self.adjust
        if self._base_engine == ENGINE_OFFLINE:
            if photo.prepared is None:
                return
            try:
                params = window.generator._params()
            except IdPhotoError as err:
                self.bar.say(err.full_text())
                return
            params = replace(params, face_index=self.face_index,
                             adjust=None if adjust.is_identity else adjust)
            self._render_offline(params)
        elif self._base_result is not None:
            self._recrop(self._base_result, adjust)

    def _render_offline(self, params: GenerateParams) -> None:
        from idphoto_desktop.core.validation import make_request

        window = self.window
        photo = window.photo
        assert photo is not None and photo.prepared is not None
        request = make_request(params, photo=photo.prepared)
        services, api_url = window.services, window.settings.api_url
        color = window.chosen_color()
        seq = window.photo_seq

        def work(_progress: ProgressCallback, cancel: CancelToken) -> _Rendered:
            engine = services.engine(ENGINE_OFFLINE, None, api_url)
            render_pixels = getattr(engine, "render_pixels", None)
            if render_pixels is None:  # another engine under that name: its own bytes
                result = engine.generate(request, cancel=cancel)
                return jobs.to_generated(result, color), None
            result, pixels = render_pixels(request, cancel=cancel, quick_png=True)
            cancel.raise_if_cancelled()
            return preview(result, pixels, color), pixels

        def done(rendered: _Rendered) -> None:
            generated, pixels = rendered
            if seq != window.photo_seq:
                return
            key = (seq, ENGINE_OFFLINE, params.framing_key())
            self._show(generated, key)
            self._kept = (params, generated.result, pixels)
            self._settle.start()

        self._submit(work, done)

    def _recrop(self, base: GenerateResult, adjust: FrameAdjust) -> None:
        from idphoto_desktop.core.recrop import recrop_result

        window = self.window
        color = window.chosen_color()
        seq = window.photo_seq
        key = window.generated_key

        def work(_p: ProgressCallback, _c: CancelToken) -> jobs.GeneratedImage | None:
            if adjust.is_identity:
                return jobs.to_generated(base, color)
            made = recrop_result(base, adjust)
            return None if made is None else jobs.to_generated(made, color)

        def done(generated: jobs.GeneratedImage | None) -> None:
            if seq != window.photo_seq:
                return
            if generated is None and self._after_paid_call:
                # a new call gave the provider's own frame again: never offer another
                self.bar.say(
                    self.tr(
                        "The provider's picture does not reach this frame either. Move the "
                        "frame back inside it, or use the offline engine."
                    )
                )
                return
            if generated is None:
                self.bar.ask(
                    self.tr(
                        "The provider's picture does not reach this frame: a new paid call "
                        "is needed. Make it?"
                    )
                )
                return
            self._show(generated, key or (seq, ENGINE_CLOUD, ""))

        self._submit(work, done)

    def _submit(self, work: object, done: object) -> None:
        def failed(error: BaseException) -> None:
            self.bar.say(clerk_text(error))

        self.window.runner.submit(
            work,  # type: ignore[arg-type]
            on_success=done,  # type: ignore[arg-type]
            on_failure=failed,
            latest="adjust",
        )

    def _show(self, generated: jobs.GeneratedImage, key: tuple[int, str, str]) -> None:
        window = self.window
        preset = window.current_preset()
        what = preset.label if preset is not None else f"{generated.result.width}x" \
            f"{generated.result.height} px"
        if not self.adjust.is_identity:
            what = self.tr("{0}, frame adjusted").format(what)
        self._own = True
        try:
            window.show_fresh(generated, key, what, preset.id if preset is not None else None)
        finally:
            self._own = False
        self._last_own = generated.result
        self.renders += 1
        self.bar.say("")

    def _keep_in_history(self) -> None:
        """A settled offline adjustment is kept like a Generate (a reprint is the same)."""
        kept, self._kept = self._kept, None
        window = self.window
        photo = window.photo
        if kept is None or photo is None or photo.prepared is None:
            return
        if not window.settings.history_enabled:
            return
        params, result, pixels = kept
        history = window.services.studio.history
        digest = photo.prepared.source_sha256
        from idphoto_desktop.core.stored_grid import to_stored_grid

        result = to_stored_grid(result, photo.prepared)
        source = photo.source_path.name if photo.source_path is not None else photo.label
        customer = window.watch_folder.strip.customer()

        def work(_p: ProgressCallback, _c: CancelToken) -> int:
            nonlocal result
            if pixels is not None and pixels.ndim == 3 and pixels.shape[2] == 4:
                from idphoto_desktop.engines.offline.imaging import encode_png

                result = replace(result, image=encode_png(pixels))  # the compact file
            return history().add(
                digest, params, result, source, customer=customer, key=params.framing_key()
            )

        def failed(error: BaseException) -> None:
            log.warning("The adjusted result was not kept in the history: %s", error)

        window.runner.submit(work, on_success=lambda _id: None, on_failure=failed)

    # ============================================================ the drawing
    def _to_display(self) -> float | None:
        """Display pixels (the shown original) per uploaded pixel."""
        photo = self.window.photo
        if photo is None or photo.prepared is None or photo.original is None:
            return None
        return photo.display_scale / photo.prepared.scale

    def _widget_point(self, x: float, y: float, factor: float) -> QPointF:
        """A point in uploaded pixels on the view (``factor``: display px per uploaded px,
        for the caller's distances; the offset of a cropped upload comes from the photo)."""
        photo = self.window.photo
        if photo is None or photo.prepared is None:
            return self.view.image_to_widget(x * factor, y * factor)
        ox, oy = photo.prepared.to_original((x, y))
        return self.view.image_to_widget(ox * photo.display_scale, oy * photo.display_scale)

    def _paint(self, painter: QPainter) -> None:
        photo = self.window.photo
        if photo is None or self.view.image() is None:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if len(self.faces) > 1:
            self._paint_faces(painter)
        factor = self._to_display()
        if self.adjusting and self.base is not None and factor is not None:
            self._paint_frame(painter, factor)
        painter.restore()

    def face_rect(self, face: FaceBox) -> QRectF:
        """A face's box (uploaded pixels: the check looks at the upload) in the original
        view's widget pixels."""
        scale = self._to_display() or 1.0
        top_left = self._widget_point(face.x, face.y, scale)
        bottom_right = self._widget_point(face.x + face.width, face.y + face.height, scale)
        return QRectF(top_left, bottom_right)

    def _paint_faces(self, painter: QPainter) -> None:
        chosen = self.face_index or self.chosen_face
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        for face in self.faces:
            color = CHOSEN_FACE_COLOR if face.index == chosen else FACE_COLOR
            pen = QPen(color, 3.0 if face.index == chosen else 2.0)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            rect = self.face_rect(face)
            painter.drawRect(rect)
            tag = QRectF(rect.x(), rect.y() - 20, 22, 20)
            painter.fillRect(tag, color)
            painter.setPen(QColor(0, 0, 0))
            painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, str(face.index))

    def _paint_frame(self, painter: QPainter, factor: float) -> None:
        from idphoto_desktop.core.compliance import guide_bands

        base, adjust = self.base, self.adjust
        assert base is not None
        preset = self.window.studio.result_preset()
        if preset is not None:
            crown = base.crown_at(adjust)
            bands = guide_bands(preset, base.size.width, base.size.height, crown_y=crown)
            spans = [
                (bands.crown_band, HEAD_BAND_COLOR),
                (bands.chin_band, HEAD_BAND_COLOR),
                (bands.eye_band, EYE_BAND_COLOR),
            ]
            if crown is not None and bands.crown_band is None and bands.chin_band is not None:
                spans.append(((crown, crown), HEAD_BAND_COLOR))  # the crown the chin follows
            for span, color in spans:
                if span is not None:
                    self._paint_band(painter, factor, span, color)
            top = base.to_upload(adjust, (base.size.width / 2, 0.0))
            bottom = base.to_upload(adjust, (base.size.width / 2, float(base.size.height)))
            pen = QPen(QColor(0, 172, 193), 1.5, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawLine(self._widget_point(*top, factor), self._widget_point(*bottom, factor))
        pen = QPen(FRAME_COLOR, 2.5)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPolygon(self.frame_polygon())

    def _paint_band(
        self, painter: QPainter, factor: float, span: tuple[float, float], color: QColor
    ) -> None:
        """One band (output rows ``span``) across the frame, as it lies on the original."""
        base = self.base
        assert base is not None
        (a, b), (c, d) = base.level_line(self.adjust, span[0]), base.level_line(
            self.adjust, span[1]
        )
        corners = [self._widget_point(*p, factor) for p in (a, b, d, c)]
        fill = QColor(color)
        fill.setAlpha(80)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawPolygon(QPolygonF(corners))
        pen = QPen(color, 1.5, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawLine(corners[0], corners[1])
        painter.drawLine(corners[3], corners[2])

    def frame_polygon(self) -> QPolygonF:
        """The frame on the original view, in widget pixels (empty when unknown)."""
        factor = self._to_display()
        if self.base is None or factor is None:
            return QPolygonF()
        return QPolygonF([self._widget_point(*p, factor) for p in self.base.corners(self.adjust)])

    # ================================================================ events
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self.view:
            return False
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            return self._pressed(event)
        if kind == QEvent.Type.MouseMove and isinstance(event, QMouseEvent):
            return self._moved(event)
        if kind == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent):
            return self._released(event)
        if kind == QEvent.Type.Wheel and isinstance(event, QWheelEvent) and self._can_adjust():
            notches = event.angleDelta().y() / 120.0
            if notches:
                self.set_adjust(replace(self.adjust, scale=self.adjust.scale * WHEEL_STEP**notches))
            return True
        if kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and self._can_adjust():
            return self._key(event)
        return False

    def _can_adjust(self) -> bool:
        return self.adjusting and self.base is not None and self.window.generated is not None

    def _pressed(self, event: QMouseEvent) -> bool:
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        self._press = event.position()
        if self._can_adjust() and self.frame_polygon().containsPoint(
            event.position(), Qt.FillRule.OddEvenFill
        ):
            self._drag_from = self.adjust
            self.view.setCursor(Qt.CursorShape.SizeAllCursor)
            return True
        return False

    def _moved(self, event: QMouseEvent) -> bool:
        if self._drag_from is None or self._press is None or self.base is None:
            return False
        factor = self._to_display()
        rect = self.view.image_rect()
        image = self.view.image()
        if factor is None or image is None or rect.width() <= 0:
            return True
        per_widget = image.width() / rect.width() / factor  # uploaded px per widget px
        delta = event.position() - self._press
        moved = self.base.moved_by(
            self._drag_from, (delta.x() * per_widget, delta.y() * per_widget)
        )
        self.set_adjust(moved)
        return True

    def _released(self, event: QMouseEvent) -> bool:
        press, dragging = self._press, self._drag_from is not None
        self._press, self._drag_from = None, None
        if dragging:
            self.view.unsetCursor()
        if press is None or event.button() != Qt.MouseButton.LeftButton:
            return dragging
        moved = event.position() - press
        if abs(moved.x()) + abs(moved.y()) > CLICK_SLOP or len(self.faces) < 2:
            return dragging
        for face in self.faces:
            if self.face_rect(face).contains(event.position()):
                self.pick_face(face.index)
                return True
        return dragging

    def _key(self, event: QKeyEvent) -> bool:
        step = BIG_NUDGE if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else NUDGE
        moves = {
            Qt.Key.Key_Left: (-step, 0.0),
            Qt.Key.Key_Right: (step, 0.0),
            Qt.Key.Key_Up: (0.0, -step),
            Qt.Key.Key_Down: (0.0, step),
        }
        move = moves.get(Qt.Key(event.key()))
        if move is None:
            return False
        self.nudge(*move)
        return True


def install_frame_adjuster(window: MainWindow) -> FrameAdjuster:
    """The face choice and frame adjustment, wired into ``window`` (issue 12)."""
    return FrameAdjuster(window)
