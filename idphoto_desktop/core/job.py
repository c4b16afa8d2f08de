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
from typing import Any

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


@dataclass(frozen=True)
class GenerateParams:
    """What the clerk chose: size, format, background colour, and the preset if any."""

    size: PhotoSize
    format: OutputFormat = OutputFormat.PNG
    bg_color: str | None = None  # "RRGGBB", upper case, only with JPG
    preset_id: str | None = None
    geometry: CropGeometry | None = None

    def cache_key(self) -> str:
        """What identifies the engine's work (for 'never pay twice')."""
        bg = self.bg_color if self.format is OutputFormat.JPG else ""
        return f"{self.size}|{self.format.value}|{bg or ''}|{self.preset_id or ''}"

    def framing_key(self) -> str:
        """What identifies the engine's cut-out: size, preset and geometry, NOT format or
        colour (engines are asked for a transparent PNG; colours are composed locally)."""
        g = self.geometry
        geometry = (
            ""
            if g is None
            else ";".join(
                "" if pair is None else f"{pair[0]:g}-{pair[1]:g}"
                for pair in (g.head_fraction, g.top_margin_fraction, g.eye_from_bottom_fraction)
            )
        )
        return f"{self.size}|{self.preset_id or ''}|{geometry}"


@dataclass(frozen=True)
class PreparedPhoto:
    """The photo as it will be uploaded, and how it relates to the clerk's original.

    ``scale`` is uploaded pixels per original pixel (after EXIF orientation), so a
    rectangle in uploaded pixels divided by ``scale`` lands on the original.
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
