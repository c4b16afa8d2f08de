"""``idphoto watch``: shots written slowly like a camera, one result each, runs until stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from idphoto_desktop.cli import main
from tests.watch_helpers import SlowCamera, big_jpeg, wait_for

ROOT = Path(__file__).resolve().parent.parent


def _start(args: list[str], tmp_path: Path) -> tuple[subprocess.Popen[str], Path, Path]:
    out_log, err_log = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out_log.open("w") as stdout, err_log.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "idphoto_desktop.cli", "watch", *args],
            cwd=ROOT, env=dict(os.environ), text=True, stdout=stdout, stderr=stderr,
        )
    return proc, out_log, err_log


def _results(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


@pytest.mark.slow
def test_watch_makes_one_result_per_shot_and_document_and_goes_on_after_bad_files(
    tmp_path: Path, photos_dir: Path
) -> None:
    watched, out = tmp_path / "camera", tmp_path / "out"
    watched.mkdir()
    out.mkdir()
    (watched / "DSC_0001.JPG").write_bytes((photos_dir / "hivision_test0.jpg").read_bytes())
    # a shot the capture check refuses (two people, head tilted far up): no ID photo
    (watched / "DSC_0006.JPG").write_bytes((photos_dir / "fr_two_people.jpg").read_bytes())
    (out / "DSC_0001-us_passport.jpg").write_bytes(b"an earlier result, kept as it is")
    proc, out_log, err_log = _start(
        [str(watched), "--out", str(out), "--preset", "us_passport", "--preset",
         "cn_visa_print", "--engine", "offline", "--customer", "Li Wei", "--settle", "0.2"],
        tmp_path,
    )
    try:
        # the photo already there at start is made too; the existing name is not replaced
        assert wait_for(lambda: len(_results(out)) >= 3 and "DSC_0006" in err_log.read_text(),
                        120), err_log.read_text()
        # now the camera: a bad file, a raw file, a slow shot, a shot under a temporary name
        (watched / "DSC_0002.JPG").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg" * 30)
        (watched / "DSC_0003.CR2").write_bytes(b"II*\x00" + b"\x00" * 4000)
        shots = [
            SlowCamera(watched / "DSC_0004.JPG", big_jpeg(photos_dir / "hivision_test1.jpg")),
            SlowCamera(watched / "DSC_0005.JPG", big_jpeg(photos_dir / "hivision_test2.jpg"),
                       temp_name="DSC_0005.JPG.tmp"),
        ]
        for camera in shots:
            camera.start()
        assert wait_for(lambda: len(_results(out)) >= 7, 180), err_log.read_text()
        assert wait_for(lambda: "DSC_0002.JPG" in err_log.read_text(), 30)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    stdout, stderr = out_log.read_text(), err_log.read_text()
    assert code == 0, stderr
    assert _results(out) == [
        "DSC_0001-cn_visa_print.jpg", "DSC_0001-us_passport-2.jpg", "DSC_0001-us_passport.jpg",
        "DSC_0004-cn_visa_print.jpg", "DSC_0004-us_passport.jpg",
        "DSC_0005-cn_visa_print.jpg", "DSC_0005-us_passport.jpg",
    ]
    assert (out / "DSC_0001-us_passport.jpg").read_bytes() == b"an earlier result, kept as it is"
    for name, size in (("DSC_0004-us_passport.jpg", (600, 600)),
                       ("DSC_0005-cn_visa_print.jpg", None)):
        with Image.open(out / name) as image:
            image.load()  # a whole JPEG
            if size is not None:
                assert image.size == size
    for shot in ("DSC_0001.JPG", "DSC_0004.JPG", "DSC_0005.JPG", "DSC_0006.JPG"):
        assert stdout.count(f"{shot}: verdict ") == 1, stdout
    assert "DSC_0006.JPG: verdict retake" in stdout
    assert stderr.count("DSC_0006.JPG: retake") == 1 and "no ID photo" in stderr
    # one clear line each for the files that are not photos, none for partial writes
    assert stderr.count("DSC_0002.JPG") == 1 and "not a readable photo" in stderr
    assert stderr.count("DSC_0003.CR2") == 1 and "raw" in stderr
    assert "Traceback" not in stderr and "DSC_0004" not in stderr and ".tmp" not in stderr
    assert "stopped after 4 shots" in stderr
    from idphoto_desktop.storage.history import open_history

    with open_history() as history:  # every result recorded with its customer
        mine = history.list(customer="li wei")
        # 3 shots x 2 documents; the retake was never made (checked before the engine)
        assert len(mine) == 6 and {e.customer for e in mine} == {"Li Wei"}
        assert history.list(customer="someone else") == []


@pytest.mark.slow
def test_ctrl_c_ends_the_watch_cleanly_and_new_only_leaves_old_photos(
    tmp_path: Path, photos_dir: Path
) -> None:
    watched, out = tmp_path / "camera", tmp_path / "out"
    watched.mkdir()
    out.mkdir()
    (watched / "OLD.JPG").write_bytes((photos_dir / "hivision_test0.jpg").read_bytes())
    proc, _out_log, err_log = _start(
        [str(watched), "--out", str(out), "--size", "300x400", "--format", "png",
         "--new-only", "--settle", "0.1"],
        tmp_path,
    )
    try:
        assert wait_for(lambda: "watching" in err_log.read_text(), 60)
        SlowCamera(watched / "NEW.JPG", (photos_dir / "hivision_test3.jpg").read_bytes()).run()
        assert wait_for(lambda: _results(out) == ["NEW-300x400.png"], 120), err_log.read_text()
        proc.send_signal(signal.SIGINT)
        code = proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0
    assert "stopped after 1 shot" in err_log.read_text()
    with Image.open(out / "NEW-300x400.png") as image:
        assert image.size == (300, 400)


def test_bad_watch_arguments_get_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope"
    assert main(["watch", str(missing), "--out", str(tmp_path), "--preset", "us_passport"]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["watch", str(tmp_path), "--out", str(tmp_path), "--preset", "us_passport"]) == 1
    assert "must not be the watched folder" in capsys.readouterr().err
    (tmp_path / "o").mkdir()
    assert main(["watch", str(tmp_path), "--out", str(tmp_path / "o")]) == 1
    assert "--preset" in capsys.readouterr().err


@pytest.mark.slow
def test_the_provider_is_paid_once_per_photo_even_when_the_camera_writes_it_twice(
    tmp_path: Path, photos_dir: Path, sandbox_factory: Any, sandbox_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.test_cli import POST

    sandbox = sandbox_factory()  # the provider's contract on 127.0.0.1 (crop and resize)
    monkeypatch.setenv("IDPHOTO_TOKEN", sandbox_token)
    watched, out = tmp_path / "camera", tmp_path / "out"
    watched.mkdir()
    out.mkdir()
    shot = (photos_dir / "hivision_test4.jpg").read_bytes()
    proc, out_log, err_log = _start(
        [str(watched), "--out", str(out), "--size", "300x400", "--engine", "cloud",
         "--api-url", sandbox.base_url, "--settle", "0.1"],
        tmp_path,
    )
    try:
        assert wait_for(lambda: "watching" in err_log.read_text(), 60)
        SlowCamera(watched / "IMG_1.JPG", shot).run()
        assert wait_for(lambda: len(_results(out)) == 1, 120), err_log.read_text()
        SlowCamera(watched / "IMG_1 copy.JPG", shot).run()  # the same picture again
        assert wait_for(lambda: len(_results(out)) == 2, 120), err_log.read_text()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, err_log.read_text()
    assert _results(out) == ["IMG_1 copy-300x400.jpg", "IMG_1-300x400.jpg"]
    assert sandbox.request_counts[POST] == 1  # the second came from the history
    assert "stored result, no new call" in out_log.read_text()
    assert sandbox_token not in out_log.read_text() + err_log.read_text()
