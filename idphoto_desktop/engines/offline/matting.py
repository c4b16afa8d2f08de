"""From a coarse person mask to a clean alpha matte and halo-free edge colours.

The selfie model's mask is soft and coarse (256x256), so: GrabCut seeded from it sharpens
the outline on colour (at ~480 px, seeded RNG so the same photo gives the same bytes); a
colour guided filter at output size lets the edge follow hair and collars; and blur-fusion
foreground estimation replaces the old background's colour in edge pixels, which is what
otherwise shows as a halo on a new background.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
U8 = npt.NDArray[np.uint8]
B = npt.NDArray[np.bool_]

RNG_SEED = 20240611
# In the hair zone GrabCut starts from the model's near-certain pixels only: loops of hair
# enclose background that the coarse model calls person, and starting them as person
# teaches GrabCut's person model the backdrop colour.
HAIR_INIT_FG = 0.98
BAND = 0.025  # of the frame: how far inside the outline GrabCut may still change labels


def _disk(radius: int) -> U8:
    size = 2 * max(1, radius) + 1
    return np.asarray(cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)), np.uint8)


def keep_person(mask: B, seed: tuple[int, int], min_hole: float = 0.0) -> B:
    """The connected part of ``mask`` holding ``seed`` (the face), holes below ``min_hole``
    (a fraction of the frame) filled.

    Drops detached blobs (another person, a background patch GrabCut liked). Holes are
    filled only in the model's coarse mask: in GrabCut's they are usually real background
    seen through hair loops, which filling would turn into opaque patches.
    """
    count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    if count <= 1:
        return np.asarray(mask, np.bool_)
    h, w = mask.shape
    sx, sy = min(max(seed[0], 0), w - 1), min(max(seed[1], 0), h - 1)
    label = int(labels[sy, sx])
    if label == 0:
        areas = np.bincount(labels.ravel())
        areas[0] = 0
        label = int(np.argmax(areas))
    person: B = np.asarray(labels == label, np.bool_)
    if min_hole <= 0:
        return person
    inverse = (~person).astype(np.uint8)
    count, holes, stats, _ = cv2.connectedComponentsWithStats(inverse, connectivity=4)
    limit = min_hole * h * w
    for i in range(1, count):
        x, y, bw, bh, area = stats[i]
        touches_border = x == 0 or y == 0 or x + bw == w or y + bh == h
        if not touches_border and area < limit:
            person[holes == i] = True
    return person


def grabcut_refine(
    image: U8,
    prob: F32,
    valid: B,
    face: tuple[int, int],
    sure_person: B | None = None,
    hair_zone_end: int = 0,
    iterations: int = 2,
) -> F32:
    """A binary person mask (0/1 float) refined by GrabCut from the selfie probability.

    Only a band around the model's outline is left for GrabCut to decide; far inside is
    sure person, far outside sure background, outside the photo always background.
    ``sure_person`` (the face mesh and the neck below it) is person whatever the model
    says: back-lit jaws and shadowed necks are where it hesitates. ``iterations``: 2, or 1
    when a matting network refines the hair band afterwards (the costliest part). Rows above
    ``hair_zone_end`` start as person only where the model is near-certain. If GrabCut strays far
    from the model (a background colour shared with clothes), the model's own mask is
    kept: it is the safer of the two.
    """
    if sure_person is not None:
        prob = np.where(sure_person, np.float32(1.0), prob).astype(np.float32)
    h, w = prob.shape
    band = max(2, round(BAND * max(h, w)))
    person = prob >= 0.5
    sure_fg = cv2.erode((prob >= 0.8).astype(np.uint8), _disk(band)) > 0
    sure_bg = cv2.erode((prob < 0.2).astype(np.uint8), _disk(band)) > 0
    init_fg = person.copy()
    init_fg[:hair_zone_end] = prob[:hair_zone_end] >= HAIR_INIT_FG
    gc = np.where(init_fg, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    gc[sure_fg] = cv2.GC_FGD
    if sure_person is not None:
        gc[sure_person] = cv2.GC_FGD
    gc[sure_bg | ~valid] = cv2.GC_BGD
    fallback = keep_person(person & valid, face, 0.002).astype(np.float32)
    # Outside the photo the frame is black; left black, it would teach GrabCut's background
    # model "black", and a dark suit at the photo's edge would turn into background. It is
    # painted the backdrop's mean colour instead (still sure background).
    rows = np.flatnonzero(valid.any(axis=1))
    cols = np.flatnonzero(valid.any(axis=0))
    if rows.size == 0:
        return fallback
    y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    roi = np.ascontiguousarray(gc[y0:y1, x0:x1])
    has_fg = ((roi == cv2.GC_FGD) | (roi == cv2.GC_PR_FGD)).any()
    backdrop = valid & (gc != cv2.GC_FGD) & (gc != cv2.GC_PR_FGD)
    if not has_fg or not backdrop[y0:y1, x0:x1].any():
        return fallback
    painted = np.ascontiguousarray(image[y0:y1, x0:x1]).copy()
    painted[~valid[y0:y1, x0:x1]] = image[backdrop].mean(axis=0).astype(np.uint8)
    cv2.setRNGSeed(RNG_SEED)
    bgd = np.zeros((1, 65), np.float64)
    fgd = np.zeros((1, 65), np.float64)
    cv2.grabCut(painted, roi, None, bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK)  # type: ignore[call-overload]
    gc[y0:y1, x0:x1] = roi
    refined = (gc == cv2.GC_FGD) | (gc == cv2.GC_PR_FGD)
    refined = keep_person(refined & valid, face)
    inter = float(np.count_nonzero(refined & person))
    union = float(np.count_nonzero(refined | person)) or 1.0
    if inter / union < 0.85:
        return fallback
    return refined.astype(np.float32)


def _box(x: F32, r: int) -> F32:
    out = cv2.boxFilter(x, -1, (2 * r + 1, 2 * r + 1), borderType=cv2.BORDER_REFLECT)
    return np.asarray(out, np.float32)


def guided_filter(guide: F32 | U8, src: F32, radius: int, eps: float, subsample: int = 1) -> F32:
    """He et al.'s colour guided filter (fast variant when ``subsample`` > 1).

    ``cv2.ximgproc`` is not in the headless wheel, hence this numpy version: per pixel a
    3x3 solve, done with explicit cofactors over whole arrays. A uint8 guide is read as
    0..1; with ``subsample`` only the final ``a * I + b`` runs at full size.
    """
    scale = 1.0 / 255.0 if guide.dtype == np.uint8 else 1.0
    full_h, full_w = src.shape
    if subsample > 1:
        size = (max(1, full_w // subsample), max(1, full_h // subsample))
        guide_s = (
            np.asarray(cv2.resize(guide, size, interpolation=cv2.INTER_AREA), np.float32) * scale
        )
        src_s = np.asarray(cv2.resize(src, size, interpolation=cv2.INTER_AREA), np.float32)
        r = max(1, radius // subsample)
    else:
        guide_s, src_s, r = guide.astype(np.float32) * scale, src, radius
    mean_i = _box(guide_s, r)
    mean_p = _box(src_s, r)
    cov_ip = _box(guide_s * src_s[:, :, None], r) - mean_i * mean_p[:, :, None]
    ch = [guide_s[:, :, k] for k in range(3)]
    mi = [mean_i[:, :, k] for k in range(3)]

    def var(a: int, b: int) -> F32:
        v: F32 = _box(ch[a] * ch[b], r) - mi[a] * mi[b]
        return v

    s00, s01, s02 = var(0, 0) + eps, var(0, 1), var(0, 2)
    s11, s12, s22 = var(1, 1) + eps, var(1, 2), var(2, 2) + eps
    i00 = s11 * s22 - s12 * s12
    i01 = s02 * s12 - s01 * s22
    i02 = s01 * s12 - s02 * s11
    i11 = s00 * s22 - s02 * s02
    i12 = s01 * s02 - s00 * s12
    i22 = s00 * s11 - s01 * s01
    det = s00 * i00 + s01 * i01 + s02 * i02
    c0, c1, c2 = cov_ip[:, :, 0], cov_ip[:, :, 1], cov_ip[:, :, 2]
    a = np.stack(
        [
            (i00 * c0 + i01 * c1 + i02 * c2) / det,
            (i01 * c0 + i11 * c1 + i12 * c2) / det,
            (i02 * c0 + i12 * c1 + i22 * c2) / det,
        ],
        axis=2,
    ).astype(np.float32)
    b = (mean_p - (a * mean_i).sum(axis=2)).astype(np.float32)
    mean_a = _box(a, r)
    mean_b = _box(b, r)
    if subsample > 1:
        up = (full_w, full_h)
        mean_a = np.asarray(cv2.resize(mean_a, up, interpolation=cv2.INTER_LINEAR), np.float32)
        mean_b = np.asarray(cv2.resize(mean_b, up, interpolation=cv2.INTER_LINEAR), np.float32)
    q: F32 = np.asarray(mean_b, np.float32).copy()
    for k in range(3):  # channel by channel: no full-size 3-channel float temporaries
        q += mean_a[:, :, k] * (guide[:, :, k].astype(np.float32) * scale)
    return q


def _means(values: F32, weights: F32, radius: int) -> F32:
    """Weighted local mean colour (normalised box blur)."""
    k = (2 * radius + 1, 2 * radius + 1)
    num = cv2.blur(values * weights[:, :, None], k)
    den = cv2.blur(weights, k)[:, :, None] + 1e-5
    return np.asarray(num / den, np.float32)


def _fuse(image: F32, fg_mean: F32, bg_mean: F32, alpha: F32) -> F32:
    """The compositing equation solved for the foreground, given local mean colours."""
    a3 = alpha[:, :, None]
    fg = fg_mean + a3 * (image - a3 * fg_mean - (1.0 - a3) * bg_mean)
    out: F32 = np.clip(fg, 0.0, 1.0).astype(np.float32)
    return out


def estimate_foreground(image: U8, alpha: F32, stats_px: int = 600) -> U8:
    """Foreground colours of edge pixels without the old background mixed in.

    Forte & Pitié's blur fusion (2021): a wide pass that samples only clearly opaque and
    clearly transparent pixels (mixed edge pixels would carry the old background into the
    estimate), then a narrow pass. The local means are smooth, so they are computed at up
    to ~600 px and enlarged; only the final equation runs at full size, and only on edge
    pixels, which keeps a 2000x2000 result fast and small in memory. ``stats_px``: the
    long side (about) at which the means are computed.
    """
    h, w = alpha.shape
    side = max(h, w)
    sub = max(1, round(side / stats_px))
    small_size = (max(1, w // sub), max(1, h // sub))
    if sub > 1:
        img_s = np.asarray(cv2.resize(image, small_size, interpolation=cv2.INTER_AREA), np.uint8)
        a_s = np.asarray(cv2.resize(alpha, small_size, interpolation=cv2.INTER_AREA), np.float32)
    else:
        img_s, a_s = image, alpha
    i_s = img_s.astype(np.float32) / 255.0
    wide = max(4, round(side * 0.05 / sub))
    narrow = max(1, round(side * 0.006 / sub))
    # clear-cut pixels dominate; mixed ones count a little so no window is ever empty
    solid = np.maximum((a_s >= 0.98).astype(np.float32), 0.01 * a_s)
    clear = np.maximum((a_s <= 0.02).astype(np.float32), 0.01 * (1.0 - a_s))
    bg_mean = _means(i_s, clear, wide)
    fg_first = _fuse(i_s, _means(i_s, solid, wide), bg_mean, a_s)
    fg_mean = _means(fg_first, a_s, narrow)
    bg_mean = _means(bg_mean, 1.0 - a_s, narrow)
    edge = (alpha > 0.0) & (alpha < 1.0)
    out = image.copy()
    if not edge.any():
        return out
    if sub > 1:
        fg_mean = np.asarray(cv2.resize(fg_mean, (w, h), interpolation=cv2.INTER_LINEAR))
        bg_mean = np.asarray(cv2.resize(bg_mean, (w, h), interpolation=cv2.INTER_LINEAR))
    ys, xs = np.nonzero(edge)
    a = alpha[ys, xs][:, None]
    pix = image[ys, xs].astype(np.float32) / 255.0
    f_m, b_m = fg_mean[ys, xs], bg_mean[ys, xs]
    fg = np.clip(f_m + a * (pix - a * f_m - (1.0 - a) * b_m), 0.0, 1.0)
    out[ys, xs] = (fg * 255.0 + 0.5).astype(np.uint8)
    return out
