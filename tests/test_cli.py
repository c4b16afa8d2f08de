"""The ``idphoto`` command line, run in-process against the sandbox server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from idphoto_desktop.cli import main
from idphoto_desktop.engines.offline import OfflineEngine
from idphoto_desktop.sandbox.server import SandboxServer
from tests.fixtures.sandbox import SandboxFactory

POST = "POST /task/pic/idphoto"


def _generate(photo: Path, out: Path, server: SandboxServer, *extra: str) -> int:
    return main(
        [
            "generate", str(photo), "--size", "300x400", "--format", "jpg", "--bg", "#336699",
            "--api-url", server.base_url, "-o", str(out), *extra,
        ]
    )


def test_generate_through_the_provider_client_writes_the_requested_photo(
    sandbox_factory: SandboxFactory,
    sandbox_token: str,
    photos_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sandbox = sandbox_factory(engine=OfflineEngine())  # a real cut-out, on the colour sent
    monkeypatch.setenv("IDPHOTO_TOKEN", sandbox_token)
    out = tmp_path / "out.jpg"
    assert _generate(photos_dir / "hivision_test0.jpg", out, sandbox) == 0
    with Image.open(out) as img:
        assert (img.format, img.size) == ("JPEG", (300, 400))
        # the colour asked for is what the provider was sent: a corner is #336699
        r, g, b = img.convert("RGB").getpixel((2, 2))  # type: ignore[misc]
        assert abs(r - 0x33) < 12 and abs(g - 0x66) < 12 and abs(b - 0x99) < 12
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed
    assert "foreground_rect x=" in printed
    assert sandbox.request_counts[POST] == 1


def test_the_same_photo_and_parameters_are_not_paid_for_twice(
    sandbox: SandboxServer,
    sandbox_token: str,
    photos_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("IDPHOTO_TOKEN", sandbox_token)
    photo = photos_dir / "fr_obama.jpg"
    assert _generate(photo, tmp_path / "a.jpg", sandbox) == 0
    assert _generate(photo, tmp_path / "b.jpg", sandbox) == 0
    assert "reused from history" in capsys.readouterr().out
    assert sandbox.request_counts[POST] == 1
    assert (tmp_path / "a.jpg").read_bytes() == (tmp_path / "b.jpg").read_bytes()
    assert _generate(photo, tmp_path / "c.jpg", sandbox, "--force") == 0
    assert sandbox.request_counts[POST] == 2


def test_a_refused_token_fails_with_one_line_and_no_token(
    sandbox: SandboxServer,
    photos_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    wrong = "sk-wrong-token-abcdef0123456789"
    monkeypatch.setenv("IDPHOTO_TOKEN", wrong)
    out = tmp_path / "out.jpg"
    assert _generate(photos_dir / "hivision_test0.jpg", out, sandbox) == 1
    err = capsys.readouterr().err
    reasons = [line for line in err.splitlines() if line.startswith("idphoto: ")]
    assert len(reasons) == 1 and "token" in reasons[0]
    assert wrong not in err
    assert not out.exists()


def test_no_token_says_how_to_set_one(
    photos_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["generate", str(photos_dir / "hivision_test0.jpg"), "--size", "300x400",
                 "--api-url", "https://127.0.0.1:9", "-o", str(tmp_path / "x.png")])
    assert code == 1
    assert "idphoto token set" in capsys.readouterr().err


def test_a_text_file_named_jpg_is_refused_before_any_call(
    sandbox: SandboxServer,
    sandbox_token: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("IDPHOTO_TOKEN", sandbox_token)
    fake = tmp_path / "photo.jpg"
    fake.write_text("not a photo")
    assert _generate(fake, tmp_path / "out.jpg", sandbox) == 1
    assert "not an image" in capsys.readouterr().err
    assert sandbox.request_counts[POST] == 0


@pytest.mark.parametrize("size", ["99x400", "300x2001", "abc"])
def test_a_size_out_of_range_is_refused(
    size: str, photos_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["generate", str(photos_dir / "hivision_test0.jpg"), "--size", size,
                 "--engine", "offline", "-o", str(tmp_path / "x.png")])
    assert code == 1
    assert capsys.readouterr().err.startswith("idphoto: ")


def test_an_existing_output_is_not_overwritten_without_asking(
    photos_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "keep.png"
    out.write_bytes(b"earlier work")
    code = main(["generate", str(photos_dir / "hivision_test0.jpg"), "--preset", "us_passport",
                 "--engine", "offline", "-o", str(out)])
    assert code == 1
    assert out.read_bytes() == b"earlier work"
    assert "--overwrite" in capsys.readouterr().err


def test_offline_generate_then_export_and_sheet(
    photos_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = tmp_path / "visa.png"
    assert main(["generate", str(photos_dir / "fr_obama.jpg"), "--preset", "cn_visa_digital",
                 "--engine", "offline", "-o", str(result)]) == 0
    with Image.open(result) as img:
        assert img.mode == "RGBA"
        size = img.size

    upload = tmp_path / "upload.jpg"
    code = main(["export", str(result), "--preset", "cn_visa_digital", "--bg", "FFFFFF",
                 "-o", str(upload)])
    assert code == 0, capsys.readouterr().err
    kb = upload.stat().st_size / 1000
    assert 40 <= kb <= 120  # China visa online form: 40-120 KB
    with Image.open(upload) as img:
        assert img.format == "JPEG" and img.size == size

    # an upload-only preset has no physical size: a sheet is refused with the reason
    assert main(["sheet", str(result), "--preset", "cn_visa_digital", "-o",
                 str(tmp_path / "no.pdf")]) == 1
    assert "cn_visa_print" in capsys.readouterr().err

    printed = tmp_path / "print.png"
    assert main(["generate", str(photos_dir / "fr_obama.jpg"), "--preset", "cn_visa_print",
                 "--engine", "offline", "-o", str(printed)]) == 0
    pdf = tmp_path / "sheet.pdf"
    assert main(["sheet", str(printed), "--preset", "cn_visa_print", "--paper", "4x6",
                 "--bg", "FFFFFF", "-o", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "copies of cn_visa_print" in capsys.readouterr().out
    assert main(["sheet", str(printed), "--preset", "cn_visa_print", "-o",
                 str(tmp_path / "sheet.txt")]) == 1


def test_presets_lists_every_preset(capsys: pytest.CaptureFixture[str]) -> None:
    from idphoto_desktop.core.presets import load_presets

    assert main(["presets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(load_presets())
    assert any(line.startswith("us_passport ") and "600x600" in line for line in lines)
