"""Validation before any network call: every rule, and the message the clerk sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from idphoto_desktop.core.errors import ValidationError
from idphoto_desktop.core.imageprep import prepare_photo
from idphoto_desktop.core.job import CropGeometry, OutputFormat, PhotoSize
from idphoto_desktop.core.validation import (
    make_params,
    make_request,
    normalize_bg_color,
    parse_format,
    parse_size,
    validate_size,
    validate_url,
)


@pytest.mark.parametrize(("w", "h"), [(100, 100), (2000, 2000), (295, 413), (100, 2000)])
def test_validate_size_accepts_the_provider_range(w: int, h: int) -> None:
    assert validate_size(w, h) == PhotoSize(w, h)


@pytest.mark.parametrize(
    ("w", "h", "words"),
    [
        (99, 400, "width must be between 100 and 2000"),
        (300, 2001, "height must be between 100 and 2000"),
        (0, 0, "width"),
        (-5, 400, "width"),
    ],
)
def test_validate_size_refuses_out_of_range(w: int, h: int, words: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_size(w, h)
    assert words in str(info.value)
    assert info.value.hint


@pytest.mark.parametrize("bad", [300.0, "300", True, None])
def test_validate_size_refuses_non_integers(bad: object) -> None:
    with pytest.raises(ValidationError, match="whole number"):
        validate_size(bad, 400)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("300x400", PhotoSize(300, 400)),
        ("300 x 400", PhotoSize(300, 400)),
        ("300X400", PhotoSize(300, 400)),
        (" 413×531 ", PhotoSize(413, 531)),
        ("2000x100", PhotoSize(2000, 100)),
    ],
)
def test_parse_size(text: str, expected: PhotoSize) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "not a size"),
        ("300", "not a size"),
        ("300x", "not a size"),
        ("axb", "not a whole number"),
        ("300.5x400", "not a whole number"),
        ("-300x400", "not a whole number"),
        ("3000x400", "between 100 and 2000"),
        ("٣٠٠x400", "not a whole number"),  # Arabic-Indic digits: isdigit() but not ASCII
    ],
)
def test_parse_size_refuses(text: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        parse_size(text)


@pytest.mark.parametrize(
    ("text", "fmt"),
    [("png", OutputFormat.PNG), ("PNG", OutputFormat.PNG), ("jpg", OutputFormat.JPG),
     ("jpeg", OutputFormat.JPG), (" JPEG ", OutputFormat.JPG), (".jpg", OutputFormat.JPG)],
)
def test_parse_format(text: str, fmt: OutputFormat) -> None:
    assert parse_format(text) is fmt


@pytest.mark.parametrize("text", ["gif", "", "webp", "pngg"])
def test_parse_format_refuses(text: str) -> None:
    with pytest.raises(ValidationError, match="not an output format") as info:
        parse_format(text)
    assert "png" in info.value.hint and "jpg" in info.value.hint


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ffffff", "FFFFFF"), ("#438edb", "438EDB"), (" #FF0000 ", "FF0000"), ("00aA00", "00AA00")],
)
def test_normalize_bg_color(text: str, expected: str) -> None:
    assert normalize_bg_color(text) == expected


@pytest.mark.parametrize("text", ["fff", "#fffffff", "GGGGGG", "", "##ffffff", "white", "ff ff ff"])
def test_normalize_bg_color_refuses(text: str) -> None:
    with pytest.raises(ValidationError, match="not a background colour") as info:
        normalize_bg_color(text)
    assert "six hexadecimal digits" in info.value.hint


def test_validate_url() -> None:
    assert validate_url("https://example.com/a.jpg") == "https://example.com/a.jpg"
    assert validate_url(" http://127.0.0.1:8080/p.png ") == "http://127.0.0.1:8080/p.png"
    long_ok = "https://example.com/" + "a" * (512 - len("https://example.com/"))
    assert validate_url(long_ok) == long_ok


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://example.com/a.jpg", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("example.com/a.jpg", "http:// or https://"),
        ("https://", "no host"),
        ("https://example.com/a b.jpg", "spaces"),
        ("", "empty"),
        ("https://example.com/" + "a" * 493, "too long (513 characters; at most 512)"),
    ],
)
def test_validate_url_refuses(url: str, words: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_url(url)
    assert words in str(info.value)


def test_make_params_keeps_colour_only_with_jpg() -> None:
    geometry = CropGeometry(head_fraction=(0.7, 0.8))
    jpg = make_params(PhotoSize(413, 531), OutputFormat.JPG, bg_color="#ffffff",
                      preset_id="schengen_visa", geometry=geometry)
    assert jpg.bg_color == "FFFFFF"
    assert jpg.preset_id == "schengen_visa"
    assert jpg.geometry == geometry
    png = make_params(PhotoSize(413, 531), OutputFormat.PNG, bg_color="ffffff")
    assert png.bg_color is None
    assert png.cache_key() == make_params(PhotoSize(413, 531), OutputFormat.PNG).cache_key()
    assert make_params(PhotoSize(413, 531), OutputFormat.JPG).bg_color is None


def test_make_params_checks_size_and_colour() -> None:
    with pytest.raises(ValidationError, match="width"):
        make_params(PhotoSize(50, 400), OutputFormat.PNG)
    with pytest.raises(ValidationError, match="background colour"):
        make_params(PhotoSize(300, 400), OutputFormat.JPG, bg_color="blue")
    with pytest.raises(ValidationError, match="background colour"):
        make_params(PhotoSize(300, 400), OutputFormat.PNG, bg_color="#12345")


def test_make_request_needs_exactly_one_source(photos_dir: Path) -> None:
    params = make_params(PhotoSize(300, 400), OutputFormat.PNG)
    photo = prepare_photo(photos_dir / "hivision_test0.jpg")
    with pytest.raises(ValidationError, match="No photo"):
        make_request(params)
    with pytest.raises(ValidationError, match="not both"):
        make_request(params, photo=photo, image_url="https://example.com/a.jpg")
    with pytest.raises(ValidationError, match="http"):
        make_request(params, image_url="ftp://example.com/a.jpg")
    with pytest.raises(ValidationError, match="http"):
        make_request(params, photo=photo, callback_url="mailto:x@example.com")
    by_file = make_request(params, photo=photo, sync=False)
    assert by_file.photo is photo and by_file.image_url is None and by_file.sync is False
    by_url = make_request(params, image_url=" https://example.com/a.jpg",
                          callback_url="https://example.com/cb")
    assert by_url.image_url == "https://example.com/a.jpg"
    assert by_url.callback_url == "https://example.com/cb"
    assert by_url.photo is None and by_url.sync is True
