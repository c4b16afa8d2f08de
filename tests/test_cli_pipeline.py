"""``idphoto generate`` runs the job pipeline: one provider call serves every format and
colour of the same photo and framing; the file is written before the history record."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from idphoto_desktop.cli import main
from idphoto_desktop.engines.offline import OfflineEngine
from idphoto_desktop.sandbox.server import SandboxServer
from idphoto_desktop.storage import paths
from tests.fixtures.sandbox import SandboxFactory

POST = "POST /task/pic/idphoto"
PHOTO = "hivision_test0.jpg"


@pytest.fixture
def provider(
    sandbox_factory: SandboxFactory, sandbox_token: str, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., SandboxServer]:
    """A sandbox provider whose token the CLI finds in IDPHOTO_TOKEN."""
    monkeypatch.setenv("IDPHOTO_TOKEN", sandbox_token)
    return sandbox_factory


def _run(photo: Path, out: Path, url: str, *extra: str) -> int:
    return main(["generate", str(photo), "--preset", "us_passport", "--api-url", url,
                 "-o", str(out), *extra])


def _corner(path: Path) -> tuple[int, int, int]:
    with Image.open(path) as img:
        r, g, b = img.convert("RGB").getpixel((2, 2))  # type: ignore[misc]
        return r, g, b


def test_png_then_jpeg_on_two_colours_costs_one_provider_call(
    provider: Callable[..., SandboxServer],
    photos_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN the provider (sandbox backed by the offline engine: a real cut-out)
    sandbox = provider(engine=OfflineEngine())
    photo = photos_dir / PHOTO
    # WHEN the same photo is made as PNG, then as JPEG on white and on blue
    assert _run(photo, tmp_path / "a.png", sandbox.base_url) == 0
    assert _run(photo, tmp_path / "b.jpg", sandbox.base_url, "--format", "jpg",
                "--bg", "FFFFFF") == 0
    assert _run(photo, tmp_path / "c.jpg", sandbox.base_url, "--format", "jpg",
                "--bg", "#336699") == 0
    # THEN one call reached the provider
    assert sandbox.request_counts[POST] == 1
    printed = capsys.readouterr().out
    assert printed.count("reused from history, made by cloud") == 2
    # AND each file is what was asked: transparent PNG, JPEG on each colour
    with Image.open(tmp_path / "a.png") as png:
        assert png.format == "PNG" and png.mode == "RGBA" and png.size == (600, 600)
        assert png.getchannel("A").getextrema()[0] == 0
    for name, colour in (("b.jpg", (255, 255, 255)), ("c.jpg", (0x33, 0x66, 0x99))):
        with Image.open(tmp_path / name) as jpg:
            assert jpg.format == "JPEG" and jpg.size == (600, 600)
        assert all(abs(a - b) < 10 for a, b in zip(_corner(tmp_path / name), colour, strict=True))


def test_offline_is_not_answered_by_a_stored_provider_result(
    provider: Callable[..., SandboxServer],
    photos_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sandbox = provider()
    photo = photos_dir / PHOTO
    assert _run(photo, tmp_path / "a.png", sandbox.base_url) == 0
    capsys.readouterr()
    assert _run(photo, tmp_path / "b.png", sandbox.base_url, "--engine", "offline") == 0
    printed = capsys.readouterr().out
    assert "engine offline" in printed and "reused" not in printed
    # and the other way round: the provider is not answered by the offline result
    assert _run(photo, tmp_path / "c.png", sandbox.base_url) == 0
    assert "made by cloud" in capsys.readouterr().out


def test_an_unusable_history_gives_a_warning_and_the_file(
    provider: Callable[..., SandboxServer],
    photos_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a history that cannot be opened or written (a folder where the file goes)
    sandbox = provider()
    where = paths.data_dir() / "history.sqlite3"  # not history_db_path(): it makes the file
    where.unlink(missing_ok=True)
    where.mkdir(parents=True)
    out = tmp_path / "out.jpg"
    # WHEN a paid photo is made
    code = _run(photos_dir / PHOTO, out, sandbox.base_url, "--format", "jpg")
    # THEN the file is there, the clerk is warned, and the paid result is also kept
    assert code == 0, capsys.readouterr().err
    with Image.open(out) as img:
        assert img.format == "JPEG"
    printed = capsys.readouterr().out
    assert "warning: Not kept in the history" in printed
    kept = list((paths.data_dir() / "recovered").iterdir())
    assert len(kept) == 1 and kept[0].suffix == ".png"
    assert sandbox.request_counts[POST] == 1


def test_history_switched_off_keeps_nothing_but_the_file(
    provider: Callable[..., SandboxServer],
    photos_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from idphoto_desktop.storage.settings import Settings

    Settings().set("history_enabled", False)
    sandbox = provider()
    assert _run(photos_dir / PHOTO, tmp_path / "a.png", sandbox.base_url) == 0
    assert _run(photos_dir / PHOTO, tmp_path / "b.png", sandbox.base_url) == 0
    assert "reused" not in capsys.readouterr().out
    assert sandbox.request_counts[POST] == 2  # nothing stored, so nothing to reuse
    assert not (paths.data_dir() / "history.sqlite3").exists()  # never even opened
    assert not (paths.data_dir() / "recovered").exists()
    assert (tmp_path / "a.png").is_file() and (tmp_path / "b.png").is_file()


def _retake() -> object:
    """A real retake report with one reason (the result check then adds its own)."""
    from idphoto_desktop.capture.report import RETAKE, CaptureReport, Reason

    reason = Reason("head_yaw", RETAKE, "The face is turned away.", None, None, {})
    return CaptureReport(RETAKE, (reason,), (), None, {})


def test_a_retake_verdict_is_said_and_stops_a_paid_call_when_asked_to(
    provider: Callable[..., SandboxServer],
    photos_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from idphoto_desktop.pipeline import steps

    # GIVEN the capture check (injected where capture.check_photo would be) says retake
    monkeypatch.setattr(steps, "default_checker", lambda: (lambda image, **_kw: _retake()))
    sandbox = provider()
    out = tmp_path / "a.png"
    # WHEN generating on the provider with --refuse-retake: one clear line, nothing sent
    assert _run(photos_dir / PHOTO, out, sandbox.base_url, "--refuse-retake") == 1
    err = capsys.readouterr().err
    assert "face is turned away" in err and "--refuse-retake" in err
    assert len(err.strip().splitlines()) == 1
    assert sandbox.request_counts[POST] == 0 and not out.exists()
    # WHEN run as usual: the call is made and the verdict is printed with the result
    assert _run(photos_dir / PHOTO, out, sandbox.base_url) == 0
    said = [
        line for line in capsys.readouterr().out.splitlines() if line.startswith("capture check")
    ]
    # the photo's reason, then the result check's own (what is left of the old background)
    assert len(said) == 1 and said[0].startswith("capture check: retake: The face is turned away")
    assert said[0].endswith(".") and ".;" not in said[0]
    assert sandbox.request_counts[POST] == 1 and out.is_file()


def test_an_opaque_result_is_said_not_passed_off_as_transparent(
    provider: Callable[..., SandboxServer],
    photos_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sandbox = provider()  # crop-and-resize behind the sandbox: no cut-out, opaque PNG
    assert _run(photos_dir / PHOTO, tmp_path / "a.jpg", sandbox.base_url, "--format", "jpg",
                "--bg", "FF0000") == 0
    out = capsys.readouterr().out
    assert "warning: The cloud engine returned the photo without a transparent background" in out
    with Image.open(tmp_path / "a.jpg") as img:
        assert img.format == "JPEG"  # what was asked for, never a mislabelled file
