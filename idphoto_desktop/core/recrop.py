"""Re-frame a provider's transparent result locally, or say that a new paid call is needed.

The provider returns one framing of the person as a transparent PNG; the clerk may then
move, scale or turn the frame (``FrameAdjust``). Where the returned image covers the new
frame, the new framing is cut from it here, at no cost. Where the new frame reaches past
the returned image *and the person reaches that edge* (a body cut at the bottom, hair at
the top), pixels would be missing: ``recrop_result`` then returns ``None`` and the window
asks before a new paid call. Past an edge that is transparent all along, the frame simply
goes on transparent.
"""

from __future__ import annotations

import io
import math

import numpy as np
import numpy.typing as npt
from PIL import Image

from idphoto_desktop.core.background import open_result
from idphoto_desktop.core.errors import ValidationError
from idphoto_desktop.core.geometry import Affine
from idphoto_desktop.core.job import (
    FaceGuides,
    FrameAdjust,
    GenerateResult,
    OutputFormat,
    PhotoSize,
)

F64 = npt.NDArray[np.float64]

EDGE_ALPHA = 13  # of 255: an edge row/column with any alpha above this holds the person
SLACK_PX = 0.5


def _matrix(a: Affine) -> F64:
    return np.array([[a.a, a.b, a.c], [a.d, a.e, a.f]], np.float64)


def _invert(m: F64) -> F64:
    full = np.vstack([m, [0.0, 0.0, 1.0]])
    out: F64 = np.linalg.inv(full)[:2]
    return out


def _compose(outer: F64, inner: F64) -> F64:
    out: F64 = (np.vstack([outer, [0, 0, 1]]) @ np.vstack([inner, [0, 0, 1]]))[:2]
    return out


def frame_matrix(
    size: PhotoSize, new_size: PhotoSize, adjust: FrameAdjust, guides: FaceGuides | None
) -> F64:
    """New-output pixels -> returned-image pixels for ``adjust`` applied to the result.

    The adjustment turns and scales about the head's centre (from ``guides``; else the
    middle of the image, a little above centre, where ID photos put the head), then moves
    by fractions of the new output. A different ``new_size`` keeps the head's size in
    proportion to the height, centred across.
    """
    if guides is not None:
        cx, cy = guides.center_x, (guides.crown_y + guides.chin_y) / 2
    else:
        cx, cy = size.width / 2, size.height * 0.45
    k = new_size.height / size.height  # result px -> new px before the adjustment
    theta = math.radians(adjust.angle_deg)
    c, s = math.cos(theta) * adjust.scale * k, math.sin(theta) * adjust.scale * k
    ncx, ncy = new_size.width / 2 + (cx - size.width / 2) * k, cy * k
    tx, ty = adjust.dx * new_size.width, adjust.dy * new_size.height
    # result px -> new px: about the head's centre, then moved
    forward = np.array(
        [[c, -s, ncx + tx - (c * cx - s * cy)], [s, c, ncy + ty - (s * cx + c * cy)]]
    )
    return _invert(forward)


def _corners(m: F64, size: PhotoSize) -> F64:
    pts = np.array(
        [[0.0, 0.0, 1.0], [size.width, 0.0, 1.0], [size.width, size.height, 1.0],
         [0.0, size.height, 1.0]]
    )
    out: F64 = pts @ m.T
    return out


def covers(alpha: npt.NDArray[np.uint8], new_to_result: F64, new_size: PhotoSize) -> bool:
    """Whether the new frame can be cut from the returned image without missing pixels.

    True when the frame lies inside the image, or where it reaches past an edge, that
    edge of the image is transparent all along (nothing of the person is cut there).
    """
    h, w = alpha.shape
    pts = _corners(new_to_result, new_size)
    xs, ys = pts[:, 0], pts[:, 1]
    edges = {
        "left": (xs.min() < -SLACK_PX, alpha[:, 0]),
        "right": (xs.max() > w + SLACK_PX, alpha[:, -1]),
        "top": (ys.min() < -SLACK_PX, alpha[0, :]),
        "bottom": (ys.max() > h + SLACK_PX, alpha[-1, :]),
    }
    return all(not past or int(line.max()) <= EDGE_ALPHA for past, line in edges.values())


def _warp(image: Image.Image, new_to_result: F64, new_size: PhotoSize) -> Image.Image:
    """Resample with PIL (corner coordinates, like core.geometry), transparent outside.

    Premultiplied, so the transparent surround does not darken the edge; a strong shrink
    is area-reduced first, so edges do not alias.
    """
    src = image.convert("RGBa")
    m = new_to_result.copy()
    scale = math.sqrt(abs(float(np.linalg.det(m[:, :2]))))
    if scale > 2.0:
        factor = int(scale // 1.5)
        src = src.reduce(factor)
        m = m / factor
    # PIL's affine works in corner coordinates too: the matrix is passed as it is
    out = src.transform(
        (new_size.width, new_size.height),
        Image.Transform.AFFINE,
        tuple(float(v) for v in m.ravel()),
        resample=Image.Resampling.BICUBIC,
        fillcolor=(0, 0, 0, 0),
    )
    return out.convert("RGBA")


def recrop_result(
    result: GenerateResult,
    adjust: FrameAdjust,
    new_size: PhotoSize | None = None,
) -> GenerateResult | None:
    """``result`` re-framed by ``adjust`` (and resized to ``new_size``), or ``None`` when
    the returned image does not cover the new frame and a new paid call is needed.

    Needs a transparent (PNG) result: a flattened JPEG has no person to move over a new
    background. ``crop`` (uploaded -> output) and ``guides`` follow the new frame.
    """
    if result.format is not OutputFormat.PNG:
        raise ValidationError(
            "Only a transparent (PNG) result can be re-framed locally.",
            hint="Ask for a PNG result, or make a new one with the new frame.",
        )
    size = PhotoSize(result.width, result.height)
    target = new_size or size
    image = open_result(result.image).convert("RGBA")
    if image.size != (size.width, size.height):
        size = PhotoSize(*image.size)
    new_to_result = frame_matrix(size, target, adjust, result.guides)
    alpha = np.asarray(image.getchannel("A"), np.uint8)
    if not covers(alpha, new_to_result, target):
        return None
    out = _warp(image, new_to_result, target)
    buf = io.BytesIO()
    out.save(buf, format="PNG", compress_level=1)
    forward = _invert(new_to_result)
    crop = None
    if result.crop is not None:
        m = _compose(forward, _matrix(result.crop))
        crop = Affine(*(float(v) for v in m.ravel()))
    guides = None
    if result.guides is not None:
        g = result.guides
        cx, cy = g.center_x, (g.crown_y + g.chin_y) / 2
        ncx, ncy = forward @ np.array([cx, cy, 1.0])
        k = adjust.scale * target.height / size.height
        guides = FaceGuides(
            crown_y=float(ncy + k * (g.crown_y - cy)),
            chin_y=float(ncy + k * (g.chin_y - cy)),
            eye_y=float(ncy + k * (g.eye_y - cy)),
            center_x=float(ncx),
        )
    return GenerateResult(
        image=buf.getvalue(),
        format=OutputFormat.PNG,
        width=target.width,
        height=target.height,
        engine=result.engine,
        foreground_rect=result.foreground_rect,
        crop=crop,
        crop_is_approximate=result.crop_is_approximate,
        guides=guides,
        task_id=result.task_id,
        timings_ms={},
        warnings=result.warnings,
        raw=result.raw,
    )
