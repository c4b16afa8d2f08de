"""Uploads carry pixels only, converted to sRGB (issue 14, item 6): every JPEG
segment and PNG chunk of the prepared upload is parsed and checked against a list of
what pixels and colour need; EXIF, GPS, XMP, IPTC, comments, thumbnails and maker
notes in the source must all be gone."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from idphoto_desktop.api.form import build_form
from idphoto_desktop.core.imageprep import prepare_photo_bytes
from idphoto_desktop.core.job import GenerateParams, GenerateRequest, OutputFormat, PhotoSize

SECRET_WORDS = (b"Customer Name", b"http://ns.adobe.com", b"Photoshop", b"MakerNote")
# JPEG markers that pixels and colour need (APP2 only as ICC_PROFILE, APP0 as JFIF).
JPEG_ALLOWED = {0xC0, 0xC1, 0xC2, 0xC4, 0xDB, 0xDD, 0xDA, 0xE0, 0xE2}
PNG_ALLOWED = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"iCCP", b"sRGB", b"gAMA", b"cHRM", b"tRNS"}


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of every segment up to the scan, then the scan's markers."""
    assert data[:2] == b"\xff\xd8"
    segments: list[tuple[int, bytes]] = []
    pos = 2
    while pos < len(data):
        assert data[pos] == 0xFF, f"no marker at {pos}"
        marker = data[pos + 1]
        if marker == 0xD9:
            break
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        segments.append((marker, data[pos + 4 : pos + 2 + length]))
        pos += 2 + length
        if marker == 0xDA:  # entropy-coded data: skip to the next non-RST marker
            while pos < len(data) - 1:
                if data[pos] == 0xFF and data[pos + 1] not in (0x00, *range(0xD0, 0xD8)):
                    break
                pos += 1
    return segments


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks: list[tuple[bytes, bytes]] = []
    pos = 8
    while pos < len(data):
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        kind = data[pos + 4 : pos + 8]
        chunks.append((kind, data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return chunks


def _exif_with_gps_thumbnail_makernote() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Camera Maker"
    exif[0x0110] = "Customer Name's phone"
    exif[0x9286] = "Customer Name"  # UserComment-like text in IFD0 for the scan below
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (48.0, 51.0, 24.0)
    gps[3] = "E"
    gps[4] = (2.0, 21.0, 3.0)
    exif.get_ifd(0x8769)[0x927C] = b"MakerNote secret bytes"
    return exif


def _xmp() -> bytes:
    return (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://ns.adobe.com/">'
        b"<dc:creator>Customer Name</dc:creator></rdf:RDF></x:xmpmeta>"
    )


def _iptc_app13() -> bytes:
    iptc = b"\x1c\x02\x50" + struct.pack(">H", 13) + b"Customer Name"
    resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(iptc)) + iptc
    payload = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def dirty_jpeg(source: Path) -> bytes:
    with Image.open(source) as image:
        rgb = image.convert("RGB")
    thumb = io.BytesIO()
    rgb.resize((80, 100)).save(thumb, format="JPEG")
    buffer = io.BytesIO()
    rgb.save(
        buffer,
        format="JPEG",
        exif=_exif_with_gps_thumbnail_makernote(),
        comment=b"Customer Name, passport 2026",
        xmp=_xmp(),
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
    )
    data = buffer.getvalue()
    # IPTC (APP13) right after SOI, as Photoshop writes it.
    return data[:2] + _iptc_app13() + data[2:]


def dirty_png(source: Path) -> bytes:
    with Image.open(source) as image:
        rgba = image.convert("RGBA")
    rgba.putpixel((0, 0), (0, 0, 0, 0))  # real transparency: stays PNG
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Customer Name")
    info.add_itxt("XML:com.adobe.xmp", _xmp().decode())
    info.add_text("Comment", "Customer Name GPS", zip=True)
    buffer = io.BytesIO()
    rgba.save(buffer, format="PNG", pnginfo=info, exif=_exif_with_gps_thumbnail_makernote())
    data = buffer.getvalue()
    # A tIME chunk too.
    body = b"tIME" + struct.pack(">HBBBBB", 2026, 12, 3, 9, 0, 0)
    chunk = struct.pack(">I", 7) + body + struct.pack(">I", zlib.crc32(body))
    return data[:33] + chunk + data[33:]


def _upload_bytes(data: bytes, name: str) -> bytes:
    photo = prepare_photo_bytes(data, name)
    request = GenerateRequest(
        GenerateParams(PhotoSize(300, 400), OutputFormat.PNG, None), photo=photo
    )
    parts = dict(build_form(request))
    upload = parts["image_file"][1]
    assert isinstance(upload, bytes) and upload == photo.data
    return upload


def test_the_dirty_sources_really_carry_the_metadata(photos_dir: Path) -> None:
    jpeg = dirty_jpeg(photos_dir / "hivision_test0.jpg")
    markers = {marker for marker, _ in jpeg_segments(jpeg)}
    assert {0xE1, 0xED, 0xFE} <= markers  # EXIF/XMP, IPTC, COM: the test can fail
    png = dirty_png(photos_dir / "hivision_test0.jpg")
    kinds = {kind for kind, _ in png_chunks(png)}
    assert {b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"tIME"} <= kinds


def test_a_jpeg_upload_keeps_only_pixels_and_colour(photos_dir: Path) -> None:
    upload = _upload_bytes(dirty_jpeg(photos_dir / "hivision_test0.jpg"), "customer.jpg")
    segments = jpeg_segments(upload)
    for marker, payload in segments:
        assert marker in JPEG_ALLOWED, f"segment 0x{marker:02X} reached the upload"
        if marker == 0xE0:
            assert payload.startswith(b"JFIF\x00")
        if marker == 0xE2:
            assert payload.startswith(b"ICC_PROFILE\x00")
    for word in SECRET_WORDS:
        assert word not in upload


def test_a_png_upload_keeps_only_pixels_and_colour(photos_dir: Path) -> None:
    upload = _upload_bytes(dirty_png(photos_dir / "hivision_test0.jpg"), "customer.png")
    kinds = [kind for kind, _ in png_chunks(upload)]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    for kind in kinds:
        assert kind in PNG_ALLOWED, f"chunk {kind!r} reached the upload"
    for word in SECRET_WORDS:
        assert word not in upload


@pytest.mark.parametrize("fmt", ["WEBP", "TIFF"])
def test_other_formats_with_metadata_are_cleaned_too(photos_dir: Path, fmt: str) -> None:
    with Image.open(photos_dir / "hivision_test0.jpg") as image:
        rgb = image.convert("RGB")
    buffer = io.BytesIO()
    rgb.save(buffer, format=fmt, exif=_exif_with_gps_thumbnail_makernote())
    upload = _upload_bytes(buffer.getvalue(), f"photo.{fmt.lower()}")
    for marker, _payload in jpeg_segments(upload):
        assert marker in JPEG_ALLOWED
    for word in SECRET_WORDS:
        assert word not in upload
