"""Lenient in what a paid reply may look like, strict in what is shown, and never a
mislabelled file (issue 14, items 5 and 7), end to end against the sandbox's faults;
and a really full disk (a small tmpfs) where the machine lets the test mount one."""

from __future__ import annotations

import io
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from idphoto_desktop.api.client import ProviderClient
from idphoto_desktop.core.errors import StorageError
from idphoto_desktop.core.job import OutputFormat, PreparedPhoto
from idphoto_desktop.sandbox.server import SandboxServer
from tests.test_api_client import FaultSession, make_request, prepared

FAST = {"poll_initial_s": 0.02, "retry_wait_s": 0.01, "max_retry_wait_s": 0.05}


@pytest.fixture
def photo(photos_dir: Path) -> PreparedPhoto:
    return prepared(photos_dir / "hivision_test0.jpg")


def _client(server: SandboxServer, token: str, post: list[str]) -> ProviderClient:
    return ProviderClient(token, server.base_url, session=FaultSession(post=post), **FAST)


def test_numbers_sent_as_text_still_give_the_paid_result(
    sandbox: SandboxServer, sandbox_token: str, photo: PreparedPhoto
) -> None:
    result = _client(sandbox, sandbox_token, ["numbers-as-strings"]).generate(make_request(photo))
    assert (result.width, result.height) == (300, 400)
    assert result.foreground_rect is not None  # "x": "133" is still a rectangle
    assert result.warnings == ()


@pytest.mark.parametrize("kind", ["negative", "nan", "huge", "partial", "strings", "missing"])
def test_a_bad_rectangle_is_dropped_with_a_warning_and_the_image_kept(
    sandbox: SandboxServer, sandbox_token: str, photo: PreparedPhoto, kind: str
) -> None:
    result = _client(sandbox, sandbox_token, [f"bad-rect={kind}"]).generate(make_request(photo))
    assert result.image and (result.width, result.height) == (300, 400)
    if kind == "strings":
        assert result.foreground_rect is not None and result.warnings == ()
    elif kind == "missing":
        assert result.foreground_rect is None and result.warnings == ()
    else:
        assert result.foreground_rect is None
        assert len(result.warnings) == 1 and "rectangle" in result.warnings[0]


@pytest.mark.parametrize(
    ("asked", "pil_format"), [(OutputFormat.PNG, "PNG"), (OutputFormat.JPG, "JPEG")]
)
def test_a_result_in_the_other_format_is_converted_and_said(
    sandbox: SandboxServer,
    sandbox_token: str,
    photo: PreparedPhoto,
    asked: OutputFormat,
    pil_format: str,
) -> None:
    client = _client(sandbox, sandbox_token, ["result-other-format"])
    bg = "FF0000" if asked is OutputFormat.JPG else None
    result = client.generate(make_request(photo, fmt=asked, bg=bg))
    assert result.format is asked
    with Image.open(io.BytesIO(result.image)) as image:
        assert image.format == pil_format  # the bytes match the label
        assert image.size == (300, 400)
    assert len(result.warnings) == 1 and "converted" in result.warnings[0]


# ----- a really full disk -----


def _fill(path: Path) -> None:
    """Write until the file system says ENOSPC (unbuffered: nothing left to flush)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KB tmpfs, filled up; skipped where mounting is not allowed."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("this machine does not allow mounting a tmpfs")
    try:
        _fill(mount / "filler")
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_an_output_on_a_full_disk_is_a_clear_error_and_leaves_nothing(full_disk: Path) -> None:
    from idphoto_desktop.core.export import write_atomic

    with pytest.raises(StorageError, match="disk is full"):
        write_atomic(full_disk / "photo.jpg", b"\xff" * 200_000)
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"]  # no .tmp left


def test_settings_on_a_full_disk_keep_the_old_file(full_disk: Path) -> None:
    from idphoto_desktop.storage.settings import Settings

    (full_disk / "filler").unlink()
    settings = Settings(full_disk / "settings.json")
    settings.engine = "cloud"
    before = (full_disk / "settings.json").read_bytes()
    _fill(full_disk / "filler")
    with pytest.raises(StorageError):
        settings.last_open_dir = "/x" * 2000
    assert (full_disk / "settings.json").read_bytes() == before
    assert Settings(full_disk / "settings.json").engine == "cloud"
