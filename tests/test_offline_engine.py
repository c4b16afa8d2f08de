"""The offline engine end to end on the real shared photos and on made-up edge cases."""

from __future__ import annotations

import math
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from idphoto_desktop.core.errors import CancelledError, FaceError, ValidationError
from idphoto_desktop.core.imageprep import prepare_photo_bytes
from idphoto_desktop.core.job import (
    CancelToken,
    CropGeometry,
    GenerateParams,
    GenerateRequest,
    GenerateResult,
    OutputFormat,
    PhotoSize,
    PreparedPhoto,
)
from idphoto_desktop.engines.base import Engine
from idphoto_desktop.engines.offline import OfflineEngine
from idphoto_desktop.engines.offline.detector import detect_faces
from idphoto_desktop.engines.offline.imaging import Pyramid, decode, to_index_matrix
from idphoto_desktop.engines.offline.landmarks import CHIN, face_mesh
from idphoto_desktop.engines.offline.nets import Networks

# icao_35x45 in ../shared/specs/id_specs.json: 413x531 px, derived.head_fraction_of_height
ICAO = CropGeometry(head_fraction=(0.711, 0.8))
SIZE = PhotoSize(413, 531)
# photos with one clearly visible face (not: two people, the microphone, the tiny/soft ones)
CLEAR_SINGLE = [
    "hivision_test0.jpg",
    "hivision_test1.jpg",
    "hivision_test3.jpg",
    "fr_obama.jpg",
    "fr_knn_examples_train_biden_biden2.jpg",
    "fr_knn_examples_train_rose_leslie_img2.jpg",
]


def prepared(data: bytes, name: str = "photo.png") -> PreparedPhoto:
    """The photo as the app uploads it: through core.imageprep, like the window does."""
    return prepare_photo_bytes(data, name)


def encode(bgr: np.ndarray, ext: str = ".png") -> bytes:
    ok, buf = cv2.imencode(ext, bgr)
    assert ok
    return bytes(buf.tobytes())


def request(
    data: bytes,
    *,
    name: str = "photo.png",
    size: PhotoSize = SIZE,
    fmt: OutputFormat = OutputFormat.PNG,
    bg: str | None = None,
    geometry: CropGeometry | None = ICAO,
) -> GenerateRequest:
    params = GenerateParams(size=size, format=fmt, bg_color=bg, geometry=geometry)
    return GenerateRequest(params=params, photo=prepared(data, name))


def rgba_of(result: GenerateResult) -> np.ndarray:
    img = cv2.imdecode(np.frombuffer(result.image, np.uint8), cv2.IMREAD_UNCHANGED)
    assert img is not None
    return img


@pytest.fixture(scope="module")
def engine(models_dir: Path) -> OfflineEngine:
    return OfflineEngine(models_dir)


@pytest.fixture(scope="module")
def photo_bytes(photos_dir: Path) -> dict[str, bytes]:
    """Each shared photo as uploaded (prepared), keyed by its file name."""
    out: dict[str, bytes] = {}
    for p in photos_dir.iterdir():
        if p.suffix in {".jpg", ".png"}:
            out[p.name] = prepare_photo_bytes(p.read_bytes(), p.name).data
    return out


@pytest.fixture(scope="module")
def results(engine: OfflineEngine, photo_bytes: dict[str, bytes]) -> dict[str, GenerateResult]:
    """Every shared photo through the engine once (35x45 preset, transparent PNG)."""
    out: dict[str, GenerateResult] = {}
    for name, data in sorted(photo_bytes.items()):
        out[name] = engine.generate(request(data, name=name))
    return out


def test_engine_satisfies_protocol(engine: OfflineEngine) -> None:
    assert isinstance(engine, Engine)
    assert engine.name == "offline"
    assert engine.costs_money is False


def test_every_shared_photo_gives_a_result(
    results: dict[str, GenerateResult], all_photos: list[Path]
) -> None:
    assert set(results) == {p.name for p in all_photos}
    for name, res in results.items():
        img = rgba_of(res)
        assert img.shape == (SIZE.height, SIZE.width, 4), name
        assert res.image[:8] == b"\x89PNG\r\n\x1a\n"
        assert (res.width, res.height, res.format, res.engine) == (
            413,
            531,
            OutputFormat.PNG,
            "offline",
        )
        assert res.crop is not None and not res.crop_is_approximate
        assert res.guides is not None and res.foreground_rect is not None
        assert res.timings_ms["total"] > 0


def test_two_people_are_counted_and_the_largest_used(results: dict[str, GenerateResult]) -> None:
    for name in ("fr_two_people.jpg", "fr_knn_examples_test_kit_with_rose.jpg"):
        warnings = " ".join(results[name].warnings)
        assert "2 faces were found" in warnings, name
        assert "largest" in warnings
    for name in CLEAR_SINGLE:
        assert not any("faces were found" in w for w in results[name].warnings), name


def test_two_people_rect_covers_only_the_chosen_person(
    results: dict[str, GenerateResult], photo_bytes: dict[str, bytes], models_dir: Path
) -> None:
    data = photo_bytes["fr_two_people.jpg"]
    image = decode(data)
    faces = detect_faces(image, Networks(models_dir).detect)
    assert len(faces) == 2
    chosen, other = faces[0], faces[1]
    rect = results["fr_two_people.jpg"].foreground_rect
    assert rect is not None
    cx, cy = chosen.center
    assert rect.x <= cx <= rect.right and rect.y <= cy <= rect.bottom
    ox, _ = other.center
    assert not rect.x <= ox <= rect.right, "the other person is outside the rectangle"
    assert 0 <= rect.x and rect.right <= image.shape[1] + 0.5


def test_head_fraction_inside_the_preset_range(results: dict[str, GenerateResult]) -> None:
    lo, hi = ICAO.head_fraction or (0, 1)
    for name in CLEAR_SINGLE:
        guides = results[name].guides
        assert guides is not None
        assert lo <= guides.head_height / SIZE.height <= hi, name
        assert guides.crown_y > 0, "the crown is inside the photo"
        assert abs(guides.center_x - SIZE.width / 2) < 1


def test_guides_match_an_independent_measurement(
    results: dict[str, GenerateResult], models_dir: Path
) -> None:
    """Re-detect the face in the output: chin and eye line land where the guides say, level.

    The crown guide is checked against the result's own alpha: the top of the opaque head.
    """
    nets = Networks(models_dir)
    for name in CLEAR_SINGLE:
        res = results[name]
        assert res.guides is not None
        rgba = rgba_of(res)
        alpha = rgba[:, :, 3].astype(np.float32) / 255
        flat = (rgba[:, :, :3] * alpha[:, :, None] + 255 * (1 - alpha[:, :, None])).astype(np.uint8)
        faces = detect_faces(flat, nets.detect)
        assert faces, name
        mesh = face_mesh(Pyramid(flat), faces[0], nets.mesh)
        assert abs(mesh.points[CHIN][1] - res.guides.chin_y) < 0.03 * SIZE.height, name
        assert abs(mesh.eye_mid[1] - res.guides.eye_y) < 0.03 * SIZE.height, name
        assert abs(math.degrees(mesh.roll)) < 2.5, name
        cx = round(res.guides.center_x)
        column = alpha[:, cx - 20 : cx + 20].max(axis=1)
        top = int(np.argmax(column > 0.5))
        assert abs(top - res.guides.crown_y) < 0.05 * SIZE.height, name


def test_transparent_where_the_background_was(results: dict[str, GenerateResult]) -> None:
    for name in CLEAR_SINGLE:
        res = results[name]
        assert res.guides is not None
        alpha = rgba_of(res)[:, :, 3]
        assert alpha[:5, :5].max() == 0 and alpha[:5, -5:].max() == 0, name
        cy = round((res.guides.eye_y + res.guides.chin_y) / 2)
        cx = round(res.guides.center_x)
        assert alpha[cy - 5 : cy + 5, cx - 5 : cx + 5].min() == 255, name


def test_crop_is_the_exact_map_from_uploaded_pixels(
    results: dict[str, GenerateResult], photo_bytes: dict[str, bytes]
) -> None:
    """Warping the upload with ``crop`` reproduces the opaque part of the output."""
    for name in ("hivision_test0.jpg", "fr_obama.jpg"):
        res = results[name]
        c = res.crop
        assert c is not None
        matrix = np.array([[c.a, c.b, c.c], [c.d, c.e, c.f]])
        source = decode(photo_bytes[name])
        warped = cv2.warpAffine(source, to_index_matrix(matrix), (SIZE.width, SIZE.height))
        rgba = rgba_of(res)
        opaque = rgba[:, :, 3] == 255
        diff = np.abs(warped.astype(int) - rgba[:, :, :3].astype(int))[opaque]
        assert opaque.mean() > 0.3
        assert float(np.median(diff)) < 4, name


def test_jpg_on_a_colour(engine: OfflineEngine, photo_bytes: dict[str, bytes]) -> None:
    res = engine.generate(
        request(photo_bytes["hivision_test3.jpg"], fmt=OutputFormat.JPG, bg="0044CC")
    )
    assert res.image[:3] == b"\xff\xd8\xff" and res.format is OutputFormat.JPG
    img = cv2.imdecode(np.frombuffer(res.image, np.uint8), cv2.IMREAD_COLOR)
    assert img is not None and img.shape == (531, 413, 3)
    corner = img[:8, :8].reshape(-1, 3).mean(axis=0)
    assert np.allclose(corner, (0xCC, 0x44, 0x00), atol=6)  # BGR


def test_jpg_defaults_to_white(engine: OfflineEngine, photo_bytes: dict[str, bytes]) -> None:
    res = engine.generate(request(photo_bytes["hivision_test0.jpg"], fmt=OutputFormat.JPG))
    img = cv2.imdecode(np.frombuffer(res.image, np.uint8), cv2.IMREAD_COLOR)
    assert img is not None and img[:8, :8].min() > 245


def test_same_input_same_bytes(models_dir: Path, photo_bytes: dict[str, bytes]) -> None:
    data = photo_bytes["hivision_test4.jpg"]
    first = OfflineEngine(models_dir).generate(request(data))
    second_engine = OfflineEngine(models_dir)
    second = second_engine.generate(request(data))
    again = second_engine.generate(request(data))
    assert first.image == second.image == again.image
    assert first.crop == second.crop and first.foreground_rect == second.foreground_rect


def test_parallel_calls_match_serial_ones(
    engine: OfflineEngine, photo_bytes: dict[str, bytes], results: dict[str, GenerateResult]
) -> None:
    names = ["hivision_test0.jpg", "fr_obama.jpg", "hivision_test3.jpg"]
    out: dict[str, bytes] = {}

    def run(name: str) -> None:
        out[name] = engine.generate(request(photo_bytes[name])).image

    threads = [threading.Thread(target=run, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name in names:
        assert out[name] == results[name].image, name


def test_no_face_is_a_clear_error(engine: OfflineEngine) -> None:
    plain = np.full((600, 500, 3), (40, 160, 90), np.uint8)
    with pytest.raises(FaceError, match="No face"):
        engine.generate(request(encode(plain)))
    rng = np.random.default_rng(7)
    noise = rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)
    with pytest.raises(FaceError):
        engine.generate(request(encode(noise)))


def test_image_url_is_refused(engine: OfflineEngine) -> None:
    params = GenerateParams(size=SIZE)
    with pytest.raises(ValidationError, match="needs a photo file"):
        engine.generate(GenerateRequest(params=params, image_url="https://example.com/a.jpg"))


def test_tiny_face_warns_with_its_size(
    engine: OfflineEngine, photo_bytes: dict[str, bytes]
) -> None:
    face = decode(photo_bytes["hivision_test0.jpg"])
    small = cv2.resize(face, (144, 192), interpolation=cv2.INTER_AREA)
    canvas = np.full((900, 700, 3), 200, np.uint8)
    canvas[500:692, 300:444] = small
    res = engine.generate(request(encode(canvas)))
    text = " ".join(res.warnings)
    assert "The face is small" in text and "px tall" in text


def test_a_dark_but_sharp_face_is_not_called_blurred(
    engine: OfflineEngine, photo_bytes: dict[str, bytes], models_dir: Path
) -> None:
    """The Laplacian's variance falls with the square of the contrast: a dark-skinned face
    (here the head given 1/16 of the light) is as sharp as before and must be told so."""
    from PIL import Image

    from bench.capture_transforms import TRANSFORMS, Face

    bgr = decode(photo_bytes["hivision_test1.jpg"])
    d = detect_faces(bgr, Networks(models_dir).detect)[0]
    photo = Image.fromarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    dark = TRANSFORMS["dark_face"][0](photo, Face(d.x0, d.y0, d.x1 - d.x0, d.y1 - d.y0))
    res = engine.generate(request(encode(cv2.cvtColor(np.asarray(dark), cv2.COLOR_RGB2BGR))))
    assert not any("blurred" in w for w in res.warnings), res.warnings


def test_blurred_face_warns_with_the_measure(
    engine: OfflineEngine, photo_bytes: dict[str, bytes], results: dict[str, GenerateResult]
) -> None:
    sharp = decode(photo_bytes["fr_obama.jpg"])
    soft = cv2.GaussianBlur(sharp, (0, 0), 6)
    res = engine.generate(request(encode(soft, ".jpg")))
    assert any("blurred" in w and "variance of the Laplacian" in w for w in res.warnings)
    assert not any("blurred" in w for w in results["fr_obama.jpg"].warnings)


def test_photo_cut_above_the_crop_bottom_is_not_stretched(
    engine: OfflineEngine, photo_bytes: dict[str, bytes], results: dict[str, GenerateResult]
) -> None:
    """The bottom rows outside the photo stay background, and the clerk is told."""
    full = results["hivision_test0.jpg"]
    assert full.guides is not None and full.crop is not None
    # cut the upload a little below the chin
    inv = np.linalg.inv(
        np.array(
            [
                [full.crop.a, full.crop.b, full.crop.c],
                [full.crop.d, full.crop.e, full.crop.f],
                [0, 0, 1],
            ]
        )
    )
    chin_src_y = (inv @ np.array([full.guides.center_x, full.guides.chin_y + 25, 1.0]))[1]
    photo = decode(photo_bytes["hivision_test0.jpg"])[: int(chin_src_y)]
    res = engine.generate(request(encode(photo)))
    assert any("px above the bottom" in w and "not stretched" in w for w in res.warnings)
    alpha = rgba_of(res)[:, :, 3]
    assert alpha[-3:].max() == 0, "rows below the photo are transparent"


def test_custom_size_uses_defaults(engine: OfflineEngine, photo_bytes: dict[str, bytes]) -> None:
    res = engine.generate(
        request(photo_bytes["hivision_test3.jpg"], size=PhotoSize(600, 800), geometry=None)
    )
    assert res.guides is not None
    assert rgba_of(res).shape == (800, 600, 4)
    assert res.guides.head_height / 800 == pytest.approx(0.6, abs=0.01)
    assert res.guides.crown_y / 800 == pytest.approx(0.1, abs=0.01)


def test_narrow_custom_size_keeps_the_face_inside(
    engine: OfflineEngine, photo_bytes: dict[str, bytes], models_dir: Path
) -> None:
    res = engine.generate(
        request(photo_bytes["hivision_test3.jpg"], size=PhotoSize(200, 600), geometry=None)
    )
    assert res.guides is not None
    assert res.guides.head_height / 600 < 0.55, "the head is shrunk to fit the width"
    rgba = rgba_of(res)
    alpha = rgba[:, :, 3:4].astype(np.float32) / 255
    flat = (rgba[:, :, :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
    faces = detect_faces(flat, Networks(models_dir).detect)
    assert faces and faces[0].x0 > 0 and faces[0].x1 < 200


def test_eye_line_and_top_margin_rules(
    engine: OfflineEngine, photo_bytes: dict[str, bytes]
) -> None:
    """A US-style rule set: head 50-69 %, eyes 56-69 % from the bottom."""
    geometry = CropGeometry(head_fraction=(0.5, 0.69), eye_from_bottom_fraction=(0.56, 0.69))
    res = engine.generate(
        request(photo_bytes["fr_obama.jpg"], size=PhotoSize(600, 600), geometry=geometry)
    )
    g = res.guides
    assert g is not None
    assert 0.5 <= g.head_height / 600 <= 0.69
    assert 0.56 <= 1 - g.eye_y / 600 <= 0.69


def test_progress_and_cancel(engine: OfflineEngine, photo_bytes: dict[str, bytes]) -> None:
    seen: list[int] = []
    engine.generate(
        request(photo_bytes["hivision_test0.jpg"]), progress=lambda p, _t: seen.append(p)
    )
    assert seen == sorted(seen) and seen[-1] == 100 and len(seen) >= 4
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        engine.generate(request(photo_bytes["hivision_test0.jpg"]), cancel=token)

    later = CancelToken()

    def cancel_midway(percent: int, _text: str) -> None:
        if percent >= 30:
            later.cancel()

    with pytest.raises(CancelledError):
        engine.generate(
            request(photo_bytes["hivision_test0.jpg"]), progress=cancel_midway, cancel=later
        )


def test_bad_colour_and_bad_bytes(engine: OfflineEngine, photo_bytes: dict[str, bytes]) -> None:
    with pytest.raises(ValidationError):
        engine.generate(
            request(photo_bytes["hivision_test0.jpg"], fmt=OutputFormat.JPG, bg="nonsense")
        )
    junk = PreparedPhoto(
        b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png", "x.png", 1, 1, 1, 1, 1.0, ""
    )
    with pytest.raises(ValidationError, match="could not be decoded"):
        engine.generate(GenerateRequest(params=GenerateParams(size=SIZE), photo=junk))


def test_small_faces_in_the_shared_photos_warn_and_clear_ones_do_not(
    results: dict[str, GenerateResult],
) -> None:
    for name in ("fr_knn_examples_test_kit_with_rose.jpg", "fr_two_people.jpg"):
        assert any(w.startswith("The face is small") for w in results[name].warnings), name
    for name in CLEAR_SINGLE:
        assert results[name].warnings == (), name


def test_head_cut_at_the_photo_top_is_said(
    engine: OfflineEngine, photo_bytes: dict[str, bytes]
) -> None:
    photo = decode(photo_bytes["hivision_test0.jpg"])[100:]
    res = engine.generate(request(encode(photo)))
    assert any("top of the head is cut off" in w for w in res.warnings)
    assert rgba_of(res)[:3, :, 3].max() == 0, "nothing invented above the photo"


def test_networks_load_once_per_engine(models_dir: Path, photo_bytes: dict[str, bytes]) -> None:
    engine = OfflineEngine(models_dir)
    assert engine._nets is None, "lazy: nothing loaded before the first photo"
    engine.generate(request(photo_bytes["hivision_test3.jpg"]))
    nets = engine._nets
    engine.generate(request(photo_bytes["hivision_test3.jpg"]))
    assert nets is not None and engine._nets is nets


def test_photo_too_narrow_is_said(engine: OfflineEngine, photo_bytes: dict[str, bytes]) -> None:
    photo = decode(photo_bytes["hivision_test0.jpg"])[:, 200:]
    res = engine.generate(request(encode(photo)))
    assert any("too narrow" in w for w in res.warnings)
    assert rgba_of(res)[:, :3, 3].max() == 0, "the missing side is background"
