"""A stored result's rectangle and crop, kept in the photo's pixels, land on the same place
of the photo when reused with an upload at another crop or another scale."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest
from PIL import Image

from idphoto_desktop.core.geometry import Affine, Rect
from idphoto_desktop.core.job import GenerateResult, OutputFormat, PhotoSize, PreparedPhoto
from idphoto_desktop.core.stored_grid import PHOTO_GRID, from_stored_grid, to_stored_grid
from idphoto_desktop.core.validation import make_params
from idphoto_desktop.storage.history import History
from idphoto_desktop.storage.history_rows import HistoryEntry, row_of_entry

DIGEST = "ab" * 32
# One 4000x6000 photo opened twice: uploaded as a part at half size, then (models added,
# another sizing) as another part at 0.8.
HALF = PreparedPhoto(
    b"x", "image/jpeg", "photo.jpg", 500, 600, 4000, 6000, 0.5, DIGEST,
    offset_x=300.0, offset_y=200.0,
)
LARGER = PreparedPhoto(
    b"x", "image/jpeg", "photo.jpg", 1600, 2400, 4000, 6000, 0.8, DIGEST,
    offset_x=100.0, offset_y=50.0,
)
POINTS = ((350.0, 260.0), (900.0, 1300.0), (1200.0, 400.0))  # on the original photo


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", (100, 120), (10, 20, 30, 255)).save(buf, "PNG")
    return buf.getvalue()


def _made_from(photo: PreparedPhoto) -> GenerateResult:
    """A result as an engine returns it for ``photo``'s upload: the person's box and the
    crop placing the same region of the original (300..700 x 200..680) in 100x120."""
    def up(x: float, y: float) -> tuple[float, float]:
        return ((x - photo.offset_x) * photo.scale, (y - photo.offset_y) * photo.scale)

    left, top = up(300.0, 200.0)
    k = 0.25 / photo.scale  # output pixels per upload pixel
    x0, y0 = up(320.0, 240.0)
    return GenerateResult(
        _png(), OutputFormat.PNG, 100, 120, "cloud",
        foreground_rect=Rect(x0, y0, 200.0 * photo.scale, 300.0 * photo.scale),
        crop=Affine(k, 0.0, -k * left, 0.0, k, -k * top),
    )


def _up(photo: PreparedPhoto, x: float, y: float) -> tuple[float, float]:
    return ((x - photo.offset_x) * photo.scale, (y - photo.offset_y) * photo.scale)


def _on_photo(photo: PreparedPhoto, result: GenerateResult) -> tuple[Rect, list[float]]:
    """Where the result's rectangle lies on the original, and the output pixel of POINTS
    (flat: x0, y0, x1, ...)."""
    assert result.foreground_rect is not None and result.crop is not None
    rect = photo.to_original(result.foreground_rect)
    crop = result.crop
    return rect, [v for x, y in POINTS for v in crop.apply(*_up(photo, x, y))]


def _box(r: Rect) -> tuple[float, float, float, float]:
    return (r.x, r.y, r.width, r.height)


def _close(a: Rect, b: Rect) -> bool:
    return all(abs(p - q) < 1e-6 for p, q in zip(_box(a), _box(b), strict=True))


def test_reused_at_another_scale_the_rectangle_and_crop_stay_on_the_same_place() -> None:
    made = _made_from(HALF)
    stored = to_stored_grid(made, HALF)
    assert stored.foreground_rect == Rect(320.0, 240.0, 200.0, 300.0)  # the photo's pixels
    reused = from_stored_grid(stored, LARGER, PHOTO_GRID)
    rect, outputs = _on_photo(LARGER, reused)
    want_rect, want_outputs = _on_photo(HALF, made)
    assert _close(rect, want_rect)
    assert outputs == pytest.approx(want_outputs)
    # and the engine's own result for the larger upload is what the reuse gives
    fresh = _made_from(LARGER)
    assert reused.foreground_rect is not None and fresh.foreground_rect is not None
    assert _close(reused.foreground_rect, fresh.foreground_rect)
    assert reused.crop is not None and fresh.crop is not None
    assert reused.crop.apply(7.0, 9.0) == pytest.approx(fresh.crop.apply(7.0, 9.0))


def test_a_row_from_before_the_scale_was_kept_is_read_at_the_upload_scale() -> None:
    """Old rows: the whole photo at the upload's scale (right when sized the same)."""
    made = _made_from(HALF)
    whole_half = PreparedPhoto(b"x", "image/jpeg", "photo.jpg", 2000, 3000, 4000, 6000, 0.5, DIGEST)
    legacy = from_stored_grid(to_stored_grid(made, HALF), whole_half)  # the old grid
    assert legacy.foreground_rect is not None and made.foreground_rect is not None
    assert legacy.foreground_rect.x == made.foreground_rect.x + HALF.offset_x * HALF.scale
    back = from_stored_grid(legacy, HALF, None)
    assert _close(back.foreground_rect, made.foreground_rect)  # type: ignore[arg-type]
    assert back.crop is not None and made.crop is not None
    assert back.crop.apply(3.0, 4.0) == pytest.approx(made.crop.apply(3.0, 4.0))


def test_the_history_keeps_the_scale_of_the_grid(tmp_path: Path) -> None:
    params = make_params(PhotoSize(100, 120), OutputFormat.PNG)
    path = tmp_path / "h.sqlite3"
    made = _made_from(HALF)
    with History(path) as history:
        new_id = history.add(DIGEST, params, to_stored_grid(made, HALF), "photo.jpg")
        legacy_id = history.add(DIGEST, params, to_stored_grid(made, HALF), "photo.jpg")
    with sqlite3.connect(path) as conn:
        rect_text, crop_text = conn.execute(
            "SELECT foreground_rect, crop FROM results WHERE id = ?", (new_id,)
        ).fetchone()
        rect_json, crop_json = json.loads(rect_text), json.loads(crop_text)
        assert rect_json["grid_scale"] == crop_json["grid_scale"] == PHOTO_GRID
        # A counter that does not know the key cannot read this rectangle: it shows none
        # (its reader is cls(**values)), never one in the wrong place.
        with pytest.raises(TypeError):
            Rect(**rect_json)
        # What rows from before look like: no scale in their JSON.
        del rect_json["grid_scale"], crop_json["grid_scale"]
        conn.execute(
            "UPDATE results SET foreground_rect = ?, crop = ? WHERE id = ?",
            (json.dumps(rect_json), json.dumps(crop_json), legacy_id),
        )
    with History(path) as history:
        entry, legacy = history.get(new_id), history.get(legacy_id)
    assert entry.grid_scale == PHOTO_GRID and legacy.grid_scale is None
    assert entry.foreground_rect == legacy.foreground_rect == Rect(320.0, 240.0, 200.0, 300.0)
    reused = from_stored_grid(entry.to_result(), LARGER, entry.grid_scale)
    assert reused.foreground_rect is not None
    assert _close(LARGER.to_original(reused.foreground_rect), Rect(320.0, 240.0, 200.0, 300.0))
    # copied to another database (history push), each row keeps what it says
    assert json.loads(row_of_entry(entry)["crop"])["grid_scale"] == PHOTO_GRID
    assert "grid_scale" not in json.loads(row_of_entry(legacy)["crop"])


def _stored_with_rect(tmp_path: Path, rect_json: str) -> HistoryEntry:
    """A stored result whose rectangle's JSON was written as ``rect_json``, read back."""
    params = make_params(PhotoSize(100, 120), OutputFormat.PNG)
    path = tmp_path / "h.sqlite3"
    with History(path) as history:
        entry_id = history.add(DIGEST, params, to_stored_grid(_made_from(HALF), HALF), "p.jpg")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE results SET foreground_rect = ? WHERE id = ?", (rect_json, entry_id)
        )
    with History(path) as history:
        return history.get(entry_id)


@pytest.mark.parametrize("bad", ["0", "-1", "1e999", "\"x\""])
def test_an_unreadable_grid_scale_drops_the_rectangle_not_the_result(
    tmp_path: Path, bad: str
) -> None:
    rect = f'{{"x": 1, "y": 2, "width": 3, "height": 4, "grid_scale": {bad}}}'
    entry = _stored_with_rect(tmp_path, rect)
    assert entry.image  # the paid result is still there
    assert entry.foreground_rect is None


def test_a_rectangle_and_crop_in_different_grids_are_both_dropped(tmp_path: Path) -> None:
    entry = _stored_with_rect(tmp_path, '{"x": 1, "y": 2, "width": 3, "height": 4}')  # no scale
    assert entry.image and entry.foreground_rect is None and entry.crop is None
