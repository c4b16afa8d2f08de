"""Transformed copies of real portraits for the capture check's bench and tests.

Each transformation makes one known fault out of a good photo, by code, so the expected
reason is certain: turned 20°, cut at the crown, one half darkened, all dark, blurred,
shrunk to a tiny face, a second (mirrored) face pasted beside the first; and the face alone
made darker in a photo otherwise exposed as taken: four stops (a dark skin tone's
brightness, which only the clerk can tell from a face in shadow: a check) and nearly seven
(a face in the dark, a back-lit silhouette: a retake); in black and white; and with a green
colour cast (the skin's a* below 0: OFIQ's natural colour at its worst); and saved again
as a JPEG of quality 10 (blocks on the face).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageOps


@dataclass(frozen=True)
class Face:
    """The face box the transformations work around (original pixels)."""

    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


def rotated(img: Image.Image, face: Face, degrees: float = 20.0) -> Image.Image:
    """The photo turned about the face's centre (the head leans ``degrees``)."""
    return img.rotate(
        degrees,
        resample=Image.Resampling.BICUBIC,
        center=(face.cx, face.cy),
        fillcolor=(128, 128, 128),
    )


def crown_cut(img: Image.Image, face: Face) -> Image.Image:
    """The photo's top edge moved down to the forehead: the top of the head is gone."""
    top = round(face.y + 0.12 * face.h)
    return img.crop((0, top, img.width, img.height))


def half_dark(img: Image.Image, face: Face, factor: float = 0.3) -> Image.Image:
    """The image-left half (up to the face's centre line) darkened: a hard side shadow."""
    out = img.copy()
    cut = round(face.cx)
    left = out.crop((0, 0, cut, out.height))
    out.paste(ImageEnhance.Brightness(left).enhance(factor), (0, 0))
    return out


def dark(img: Image.Image, face: Face, factor: float = 0.22) -> Image.Image:
    """The whole photo underexposed."""
    return ImageEnhance.Brightness(img).enhance(factor)


def _srgb_to_linear(v: float) -> float:
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def _linear_to_srgb(v: float) -> float:
    return v * 12.92 if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055


def dark_face(img: Image.Image, face: Face, light: float = 1 / 16) -> Image.Image:
    """The head (face, hair line, ears) given ``light`` times the light, in linear light
    with a soft edge; the backdrop and clothes keep the photo's exposure."""
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).ellipse(
        (
            face.x - 0.15 * face.w,
            face.y - 0.35 * face.h,
            face.x + 1.15 * face.w,
            face.y + 1.25 * face.h,
        ),
        fill=255,
    )
    mask = mask.filter(ImageFilter.GaussianBlur(max(1.0, 0.05 * face.w)))
    table = [round(255 * _linear_to_srgb(light * _srgb_to_linear(i / 255))) for i in range(256)]
    darker = img.convert("RGB").point(table * 3)
    return Image.composite(darker, img.convert("RGB"), mask)


def face_in_the_dark(img: Image.Image, face: Face) -> Image.Image:
    """The head with 1/100 of the light: nearly black in a well-lit photo."""
    return dark_face(img, face, light=0.01)


def black_and_white(img: Image.Image, face: Face) -> Image.Image:
    """The photo in black and white, stored as RGB (as a scan or a camera's mono mode)."""
    return ImageOps.grayscale(img).convert("RGB")


def green_cast(
    img: Image.Image, face: Face, gains: tuple[float, float, float] = (0.6, 1.0, 0.6)
) -> Image.Image:
    """A green colour cast (a fluorescent tube under the wrong white balance): red and
    blue given ``gains`` of their light, in linear light."""
    tables: list[int] = []
    for gain in gains:
        tables += [
            min(255, round(255 * _linear_to_srgb(min(1.0, gain * _srgb_to_linear(i / 255)))))
            for i in range(256)
        ]
    return img.convert("RGB").point(tables)


def blurred(img: Image.Image, face: Face, share: float = 0.035) -> Image.Image:
    """Out of focus: a Gaussian blur whose radius is ``share`` of the face's width."""
    return img.filter(ImageFilter.GaussianBlur(radius=max(1.0, share * face.w)))


def tiny(img: Image.Image, face: Face, face_px: float = 48.0) -> Image.Image:
    """The photo shrunk so the face box is ``face_px`` wide (a distant, small face)."""
    k = min(1.0, face_px / face.w)
    size = (max(32, round(img.width * k)), max(32, round(img.height * k)))
    return img.resize(size, Image.Resampling.LANCZOS)


def second_face(img: Image.Image, face: Face) -> Image.Image:
    """The head, mirrored, pasted beside the customer (widening the photo if needed)."""
    pad = 0.5
    x0 = max(0, round(face.x - pad * face.w))
    y0 = max(0, round(face.y - pad * face.h))
    x1 = min(img.width, round(face.x + (1 + pad) * face.w))
    y1 = min(img.height, round(face.y + (1 + pad) * face.h))
    head = ImageOps.mirror(img.crop((x0, y0, x1, y1)))
    at = round(face.x + 1.25 * face.w)
    width = max(img.width, at + head.width)
    canvas = Image.new("RGB", (width, img.height), (128, 128, 128))
    canvas.paste(img.convert("RGB"), (0, 0))
    canvas.paste(head, (at, y0))
    return canvas


def compressed(img: Image.Image, face: Face, quality: int = 10) -> Image.Image:
    """Saved again as a JPEG of low ``quality`` (a copy sent through a messaging app)."""
    buffer = io.BytesIO()
    img.convert("RGB").save(buffer, format="JPEG", quality=quality)
    with Image.open(io.BytesIO(buffer.getvalue())) as again:
        return again.convert("RGB")


Transform = Callable[[Image.Image, Face], Image.Image]

# name -> (transformation, expected verdict(s), expected reason code)
TRANSFORMS: dict[str, tuple[Transform, tuple[str, ...], str]] = {
    "rotated20": (rotated, ("check", "retake"), "head_roll"),
    "crown_cut": (crown_cut, ("retake",), "crown_cut"),
    "half_dark": (half_dark, ("check", "retake"), "uneven_light"),
    "dark": (dark, ("retake",), "underexposed"),
    "dark_face": (dark_face, ("check",), "face_dark"),
    "face_in_the_dark": (face_in_the_dark, ("retake",), "underexposed"),
    "blurred": (blurred, ("check", "retake"), "blurred"),
    "black_and_white": (black_and_white, ("check",), "black_and_white"),
    "green_cast": (green_cast, ("check",), "unnatural_colour"),
    "tiny": (tiny, ("retake",), "face_small"),
    "second_face": (second_face, ("retake",), "other_face_in_frame"),
    "compressed": (compressed, ("check", "retake"), "compressed"),
}
