"""Face measures from the mesh and the pixels: eyes, mouth, light, sharpness.

Each follows an ISO/IEC 29794-5 (OFIQ) measure in landmark form; all are computed on the
original photo in its own pixels, inside the face mesh's outline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]

# Eye contours (image-left eye, image-right eye): corners, then upper/lower lid pairs.
LEFT_EYE = (33, 133, ((160, 144), (159, 145), (158, 153)))
RIGHT_EYE = (263, 362, ((387, 373), (386, 374), (385, 380)))
# Inner lips: upper/lower pairs across the mouth, and the mouth corners.
INNER_LIPS = ((82, 87), (13, 14), (312, 317))
MOUTH_CORNERS = (78, 308)
# The face outline (silhouette) of the 468-point mesh, in order.
FACE_OVAL = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400,
    377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)  # fmt: skip
NOSE_BRIDGE = (168, 6, 197, 195, 5, 4, 1)


def _d(points: F64, a: int, b: int) -> float:
    return float(np.linalg.norm(points[a, :2] - points[b, :2]))


def eye_openness(points: F64) -> tuple[float, float]:
    """Eye aspect ratio of each eye: mean eyelid gap over the eye's width."""
    out = []
    for outer, inner, lids in (LEFT_EYE, RIGHT_EYE):
        width = max(_d(points, outer, inner), 1e-6)
        out.append(sum(_d(points, u, lo) for u, lo in lids) / (len(lids) * width))
    return out[0], out[1]


def mouth_opening(points: F64) -> float:
    """Inner-lip gap (the widest of three across the mouth) over the mouth's width."""
    width = max(_d(points, *MOUTH_CORNERS), 1e-6)
    return max(_d(points, u, lo) for u, lo in INNER_LIPS) / width


def inter_eye_distance(points: F64) -> float:
    """Distance between the eye centres (ISO 19794-5's inter-eye distance), pixels."""
    left = points[[LEFT_EYE[0], LEFT_EYE[1]], :2].mean(axis=0)
    right = points[[RIGHT_EYE[0], RIGHT_EYE[1]], :2].mean(axis=0)
    return float(np.linalg.norm(left - right))


@dataclass(frozen=True)
class Light:
    """Face luminance figures (0..255 scale)."""

    mean: float
    clipped: float  # share of face pixels at or above the clipping level
    uniformity: float  # darker half's mean over the brighter half's, 0..1
    halves: tuple[float, float]
    black: float = float("nan")  # share of face pixels at or below the black level


def face_light(image: U8, points: F64, clip_level: int, black_level: int = 25) -> Light:
    """Luminance inside the face outline, and left/right halves split at the nose line.

    Worked on a crop around the face scaled to at most 256 px, so a big photo costs the
    same as a small one. ``image`` is BGR.
    """
    h, w = image.shape[:2]
    outline = points[list(FACE_OVAL), :2]
    x0, y0 = np.floor(outline.min(axis=0)).astype(int)
    x1, y1 = np.ceil(outline.max(axis=0)).astype(int)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return Light(float("nan"), float("nan"), float("nan"), (float("nan"), float("nan")))
    k = min(1.0, 256.0 / max(x1 - x0, y1 - y0))
    crop: U8 = image[y0:y1, x0:x1]
    if k < 1.0:
        crop = cv2.resize(
            crop,
            (max(1, round((x1 - x0) * k)), max(1, round((y1 - y0) * k))),
            interpolation=cv2.INTER_AREA,
        ).astype(np.uint8)
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY).astype(np.float64)
    ch, cw = gray.shape
    local = (outline - np.array([x0, y0])) * np.array([cw / (x1 - x0), ch / (y1 - y0)])
    mask = np.zeros((ch, cw), np.uint8)
    cv2.fillPoly(mask, [np.round(local).astype(np.int32)], 255)
    # leave out the outline's edge (hair, background) and the eyes' and mouth's darkness
    shrink = max(1, round(0.06 * min(ch, cw)))
    mask = cv2.erode(mask, np.ones((2 * shrink + 1, 2 * shrink + 1), np.uint8))
    inside = mask > 0
    if int(inside.sum()) < 16:
        return Light(float("nan"), float("nan"), float("nan"), (float("nan"), float("nan")))
    values = gray[inside]
    mean = float(values.mean())
    clipped = float((values >= clip_level).mean())
    black = float((values <= black_level).mean())
    # the midline: a line through the nose bridge points, in crop pixels
    bridge = (points[list(NOSE_BRIDGE), :2] - np.array([x0, y0])) * np.array(
        [cw / (x1 - x0), ch / (y1 - y0)]
    )
    fit = np.polyfit(bridge[:, 1], bridge[:, 0], 1)  # x as a function of y
    ys, xs = np.mgrid[0:ch, 0:cw]
    left_side = xs < (fit[0] * ys + fit[1])
    a = gray[inside & left_side]
    b = gray[inside & ~left_side]
    if a.size < 8 or b.size < 8:
        return Light(mean, clipped, float("nan"), (float("nan"), float("nan")), black)
    ma, mb = float(a.mean()), float(b.mean())
    uniform = min(ma, mb) / max(ma, mb, 1e-6)
    return Light(mean, clipped, uniform, (ma, mb), black)


@dataclass(frozen=True)
class Colour:
    """The cheeks' mean CIELAB a* (green-red) and b* (blue-yellow), and whether the
    photo has any colour at all."""

    a: float
    b: float
    grey: bool


def face_colour(image: U8, points: F64, spread: int, share: float) -> Colour:
    """OFIQ's natural-colour inputs: the cheeks' mean a* and b* (squares of 0.12 of the
    inter-eye distance around the mesh's cheek points, ``CHEEKS``: OFIQ averages the skin
    of the two cheeks below the eyes), and ``grey``: under ``share`` of
    the photo's pixels (a copy of at most 256 px) have channels more than ``spread``
    apart, a black-and-white photo however it was stored. ``image`` is BGR."""
    h, w = image.shape[:2]
    k = min(1.0, 256.0 / max(h, w))
    small = image
    if k < 1.0:
        size = (max(1, round(w * k)), max(1, round(h * k)))
        small = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)
    channels = small.astype(np.int16)
    coloured = float(((channels.max(axis=2) - channels.min(axis=2)) > spread).mean())
    grey = coloured < share
    r = max(2, round(0.12 * inter_eye_distance(points)))
    patches = []
    for index in CHEEKS:
        x, y = (int(v) for v in np.round(points[index, :2]))
        patch = image[max(0, y - r) : max(0, y + r + 1), max(0, x - r) : max(0, x + r + 1)]
        if patch.size:
            patches.append(patch.reshape(-1, 3))
    if not patches:
        return Colour(float("nan"), float("nan"), grey)
    a, b = lab_ab(np.concatenate(patches))
    return Colour(float(a.mean()), float(b.mean()), grey)


# sRGB (D65) to CIE XYZ, rows X, Y, Z over columns R, G, B; X and Z over the white point
_RGB_TO_XYZ = np.array(
    [
        [0.412453 / 0.950456, 0.357580 / 0.950456, 0.180423 / 0.950456],
        [0.212671, 0.715160, 0.072169],
        [0.019334 / 1.088754, 0.119193 / 1.088754, 0.950227 / 1.088754],
    ]
)


def lab_ab(bgr: U8) -> tuple[F64, F64]:
    """CIELAB a* and b* of 8-bit BGR pixels (shape (n, 3)), as OpenCV's ``COLOR_BGR2Lab``
    computes them on floats. Why not OpenCV: its first Lab conversion in a process builds
    tables for 44-68 ms, paid by every ``idphoto generate`` for a few hundred pixels."""
    rgb = bgr[:, ::-1].astype(np.float64) / 255.0
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = linear @ _RGB_TO_XYZ.T
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    return 500.0 * (f[:, 0] - f[:, 1]), 200.0 * (f[:, 1] - f[:, 2])


def natural_colour_score(a: float, b: float) -> float:
    """OFIQ's natural-colour raw score: how far the cheeks' mean a*/b* lie outside
    a* 5..25, b* 5..35 (0 inside); 100 when either is negative (a green or blue skin)."""
    if a < 0 or b < 0:
        return 100.0
    return math.hypot(max(0.0, 5 - a, a - 25), max(0.0, 5 - b, b - 35))


def scene_white(image: U8, share: float = 0.995) -> float:
    """The luminance (0..255) that ``share`` of the photo's pixels stay at or under: where
    the photo's brightest parts are (backdrop, eye whites, highlights, clothing).

    Unlike the face's own brightness it does not depend on the customer's skin: a photo
    exposed as it should be has its brightest parts near white whoever is in it, and an
    underexposed one has them grey. Worked on a copy of at most 256 px; ``image`` is BGR.
    """
    h, w = image.shape[:2]
    k = min(1.0, 256.0 / max(h, w, 1))
    small = image
    if k < 1.0:
        size = (max(1, round(w * k)), max(1, round(h * k)))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA).astype(np.uint8)
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    counts = np.bincount(gray.ravel(), minlength=256).cumsum()
    return float(np.searchsorted(counts, share * counts[-1]))


def _block_ratio(gray: npt.NDArray[np.float32], axis: int) -> float:
    """The mean step across one 8-px column (or row) phase over the mean of the others,
    at the phase where it is largest (a crop need not start on the block grid)."""
    steps = np.abs(np.diff(gray, axis=axis)).mean(axis=1 - axis)
    usable = (steps.size // 8) * 8
    phases = steps[:usable].reshape(-1, 8).mean(axis=0)
    edge = int(phases.argmax())
    rest = float(np.delete(phases, edge).mean())
    return float(phases[edge]) / rest if rest > 1e-6 else 1.0


def blockiness(gray: U8) -> float:
    """How strongly 8x8 JPEG blocks show in a grey region: 1.0 when no phase of the
    8-px grid stands out, above 1.5 for heavily compressed pixels (limits.BLOCKY_*).
    The smaller of the horizontal and vertical figures: JPEG blocks step both ways, a
    striped pattern only one. NaN for a region too small to measure."""
    if min(gray.shape[:2]) < 16:
        return math.nan
    pixels = gray.astype(np.float32)
    return min(_block_ratio(pixels, 1), _block_ratio(pixels, 0))


def angle_words(value: float, positive: str, negative: str) -> tuple[float, str]:
    """(|value| rounded, the word for its sign) for the clerk's sentence."""
    return abs(value), positive if value >= 0 else negative


def finite(value: float) -> bool:
    return math.isfinite(value)


# The inner lip contour of the 468-point mesh, in order around the mouth opening.
INNER_LIP_CONTOUR = (
    78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95,
)  # fmt: skip
# Cheek points (under the eyes) where the face's own skin colour is sampled.
CHEEKS = (50, 280, 101, 330)


def tongue_share(image: U8, points: F64) -> float:
    """Share of the open mouth's inside that is tongue-coloured (redder than the skin, not
    dark like the mouth's cavity, not pale like teeth). NaN when the mouth is too small.

    Teeth are pale (low red chroma), the cavity is dark; a tongue fills the opening with
    red-pink. The skin's own red chroma is the reference, so skin tone does not matter.
    """
    h, w = image.shape[:2]
    poly = points[list(INNER_LIP_CONTOUR), :2]
    x0, y0 = np.floor(poly.min(axis=0)).astype(int)
    x1, y1 = np.ceil(poly.max(axis=0)).astype(int)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1 + 1), min(h, y1 + 1)
    if x1 - x0 < 6 or y1 - y0 < 3:
        return float("nan")
    crop = image[y0:y1, x0:x1]
    mask = np.zeros(crop.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(poly - np.array([x0, y0])).astype(np.int32)], 255)
    inside = mask > 0
    if int(inside.sum()) < 12:
        return float("nan")
    ycc = cv2.cvtColor(crop, cv2.COLOR_BGR2YCrCb).astype(np.float64)
    skin = []
    r = max(2, round(0.02 * inter_eye_distance(points)))
    for i in CHEEKS:
        cx, cy = int(points[i, 0]), int(points[i, 1])
        patch = image[max(0, cy - r) : cy + r + 1, max(0, cx - r) : cx + r + 1]
        if patch.size:
            skin.append(cv2.cvtColor(patch, cv2.COLOR_BGR2YCrCb).reshape(-1, 3).mean(axis=0))
    if not skin:
        return float("nan")
    ref = np.mean(skin, axis=0)
    y, cr = ycc[:, :, 0][inside], ycc[:, :, 1][inside]
    tongue = (cr > ref[1] + 8.0) & (y > 0.45 * ref[0])
    return float(tongue.mean())
