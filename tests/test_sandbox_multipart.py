"""The sandbox's multipart/form-data parser, against bodies real clients produce."""

from __future__ import annotations

import pytest
import requests

from idphoto_desktop.sandbox.multipart import (
    MultipartError,
    boundary_from_content_type,
    parse_multipart,
)

TRICKY = b"\x00\xff\r\n--not-the-boundary\r\n\r\n" + bytes(range(256)) * 4


def _encode(files: dict[str, object], data: dict[str, str]) -> tuple[bytes, str]:
    prepared = requests.Request("POST", "http://127.0.0.1/x", files=files, data=data).prepare()
    assert isinstance(prepared.body, bytes)
    return prepared.body, prepared.headers["Content-Type"]


def test_parses_what_requests_sends_with_exact_file_bytes() -> None:
    body, content_type = _encode(
        {"image_file": ("face photo.jpg", TRICKY, "image/jpeg")},
        {"size": "300x400", "format": "jpg", "bg_color": "FFFFFF", "sync": "1"},
    )
    parts = parse_multipart(body, boundary_from_content_type(content_type))
    by_name = {p.name: p for p in parts}
    assert by_name["image_file"].data == TRICKY
    assert by_name["image_file"].filename == "face photo.jpg"
    assert by_name["image_file"].content_type == "image/jpeg"
    assert {n: by_name[n].text() for n in ("size", "format", "bg_color", "sync")} == {
        "size": "300x400",
        "format": "jpg",
        "bg_color": "FFFFFF",
        "sync": "1",
    }
    assert by_name["size"].filename is None


def test_provider_python_example_sends_image_url_as_a_text_part() -> None:
    body, content_type = _encode(
        {"image_url": (None, "https://example.com/portrait.png")}, {"size": "300x400"}
    )
    parts = parse_multipart(body, boundary_from_content_type(content_type))
    assert [p.text() for p in parts if p.name == "image_url"] == [
        "https://example.com/portrait.png"
    ]


def test_quoted_boundary_preamble_epilogue_and_empty_field() -> None:
    body = (
        b"this is a preamble\r\n"
        b"--b:o=u n\r\n"
        b'Content-Disposition: form-data; name="size"\r\n\r\n'
        b"300x400\r\n"
        b"--b:o=u n\r\n"
        b'Content-Disposition: form-data; name="callback_url"\r\n\r\n'
        b"\r\n"
        b"--b:o=u n--\r\nepilogue"
    )
    boundary = boundary_from_content_type('multipart/form-data; boundary="b:o=u n"')
    parts = parse_multipart(body, boundary)
    assert [(p.name, p.data) for p in parts] == [("size", b"300x400"), ("callback_url", b"")]


def test_filename_with_semicolon_and_utf8_name() -> None:
    body = (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="image_file"; filename="a;b \xc3\xa9.png"\r\n'
        b"Content-Type: image/png\r\n\r\n"
        b"PNGDATA\r\n--XyZ--"
    )
    (part,) = parse_multipart(body, b"XyZ")
    assert part.filename == "a;b é.png"
    assert part.data == b"PNGDATA"


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "multipart/mixed; boundary=abc",
        "multipart/form-data; boundary=" + "x" * 71,
    ],
)
def test_content_type_without_a_usable_boundary_is_refused(content_type: str | None) -> None:
    with pytest.raises(MultipartError):
        boundary_from_content_type(content_type)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"no boundary here", "boundary"),
        (b'--B\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue', "closing"),
        (b'--B\r\nContent-Disposition: form-data; name="a"\r\nvalue--B--', "terminated"),
        (b"--B\r\nX-Other: 1\r\n\r\nv\r\n--B--", "Content-Disposition"),
        (b"--B\r\nContent-Disposition: form-data\r\n\r\nv\r\n--B--", "name"),
        (b'--B\r\nContent-Disposition: attachment; name="a"\r\n\r\nv\r\n--B--', "form-data"),
        (b"--B\r\nno colon line\r\n\r\nv\r\n--B--", "colon"),
        (b'--Bjunk\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--B--', "boundary"),
        (b"--B\r\n\r\nv\r\n--B--", "Content-Disposition"),
    ],
)
def test_malformed_bodies_are_refused_with_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(MultipartError, match=reason):
        parse_multipart(body, b"B")


def test_non_utf8_text_field_is_refused() -> None:
    body = b'--B\r\nContent-Disposition: form-data; name="size"\r\n\r\n\xff\xfe\r\n--B--'
    (part,) = parse_multipart(body, b"B")
    with pytest.raises(MultipartError, match="UTF-8"):
        part.text()


def test_too_many_parts_are_refused() -> None:
    one = b'--B\r\nContent-Disposition: form-data; name="f"\r\n\r\nv\r\n'
    with pytest.raises(MultipartError, match="Too many"):
        parse_multipart(one * 100 + b"--B--", b"B")
