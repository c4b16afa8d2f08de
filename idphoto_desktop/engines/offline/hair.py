"""Finer hair: MODNet's alpha where it helps, today's cut-out everywhere else.

The selfie mask + GrabCut cut-out is solid on bodies, suits and faces but clips loose
strands and keeps backdrop inside hair loops. MODNet (a portrait-matting network) keeps
strands and clears loops, but on some photos leaks dark backdrop beside white hair or
eats into a white crown on a white wall. So MODNet runs only on the head (a square crop,
``MATTE_SIDE`` px), and its alpha is used only in a *hair band*: near the cut-out's
outline, from the jaw up. Even there a colour guard decides, pixel by pixel: MODNet may
add person only where the colour is not the local backdrop's, and may remove person only
where the colour clearly is the local backdrop's (local mean colours of sure person and
sure backdrop, as in blur-fusion matting).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from idphoto_desktop.engines.offline.cropping import HeadFrame
from idphoto_desktop.engines.offline.imaging import Pyramid, compose, invert, warp
from idphoto_desktop.engines.offline.nets import Networks

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]

MATTE_SIDE = 224  # MODNet input (multiple of 32), over 1.8 head heights: ~125 px a head
BOX_SIDE, BOX_ABOVE, BOX_BELOW = 0.9, 0.35, 0.45  # the head crop, in head heights
BAND = 0.10  # hair band half-width around the outline, in head heights
ADD_UNTIL = 0.3  # backdrop-likeness up to which MODNet may add person
REMOVE_FROM = 0.3  # backdrop-likeness from which MODNet may remove person
MIN_EVIDENCE = 0.1  # share of sure backdrop nearby below which MODNet may not add person


@dataclass(frozen=True)
class HairMatte:
    """On the work canvas: the combined soft alpha and where it replaces the cut-out."""

    soft: F32  # 0..1
    weight: F32  # 0..1, the hair band (feathered)


def _head_box(frame: HeadFrame) -> tuple[F64, float]:
    """Level frame -> MODNet input pixels, and head heights per pixel."""
    h = frame.head_height
    side = (BOX_ABOVE + BOX_BELOW) * h + h  # 1.8 h, square
    x0 = frame.center_x - BOX_SIDE * h
    y0 = frame.crown_y - BOX_ABOVE * h
    k = MATTE_SIDE / side
    return np.array([[k, 0.0, -k * x0], [0.0, k, -k * y0]]), k


def _local_means(image: F32, weight: F32, radius: int) -> tuple[F32, F32]:
    """Weighted local mean colour, and the local share of weight (the evidence)."""
    size = (2 * radius + 1, 2 * radius + 1)
    num = cv2.blur(image * weight[:, :, None], size)
    den = np.asarray(cv2.blur(weight, size), np.float32)
    return np.asarray(num / (den[:, :, None] + 1e-4), np.float32), den


def hair_matte(
    nets: Networks,
    pyr: Pyramid,
    frame: HeadFrame,
    work_matrix: F64,
    work_from_level: F64,
    work_image: U8,
    hard: F32,
    valid: npt.NDArray[np.bool_],
) -> HairMatte | None:
    """MODNet on the head, combined with ``hard`` (the cut-out) on the work canvas."""
    to_input, _ = _head_box(frame)
    matrix = compose(to_input, frame.level_matrix())
    crop = pyr.warp(matrix, (MATTE_SIDE, MATTE_SIDE))
    blob = cv2.dnn.blobFromImage(
        crop, 1.0 / 127.5, (MATTE_SIDE, MATTE_SIDE), (127.5, 127.5, 127.5), swapRB=True
    )
    raw = nets.matte(np.asarray(blob, np.float32))
    if raw is None:
        return None
    # a gentle contrast: MODNet's faint veils (0.05) and near-solid hair (0.95) become clear
    alpha = np.clip((raw - 0.05) / 0.9, 0.0, 1.0).astype(np.float32)
    h, w = hard.shape
    size = (w, h)
    work_from_input = compose(work_from_level, invert(to_input))
    modnet = np.asarray(warp(alpha, work_from_input, size), np.float32)
    covered = np.asarray(
        warp(np.ones((MATTE_SIDE, MATTE_SIDE), np.float32), work_from_input, size), np.float32
    )
    covered = np.asarray(cv2.erode(covered, np.ones((5, 5), np.uint8)), np.float32)
    covered *= valid.astype(np.float32)

    # the hair band: near the cut-out's outline, from the jaw up, feathered
    px_per_head = float(work_from_level[0, 0]) * frame.head_height
    band_px = max(2.0, BAND * px_per_head)
    binary = (hard >= 0.5).astype(np.uint8)
    inside = cv2.distanceTransform(binary, cv2.DIST_L2, 3)
    outside = cv2.distanceTransform(1 - binary, cv2.DIST_L2, 3)
    near = np.clip((band_px - np.minimum(inside, outside)) / (0.3 * band_px), 0.0, 1.0)
    jaw = float((work_from_level @ np.array([0.0, frame.chin_y, 1.0]))[1])
    rows = np.arange(h, dtype=np.float32)[:, None]
    above = np.clip((jaw - rows) / (0.1 * px_per_head), 0.0, 1.0)
    weight = (near * above * covered).astype(np.float32)
    if not weight.any():
        return None

    # the colour guard: how much each pixel looks like the local backdrop vs the person
    img = work_image.astype(np.float32) / 255.0
    radius = max(3, round(0.15 * px_per_head))
    sure_fg = ((hard >= 0.99) & (modnet >= 0.9)).astype(np.float32)
    sure_bg = ((hard <= 0.01) & (modnet <= 0.1) & valid).astype(np.float32)
    fg_mean, _ = _local_means(img, sure_fg, radius)
    bg_mean, evidence = _local_means(img, sure_bg, radius)
    d_fg = np.linalg.norm(img - fg_mean, axis=2)
    d_bg = np.linalg.norm(img - bg_mean, axis=2)
    likeness = (d_fg - d_bg) / (d_fg + d_bg + 1e-4)  # +1: backdrop, -1: person
    gate_add = np.clip((ADD_UNTIL - likeness) / 0.3, 0.0, 1.0)
    # no backdrop seen nearby (the photo's edge, a tight crop): nothing to compare, no adding
    gate_add *= np.clip(evidence / MIN_EVIDENCE, 0.0, 1.0)
    gate_remove = np.clip((likeness - REMOVE_FROM) / 0.3, 0.0, 1.0)
    diff = modnet - hard
    gate = np.where(diff > 0, gate_add, gate_remove)
    soft = np.clip(hard + gate * diff, 0.0, 1.0).astype(np.float32)
    return HairMatte(soft, weight)
