"""The offline engine's pieces on synthetic data whose right answer is known."""

from __future__ import annotations

import itertools
import math

import cv2
import numpy as np
import pytest

from idphoto_desktop.core.errors import ImageError, ValidationError
from idphoto_desktop.core.job import CropGeometry, PhotoSize
from idphoto_desktop.engines.offline import cropping, detector, matting
from idphoto_desktop.engines.offline.imaging import (
    Pyramid,
    compose,
    decode,
    invert,
    parse_hex_color,
    to_index_matrix,
    warp,
)


def test_anchors_follow_mediapipe_layout() -> None:
    anchors = detector.ANCHORS
    assert anchors.shape == (896, 2)
    # 16x16 grid, 2 per cell, then 8x8 grid, 6 per cell
    assert np.allclose(anchors[0], [0.5 / 16, 0.5 / 16]) and np.allclose(anchors[1], anchors[0])
    assert np.allclose(anchors[2], [1.5 / 16, 0.5 / 16])
    assert np.allclose(anchors[512], [0.5 / 8, 0.5 / 8])
    assert np.allclose(anchors[512:518], anchors[512])
    assert np.allclose(anchors[-1], [7.5 / 8, 7.5 / 8])


def test_decode_places_box_and_keypoints_from_the_anchor() -> None:
    scores = np.full((896,), -20.0, np.float32)
    raw = np.zeros((896, 16), np.float32)
    i = 600
    scores[i] = 5.0
    raw[i, :4] = [12.8, -6.4, 32.0, 64.0]  # dx, dy, w, h in input pixels
    raw[i, 4:6] = [-10.0, 0.0]
    found = detector.decode(scores, raw)
    assert len(found) == 1
    score, box, kps = found[0]
    ax, ay = detector.ANCHORS[i]
    cx, cy = ax + 0.1, ay - 0.05
    assert score == pytest.approx(1 / (1 + math.exp(-5)))
    assert np.allclose(box, [cx - 0.125, cy - 0.25, cx + 0.125, cy + 0.25], atol=1e-6)
    assert np.allclose(kps[0], [ax - 10 / 128, ay], atol=1e-6)
    assert np.allclose(kps[1], [ax, ay], atol=1e-6)


def test_weighted_nms_merges_overlaps_and_keeps_separate_faces() -> None:
    def det(x: float, score: float) -> detector.Detection:
        return detector.Detection(x, 0, x + 10, 10, score, ((x, 0.0),) * 6)

    merged = detector.weighted_nms([det(0, 0.9), det(1, 0.6), det(50, 0.7)])
    assert len(merged) == 2
    first = merged[0]
    assert first.score == 0.9
    assert first.x0 == pytest.approx((0 * 0.9 + 1 * 0.6) / 1.5)


def test_tiles_cover_the_image() -> None:
    tiles = detector._tiles(1000, 2000, 500)
    xs = sorted({x for x, _ in tiles})
    ys = sorted({y for _, y in tiles})
    assert xs[0] == 0 and xs[-1] + 500 == pytest.approx(1000)
    assert ys[0] == 0 and ys[-1] + 500 == pytest.approx(2000)
    assert all(b - a <= 250 + 1e-6 for a, b in itertools.pairwise(ys))


def test_index_matrix_matches_opencv_resize() -> None:
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, (64, 48, 3), dtype=np.uint8)
    half = np.array([[0.5, 0.0, 0.0], [0.0, 0.5, 0.0]])
    warped = np.asarray(warp(img, half, (24, 32)))
    resized = cv2.resize(img, (24, 32), interpolation=cv2.INTER_LINEAR)
    assert np.abs(warped.astype(int) - resized.astype(int)).max() <= 1
    m = np.array([[2.0, 0.0, 3.0], [0.0, 2.0, -1.0]])
    idx = to_index_matrix(m)
    # the centre of pixel (0, 0) is the corner point (0.5, 0.5) -> (4, 0) -> index (3.5, -0.5)
    assert np.allclose(idx @ [0, 0, 1], [3.5, -0.5])


def test_pyramid_warp_keeps_the_map_exact() -> None:
    """A big downscale through the pyramid lands features where the affine says."""
    img = np.zeros((2000, 1600, 3), np.uint8)
    cv2.circle(img, (1200, 500), 40, (255, 255, 255), -1)
    m = np.array([[0.1, 0.0, 5.0], [0.0, 0.1, 7.0]])
    small = Pyramid(img).warp(m, (200, 220), exact_resize=True)
    ys, xs = np.nonzero(small[:, :, 0] > 128)
    assert xs.mean() + 0.5 == pytest.approx(1200.5 * 0.1 + 5, abs=0.3)
    assert ys.mean() + 0.5 == pytest.approx(500.5 * 0.1 + 7, abs=0.3)


def test_compose_and_invert() -> None:
    a = np.array([[math.cos(0.3), math.sin(0.3), 4.0], [-math.sin(0.3), math.cos(0.3), -2.0]])
    b = np.array([[2.0, 0.0, 1.0], [0.0, 2.0, 3.0]])
    ab = compose(a, b)
    p = np.array([5.0, 7.0, 1.0])
    assert np.allclose(ab @ p, a @ np.append(b @ p, 1.0))
    assert np.allclose(compose(invert(ab), ab), [[1, 0, 0], [0, 1, 0]])


def test_guided_filter_smooths_flat_areas_and_keeps_colour_edges() -> None:
    guide = np.zeros((80, 80, 3), np.float32)
    guide[:, 40:] = (0.9, 0.2, 0.1)
    src = (guide[:, :, 0] > 0.5).astype(np.float32)
    rng = np.random.default_rng(3)
    noisy = src + rng.normal(0, 0.15, src.shape).astype(np.float32)
    out = matting.guided_filter(guide, noisy, 6, 1e-3)
    assert np.abs(out[:, 44:] - 1).mean() < 0.05 and np.abs(out[:, :36]).mean() < 0.05
    assert out[:, 38].mean() < 0.2 and out[:, 41].mean() > 0.8, "the edge stays sharp"
    fast = matting.guided_filter(guide, noisy, 8, 1e-3, subsample=2)
    assert np.abs(fast - out).mean() < 0.05


def test_foreground_estimate_removes_the_old_background() -> None:
    """A red object over green, blended at the edge: the estimate is red, not olive."""
    h, w = 100, 300
    ramp = np.clip((np.arange(w, dtype=np.float32) - 150) / 6, 0, 1)
    alpha = ramp[None, :].repeat(h, 0).astype(np.float32)
    fg = np.zeros((h, w, 3), np.float32)
    fg[:] = (0.1, 0.1, 0.9)
    bg = np.zeros((h, w, 3), np.float32)
    bg[:] = (0.1, 0.8, 0.1)
    image = fg * alpha[:, :, None] + bg * (1 - alpha[:, :, None])
    est = matting.estimate_foreground(np.round(image * 255).astype(np.uint8), alpha) / 255.0
    edge = (alpha > 0.2) & (alpha < 0.8)
    err_est = np.abs(est[edge] - fg[edge]).mean()
    err_raw = np.abs(image[edge] - fg[edge]).mean()
    assert err_est < 0.25 * err_raw


def test_keep_person_drops_islands_and_fills_only_when_asked() -> None:
    mask = np.zeros((100, 100), bool)
    mask[20:80, 20:80] = True
    mask[45:50, 45:50] = False  # a pinhole
    mask[2:6, 90:95] = True  # a detached blob
    kept = matting.keep_person(mask, (30, 30))
    assert not kept[3, 92] and not kept[47, 47]
    filled = matting.keep_person(mask, (30, 30), 0.01)
    assert filled[47, 47]


def test_grabcut_is_seeded_and_repeatable_and_tightens_the_mask() -> None:
    rng = np.random.default_rng(5)
    img = rng.integers(90, 110, (120, 100, 3), dtype=np.uint8)
    cv2.ellipse(img, (50, 70), (30, 45), 0, 0, 360, (30, 60, 200), -1)
    prob = np.zeros((120, 100), np.float32)
    cv2.ellipse(prob, (50, 70), (33, 48), 0, 0, 360, 1.0, -1)  # the model: a bit loose
    prob = np.asarray(cv2.GaussianBlur(prob, (0, 0), 2), np.float32)
    valid = np.ones((120, 100), bool)
    a = matting.grabcut_refine(img, prob, valid, (50, 70))
    cv2.setRNGSeed(999)  # whatever state the thread's generator is in
    b = matting.grabcut_refine(img, prob, valid, (50, 70))
    assert np.array_equal(a, b)
    truth = np.zeros((120, 100), np.uint8)
    cv2.ellipse(truth, (50, 70), (30, 45), 0, 0, 360, 1, -1)

    def iou(mask: np.ndarray) -> float:
        inter = np.logical_and(mask, truth > 0).sum()
        return float(inter / np.logical_or(mask, truth > 0).sum())

    assert iou(a > 0.5) > 0.95 > iou(prob >= 0.5)


def frame(chin: float = 100.0, forehead: float = -60.0) -> cropping.HeadFrame:
    return cropping.HeadFrame(
        origin=(300.0, 200.0),
        roll=0.1,
        chin_y=chin,
        forehead_y=forehead,
        crown_y=forehead - 0.34 * (chin - forehead),
        center_x=2.0,
        face_width=140.0,
    )


def test_place_meets_each_rule_near_its_middle() -> None:
    f = frame()
    size = PhotoSize(413, 531)
    p = cropping.place(f, size, CropGeometry(head_fraction=(0.711, 0.8)))
    assert p.head == pytest.approx(0.7555, abs=0.003)
    assert p.top == pytest.approx(cropping.DEFAULT_TOP, abs=0.002)
    us = CropGeometry(head_fraction=(0.5, 0.69), eye_from_bottom_fraction=(0.56, 0.69))
    p = cropping.place(f, PhotoSize(600, 600), us)
    assert 0.5 <= p.head <= 0.69
    assert 0.56 <= p.eye_from_bottom(f) <= 0.69
    both = CropGeometry(
        head_fraction=(0.7, 0.8),
        top_margin_fraction=(0.04, 0.08),
        eye_from_bottom_fraction=(0.5, 0.6),
    )
    p = cropping.place(f, size, both)
    assert 0.7 <= p.head <= 0.8 and 0.04 <= p.top <= 0.08
    assert p.top + p.head <= 0.98


def test_default_placement_and_a_narrow_frame() -> None:
    f = frame()
    p = cropping.place(f, PhotoSize(600, 800), None)
    assert p.head == pytest.approx(0.6) and p.top == pytest.approx(0.1)
    narrow = cropping.place(f, PhotoSize(150, 800), None)
    assert narrow.head < 0.6
    s = narrow.head * 800 / f.head_height
    assert s * f.face_width <= 0.7 * 150 + 1e-6


def test_output_matrix_puts_the_head_where_placed() -> None:
    f = frame()
    size = PhotoSize(413, 531)
    p = cropping.Placement(0.75, 0.1)
    m = cropping.output_matrix(f, size, p)
    back = invert(f.level_matrix())
    crown = m @ np.append(back @ [f.center_x, f.crown_y, 1.0], 1.0)
    chin = m @ np.append(back @ [f.center_x, f.chin_y, 1.0], 1.0)
    assert crown == pytest.approx([413 / 2, 0.1 * 531])
    assert chin == pytest.approx([413 / 2, 0.85 * 531])
    eyes = m @ [f.origin[0], f.origin[1], 1.0]
    assert eyes[1] == pytest.approx(crown[1] + (0 - f.crown_y) * 0.75 * 531 / f.head_height)


def test_crown_from_mask_follows_the_hair_and_is_bounded() -> None:
    f = frame()
    to_mask = np.array([[1.0, 0.0, 200.0], [0.0, 1.0, 300.0]])  # level -> mask pixels
    prob = np.zeros((500, 400), np.float32)
    valid = np.ones((500, 400), bool)
    top = 300 + f.forehead_y - 70  # hair 70 px above the forehead
    prob[int(top) :, 100:300] = 1.0
    crown, cut = cropping.crown_from_mask(f, prob, valid, to_mask)
    assert crown == pytest.approx(f.forehead_y - 70, abs=1.0) and not cut
    prob[:, 100:300] = 1.0  # person up to the frame's top, which is outside the photo
    valid[:5] = False
    prob[:5] = 0.0
    crown, cut = cropping.crown_from_mask(f, prob, valid, to_mask)
    span = f.chin_y - f.forehead_y
    assert crown == pytest.approx(f.forehead_y - cropping.CROWN_MAX * span) and cut


def test_low_percentile_is_numpys_linear_percentile() -> None:
    """The crown's 10th percentile without numpy's (which imports numpy.ma)."""
    rng = np.random.default_rng(3)
    for size in (1, 2, 3, 7, 40, 401):
        values = rng.integers(0, 500, size)
        for q in (0, 10, 37.5, 50, 100):
            assert cropping.low_percentile(values, q) == pytest.approx(np.percentile(values, q))


def test_decode_flattens_alpha_and_refuses_garbage() -> None:
    rgba = np.zeros((20, 30, 4), np.uint8)
    rgba[:, :, 2] = 255  # red, fully transparent on the left half
    rgba[:, 15:, 3] = 255
    ok, buf = cv2.imencode(".png", rgba)
    assert ok
    img = decode(bytes(buf.tobytes()))
    assert img.shape == (20, 30, 3)
    assert tuple(img[5, 2]) == (255, 255, 255) and tuple(img[5, 25]) == (0, 0, 255)
    gray16 = (np.arange(200, dtype=np.uint16).reshape(10, 20) * 300).astype(np.uint16)
    ok, buf = cv2.imencode(".png", gray16)
    assert decode(bytes(buf.tobytes())).shape == (10, 20, 3)
    with pytest.raises(ImageError):
        decode(b"")
    with pytest.raises(ImageError):
        decode(b"GIF89a not really")


def test_colour_parsing() -> None:
    assert parse_hex_color(None) == (255, 255, 255)
    assert parse_hex_color("0044CC") == (0xCC, 0x44, 0x00)
    assert parse_hex_color("#ff0000") == (0, 0, 255)
    for bad in ("12345", "GGGGGG", "red"):
        with pytest.raises(ValidationError):
            parse_hex_color(bad)


def test_cut_warnings_follow_a_slanted_photo_edge_row_by_row() -> None:
    """A levelled photo's edge is slanted: it reaches the frame's side in the top rows and
    ends inside it lower down, on the person. Whole-column tests missed that."""
    from idphoto_desktop.engines.offline.pipeline import cut_warnings

    h = w = 200
    ys, xs = np.mgrid[0:h, 0:w]
    valid = (xs <= 199 - 0.3 * ys).astype(np.float32)  # right edge slants inward going down
    alpha = ((np.abs(xs - 100) < 20 + 0.6 * ys) & (ys > 20)).astype(np.float32) * valid
    said = cut_warnings(alpha, valid)
    assert any("cut off at the side" in w for w in said)
    assert not any("above the bottom" in w for w in said)
    # the photo covering the frame: nothing to say
    full = np.ones((h, w), np.float32)
    person = ((np.abs(xs - 100) < 60) & (ys > 20)).astype(np.float32)
    assert cut_warnings(person, full) == []
    # the bottom slanted the same way, on the person: said with the largest gap
    bottom_valid = (ys <= 199 - 0.2 * xs).astype(np.float32)
    body = ((np.abs(xs - 100) < 90) & (ys > 20)).astype(np.float32) * bottom_valid
    said = cut_warnings(body, bottom_valid)
    assert any("px above the bottom" in w for w in said)
