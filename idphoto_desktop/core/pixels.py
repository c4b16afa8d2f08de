"""Any pixel format to plain 8-bit sRGB, or RGBA when there is real transparency.

Why one place: the photo the clerk drops (``core.imageprep``) and the result a provider
sends back (``core.background.open_result``) meet the same odd formats: CMYK, 16-bit
greyscale (which Pillow's own conversion clips to white), palettes, a colour profile
other than sRGB (Display P3, Adobe RGB: stripped without converting, the colours shift).
"""

from __future__ import annotations

import io

from PIL import Image

from idphoto_desktop.core.errors import ImageError

__all__ = ["has_real_alpha", "normalise_mode", "sixteen_to_eight", "to_srgb"]


def to_srgb(image: Image.Image) -> Image.Image:
    """Apply an embedded colour profile (CMYK, Display P3...) so colours survive stripping it."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    from PIL import ImageCms  # only for a photo that carries a profile

    out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if ImageCms.getProfileDescription(src).strip().lower().startswith("srgb"):
            return image  # already sRGB: converting would only cost time
        dst = ImageCms.createProfile("sRGB")
        converted = ImageCms.profileToProfile(image, src, dst, outputMode=out_mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # an unusable profile: fall back to the plain conversion below
    return converted if converted is not None else image


def sixteen_to_eight(image: Image.Image) -> Image.Image:
    """16-bit and 32-bit greyscale to 8-bit by scaling, not clipping (Pillow clips)."""
    import numpy as np

    arr = np.asarray(image)
    if image.mode == "F":
        peak = float(arr.max()) if arr.size else 0.0
        scaled = arr * 255.0 if peak <= 1.0 else arr
    else:
        peak = int(arr.max()) if arr.size else 0
        scaled = arr / 257.0 if peak > 255 or image.mode.startswith("I;16") else arr
    return Image.fromarray(np.clip(scaled, 0, 255).astype(np.uint8))


def has_real_alpha(image: Image.Image) -> bool:
    """True when some pixel is not fully opaque (a 'RGBA' photo is often opaque)."""
    extrema = image.getchannel("A").getextrema()
    low = extrema[0]
    return isinstance(low, (int, float)) and low < 255


def normalise_mode(image: Image.Image, notes: list[str]) -> Image.Image:
    """Any pixel format to RGB, or RGBA when there is real transparency."""
    mode = image.mode
    if mode in ("RGB", "RGBA", "CMYK"):
        image = to_srgb(image)
        if image.mode == "CMYK":
            image = image.convert("RGB")
        if mode == "CMYK":
            notes.append("Converted from CMYK (print colours) to RGB.")
    elif mode.startswith("I") or mode == "F":
        image = sixteen_to_eight(image)
        notes.append("Converted from 16-bit to 8-bit colour.")
    elif mode == "P":
        has_transparency = "transparency" in image.info
        image = image.convert("RGBA" if has_transparency else "RGB")
    elif mode in ("PA", "LA", "La", "RGBa"):
        image = image.convert("RGBA")
    elif mode == "RGBX":
        image = image.convert("RGB")
    if image.mode in ("L", "1"):
        image = image.convert("RGB")
        notes.append("The photo is black and white; it was converted to RGB.")
    if image.mode not in ("RGB", "RGBA"):
        try:
            image = image.convert("RGB")
        except ValueError as err:
            raise ImageError(f"Pixel format {mode} cannot be converted to colour.") from err
    if image.mode == "RGBA" and not has_real_alpha(image):
        image = image.convert("RGB")
    return image
