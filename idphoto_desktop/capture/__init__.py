"""The capture check: a verdict (ok / check / retake) for every photo, with reasons.

Qt-free; used alike by the CLI (``idphoto check``), the job pipeline and the window.
``check_photo`` measures the original (and, when given, the made ID photo) with the
offline engine's face detector, face mesh and selfie mask; limits follow ICAO 9303 part 3
and ISO/IEC 29794-5, or the preset's specification where it has one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from idphoto_desktop.capture.report import CaptureReport, FaceBox, Reason

if TYPE_CHECKING:
    from idphoto_desktop.capture.check import check_photo

__all__ = ["CaptureReport", "FaceBox", "Reason", "check_photo"]


def __getattr__(name: str) -> Any:
    """``check_photo`` loads OpenCV and the models: only when it is first asked for, so
    the window can show a report (``report``, ``messages``) without that weight."""
    if name == "check_photo":
        from idphoto_desktop.capture.check import check_photo

        return check_photo
    raise AttributeError(name)
