"""The made ID photo: is there a face, and what is left of the original background.

The person in the result is found again with the selfie model. What the result keeps as
the person (its alpha, or everything unlike the flat background colour) but the model
calls background, in a band around the person's outline, is old background the cut-out
kept: a lamp, a chair back, a strip of wall along the hair.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from idphoto_desktop.capture import limits
from idphoto_desktop.capture.report import (
    CHECK,
    RETAKE,
    CaptureReport,
    Reason,
    make_reason,
    verdict_of,
)
from idphoto_desktop.core.background import open_result
from idphoto_desktop.core.errors import ImageError
from idphoto_desktop.core.job import GenerateResult
from idphoto_desktop.engines.offline.detector import detect_faces
from idphoto_desktop.engines.offline.nets import Networks

U8 = npt.NDArray[np.uint8]
B = npt.NDArray[np.bool_]
SEG_SIZE = 256
FLAT_DISTANCE = 40.0  # colour distance (0..441) beyond which a pixel is not the flat background
OPAQUE = 253  # alpha 0.99 (252.45 of 255) and above everywhere: no transparency to use


def _decode(result: GenerateResult) -> tuple[U8, B]:
    """The result as BGR over white, and what it keeps as the person.

    An opaque result (the provider's JPEG, a PNG without transparency) is used as it
    is: blending it over white changes no pixel, and the float copies of every channel
    took longer than the rest of the check on a 600x600 result."""
    rgba = np.asarray(open_result(result.image).convert("RGBA"), np.uint8)
    rgb = rgba[:, :, :3]
    alpha = rgba[:, :, 3]
    lowest = int(alpha.min())
    if lowest == 255:
        flat = rgb
    else:
        a = alpha.astype(np.float32)[:, :, None] * np.float32(1.0 / 255.0)
        blended = rgb * a + np.float32(255.0) * (np.float32(1.0) - a)
        flat = np.clip(blended + np.float32(0.5), 0, 255).astype(np.uint8)
    bgr = np.ascontiguousarray(flat[:, :, ::-1])
    if lowest < OPAQUE:
        kept: B = alpha >= 128  # alpha of at least one half
    else:  # a flat colour: the background is the colour along the top edge
        top = rgb[: max(1, rgb.shape[0] // 50)].reshape(-1, 3)
        colour = np.median(top, axis=0).astype(np.float32)
        diff = rgb.astype(np.float32) - colour
        kept = np.einsum("ijk,ijk->ij", diff, diff) > FLAT_DISTANCE**2
    return bgr, kept


ResultPixels = tuple[U8, B]
"""The result as BGR over white, and what it keeps as the person."""


def result_pixels(result: GenerateResult) -> ResultPixels | None:
    """The result's pixels for :func:`check_result`, None when it cannot be read.

    Needs no network: the job decodes them while the capture check of the photo is
    still running on its own thread (``pipeline.steps.check_result``)."""
    try:
        return _decode(result)
    except (ImageError, OSError, ValueError):
        return None


def check_result(
    nets: Networks, pixels: ResultPixels | None, measured: dict[str, float | None]
) -> list[Reason]:
    if pixels is None:  # an unreadable result: the compose step says so
        return []
    bgr, kept = pixels
    out: list[Reason] = []
    if not detect_faces(bgr, nets.detect):
        measured["result_faces"] = 0.0
        out.append(make_reason("result_no_face", RETAKE, value=0.0, limit=1.0))
        return out
    h, w = kept.shape
    blob = cv2.dnn.blobFromImage(bgr, 1.0 / 255.0, (SEG_SIZE, SEG_SIZE), swapRB=True)
    prob = cv2.resize(nets.segment(np.asarray(blob, np.float32)), (w, h))
    person = prob >= 0.5
    # the band: within 6 % of the width outside the model's person outline. A distance
    # transform, not a dilation by that disc (40 ms of a 600 px result's check); the
    # quarter pixel makes it the disc's band to within 0.4 % of its pixels.
    r = max(2, round(0.06 * w))
    outside = (~person).astype(np.uint8)
    distance = cv2.distanceTransform(outside, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    band = (distance <= r + 0.25) & ~person
    if not band.any():
        return out
    # thin fringes (soft edges, JPEG ringing along the outline) are not left-over patches
    o = max(1, round(0.006 * w))
    opener = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * o + 1, 2 * o + 1))
    solid = cv2.morphologyEx(kept.astype(np.uint8), cv2.MORPH_OPEN, opener) > 0
    leftover = float((solid & band & (prob < 0.2)).sum()) / float(band.sum())
    measured["background_left"] = leftover
    if leftover > limits.LEFTOVER_RETAKE:
        out.append(
            make_reason(
                "background_left",
                RETAKE,
                value=leftover,
                limit=limits.LEFTOVER_RETAKE,
                percent=100 * leftover,
            )
        )
    elif leftover > limits.LEFTOVER_CHECK:
        out.append(
            make_reason(
                "background_left",
                CHECK,
                value=leftover,
                limit=limits.LEFTOVER_CHECK,
                percent=100 * leftover,
            )
        )
    return out


def with_result(
    report: CaptureReport,
    result: GenerateResult,
    models_dir: Path | None = None,
    *,
    pixels: ResultPixels | None = None,
) -> CaptureReport:
    """``report`` (on the original) with the made ID photo checked as well.

    Run after the engine, so a paid call is never delayed by it; the original's
    reasons are kept, the result's added, and the verdict is the worst of them.
    ``pixels``: :func:`result_pixels` of ``result`` if already decoded.
    """
    from idphoto_desktop.capture.check import networks

    measured = dict(report.measures)
    if pixels is None:
        pixels = result_pixels(result)
    extra = check_result(networks(models_dir), pixels, measured)
    reasons = tuple(
        sorted((*report.reasons, *extra), key=lambda r: 0 if r.severity == RETAKE else 1)
    )
    return replace(report, verdict=verdict_of(reasons), reasons=reasons, measures=measured)
