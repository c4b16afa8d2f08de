"""Only regular files are read: FIFOs, devices, folders and symlinks to them are refused
at once with one plain sentence (issue 14, item 3). Real FIFOs and devices, no mocks."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from idphoto_desktop.cli import main
from idphoto_desktop.core.errors import ImageError
from idphoto_desktop.core.imageprep import MAX_FILE_BYTES, load_oriented, prepare_photo
from idphoto_desktop.core.readfile import read_regular_file

NO_HANG_S = 30.0
posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs and /dev need POSIX")


def _finishes(call: Callable[[], object]) -> BaseException | None:
    """Run ``call`` in a thread; fail the test if it hangs; return what it raised."""
    caught: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:
            caught.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(NO_HANG_S)
    assert not thread.is_alive(), "reading hung"
    return caught[0] if caught else None


@posix_only
@pytest.mark.parametrize("reader", [prepare_photo, load_oriented])
def test_a_fifo_named_jpg_is_refused_at_once(
    tmp_path: Path, reader: Callable[[Path], object]
) -> None:
    fifo = tmp_path / "photo.jpg"
    os.mkfifo(fifo)
    error = _finishes(lambda: reader(fifo))
    assert isinstance(error, ImageError)
    assert "pipe" in str(error) and "photo.jpg" in str(error)


@posix_only
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_devices_and_symlinks_to_them_are_refused(tmp_path: Path, device: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"{device} is missing")
    link = tmp_path / "portrait.jpg"
    link.symlink_to(device)
    for path in (Path(device), link):
        error = _finishes(lambda p=path: prepare_photo(p))  # type: ignore[misc]
        assert isinstance(error, ImageError)
        assert "a device" in str(error)


def test_folders_and_symlinks_to_them_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "album.jpg"
    folder.mkdir()
    link = tmp_path / "link.png"
    link.symlink_to(folder)
    for path in (folder, link):
        with pytest.raises(ImageError, match="folder"):
            prepare_photo(path)


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="not found"):
        prepare_photo(tmp_path / "nothing.jpg")
    dangling = tmp_path / "dangling.jpg"
    dangling.symlink_to(tmp_path / "gone.jpg")
    with pytest.raises(ImageError, match="not found"):
        prepare_photo(dangling)
    if os.name == "posix" and os.geteuid() != 0:
        locked = tmp_path / "locked.jpg"
        locked.write_bytes(b"\xff\xd8\xff")
        locked.chmod(0)
        with pytest.raises(ImageError, match="permission denied"):
            prepare_photo(locked)


def test_a_file_over_the_cap_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "huge.jpg"
    with big.open("wb") as stream:  # sparse: no real disk use
        stream.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(ImageError, match="too large"):
        prepare_photo(big)
    small = tmp_path / "small.bin"
    small.write_bytes(b"x" * 10)
    assert read_regular_file(small, 10) == b"x" * 10
    with pytest.raises(ImageError, match="too large"):
        read_regular_file(small, 9)


@posix_only
def test_the_cli_says_one_line_for_a_device_and_a_fifo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "in.jpg"
    os.mkfifo(fifo)
    out = tmp_path / "out.png"
    codes: list[int] = []
    for source in ("/dev/zero", str(fifo)):
        argv = ["generate", source, "--size", "300x400", "--engine", "offline", "-o", str(out)]
        error = _finishes(lambda argv=argv: codes.append(main(argv)))  # type: ignore[misc]
        assert error is None and codes[-1] == 1
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "Traceback" not in err
        assert "device" in err or "pipe" in err
        assert not out.exists()
