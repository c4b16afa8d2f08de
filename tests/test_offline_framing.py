"""Issue 12, engine side: choose the face, adjust the frame, re-render from the cache,
no wedges after levelling, and re-cropping a provider's transparent result."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from idphoto_desktop.cli import main
from idphoto_desktop.core import validation
from idphoto_desktop.core.errors import FaceError, ValidationError
from idphoto_desktop.core.imageprep import prepare_photo, prepare_photo_bytes
from idphoto_desktop.core.job import (
    CropGeometry,
    FrameAdjust,
    GenerateParams,
    GenerateRequest,
    GenerateResult,
    OutputFormat,
    PhotoSize,
    PreparedPhoto,
)
from idphoto_desktop.core.recrop import recrop_result
from idphoto_desktop.engines.offline import OfflineEngine
from idphoto_desktop.engines.offline.detector import detect_faces
from idphoto_desktop.engines.offline.imaging import Pyramid, decode
from idphoto_desktop.engines.offline.landmarks import face_mesh
from idphoto_desktop.engines.offline.nets import Networks

ICAO = CropGeometry(head_fraction=(0.711, 0.8))
SIZE = PhotoSize(413, 531)


def params(**kw: object) -> GenerateParams:
    base: dict[str, object] = {"size": SIZE, "geometry": ICAO}
    base.update(kw)
    return GenerateParams(**base)  # type: ignore[arg-type]


def alpha_of(result: GenerateResult) -> np.ndarray:
    img = cv2.imdecode(np.frombuffer(result.image, np.uint8), cv2.IMREAD_UNCHANGED)
    assert img is not None and img.shape[2] == 4
    return img[:, :, 3].astype(np.float32) / 255.0


def back_to_uploaded(result: GenerateResult, x: float, y: float) -> tuple[float, float]:
    c = result.crop
    assert c is not None
    m = np.linalg.inv(np.array([[c.a, c.b, c.c], [c.d, c.e, c.f], [0, 0, 1]]))
    u = m @ np.array([x, y, 1.0])
    return float(u[0]), float(u[1])


@pytest.fixture(scope="module")
def engine(models_dir: Path) -> OfflineEngine:
    return OfflineEngine(models_dir)


@pytest.fixture(scope="module")
def two_people(photos_dir: Path) -> PreparedPhoto:
    return prepare_photo(photos_dir / "fr_two_people.jpg")


@pytest.fixture(scope="module")
def portrait(photos_dir: Path) -> PreparedPhoto:
    return prepare_photo(photos_dir / "hivision_test0.jpg")


# --- 1. choose the face -----------------------------------------------------------------


def test_face_index_picks_the_person_left_to_right(
    engine: OfflineEngine, two_people: PreparedPhoto, models_dir: Path
) -> None:
    nets = Networks(models_dir)
    boxes = sorted(detect_faces(decode(two_people.data), nets.detect), key=lambda d: d.center[0])
    assert len(boxes) == 2
    centres = []
    for number in (1, 2):
        result = engine.generate(
            GenerateRequest(params=params(face_index=number), photo=two_people)
        )
        assert result.raw is not None and result.raw["offline"]["face_index"] == number
        assert result.guides is not None
        g = result.guides
        # the head's centre in the result lies inside face N's box on the photo
        x, y = back_to_uploaded(result, g.center_x, (g.crown_y + g.chin_y) / 2)
        box = boxes[number - 1]
        assert box.x0 <= x <= box.x1 and box.y0 - box.height * 0.3 <= y <= box.y1
        assert not any("faces were found" in w for w in result.warnings)  # the clerk chose
        centres.append(x)
    assert centres[0] < centres[1]


def test_automatic_choice_names_the_face_it_used(
    engine: OfflineEngine, two_people: PreparedPhoto
) -> None:
    result = engine.generate(GenerateRequest(params=params(), photo=two_people))
    assert result.raw is not None
    number = int(result.raw["offline"]["face_index"])
    assert any(f"face {number} from the left" in w for w in result.warnings)


@pytest.mark.parametrize("number", [3, 7])
def test_a_face_that_does_not_exist_is_a_clear_error(
    engine: OfflineEngine, two_people: PreparedPhoto, number: int
) -> None:
    with pytest.raises(FaceError) as err:
        engine.generate(GenerateRequest(params=params(face_index=number), photo=two_people))
    assert f"no face {number}" in str(err.value)
    assert "2 faces" in str(err.value)
    assert "1 to 2" in err.value.hint


def test_face_index_is_validated(engine: OfflineEngine) -> None:
    for bad in (0, -1, True, 1.5, 100):
        with pytest.raises(ValidationError):
            validation.validate_face_index(bad)
    made = validation.make_params(SIZE, OutputFormat.PNG, face_index=2)
    assert made.face_index == 2


def test_cli_face_option(
    photos_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photo = str(photos_dir / "fr_two_people.jpg")
    out = tmp_path / "right.png"
    code = main(["generate", photo, "--size", "300x400", "--engine", "offline", "--face", "2",
                 "-o", str(out)])
    assert code == 0 and out.is_file()
    code = main(["generate", photo, "--size", "300x400", "--engine", "offline", "--face", "3",
                 "-o", str(tmp_path / "none.png")])
    assert code != 0
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("idphoto: ") and "no face 3" in last
    assert not (tmp_path / "none.png").exists()
    code = main(["generate", photo, "--size", "300x400", "--engine", "offline", "--face", "0",
                 "-o", str(tmp_path / "zero.png")])
    assert code == 1


# --- 2. adjust the frame ----------------------------------------------------------------


def test_adjust_is_validated() -> None:
    ok = validation.validate_adjust(FrameAdjust(0.1, -0.2, 1.3, -15.0))
    assert ok == FrameAdjust(0.1, -0.2, 1.3, -15.0)
    for bad in (
        FrameAdjust(dx=0.6),
        FrameAdjust(dy=-0.51),
        FrameAdjust(scale=0.3),
        FrameAdjust(scale=2.5),
        FrameAdjust(angle_deg=15.5),
        FrameAdjust(dx=math.nan),
        FrameAdjust(angle_deg=math.inf),
    ):
        with pytest.raises(ValidationError):
            validation.validate_adjust(bad)


def test_framing_key_names_the_frame_not_the_colour() -> None:
    png = params()
    jpg = params(format=OutputFormat.JPG, bg_color="FF0000")
    assert png.framing_key() == jpg.framing_key()
    assert png.cache_key() != jpg.cache_key()  # cache_key keeps its meaning
    assert params(adjust=FrameAdjust()).framing_key() == png.framing_key()
    keys = {
        png.framing_key(),
        params(face_index=2).framing_key(),
        params(adjust=FrameAdjust(dx=0.01)).framing_key(),
        params(adjust=FrameAdjust(angle_deg=2)).framing_key(),
        params(geometry=None).framing_key(),
        params(size=PhotoSize(413, 530)).framing_key(),
        params(preset_id="icao_35x45").framing_key(),
    }
    assert len(keys) == 7
    assert params(face_index=2).cache_key() == png.cache_key()


def _shift(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    (dx, dy), _ = cv2.phaseCorrelate(a.astype(np.float64), b.astype(np.float64))
    return dx, dy


def test_adjust_moves_scales_and_turns_the_head_as_asked(
    engine: OfflineEngine, portrait: PreparedPhoto, models_dir: Path
) -> None:
    auto = engine.generate(GenerateRequest(params=params(), photo=portrait))
    moved = engine.generate(
        GenerateRequest(params=params(adjust=FrameAdjust(dx=0.1, dy=-0.05)), photo=portrait)
    )
    want = (0.1 * SIZE.width, -0.05 * SIZE.height)
    assert auto.crop is not None and moved.crop is not None
    assert moved.crop.c - auto.crop.c == pytest.approx(want[0], abs=1e-6)
    assert moved.crop.f - auto.crop.f == pytest.approx(want[1], abs=1e-6)
    # the pixels moved too: the person's mask, compared inside the part both frames show
    a, b = alpha_of(auto), alpha_of(moved)
    dx, dy = _shift(a, b)
    assert dx == pytest.approx(want[0], abs=1.0) and dy == pytest.approx(want[1], abs=1.0)
    assert auto.guides is not None and moved.guides is not None
    assert moved.guides.center_x - auto.guides.center_x == pytest.approx(want[0])
    assert moved.guides.eye_y - auto.guides.eye_y == pytest.approx(want[1])

    bigger = engine.generate(
        GenerateRequest(params=params(adjust=FrameAdjust(scale=1.2)), photo=portrait)
    )
    assert bigger.guides is not None
    assert bigger.guides.head_height == pytest.approx(1.2 * auto.guides.head_height)
    s_auto = math.hypot(auto.crop.a, auto.crop.d)
    assert bigger.crop is not None
    assert math.hypot(bigger.crop.a, bigger.crop.d) == pytest.approx(1.2 * s_auto)

    turned = engine.generate(
        GenerateRequest(params=params(adjust=FrameAdjust(angle_deg=8.0)), photo=portrait)
    )
    assert turned.crop is not None
    angle_auto = math.degrees(math.atan2(auto.crop.d, auto.crop.a))
    angle_turned = math.degrees(math.atan2(turned.crop.d, turned.crop.a))
    assert angle_turned - angle_auto == pytest.approx(8.0, abs=1e-6)  # clockwise on screen
    # the visible head turned as well: the eye line measured afresh on the result
    nets = Networks(models_dir)

    def eye_line(result: GenerateResult) -> float:
        flat = cv2.imdecode(np.frombuffer(result.image, np.uint8), cv2.IMREAD_COLOR)
        assert flat is not None
        face = detect_faces(flat, nets.detect)[0]
        return math.degrees(face_mesh(Pyramid(flat), face, nets.mesh).roll)

    assert eye_line(turned) - eye_line(auto) == pytest.approx(8.0, abs=1.5)


def test_cached_rerender_gives_the_same_bytes_as_a_fresh_engine(
    engine: OfflineEngine, portrait: PreparedPhoto, models_dir: Path
) -> None:
    engine.generate(GenerateRequest(params=params(), photo=portrait))
    asked = params(
        adjust=FrameAdjust(dx=-0.04, dy=0.03, scale=0.9, angle_deg=-6.0),
        format=OutputFormat.JPG,
        bg_color="3366AA",
        size=PhotoSize(390, 567),
    )
    hits = engine.cache.hits
    cached = engine.render(GenerateRequest(params=asked, photo=portrait))
    assert engine.cache.hits == hits + 1
    assert cached.timings_ms["cutout_cached"] == 1.0
    fresh_engine = OfflineEngine(models_dir)
    fresh = fresh_engine.generate(GenerateRequest(params=asked, photo=portrait))
    assert fresh.timings_ms["cutout_cached"] == 0.0
    assert cached.image == fresh.image
    assert cached.crop == fresh.crop and cached.guides == fresh.guides


def test_a_frame_beyond_the_canvas_widens_it(
    engine: OfflineEngine, portrait: PreparedPhoto, models_dir: Path
) -> None:
    wide = params(size=PhotoSize(1200, 400), geometry=None, adjust=FrameAdjust(scale=0.6))
    result = engine.generate(GenerateRequest(params=wide, photo=portrait))
    fresh = OfflineEngine(models_dir).generate(GenerateRequest(params=wide, photo=portrait))
    assert result.image == fresh.image
    a = alpha_of(result)
    assert a.max() == 1.0 and a[:, :5].max() == 0.0  # the photo ends: transparent there


def _tilted_tight_photo(photos_dir: Path, degrees: float) -> bytes:
    """A real portrait turned ``degrees`` and cut tight around the head and shoulders."""
    image = cv2.imread(str(photos_dir / "hivision_test0.jpg"))
    assert image is not None
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    turned = cv2.warpAffine(image, m, (w, h), borderMode=cv2.BORDER_REFLECT)
    crop = turned[int(h * 0.08) : int(h * 0.92), int(w * 0.12) : int(w * 0.88)]
    ok, buf = cv2.imencode(".png", crop)
    assert ok
    return bytes(buf.tobytes())


@pytest.mark.parametrize("extra", [0.0, 15.0])
def test_levelling_leaves_no_wedges_of_the_old_photo(
    engine: OfflineEngine, photos_dir: Path, extra: float
) -> None:
    data = _tilted_tight_photo(photos_dir, 14.0)
    photo = prepare_photo_bytes(data, "tilted.png")
    asked = params(adjust=FrameAdjust(angle_deg=extra), size=PhotoSize(500, 531))
    result = engine.generate(GenerateRequest(params=asked, photo=photo))
    assert result.raw is not None and abs(result.raw["offline"]["roll_deg"]) > 8
    a = alpha_of(result)
    h, w = a.shape
    outside = 0
    for x, y in ((0.5, 0.5), (w - 0.5, 0.5), (0.5, h - 0.5), (w - 0.5, h - 0.5)):
        u, v = back_to_uploaded(result, x, y)
        if not (0 <= u <= photo.width and 0 <= v <= photo.height):
            outside += 1
            assert a[int(y), int(x)] == 0.0  # transparent, not the photo's edge pixels
    assert outside >= 2  # the levelled frame does reach past the photo
    # on a colour, those wedges are the chosen colour exactly
    blue = engine.render(
        GenerateRequest(
            params=params(
                adjust=FrameAdjust(angle_deg=extra), size=PhotoSize(500, 531),
                format=OutputFormat.JPG, bg_color="0000FF",
            ),
            photo=photo,
        )
    )
    img = cv2.imdecode(np.frombuffer(blue.image, np.uint8), cv2.IMREAD_COLOR)
    assert img is not None
    corner = img[:4, :4].reshape(-1, 3).astype(int)
    assert (np.abs(corner - np.array([255, 0, 0])) <= 3).all() or a[0, 0] > 0


# --- re-crop of a provider's transparent result ------------------------------------------


def test_recrop_moves_a_returned_transparent_result(
    engine: OfflineEngine, portrait: PreparedPhoto
) -> None:
    returned = engine.generate(
        GenerateRequest(params=params(geometry=None, size=PhotoSize(400, 500)), photo=portrait)
    )
    down = recrop_result(returned, FrameAdjust(dy=0.04))
    assert down is not None  # the frame goes past the top edge, where there is only backdrop
    a0, a1 = alpha_of(returned), alpha_of(down)
    dx, dy = _shift(a0, a1)
    assert dx == pytest.approx(0.0, abs=1.0) and dy == pytest.approx(20.0, abs=1.0)
    assert a1[:15].max() == 0.0
    # the crop still maps the uploaded photo exactly: the same point lands 20 px lower
    assert returned.crop is not None and down.crop is not None
    assert down.crop.f - returned.crop.f == pytest.approx(20.0, abs=1e-6)
    # moving the person up reaches past the bottom, where the body is cut: a new call
    assert recrop_result(returned, FrameAdjust(dy=-0.1)) is None
    assert recrop_result(returned, FrameAdjust(scale=0.7)) is None
    # zooming in stays inside: always possible
    closer = recrop_result(returned, FrameAdjust(scale=1.3, angle_deg=3.0))
    assert closer is not None and closer.width == 400
    with pytest.raises(ValidationError):
        jpg = engine.generate(
            GenerateRequest(
                params=params(format=OutputFormat.JPG, bg_color="FFFFFF"), photo=portrait
            )
        )
        recrop_result(jpg, FrameAdjust(dx=0.1))
