"""The crop-and-resize engine: the sandbox's picture work for protocol tests."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image

from idphoto_desktop.core.errors import CancelledError, ImageError, ValidationError
from idphoto_desktop.core.job import (
    CancelToken,
    GenerateParams,
    GenerateRequest,
    OutputFormat,
    PhotoSize,
    PreparedPhoto,
)
from idphoto_desktop.engines.base import Engine
from idphoto_desktop.engines.cropresize import CropResizeEngine, centre_crop_box


def _photo(data: bytes, width: int, height: int) -> PreparedPhoto:
    return PreparedPhoto(
        data=data,
        mime="image/png",
        filename="x.png",
        width=width,
        height=height,
        original_width=width,
        original_height=height,
        scale=1.0,
        source_sha256=hashlib.sha256(data).hexdigest(),
    )


def _encode(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def _request(data: bytes, w: int, h: int, size: tuple[int, int], **kw: object) -> GenerateRequest:
    params = GenerateParams(size=PhotoSize(*size), **kw)  # type: ignore[arg-type]
    return GenerateRequest(params=params, photo=_photo(data, w, h))


def test_is_an_engine_that_costs_nothing() -> None:
    engine = CropResizeEngine()
    assert isinstance(engine, Engine)
    assert engine.name == "cropresize"
    assert engine.costs_money is False


def test_png_output_is_opaque_rgba_of_the_requested_size(photos_dir: Path) -> None:
    data = (photos_dir / "hivision_test0.jpg").read_bytes()
    result = CropResizeEngine().generate(_request(data, 576, 768, (300, 400)))
    image = Image.open(io.BytesIO(result.image))
    assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (300, 400))
    assert image.getchannel("A").getextrema() == (255, 255)
    assert (result.width, result.height, result.format) == (300, 400, OutputFormat.PNG)


def test_crop_box_is_centred_and_the_affine_maps_it_onto_the_output(photos_dir: Path) -> None:
    path = photos_dir / "fr_two_people.jpg"  # 1126x661: wider than 3:4
    with Image.open(path) as source:
        width, height = source.size
    result = CropResizeEngine().generate(_request(path.read_bytes(), width, height, (300, 400)))
    rect = result.foreground_rect
    assert rect is not None and result.crop is not None
    assert rect.height == pytest.approx(height)
    assert rect.width == pytest.approx(height * 0.75)
    assert rect.x == pytest.approx((width - rect.width) / 2)
    corners = result.crop.map_rect(rect)
    assert corners[0] == pytest.approx((0.0, 0.0), abs=1e-6)
    assert corners[2] == pytest.approx((300.0, 400.0), abs=1e-6)
    assert rect == centre_crop_box(width, height, 300, 400)


def test_tall_source_is_cropped_top_and_bottom() -> None:
    box = centre_crop_box(100, 1000, 200, 200)
    assert (box.x, box.y, box.width, box.height) == (0.0, 450.0, 100.0, 100.0)


def test_content_comes_from_the_centre_not_a_squash() -> None:
    # Red | green | blue thirds; a square crop of a 3:1 picture is only the green third.
    source = Image.new("RGB", (300, 100), (255, 0, 0))
    source.paste((0, 255, 0), (100, 0, 200, 100))
    source.paste((0, 0, 255), (200, 0, 300, 100))
    result = CropResizeEngine().generate(_request(_encode(source), 300, 100, (100, 100)))
    out = Image.open(io.BytesIO(result.image)).convert("RGB")
    for x in (5, 50, 94):
        red, green, blue = out.getpixel((x, 50))  # type: ignore[misc]
        assert green > 200 and red < 40 and blue < 40


def test_jpg_puts_transparent_areas_on_the_background_colour() -> None:
    source = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    request = _request(
        _encode(source), 200, 200, (100, 100), format=OutputFormat.JPG, bg_color="3366CC"
    )
    result = CropResizeEngine().generate(request)
    out = Image.open(io.BytesIO(result.image))
    assert (out.format, out.mode, out.size) == ("JPEG", "RGB", (100, 100))
    pixel = out.getpixel((50, 50))
    assert isinstance(pixel, tuple)
    assert all(abs(a - b) <= 3 for a, b in zip(pixel, (0x33, 0x66, 0xCC), strict=True))


def test_jpg_default_background_is_white() -> None:
    source = Image.new("RGBA", (120, 160), (0, 0, 0, 0))
    request = _request(_encode(source), 120, 160, (120, 160), format=OutputFormat.JPG)
    out = Image.open(io.BytesIO(CropResizeEngine().generate(request).image))
    low, _high = out.convert("L").getextrema()
    assert isinstance(low, int) and low >= 250


def test_reports_rising_progress_up_to_100(photos_dir: Path) -> None:
    seen: list[int] = []
    data = (photos_dir / "hivision_test3.jpg").read_bytes()
    CropResizeEngine().generate(
        _request(data, 512, 715, (200, 200)), progress=lambda p, _t: seen.append(p)
    )
    assert seen == sorted(seen) and seen[-1] == 100 and len(seen) >= 3


def test_honours_cancel(photos_dir: Path) -> None:
    cancel = CancelToken()
    cancel.cancel()
    data = (photos_dir / "hivision_test3.jpg").read_bytes()
    with pytest.raises(CancelledError):
        CropResizeEngine().generate(_request(data, 512, 715, (200, 200)), cancel=cancel)


def test_cancel_between_steps_stops_the_work(photos_dir: Path) -> None:
    cancel = CancelToken()
    seen: list[int] = []

    def progress(percent: int, _text: str) -> None:
        seen.append(percent)
        cancel.cancel()

    data = (photos_dir / "hivision_test3.jpg").read_bytes()
    with pytest.raises(CancelledError):
        CropResizeEngine().generate(
            _request(data, 512, 715, (200, 200)), progress=progress, cancel=cancel
        )
    assert seen == [5]


def test_undecodable_bytes_raise_image_error() -> None:
    with pytest.raises(ImageError):
        CropResizeEngine().generate(_request(b"not an image at all", 10, 10, (100, 100)))


def test_url_only_request_is_refused_with_a_clear_error() -> None:
    request = GenerateRequest(
        params=GenerateParams(size=PhotoSize(100, 100)), image_url="http://127.0.0.1/x.jpg"
    )
    with pytest.raises(ValidationError, match="photo itself"):
        CropResizeEngine().generate(request)
