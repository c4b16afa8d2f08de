"""The watched folder decides "finished photo" only when the camera is done writing."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from idphoto_desktop.watch.folder import FolderWatch
from idphoto_desktop.watch.ready import (
    Event,
    Ready,
    ReadyTracker,
    Skipped,
    decodes_completely,
    is_ignored_name,
)
from tests.watch_helpers import SlowCamera, big_jpeg, wait_for


@pytest.fixture
def shot(photos_dir: Path) -> bytes:
    return big_jpeg(photos_dir / "hivision_test0.jpg")


def _drain(
    tracker: ReadyTracker, until: Callable[[list[Event]], bool], timeout: float = 30.0,
    events: list[Event] | None = None,
) -> list[Event]:
    """Poll like the watcher does, collecting every event, until ``until(events)``."""
    got: list[Event] = [] if events is None else events

    def step() -> bool:
        tracker.rescan()
        got.extend(tracker.poll())
        return until(got)

    assert wait_for(step, timeout)
    return got


def _has_ready(events: list[Event]) -> bool:
    return any(isinstance(e, Ready) for e in events)


def test_a_photo_written_slowly_in_chunks_is_read_once_whole(tmp_path: Path, shot: bytes) -> None:
    assert len(shot) > 6 * 64 * 1024  # several chunks: the camera is seen mid-write
    tracker = ReadyTracker(tmp_path, settle_s=0.2, give_up_s=2.0)
    camera = SlowCamera(tmp_path / "DSC_0001.JPG", shot)
    seen_partial = threading.Event()
    events: list[Event] = []
    camera.start()
    while camera.is_alive():  # polled all through the write: never an error, never half
        tracker.rescan()
        if (tmp_path / "DSC_0001.JPG").exists():
            seen_partial.set()
        events.extend(tracker.poll())
    _drain(tracker, _has_ready, events=events)
    ready = [e for e in events if isinstance(e, Ready)]
    assert seen_partial.is_set()
    assert not [e for e in events if isinstance(e, Skipped)]
    assert len(ready) == 1
    assert ready[0].data == shot  # the whole file, never a prefix
    for _ in range(5):
        tracker.rescan()
        assert tracker.poll() == []  # once only


def test_a_camera_that_stalls_half_way_gives_no_error_and_no_half_photo(
    tmp_path: Path, shot: bytes
) -> None:
    tracker = ReadyTracker(tmp_path, settle_s=0.1, give_up_s=3.0)
    camera = SlowCamera(tmp_path / "DSC_0009.JPG", shot, stall_s=0.8)  # stable, yet half
    camera.start()
    events: list[Event] = []
    while camera.is_alive():
        tracker.rescan()
        events.extend(tracker.poll())
    _drain(tracker, _has_ready, events=events)
    assert [type(e) for e in events] == [Ready]
    assert isinstance(events[0], Ready) and events[0].data == shot


def test_a_truncated_jpeg_never_counts_as_finished(shot: bytes) -> None:
    assert decodes_completely(shot)
    for cut in (len(shot) // 3, len(shot) - 4096, len(shot) - 700):
        assert not decodes_completely(shot[:cut])


@pytest.mark.parametrize("fmt", ["PNG", "TIFF", "HEIF"])
def test_png_tiff_and_heic_are_read(tmp_path: Path, photos_dir: Path, fmt: str) -> None:
    with Image.open(photos_dir / "hivision_test1.jpg") as image:
        rgb = image.convert("RGB")
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    out = io.BytesIO()
    rgb.save(out, format=fmt)
    data = out.getvalue()
    suffix = {"PNG": ".png", "TIFF": ".tif", "HEIF": ".heic"}[fmt]
    tracker = ReadyTracker(tmp_path, settle_s=0.05, give_up_s=1.0)
    (tmp_path / f"IMG_0001{suffix}").write_bytes(data)
    events = _drain(tracker, lambda _e: not tracker.pending)
    assert [type(e) for e in events] == [Ready]
    assert not decodes_completely(data[: len(data) * 2 // 3])  # half written: not finished


def test_temporary_and_hidden_names_wait_for_the_rename(tmp_path: Path, shot: bytes) -> None:
    for name in (".DSC_0002.JPG", "DSC_0002.JPG.tmp", "DSC_0002.part", "~DSC_0002.JPG",
                 "DSC_0002.JPG~", "capture.crdownload"):
        assert is_ignored_name(name)
    assert not is_ignored_name("DSC_0002.JPG")
    tracker = ReadyTracker(tmp_path, settle_s=0.1, give_up_s=1.0)
    camera = SlowCamera(tmp_path / "DSC_0002.JPG", shot, temp_name="DSC_0002.JPG.part")
    camera.start()
    events: list[Event] = []
    while camera.is_alive():
        tracker.rescan()
        events.extend(tracker.poll())
        assert not events  # nothing while the name is temporary
    _drain(tracker, _has_ready, events=events)
    assert [e.path.name for e in events] == ["DSC_0002.JPG"]


def test_raw_and_unreadable_files_give_one_message_each(tmp_path: Path) -> None:
    (tmp_path / "DSC_0003.NEF").write_bytes(b"MM\x00*" + b"\x00" * 5000)
    (tmp_path / "DSC_0004.JPG").write_bytes(b"this is not a photo at all" * 50)
    (tmp_path / "DSC_0004.xmp").write_text("<x:xmpmeta/>")  # a sidecar: silently left alone
    tracker = ReadyTracker(tmp_path, settle_s=0.05, give_up_s=0.3)
    events = _drain(tracker, lambda _e: not tracker.pending, timeout=20)
    skipped = {e.path.name: e.message for e in events if isinstance(e, Skipped)}
    assert set(skipped) == {"DSC_0003.NEF", "DSC_0004.JPG"}
    assert "raw" in skipped["DSC_0003.NEF"]
    assert "not a readable photo" in skipped["DSC_0004.JPG"]
    assert not [e for e in events if isinstance(e, Ready)]
    tracker.rescan()
    assert tracker.poll() == []  # the message is said once


def test_a_rewritten_file_is_a_new_shot_and_new_only_skips_old_ones(
    tmp_path: Path, shot: bytes, photos_dir: Path
) -> None:
    old = tmp_path / "OLD.JPG"
    old.write_bytes(shot)
    tracker = ReadyTracker(tmp_path, settle_s=0.05)
    assert tracker.mark_existing_done() == 1
    tracker.rescan()
    assert tracker.poll() == [] and not tracker.pending
    other = (photos_dir / "hivision_test2.jpg").read_bytes()
    old.write_bytes(other)  # the camera reused the name: a new shot
    events = _drain(tracker, lambda _e: not tracker.pending)
    assert [(type(e), e.path.name) for e in events] == [(Ready, "OLD.JPG")]
    assert isinstance(events[0], Ready) and events[0].data == other


def test_the_folder_watch_sees_new_shots_through_watchdog(tmp_path: Path, shot: bytes) -> None:
    stop = threading.Event()
    got: list[Event] = []
    watch = FolderWatch(tmp_path, settle_s=0.1, rescan_s=60.0)  # no rescan: events only

    def run() -> None:
        with watch:
            for event in watch.events(stop):
                got.append(event)

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    cameras = [SlowCamera(tmp_path / f"DSC_{i:04d}.JPG", shot) for i in range(1, 3)]
    for camera in cameras:
        camera.start()
    assert wait_for(lambda: len(got) >= 2, 30)
    stop.set()
    watch.wake()
    runner.join(10)
    assert not runner.is_alive()
    assert sorted(e.path.name for e in got) == ["DSC_0001.JPG", "DSC_0002.JPG"]
    assert all(isinstance(e, Ready) and e.data == shot for e in got)


def test_a_writer_that_closes_after_every_chunk_still_gives_one_whole_photo(
    tmp_path: Path, shot: bytes
) -> None:
    stop = threading.Event()
    got: list[Event] = []
    watch = FolderWatch(tmp_path, settle_s=0.3, rescan_s=60.0)

    def run() -> None:
        with watch:
            got.extend(watch.events(stop))

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    camera = SlowCamera(tmp_path / "DSC_0007.JPG", shot, reopen=True, pause_s=0.1)
    camera.start()
    camera.join(60)
    assert wait_for(lambda: len(got) >= 1, 30)
    stop.set()
    watch.wake()
    runner.join(10)
    assert [type(e) for e in got] == [Ready]
    assert isinstance(got[0], Ready) and got[0].data == shot
