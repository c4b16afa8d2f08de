"""The one job object that flows through the app.

Photo in (:class:`PreparedPhoto`), validated request (:class:`GenerateRequest`), an
engine, then :class:`GenerateResult` with the image and the foreground rectangle, then
export. Plain frozen dataclasses: no Qt, no network, safe to hand between threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, overload

from idphoto_desktop.core.errors import CancelledError
from idphoto_desktop.core.geometry import Affine, Rect

MIN_SIDE = 100
MAX_SIDE = 2000


class OutputFormat(StrEnum):
    PNG = "png"  # transparent background
    JPG = "jpg"  # solid colour background

    @property
    def extension(self) -> str:
        return ".png" if self is OutputFormat.PNG else ".jpg"

    @property
    def mime(self) -> str:
        return "image/png" if self is OutputFormat.PNG else "image/jpeg"


@dataclass(frozen=True)
class PhotoSize:
    """Output size in pixels (each side 100..2000, checked by core.validation)."""

    width: int
    height: int

    def __str__(self) -> str:
        return f"{self.width}x{self.height}"


@dataclass(frozen=True)
class CropGeometry:
    """Where the head goes in the output, from a preset's rules (fractions of height).

    ``None`` means the rule is unknown for that preset; the engine then uses its
    default for that figure.
    """

    head_fraction: tuple[float, float] | None = None
    top_margin_fraction: tuple[float, float] | None = None
    eye_from_bottom_fraction: tuple[float, float] | None = None


MAX_ADJUST_SHIFT = 0.5  # dx, dy: at most half the output's width / height
MIN_ADJUST_SCALE, MAX_ADJUST_SCALE = 0.5, 2.0
MAX_ADJUST_ANGLE = 15.0  # degrees either way


@dataclass(frozen=True)
class FrameAdjust:
    """The clerk's correction of the automatic crop, in the output's own terms.

    ``dx``/``dy`` move the person right/down by that fraction of the output width/height;
    ``scale`` multiplies the automatic head size (about the head's centre); ``angle_deg``
    is added to the automatic levelling, positive turning the person clockwise on screen
    (y down, like ``QTransform.rotate``). Limits are checked by
    ``core.validation.validate_adjust``. ``FrameAdjust()`` is the automatic frame.
    """

    dx: float = 0.0
    dy: float = 0.0
    scale: float = 1.0
    angle_deg: float = 0.0

    @property
    def is_identity(self) -> bool:
        return self.key() == FrameAdjust().key()

    def key(self) -> str:
        """Stable text for cache and history keys (rounded: a nudge below 1e-4 is none)."""
        return f"{self.dx:+.4f},{self.dy:+.4f},{self.scale:.4f},{self.angle_deg:+.3f}"


def _range_key(rng: tuple[float, float] | None) -> str:
    return "" if rng is None else f"{rng[0]:.4f}-{rng[1]:.4f}"


@dataclass(frozen=True)
class GenerateParams:
    """What the clerk chose: size, format, background colour, and the preset if any.

    ``face_index`` picks the person (1-based, faces left to right, as the capture check
    lists them; ``None`` = automatic); ``adjust`` corrects the automatic frame.
    """

    size: PhotoSize
    format: OutputFormat = OutputFormat.PNG
    bg_color: str | None = None  # "RRGGBB", upper case, only with JPG
    preset_id: str | None = None
    geometry: CropGeometry | None = None
    face_index: int | None = None
    adjust: FrameAdjust | None = None

    def cache_key(self) -> str:
        """What identifies the engine's work (for 'never pay twice')."""
        bg = self.bg_color if self.format is OutputFormat.JPG else ""
        return f"{self.size}|{self.format.value}|{bg or ''}|{self.preset_id or ''}"

    def framing_key(self) -> str:
        """What decides the result's framing: size, preset, geometry, face and adjustment.

        Not the format nor the colour: a transparent result can be laid on any colour,
        so a stored result with the same framing key is reusable for another colour.
        An identity adjustment and no adjustment are the same frame.
        """
        g = self.geometry
        geometry = (
            ""
            if g is None
            else ",".join(
                _range_key(r)
                for r in (g.head_fraction, g.top_margin_fraction, g.eye_from_bottom_fraction)
            )
        )
        adjust = "" if self.adjust is None or self.adjust.is_identity else self.adjust.key()
        face = "" if self.face_index is None else str(self.face_index)
        return f"{self.size}|{self.preset_id or ''}|{geometry}|{face}|{adjust}"


@dataclass(frozen=True)
class PreparedPhoto:
    """The photo as it will be uploaded, and how it relates to the clerk's original.

    ``scale`` is uploaded pixels per original pixel (after EXIF orientation) and
    ``offset_x``/``offset_y`` where the upload's top-left corner lies on the original
    (original pixels; non-zero when the upload is cropped to the region the output can
    come from). Map anything in uploaded pixels with :meth:`to_original`, the one place
    that knows both.
    """

    data: bytes
    mime: str
    filename: str
    width: int
    height: int
    original_width: int
    original_height: int
    scale: float
    source_sha256: str
    notes: tuple[str, ...] = ()
    offset_x: float = 0.0
    offset_y: float = 0.0

    @property
    def cropped(self) -> bool:
        """True when the upload is a part of the photo, not all of it (a crop keeps at
        most three quarters of the photo; 1 % allows for rounding the upload's size)."""
        return bool(self.offset_x or self.offset_y) or (
            self.width / self.scale < 0.99 * self.original_width
            or self.height / self.scale < 0.99 * self.original_height
        )

    @overload
    def to_original(self, value: Rect) -> Rect: ...

    @overload
    def to_original(self, value: tuple[float, float]) -> tuple[float, float]: ...

    def to_original(self, value: Rect | tuple[float, float]) -> Rect | tuple[float, float]:
        """A rectangle or a point in uploaded pixels, in the original's pixels."""
        if isinstance(value, Rect):
            x, y = self.to_original((value.x, value.y))
            return Rect(x, y, value.width / self.scale, value.height / self.scale)
        return (self.offset_x + value[0] / self.scale, self.offset_y + value[1] / self.scale)


@dataclass(frozen=True)
class GenerateRequest:
    """A validated request: exactly one of ``photo`` or ``image_url``."""

    params: GenerateParams
    photo: PreparedPhoto | None = None
    image_url: str | None = None
    sync: bool = True
    callback_url: str | None = None


@dataclass(frozen=True)
class FaceGuides:
    """Measured in output pixels by the offline engine (the provider gives none)."""

    crown_y: float
    chin_y: float
    eye_y: float
    center_x: float

    @property
    def head_height(self) -> float:
        return self.chin_y - self.crown_y


@dataclass(frozen=True)
class GenerateResult:
    """A finished ID photo, kept in memory the moment it arrives.

    ``foreground_rect`` is in the uploaded image's pixel grid (provider convention);
    ``crop`` maps uploaded pixels to result pixels (exact for the offline engine,
    derived and flagged ``crop_is_approximate`` for the provider).
    """

    image: bytes
    format: OutputFormat
    width: int
    height: int
    engine: str
    foreground_rect: Rect | None = None
    crop: Affine | None = None
    crop_is_approximate: bool = False
    guides: FaceGuides | None = None
    task_id: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    raw: dict[str, Any] | None = None


ProgressCallback = Callable[[int, str], None]
"""Called with (percent 0..100, short text) from the worker thread."""


class CancelToken:
    """Cooperative cancellation shared between the GUI thread and a worker."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise CancelledError("Cancelled.")

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True if cancelled meanwhile."""
        return self._event.wait(seconds)
