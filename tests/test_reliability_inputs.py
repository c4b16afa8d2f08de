"""Issue 6, bad input: every awkward file a counter meets, through the core and the window.

Each corpus entry is built here (nothing copied from ../shared). The core decides the
outcome (a prepared photo or an :class:`ImageError`); the window must then show the
same outcome: the photo with a result from Generate, or the core's message in place,
with the earlier photo kept and the window usable at once. File work runs in the
worker pool, so the event loop keeps turning while a big file is read.
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import Qt, QTimer

from idphoto_desktop.core.errors import ImageError
from idphoto_desktop.core.imageprep import prepare_photo
from idphoto_desktop.sandbox.server import SandboxServer
from idphoto_desktop.ui.main_window import MainWindow
from idphoto_desktop.ui.services import Services
from tests.fixtures.ui import ScriptedDialogs

pytestmark = pytest.mark.gui

WindowFactory = Callable[[Services], MainWindow]
GOOD = "hivision_test3.jpg"
SIZE = (300, 400)


# ================================================================ the corpus


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def _png(width: int, height: int, depth: int, colour_type: int, rows: bytes) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def _portrait(size: tuple[int, int] = (360, 480)) -> Image.Image:
    image = Image.new("RGB", size, (200, 210, 220))
    w, h = size
    ImageDraw.Draw(image).ellipse((w // 3, h // 5, 2 * w // 3, h // 2), fill=(190, 150, 120))
    return image


def zero_bytes(folder: Path) -> Path:
    path = folder / "empty.jpg"
    path.write_bytes(b"")
    return path


def truncated_jpeg(folder: Path, photos: Path) -> Path:
    data = (photos / GOOD).read_bytes()
    path = folder / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    return path


def text_as_jpg(folder: Path) -> Path:
    path = folder / "notes.jpg"
    path.write_text("Customer: Jane Doe\nPassport photo, 2 copies\n", encoding="utf-8")
    return path


def decompression_bomb(folder: Path) -> Path:
    """A tiny PNG declaring 40000x40000 pixels (far over Pillow's limit)."""
    path = folder / "bomb.png"
    ihdr = struct.pack(">IIBBBBB", 40000, 40000, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 4096))
        + _chunk(b"IEND", b"")
    )
    return path


def png_16_bit(folder: Path) -> Path:
    arr = np.zeros((480, 360, 3), dtype=np.uint16)
    arr[..., 0], arr[..., 1], arr[..., 2] = 50000, 40000, 30000
    rows = b"".join(b"\x00" + arr[y].astype(">u2").tobytes() for y in range(arr.shape[0]))
    path = folder / "scan16.png"
    path.write_bytes(_png(360, 480, 16, 2, rows))
    return path


def cmyk_jpeg(folder: Path) -> Path:
    path = folder / "print-shop.jpg"
    _portrait().convert("CMYK").save(path, format="JPEG")
    return path


def animated_gif(folder: Path) -> Path:
    path = folder / "anim.gif"
    frames = [_portrait(), Image.new("RGB", (360, 480), (0, 0, 250))]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return path


def greyscale(folder: Path) -> Path:
    path = folder / "grey.jpg"
    _portrait().convert("L").save(path, format="JPEG")
    return path


def palette_with_transparency(folder: Path) -> Path:
    image = Image.new("P", (360, 480), 0)
    image.putpalette([255, 255, 255, 190, 150, 120] + [0] * 762)
    ImageDraw.Draw(image).ellipse((120, 96, 240, 240), fill=1)
    path = folder / "cutout.png"
    image.save(path, format="PNG", transparency=0)
    return path


def huge_photo(folder: Path) -> Path:
    path = folder / "camera-12000x8000.jpg"
    image = Image.new("L", (12000, 8000), 120)
    ImageDraw.Draw(image).ellipse((4000, 1500, 8000, 6500), fill=220)
    image.save(path, format="JPEG", quality=70)
    return path


def exif_rotated(folder: Path) -> Path:
    """Stored sideways (480x360) with orientation 6, as phones write portraits."""
    path = folder / "IMG_2041.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6
    _portrait().rotate(90, expand=True).save(path, format="JPEG", exif=exif)
    return path


def heic(folder: Path) -> Path:
    import pillow_heif

    path = folder / "IMG_0001.HEIC"
    pillow_heif.from_pillow(_portrait()).save(str(path), quality=90)
    return path


def non_ascii_path(folder: Path, photos: Path) -> Path:
    sub = folder / "Kunden Ästhetik 顧客"
    sub.mkdir()
    path = sub / "Фото клиента é.jpg"
    shutil.copyfile(photos / GOOD, path)
    return path


@dataclass(frozen=True)
class Entry:
    build: Callable[..., Path]
    size: tuple[int, int] | None  # the photo's upright size, or None when it is refused
    words: str = ""  # in the refusal message
    needs_photos: bool = False


CORPUS: dict[str, Entry] = {
    "zero-byte file": Entry(zero_bytes, None, "empty (0 bytes)"),
    "truncated JPEG": Entry(truncated_jpeg, None, "damaged or incomplete", needs_photos=True),
    "text renamed .jpg": Entry(text_as_jpg, None, "text file, not an image"),
    "decompression bomb": Entry(decompression_bomb, None, "decompression bomb"),
    "16-bit PNG": Entry(png_16_bit, (360, 480)),
    "CMYK JPEG": Entry(cmyk_jpeg, (360, 480)),
    "animated GIF": Entry(animated_gif, (360, 480)),
    "greyscale": Entry(greyscale, (360, 480)),
    "palette PNG with transparency": Entry(palette_with_transparency, (360, 480)),
    "12000x8000 photo": Entry(huge_photo, (12000, 8000)),
    "EXIF-rotated phone photo": Entry(exif_rotated, (360, 480)),
    "HEIC": Entry(heic, (360, 480)),
    "non-ASCII path": Entry(non_ascii_path, (512, 715), needs_photos=True),
}


def build(entry: Entry, folder: Path, photos: Path) -> Path:
    return entry.build(folder, photos) if entry.needs_photos else entry.build(folder)


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("corpus")


# ================================================================ the window helpers


def open_photo(qtbot: Any, window: MainWindow, answers: ScriptedDialogs, path: Path) -> str:
    """Ctrl+O with a scripted answer; "" when the photo opened, else the window's message."""
    outcome: list[str] = []
    window.photoLoaded.connect(lambda: outcome.append(""))
    window.photoRejected.connect(outcome.append)
    ticks: list[int] = []
    timer = QTimer(window)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(0)
    answers.open_answers.append(path)
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    # The file is read in the pool: nothing has been decided when the shortcut returns.
    assert not outcome and window.runner.active >= 1
    qtbot.waitUntil(lambda: bool(outcome), timeout=30_000)
    timer.stop()
    assert ticks  # the event loop kept turning while the file was read
    window.photoLoaded.disconnect()
    window.photoRejected.disconnect()
    return outcome[0]


def generate(qtbot: Any, window: MainWindow) -> None:
    assert window.generate_button.isEnabled()
    qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.running, timeout=20_000)
    assert window.generated is not None, window.message.text()
    assert (window.generated.result.width, window.generated.result.height) == SIZE


def custom_size(qtbot: Any, window: MainWindow, size: tuple[int, int] = SIZE) -> None:
    qtbot.mouseClick(window.preset_picker.custom_radio, Qt.MouseButton.LeftButton)
    window.preset_picker.set_custom_size(*size)


@pytest.fixture
def offline_window(make_window: WindowFactory, ui_services: Callable[..., Services]) -> MainWindow:
    """The window on the free engine (crop-and-resize in tests: fast, no network)."""
    return make_window(ui_services())


# ================================================================ the corpus tests


@pytest.mark.parametrize("name", list(CORPUS))
def test_bad_input_through_core_and_window(
    name: str,
    qtbot: Any,
    offline_window: MainWindow,
    answers: ScriptedDialogs,
    corpus_dir: Path,
    photos_dir: Path,
) -> None:
    entry = CORPUS[name]
    folder = corpus_dir / f"case{list(CORPUS).index(name)}"
    folder.mkdir(exist_ok=True)
    path = build(entry, folder, photos_dir)

    # The core: a prepared photo of the right upright size, or a clear refusal.
    if entry.size is None:
        with pytest.raises(ImageError) as caught:
            prepare_photo(path)
        core_message = str(caught.value)
        assert entry.words in core_message and caught.value.hint
    else:
        prepared = prepare_photo(path)
        assert (prepared.original_width, prepared.original_height) == entry.size

    # The window: a good photo first, then the corpus file.
    window = offline_window
    assert open_photo(qtbot, window, answers, photos_dir / GOOD) == ""
    earlier = window.photo
    custom_size(qtbot, window)
    outcome = open_photo(qtbot, window, answers, path)
    if entry.size is None:
        assert core_message in outcome  # the core's words, shown in place
        assert path.name in outcome or "file" in outcome.lower()
        assert window.photo_error.isVisible() and "previous photo" in window.photo_error.text()
        assert window.photo is earlier and window.original_view.image() is not None
    else:
        assert outcome == ""
        assert window.photo is not None and window.photo is not earlier
        assert window.photo.prepared is not None
        assert (
            window.photo.prepared.original_width,
            window.photo.prepared.original_height,
        ) == entry.size
        shown = window.original_view.image()
        assert shown is not None
        # upright on screen too (the EXIF turn applied, the aspect kept)
        assert (shown.width() > shown.height()) == (entry.size[0] > entry.size[1])
    # Either way the window is usable at once.
    generate(qtbot, window)


def test_a_file_deleted_between_choosing_and_generating(
    qtbot: Any,
    offline_window: MainWindow,
    answers: ScriptedDialogs,
    photos_dir: Path,
    tmp_path: Path,
) -> None:
    window = offline_window
    path = tmp_path / "customer.jpg"
    shutil.copyfile(photos_dir / GOOD, path)
    assert open_photo(qtbot, window, answers, path) == ""
    custom_size(qtbot, window)
    path.unlink()  # the clerk tidied the folder before pressing Generate
    generate(qtbot, window)  # the photo was read once and is kept: nothing is lost


def test_a_file_deleted_between_choosing_and_reading(
    qtbot: Any,
    offline_window: MainWindow,
    answers: ScriptedDialogs,
    photos_dir: Path,
    tmp_path: Path,
) -> None:
    window = offline_window
    assert open_photo(qtbot, window, answers, photos_dir / GOOD) == ""
    custom_size(qtbot, window)
    gone = tmp_path / "gone.jpg"  # chosen in the dialog, deleted before it was read
    outcome = open_photo(qtbot, window, answers, gone)
    assert "not found" in outcome and "gone.jpg" in outcome
    assert window.photo is not None and window.photo.label == GOOD
    generate(qtbot, window)


# ================================================================ saving


@pytest.fixture
def window_with_result(
    qtbot: Any, offline_window: MainWindow, answers: ScriptedDialogs, photos_dir: Path
) -> MainWindow:
    assert open_photo(qtbot, offline_window, answers, photos_dir / GOOD) == ""
    custom_size(qtbot, offline_window)
    generate(qtbot, offline_window)
    return offline_window


def save_to(qtbot: Any, window: MainWindow, answers: ScriptedDialogs, target: Path) -> str:
    """Save as… to ``target``; "" when saved, else the window's message."""
    outcome: list[str] = []
    window.saved.connect(lambda _path: outcome.append(""))
    answers.save_answers.append(target)
    qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    assert not window.save_button.isEnabled()  # one save at a time, written in the pool
    qtbot.waitUntil(window.save_button.isEnabled, timeout=10_000)
    window.saved.disconnect()
    return outcome[0] if outcome else window.save_message.text()


def assert_save_failed_and_recovers(
    qtbot: Any, window: MainWindow, answers: ScriptedDialogs, message: str, good: Path
) -> None:
    assert window.save_message.isVisible() and window.save_message.role == "error"
    assert "Traceback" not in message and "Something went wrong" not in message
    assert window.generated is not None and window.save_button.isEnabled()
    leftovers = [p for p in good.parent.iterdir() if p.name.endswith(".tmp")]
    assert not leftovers
    assert save_to(qtbot, window, answers, good) == ""
    with Image.open(good) as img:
        assert img.size == SIZE


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may write: mode 555, or a read-only mount when running as root."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    mounted = _mount(folder, "ro,size=64k")
    if not mounted:
        pytest.skip("running as root without permission to mount a read-only folder")
    yield folder
    _umount(folder)


@pytest.fixture
def full_folder(tmp_path: Path) -> Iterator[Path]:
    """A 4 KiB tmpfs: any result is larger, so the write fails with ENOSPC."""
    folder = tmp_path / "full"
    folder.mkdir()
    if not _mount(folder, "size=4k"):
        pytest.skip("a tiny tmpfs needs mount permission (root); not available here")
    yield folder
    _umount(folder)


def _mount(folder: Path, options: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def _umount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def test_save_into_a_read_only_folder(
    qtbot: Any,
    window_with_result: MainWindow,
    answers: ScriptedDialogs,
    read_only_folder: Path,
    tmp_path: Path,
) -> None:
    message = save_to(qtbot, window_with_result, answers, read_only_folder / "customer.jpg")
    assert "cannot be written" in message or "the disk is read-only" in message
    assert not list(read_only_folder.iterdir())
    assert_save_failed_and_recovers(
        qtbot, window_with_result, answers, message, tmp_path / "customer.jpg"
    )


def test_save_onto_a_full_disk(
    qtbot: Any,
    window_with_result: MainWindow,
    answers: ScriptedDialogs,
    full_folder: Path,
    tmp_path: Path,
) -> None:
    message = save_to(qtbot, window_with_result, answers, full_folder / "customer.jpg")
    assert "disk is full" in message
    assert not list(full_folder.iterdir())  # no half-written file, no temp file
    assert_save_failed_and_recovers(
        qtbot, window_with_result, answers, message, tmp_path / "customer.jpg"
    )


def test_save_where_the_name_is_a_folder(
    qtbot: Any,
    window_with_result: MainWindow,
    answers: ScriptedDialogs,
    tmp_path: Path,
) -> None:
    """The dialog confirmed replacing "customer.jpg", which is in fact a folder."""
    blocker = tmp_path / "customer.jpg"
    blocker.mkdir()
    (blocker / "keep.txt").write_text("do not lose me")
    message = save_to(qtbot, window_with_result, answers, blocker)
    assert "customer.jpg" in message and "could not be saved" in message
    assert (blocker / "keep.txt").read_text() == "do not lose me"
    assert_save_failed_and_recovers(
        qtbot, window_with_result, answers, message, tmp_path / "other.jpg"
    )


def test_saving_under_a_non_ascii_folder(
    qtbot: Any, window_with_result: MainWindow, answers: ScriptedDialogs, tmp_path: Path
) -> None:
    folder = tmp_path / "Ausgabe Müller 出力"
    folder.mkdir()
    assert save_to(qtbot, window_with_result, answers, folder / "Фото.jpg") == ""
    with Image.open(io.BytesIO((folder / "Фото.jpg").read_bytes())) as img:
        assert img.size == SIZE


def test_a_full_disk_under_the_history_loses_no_paid_result(
    qtbot: Any,
    make_window: WindowFactory,
    ui_services: Callable[..., Services],
    answers: ScriptedDialogs,
    sandbox: SandboxServer,
    sandbox_token: str,
    photos_dir: Path,
    private_app_home: Path,
    tmp_path: Path,
) -> None:
    """The history cannot be written: the provider's result is still shown and saved."""
    data = private_app_home / "data"
    data.mkdir()
    if not _mount(data, "size=4k"):
        pytest.skip("a tiny tmpfs needs mount permission (root); not available here")
    try:
        services = ui_services(token=sandbox_token, api_url=sandbox.base_url, engine="cloud")
        window = make_window(services)
        assert open_photo(qtbot, window, answers, photos_dir / GOOD) == ""
        custom_size(qtbot, window)
        generate(qtbot, window)
        assert window.generated is not None
        assert any("history" in w for w in window.generated.result.warnings)
        assert "history" in window.result_info.text()  # the clerk is told it is not kept
        assert sandbox.request_counts["POST /task/pic/idphoto"] == 1
        assert save_to(qtbot, window, answers, tmp_path / "customer.jpg") == ""
        window.close()
    finally:
        _umount(data)
