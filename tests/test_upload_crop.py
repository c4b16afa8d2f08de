"""Uploads cropped to the region the output can come from (issue 18), on real photos.

The photos are shared portraits upscaled past the size at which faces are looked for
(4 MP), JPEG-encoded here, never committed. Where the output comes from is the offline
engine's own frame, measured on the whole photo; the provider is the sandbox on
127.0.0.1 backed by the offline engine, through the real client.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from idphoto_desktop.api.client import ProviderClient
from idphoto_desktop.core import validation
from idphoto_desktop.core.geometry import Affine, Rect
from idphoto_desktop.core.imageprep import decode_photo, prepare_from, prepare_photo, upload_need
from idphoto_desktop.core.job import (
    FrameAdjust,
    GenerateParams,
    GenerateRequest,
    GenerateResult,
    OutputFormat,
    PhotoSize,
    PreparedPhoto,
)
from idphoto_desktop.core.presets import get_preset
from idphoto_desktop.core.stored_grid import from_stored_grid, to_stored_grid
from idphoto_desktop.core.uploadcrop import (
    MEASURE_TOLERANCE,
    FaceBox,
    HeadMeasure,
    frame_bounds,
    upload_region,
)
from idphoto_desktop.core.uploadneed import UploadNeed
from idphoto_desktop.engines.cloud import CloudEngine
from idphoto_desktop.engines.offline import OfflineEngine
from idphoto_desktop.engines.offline.headsize import locate_faces
from idphoto_desktop.pipeline import JobContext, run_job
from idphoto_desktop.storage.history import History
from tests.fixtures.sandbox import SandboxFactory

LARGEST = "hk_passport_digital"  # 1280x1600, head 64-72 %, no top-margin rule
CROPPED = (LARGEST, "cn_visa_digital")
"""Presets whose frames leave enough of each of these photos out to crop (us_passport's
head range, 50-69 %, lets the frame cover most of a head-and-shoulders photo; these and
de_biometric have an eye-line rule too, cn_visa_digital a top-margin rule)."""
PORTRAITS = [  # (photo, upscale, turn): heads from a third to a sixth of the photo's height
    ("hivision_test0.jpg", 3.5, 0),
    ("hivision_test0.jpg", 3.5, 8),  # a head tilted at ICAO's roll limit: the frame turns
    ("fr_obama.jpg", 2.2, 0),
    ("fr_biden.jpg", 1.6, -8),
    ("fr_tests_obama3.jpg", 1.4, 0),
]


def _big(photos_dir: Path, name: str, factor: float, turn: float = 0.0) -> bytes:
    with Image.open(photos_dir / name) as opened:
        photo = opened.convert("RGB")
    size = (round(photo.width * factor), round(photo.height * factor))
    big = photo.resize(size, Image.Resampling.BICUBIC)
    if turn:
        big = big.rotate(turn, resample=Image.Resampling.BICUBIC, fillcolor=(128, 128, 128))
    buf = io.BytesIO()
    big.save(buf, "JPEG", quality=92)
    return buf.getvalue()


def _prepare(data: bytes, need: UploadNeed, models_dir: Path) -> PreparedPhoto:
    decoded = decode_photo(data, "photo.jpg")
    return prepare_from(decoded, need, locate_faces=lambda image: locate_faces(image, models_dir))


def _needs(preset_id: str) -> tuple[UploadNeed, UploadNeed]:
    """The preset's need, and the same need with cropping off (the whole photo)."""
    preset = get_preset(preset_id)
    need = upload_need(preset.size, preset.geometry)
    return need, replace(need, crop=False)


def _generate(photo: PreparedPhoto, preset_id: str, models_dir: Path) -> GenerateResult:
    preset = get_preset(preset_id)
    params = GenerateParams(preset.size, OutputFormat.PNG, geometry=preset.geometry)
    return OfflineEngine(models_dir).generate(GenerateRequest(params, photo=photo))


def _frame_on_original(
    photo: PreparedPhoto, result: GenerateResult
) -> tuple[list[tuple[float, float]], float]:
    """The output frame's corners on the original, and the frame's height there."""
    crop = result.crop
    assert crop is not None
    m = np.linalg.inv(np.array([[crop.a, crop.b, crop.c], [crop.d, crop.e, crop.f], [0, 0, 1]]))
    corners = []
    for x, y in ((0, 0), (result.width, 0), (result.width, result.height), (0, result.height)):
        u = m @ np.array([x, y, 1.0])
        corners.append(photo.to_original((float(u[0]), float(u[1]))))
    height = float(np.hypot(*np.subtract(corners[3], corners[0])))
    return corners, height


@pytest.mark.parametrize(("name", "factor", "turn"), PORTRAITS)
@pytest.mark.parametrize("preset_id", [LARGEST, "us_passport", "cn_visa_digital", "de_biometric"])
def test_the_crop_holds_the_engines_frame_with_room_to_spare(
    photos_dir: Path, models_dir: Path, name: str, factor: float, turn: float, preset_id: str
) -> None:
    data = _big(photos_dir, name, factor, turn)
    need, whole_need = _needs(preset_id)
    whole = _prepare(data, whole_need, models_dir)
    assert (whole.offset_x, whole.offset_y) == (0.0, 0.0) and not whole.cropped
    corners, frame_h = _frame_on_original(whole, _generate(whole, preset_id, models_dir))
    cropped = _prepare(data, need, models_dir)
    assert cropped.cropped or preset_id not in CROPPED, (name, preset_id)
    assert any(n.startswith("Cropped to the part") for n in cropped.notes) == cropped.cropped
    left, top = cropped.offset_x, cropped.offset_y
    right = left + cropped.width / cropped.scale
    bottom = top + cropped.height / cropped.scale
    room = 0.05 * frame_h  # half our stated provider margin, as a floor
    for x, y in corners:
        # inside the region with room to spare, unless the frame runs off the photo there
        assert x >= left + room or left == 0, (name, preset_id, x, left)
        assert y >= top + room or top == 0, (name, preset_id, y, top)
        assert x <= right - room or right >= whole.original_width - 1, (name, preset_id, x, right)
        assert y <= bottom - room or bottom >= whole.original_height - 1, (name, y, bottom)
    # never enlarged, and the head the output needs is there (the engine measures it)
    assert cropped.scale <= 1.0
    result = _generate(cropped, preset_id, models_dir)
    assert result.crop is not None and result.guides is not None
    head = result.guides.head_height / float(np.hypot(result.crop.a, result.crop.d))
    preset = get_preset(preset_id)
    assert preset.geometry.head_fraction is not None
    # a head smaller than the need in the photo itself is sent at full size
    assert head >= preset.height_px * max(preset.geometry.head_fraction) or cropped.scale == 1.0


def test_the_providers_rectangle_lands_on_the_same_place_from_a_cropped_upload(
    photos_dir: Path, models_dir: Path, sandbox_factory: SandboxFactory, sandbox_token: str
) -> None:
    data = _big(photos_dir, "fr_obama.jpg", 2.2)
    need, whole_need = _needs(LARGEST)
    whole = _prepare(data, whole_need, models_dir)
    cropped = _prepare(data, need, models_dir)
    assert cropped.cropped and cropped.offset_x > 0
    server = sandbox_factory(engine=OfflineEngine(models_dir))
    preset = get_preset(LARGEST)
    params = GenerateParams(preset.size, OutputFormat.PNG, geometry=preset.geometry)
    rects = []
    frames = []
    with ProviderClient(sandbox_token, base_url=server.base_url) as client:
        for photo in (whole, cropped):
            result = client.generate(GenerateRequest(params, photo=photo, sync=True))
            assert result.foreground_rect is not None
            rects.append(photo.to_original(result.foreground_rect))
            frames.append(_frame_on_original(photo, _generate(photo, LARGEST, models_dir))[0])
    a, b = rects
    # The person's box from the cropped upload is the whole photo's box clipped to the
    # region (the shoulders may run off it): the crown within 2 % of the box's height,
    # the other edges within 4 % (the engine's person mask is made from a different
    # picture: the whole photo or a part of it).
    tolerance = 0.02 * a.height
    sides = 0.04 * a.height
    left, top = cropped.offset_x, cropped.offset_y
    right = left + cropped.width / cropped.scale
    bottom = top + cropped.height / cropped.scale
    assert abs(a.y - b.y) <= tolerance  # the crown: well inside the region
    assert abs(max(a.x, left) - b.x) <= sides
    assert abs(min(a.right, right) - b.right) <= sides
    assert abs(min(a.bottom, bottom) - b.bottom) <= sides
    # the output frame itself (where the ID photo comes from) is the same
    for (x0, y0), (x1, y1) in zip(frames[0], frames[1], strict=True):
        assert abs(x0 - x1) <= tolerance and abs(y0 - y1) <= tolerance


def test_a_group_photo_is_not_cropped_without_a_chosen_face(
    photos_dir: Path, models_dir: Path
) -> None:
    data = _big(photos_dir, "fr_two_people.jpg", 3.0)
    need, _whole = _needs(LARGEST)
    with Image.open(io.BytesIO(data)) as opened:
        assert len(locate_faces(opened.convert("RGB"), models_dir) or []) == 2
    photo = _prepare(data, need, models_dir)
    assert not photo.cropped and (photo.offset_x, photo.offset_y) == (0.0, 0.0)
    assert not any(note.startswith("Cropped") for note in photo.notes)


def test_a_chosen_face_keeps_the_whole_photo(photos_dir: Path, models_dir: Path) -> None:
    """Face numbers are the whole photo's, left to right (``idphoto check``): kept whole."""
    preset = get_preset(LARGEST)
    need = upload_need(preset.size, preset.geometry, face_index=1)
    photo = _prepare(_big(photos_dir, "fr_obama.jpg", 2.2), need, models_dir)
    assert not photo.cropped


def test_no_face_sends_the_whole_photo(models_dir: Path) -> None:
    rng = np.random.default_rng(3)
    ys, xs = np.mgrid[0:3000, 0:2000]
    pixels = np.stack([xs % 256, ys % 256, (xs + ys) % 256], axis=2).astype(np.float32)
    pixels += rng.standard_normal(pixels.shape).astype(np.float32) * 6
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    assert locate_faces(image, models_dir) == []  # looked for, none found (not: no models)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=90)
    need, _whole = _needs(LARGEST)
    photo = _prepare(buf.getvalue(), need, models_dir)
    assert not photo.cropped and (photo.width, photo.height) == (2000, 3000)


def test_the_region_rules() -> None:
    need = upload_need(PhotoSize(1280, 1600), get_preset(LARGEST).geometry)
    box = FaceBox(1800, 2000, 2200, 2400)
    region = upload_region([box], 4000, 6000, need)
    assert region is not None
    # the box and the head above it (up to 1.83 box heights from the chin) are inside
    assert region.left < box.x0 and region.right > box.x1
    assert region.top < box.y1 - 1.83 * box.height and region.bottom > box.y1
    assert upload_region([], 4000, 6000, need) is None
    assert upload_region([box, FaceBox(100, 100, 300, 300)], 4000, 6000, need) is None
    assert upload_region([box], 4000, 6000, replace(need, crop=False)) is None
    custom = upload_need(PhotoSize(600, 800))  # no head rule: any frame
    assert upload_region([box], 4000, 6000, custom) is None
    # an eye-line rule (us_passport) can only narrow the frames' union, never widen it
    us = upload_need(PhotoSize(600, 600), get_preset("us_passport").geometry)
    small_box = FaceBox(1900, 2500, 2100, 2700)
    with_eyes = upload_region([small_box], 4000, 6000, us)
    without = upload_region([small_box], 4000, 6000, replace(us, eye_from_bottom=None))
    assert with_eyes is not None and without is not None
    assert without.top <= with_eyes.top and with_eyes.bottom <= without.bottom
    assert with_eyes.height < without.height
    # a face filling the photo: the region would be nearly all of it, not worth a crop
    assert upload_region([FaceBox(1000, 1500, 3000, 3500)], 4000, 6000, need) is None


@pytest.mark.parametrize(("name", "factor", "turn"), PORTRAITS)
def test_a_lone_face_is_measured_crown_to_chin_as_the_engine_frames_it(
    photos_dir: Path, models_dir: Path, name: str, factor: float, turn: float
) -> None:
    """The head that sizes the upload is the engine's own, measured on the whole photo."""
    data = _big(photos_dir, name, factor, turn)
    with Image.open(io.BytesIO(data)) as opened:
        image = opened.convert("RGB")
    faces = locate_faces(image, models_dir)
    assert faces is not None and len(faces) == 1
    measured = faces[0].measured
    assert measured is not None
    preset = get_preset(LARGEST)
    photo = _prepare(data, _needs(LARGEST)[1], models_dir)  # the whole photo
    result = _generate(photo, LARGEST, models_dir)
    assert result.crop is not None and result.guides is not None
    engine_head = result.guides.head_height / float(np.hypot(result.crop.a, result.crop.d))
    engine_head /= photo.scale
    assert abs(measured.head - engine_head) <= MEASURE_TOLERANCE * engine_head, preset.id
    if turn:  # the roll follows the photo's turn (PIL turns counter-clockwise: the eye
        # line rises to the right, a negative angle with y down)
        with Image.open(io.BytesIO(_big(photos_dir, name, factor))) as opened:
            plain = locate_faces(opened.convert("RGB"), models_dir)
        assert plain is not None and plain[0].measured is not None
        turned_by = np.degrees(measured.roll - plain[0].measured.roll)
        assert abs(turned_by + turn) <= 1.5, turned_by
    box = faces[0]
    assert box.y0 < measured.eye_y < measured.chin_y < box.y1 + 0.3 * box.height


def test_a_head_cut_at_the_top_is_not_measured(photos_dir: Path, models_dir: Path) -> None:
    """No crown on the photo: the box alone, so the upload is sized conservatively."""
    with Image.open(photos_dir / "hivision_test0.jpg") as opened:
        photo = opened.convert("RGB")
    whole = locate_faces(photo, models_dir)
    assert whole is not None and whole[0].measured is not None
    m = whole[0].measured
    crown = m.chin_y - m.head
    cut = photo.crop((0, round(crown + 0.25 * m.head), photo.width, photo.height))
    faces = locate_faces(cut, models_dir)
    assert faces is not None and len(faces) == 1
    assert faces[0].measured is None


def test_two_faces_are_not_measured(photos_dir: Path, models_dir: Path) -> None:
    with Image.open(photos_dir / "fr_two_people.jpg") as opened:
        faces = locate_faces(opened.convert("RGB"), models_dir)
    assert faces is not None and len(faces) == 2
    assert all(face.measured is None for face in faces)


def test_a_measured_head_narrows_the_region_and_a_tilt_widens_it() -> None:
    need = upload_need(PhotoSize(1280, 1600), get_preset(LARGEST).geometry)
    box = FaceBox(1800, 2000, 2200, 2400)
    head = HeadMeasure(head=1.58 * 400, chin_y=2000 + 1.0 * 400, eye_y=2100, centre_x=2000)
    level = FaceBox(1800, 2000, 2200, 2400, head)
    by_box = frame_bounds(box, need)
    by_head = frame_bounds(level, need)
    assert by_box is not None and by_head is not None
    area = [(r - left) * (b - t) for left, t, r, b in (by_box, by_head)]
    assert area[1] < 0.7 * area[0]
    # the crown and chin are inside, with the frames' union around them
    assert by_head[1] < head.chin_y - head.head and by_head[3] > head.chin_y
    tilted = FaceBox(1800, 2000, 2200, 2400, replace(head, roll=np.radians(8.0)))
    turned = frame_bounds(tilted, need)
    assert turned is not None
    # the frames turned level with the eyes are added to the upright ones: wider
    assert turned[0] < by_head[0] and turned[2] > by_head[2]
    assert turned[1] <= by_head[1] and turned[3] >= by_head[3]
    # and the crop itself follows: a smaller region of the same photo
    cropped = [upload_region([face], 4000, 6000, need) for face in (box, level)]
    assert cropped[0] is not None and cropped[1] is not None
    assert cropped[1].width * cropped[1].height < 0.7 * cropped[0].width * cropped[0].height


def _cropped_photo(digest: str) -> PreparedPhoto:
    """A 4000x6000 photo uploaded as its 1000x1200 part at (300, 200), halved."""
    return PreparedPhoto(
        b"x", "image/jpeg", "photo.jpg", 500, 600, 4000, 6000, 0.5, digest,
        offset_x=300.0, offset_y=200.0,
    )


def test_one_mapping_for_rects_and_points() -> None:
    photo = _cropped_photo("0" * 64)
    assert photo.cropped
    assert photo.to_original((10.0, 20.0)) == (320.0, 240.0)
    assert photo.to_original(Rect(10, 20, 50, 60)) == Rect(320, 240, 100, 120)
    result = GenerateResult(
        b"png",
        OutputFormat.PNG,
        100,
        100,
        "offline",
        foreground_rect=Rect(10, 20, 50, 60),
        crop=Affine(2.0, 0.0, -5.0, 0.0, 2.0, -7.0),
    )
    stored = to_stored_grid(result, photo)
    assert stored.foreground_rect == Rect(320, 240, 100, 120)  # the photo's own pixels
    assert stored.crop is not None and stored.crop.apply(320, 240) == result.crop.apply(10, 20)  # type: ignore[union-attr]
    assert from_stored_grid(stored, photo) == result


@pytest.mark.parametrize("factor", [2.2, 4.0])
def test_a_stored_result_maps_right_when_reused_uncropped_or_at_another_scale(
    photos_dir: Path, models_dir: Path, tmp_path: Path, factor: float
) -> None:
    """Made from a cropped upload; reused with the whole photo, and (the 16 MP photo) with
    the upload a counter without the face models makes: no head measured, another scale."""
    data = _big(photos_dir, "fr_obama.jpg", factor)
    need, whole_need = _needs(LARGEST)
    cropped, whole = _prepare(data, need, models_dir), _prepare(data, whole_need, models_dir)
    assert cropped.cropped and cropped.source_sha256 == whole.source_sha256
    others = [whole]
    if factor > 3:
        unmeasured = prepare_from(decode_photo(data, "photo.jpg"), whole_need)
        assert unmeasured.scale > 1.1 * cropped.scale
        others.append(unmeasured)
    preset = get_preset(LARGEST)
    params = validation.make_params(
        preset.size, OutputFormat.PNG, preset_id=preset.id, geometry=preset.geometry
    )

    def job(photo: PreparedPhoto) -> JobContext:
        return run_job(
            JobContext(
                params=params,
                engine_name="offline",
                engine_factory=lambda: OfflineEngine(models_dir),
                paid=False,
                photo=photo,
                history=lambda: history,
                checker=None,
            )
        )

    with History(tmp_path / "h.sqlite3") as history:
        made = job(cropped)
        assert made.fresh and made.result is not None and made.result.foreground_rect
        a = cropped.to_original(made.result.foreground_rect)
        for other in others:
            reused = job(other)
            assert reused.stored is not None and not reused.fresh and reused.result is not None
            assert reused.result.foreground_rect is not None
            b = other.to_original(reused.result.foreground_rect)
            assert abs(a.x - b.x) < 1.5 and abs(a.y - b.y) < 1.5
            assert abs(a.width - b.width) < 1.5 and abs(a.height - b.height) < 1.5


@pytest.mark.parametrize(
    ("engine", "adjust", "cropped"),
    [("cloud", None, True), ("offline", None, False), ("cloud", FrameAdjust(dx=0.2), False)],
)
def test_the_job_crops_only_what_goes_to_the_provider_with_the_automatic_frame(
    photos_dir: Path,
    models_dir: Path,
    tmp_path: Path,
    sandbox_factory: SandboxFactory,
    sandbox_token: str,
    engine: str,
    adjust: FrameAdjust | None,
    cropped: bool,
) -> None:
    """The offline engine uploads nothing (and the clerk's frame may reach anywhere on
    the photo), an adjusted frame likewise: both keep the whole photo."""
    source = tmp_path / "portrait.jpg"
    source.write_bytes(_big(photos_dir, "fr_obama.jpg", 2.2))
    preset = get_preset(LARGEST)
    params = validation.make_params(
        preset.size,
        OutputFormat.PNG,
        preset_id=preset.id,
        geometry=preset.geometry,
        adjust=adjust,
    )
    server = sandbox_factory(engine=OfflineEngine(models_dir))
    factory = (
        (lambda: CloudEngine(ProviderClient(sandbox_token, base_url=server.base_url)))
        if engine == "cloud"
        else (lambda: OfflineEngine(models_dir))
    )
    ctx = run_job(
        JobContext(
            params=params,
            engine_name=engine,
            engine_factory=factory,
            paid=engine == "cloud",
            source=source,
            history=None,
            checker=None,
        )
    )
    assert ctx.photo is not None and ctx.result is not None
    assert ctx.photo.cropped == cropped


def test_the_window_shows_the_whole_photo_and_draws_upload_pixels_through_the_crop(
    photos_dir: Path, tmp_path: Path
) -> None:
    pytest.importorskip("PySide6")
    from idphoto_desktop.core.job import CancelToken
    from idphoto_desktop.ui import jobs

    path = tmp_path / "portrait.jpg"
    path.write_bytes(_big(photos_dir, "fr_obama.jpg", 2.2))
    need, whole_need = _needs(LARGEST)
    loaded = jobs.load_photo_file(path, lambda p, t: None, CancelToken(), need)
    p = loaded.prepared
    assert p is not None and p.cropped and loaded.original is not None
    ds = loaded.display_scale
    assert loaded.original.width() == round(p.original_width * ds)  # the whole photo shown
    corners = loaded.overlay_on_original(Rect(0, 0, p.width, p.height))
    assert corners is not None
    assert corners[0] == pytest.approx((p.offset_x * ds, p.offset_y * ds))
    assert corners[2] == pytest.approx(
        ((p.offset_x + p.width / p.scale) * ds, (p.offset_y + p.height / p.scale) * ds)
    )
    assert jobs.upload_for(loaded, need) is loaded  # the same upload: kept
    whole = jobs.upload_for(loaded, whole_need)
    assert whole.prepared is not None and not whole.prepared.cropped
    assert whole.original is loaded.original


def test_the_command_line_prints_the_rectangle_on_the_original_too(
    photos_dir: Path,
    models_dir: Path,
    tmp_path: Path,
    sandbox_factory: SandboxFactory,
    sandbox_token: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from idphoto_desktop.cli import main

    source = tmp_path / "portrait.jpg"
    data = _big(photos_dir, "fr_obama.jpg", 2.2)
    source.write_bytes(data)
    server = sandbox_factory(engine=OfflineEngine(models_dir))
    monkeypatch.setenv("IDPHOTO_TOKEN", sandbox_token)
    code = main(
        [
            "generate",
            str(source),
            "--preset",
            LARGEST,
            "--format",
            "png",
            "--api-url",
            server.base_url,
            "-o",
            str(tmp_path / "out.png"),
        ]
    )
    assert code == 0
    lines = {
        line.rsplit("(", 1)[1]: [int(v.split("=")[1]) for v in line.split()[1:5]]
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("foreground_rect")
    }
    up, orig = lines["uploaded image pixels)"], lines["original photo pixels)"]
    # the same rectangle, through the same crop and scale the job used
    photo = _prepare(data, _needs(LARGEST)[0], models_dir)
    assert photo.cropped
    expected = photo.to_original(Rect(*up))
    assert orig == pytest.approx(list(expected.as_ints()), abs=2)


def test_a_stored_result_opened_from_the_history_panel_lands_on_the_photo_shown(
    tmp_path: Path,
) -> None:
    """The history keeps the photo's own pixels; the window shows them in its upload's grid."""
    pytest.importorskip("PySide6")
    from idphoto_desktop.ui.studio import _entry_image

    buf = io.BytesIO()
    Image.new("RGBA", (120, 160), (10, 20, 30, 255)).save(buf, "PNG")
    digest = "ab" * 32
    photo = _cropped_photo(digest)
    made = GenerateResult(
        buf.getvalue(),
        OutputFormat.PNG,
        120,
        160,
        "cloud",
        foreground_rect=Rect(10, 20, 50, 60),
        crop=Affine(2.0, 0.0, -5.0, 0.0, 2.0, -7.0),
    )
    params = validation.make_params(PhotoSize(120, 160), OutputFormat.PNG)
    with History(tmp_path / "h.sqlite3") as history:
        entry_id = history.add(digest, params, to_stored_grid(made, photo), "photo.jpg")
        entry = history.get(entry_id)
    shown = _entry_image(entry, None, photo).result
    assert shown.foreground_rect == made.foreground_rect and shown.crop == made.crop
    other = replace(photo, source_sha256="cd" * 32)  # another photo: left as stored
    assert _entry_image(entry, None, other).result.foreground_rect == Rect(320, 240, 100, 120)


def test_a_small_face_in_a_large_photo_is_measured_where_it_is(
    photos_dir: Path, models_dir: Path
) -> None:
    """The head is measured on the part of the photo around the face, then put back in
    place: the same head, chin and centre as on the portrait alone, shifted."""
    with Image.open(photos_dir / "hivision_test0.jpg") as opened:
        portrait = opened.convert("RGB")
    alone = locate_faces(portrait, models_dir)
    assert alone is not None and alone[0].measured is not None
    big = Image.new("RGB", (portrait.width * 5, portrait.height * 4), (128, 128, 128))
    dx, dy = portrait.width * 3, portrait.height * 2
    big.paste(portrait, (dx, dy))
    placed = locate_faces(big, models_dir)
    assert placed is not None and len(placed) == 1 and placed[0].measured is not None
    a, b = alone[0].measured, placed[0].measured
    tolerance = MEASURE_TOLERANCE * a.head
    assert abs(b.head - a.head) <= tolerance
    assert abs(b.chin_y - (a.chin_y + dy)) <= tolerance
    assert abs(b.eye_y - (a.eye_y + dy)) <= tolerance
    assert abs(b.centre_x - (a.centre_x + dx)) <= tolerance


def test_a_region_at_the_edge_of_an_odd_sized_photo_read_at_a_reduced_scale(
    photos_dir: Path, models_dir: Path, tmp_path: Path
) -> None:
    """A JPEG decoded at 1/2 rounds each side up on its own (3250x7385 gives 1625x3693):
    a region reaching the right edge is still inside the decoded pixels (it raised
    'box can't exceed original image size' before)."""
    with Image.open(photos_dir / "fr_biden.jpg") as opened:
        tall = opened.convert("RGB").resize((3250, 7385), Image.Resampling.BICUBIC)
    source = tmp_path / "tall.jpg"
    tall.save(source, "JPEG", quality=92)
    preset = get_preset("us_passport")
    decoded = decode_photo(source.read_bytes(), "tall.jpg", min_height=3000)
    assert not decoded.full and decoded.image.size == (1625, 3693)
    photo = prepare_photo(
        source,
        need=upload_need(preset.size, preset.geometry),
        locate_faces=lambda image: locate_faces(image, models_dir),
    )
    assert photo.cropped and photo.offset_x == 0.0  # the region starts at an edge
    right = photo.to_original((float(photo.width), float(photo.height)))
    assert right[0] <= 3250.5 and right[1] <= 7385.5
    with Image.open(io.BytesIO(photo.data)) as sent:
        assert sent.size == (photo.width, photo.height)
