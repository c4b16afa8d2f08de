"""A centre-crop-and-resize engine, for protocol tests of the sandbox server only.

It finds no face: its ``foreground_rect`` is simply the crop box in the uploaded image's
pixels, a placeholder with the right shape and grid so that the sandbox can speak the
provider's contract without models. Never offer it to a clerk as an ID-photo engine.
"""

from __future__ import annotations

import io
import time

from PIL import Image

from idphoto_desktop.core.errors import ImageError, ValidationError
from idphoto_desktop.core.geometry import Affine, Rect
from idphoto_desktop.core.i18n import N_
from idphoto_desktop.core.job import (
    CancelToken,
    GenerateRequest,
    GenerateResult,
    OutputFormat,
    ProgressCallback,
)

DEFAULT_BG = "FFFFFF"
JPEG_QUALITY = 92


def centre_crop_box(src_width: int, src_height: int, out_width: int, out_height: int) -> Rect:
    """The largest box of the output's aspect, centred in the source (float pixels)."""
    target = out_width / out_height
    if src_width / src_height > target:
        width = src_height * target
        return Rect((src_width - width) / 2.0, 0.0, width, float(src_height))
    height = src_width / target
    return Rect(0.0, (src_height - height) / 2.0, float(src_width), height)


def _parse_bg(bg_color: str | None) -> tuple[int, int, int]:
    value = (bg_color or DEFAULT_BG).lstrip("#")
    if len(value) != 6:
        raise ValidationError(f"Background colour {bg_color!r} is not RRGGBB.")
    try:
        return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))
    except ValueError:
        raise ValidationError(f"Background colour {bg_color!r} is not RRGGBB.") from None


def _decode(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as exc:  # Pillow raises many types for bad input
        raise ImageError("The photo could not be read as an image.") from exc
    return image


class CropResizeEngine:
    """Centre crop to the requested aspect, resize, encode; no face detection at all."""

    name: str = "cropresize"
    costs_money: bool = False

    def generate(
        self,
        request: GenerateRequest,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> GenerateResult:
        """Crop, resize and encode, checking ``cancel`` between steps."""
        started = time.perf_counter()

        def step(percent: int, text: str) -> None:
            if cancel is not None:
                cancel.raise_if_cancelled()
            if progress is not None:
                progress(percent, text)

        if request.photo is None:
            raise ValidationError("The crop-and-resize engine needs the photo itself, not a URL.")
        params = request.params
        bg = _parse_bg(params.bg_color) if params.format is OutputFormat.JPG else None
        step(5, "Reading photo")
        source = _decode(request.photo.data)
        decoded_ms = (time.perf_counter() - started) * 1000.0

        step(30, "Cropping")
        out_w, out_h = params.size.width, params.size.height
        box = centre_crop_box(source.width, source.height, out_w, out_h)
        has_alpha = source.mode in ("RGBA", "LA", "PA") or (
            source.mode == "P" and "transparency" in source.info
        )
        working = source.convert("RGBA" if has_alpha else "RGB")
        resized = working.resize(
            (out_w, out_h),
            Image.Resampling.LANCZOS,
            box=(box.x, box.y, box.right, box.bottom),
        )

        step(70, "Encoding")
        buffer = io.BytesIO()
        if bg is None:
            # PNG: RGBA, but opaque - this engine does not cut the person out.
            opaque = resized.convert("RGB").convert("RGBA")
            opaque.save(buffer, format="PNG")
        else:
            canvas = Image.new("RGB", (out_w, out_h), bg)
            if resized.mode == "RGBA":
                canvas.paste(resized, (0, 0), resized)
            else:
                canvas.paste(resized, (0, 0))
            canvas.save(buffer, format="JPEG", quality=JPEG_QUALITY)
        scale_x = out_w / box.width
        scale_y = out_h / box.height
        crop = Affine(scale_x, 0.0, -box.x * scale_x, 0.0, scale_y, -box.y * scale_y)
        step(100, "Done")
        total_ms = (time.perf_counter() - started) * 1000.0
        return GenerateResult(
            image=buffer.getvalue(),
            format=params.format,
            width=out_w,
            height=out_h,
            engine=self.name,
            foreground_rect=box,
            crop=crop,
            crop_is_approximate=False,
            timings_ms={"decode": decoded_ms, "total": total_ms},
            warnings=(
                N_("Crop-and-resize placeholder: no face detection (protocol tests only)."),
            ),
        )
