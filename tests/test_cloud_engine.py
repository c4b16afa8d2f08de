"""The cloud engine: the crop estimate from a cut-out PNG, and the engine end to end.

The crop tests build a synthetic "upload" (a smooth random texture with a person-shaped
mask), cut a known scale-and-shift crop out of it with the mask as alpha, as the
provider does, and check that :func:`estimate_crop` recovers the map.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import numpy as np
import pytest
from PIL import Image, ImageDraw

from idphoto_desktop.api.client import ProviderClient
from idphoto_desktop.core.geometry import Affine, Rect
from idphoto_desktop.core.job import (
    CancelToken,
    GenerateParams,
    GenerateRequest,
    GenerateResult,
    OutputFormat,
    PhotoSize,
    PreparedPhoto,
    ProgressCallback,
)
from idphoto_desktop.engines.base import Engine
from idphoto_desktop.engines.cloud import CloudEngine, estimate_crop, foreground_rect_in_upload
from tests.fixtures.sandbox import SandboxFactory

UPLOAD_W, UPLOAD_H = 600, 800


@dataclass(frozen=True)
class Scene:
    upload: Image.Image  # RGB
    mask: Image.Image  # L, 255 = person
    rect: Rect  # the person's bounding box in upload pixels

    def upload_png(self) -> bytes:
        buffer = io.BytesIO()
        self.upload.save(buffer, format="PNG")
        return buffer.getvalue()


def make_scene(shoulder_half_width: int = 170, seed: int = 1) -> Scene:
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, size=(40, 30, 3), dtype=np.uint8)
    upload = Image.fromarray(coarse, "RGB").resize((UPLOAD_W, UPLOAD_H), Image.Resampling.BICUBIC)
    mask = Image.new("L", (UPLOAD_W, UPLOAD_H), 0)
    draw = ImageDraw.Draw(mask)
    cx = 300
    draw.ellipse((cx - 80, 150, cx + 80, 360), fill=255)  # head: crown at y=150
    draw.rectangle((cx - 35, 340, cx + 35, 420), fill=255)  # neck
    draw.polygon(
        [
            (cx - 60, 410),
            (cx + 60, 410),
            (cx + shoulder_half_width, 520),
            (cx + shoulder_half_width, UPLOAD_H),
            (cx - shoulder_half_width, UPLOAD_H),
            (cx - shoulder_half_width, 520),
        ],
        fill=255,
    )
    box = mask.getbbox()
    assert box is not None
    rect = Rect(box[0], box[1], box[2] - box[0], box[3] - box[1])
    return Scene(upload, mask, rect)


def cut_out(scene: Scene, crop: Affine, size: tuple[int, int]) -> bytes:
    """The provider-like result: the upload mapped by ``crop``, alpha from the mask."""
    s, tx, ty = crop.a, crop.c, crop.f
    inverse = (1 / s, 0.0, -tx / s, 0.0, 1 / s, -ty / s)  # output px -> upload px
    rgb = scene.upload.transform(size, Image.Transform.AFFINE, inverse, Image.Resampling.BILINEAR)
    alpha = scene.mask.transform(size, Image.Transform.AFFINE, inverse, Image.Resampling.BILINEAR)
    rgba = rgb.convert("RGBA")
    rgba.putalpha(alpha)
    buffer = io.BytesIO()
    rgba.save(buffer, format="PNG")
    return buffer.getvalue()


def assert_close(estimated: Affine | None, truth: Affine, rect: Rect, tolerance_px: float) -> None:
    assert estimated is not None
    assert estimated.b == 0 and estimated.d == 0
    for (ex, ey), (tx, ty) in zip(estimated.map_rect(rect), truth.map_rect(rect), strict=True):
        assert abs(ex - tx) <= tolerance_px and abs(ey - ty) <= tolerance_px, (estimated, truth)


def test_person_inside_the_frame_gives_the_crop_from_alpha_alone() -> None:
    scene = make_scene()
    truth = Affine.scale_translate(0.4, 20.0, 30.0)  # the whole person fits in 300x400
    result = cut_out(scene, truth, (300, 400))
    assert_close(estimate_crop(result, scene.rect), truth, scene.rect, tolerance_px=2.0)


def test_person_cut_at_the_bottom_is_searched_not_measured() -> None:
    """The visible width is not the person's width when the body runs out of frame."""
    scene = make_scene()
    truth = Affine.scale_translate(0.5, 20.0, 40.0)  # shoulders widen below the frame
    result = cut_out(scene, truth, (300, 400))
    assert estimate_crop(result, scene.rect) is None
    assert_close(
        estimate_crop(result, scene.rect, scene.upload_png()), truth, scene.rect, tolerance_px=3.0
    )


def test_person_cut_at_both_sides_needs_the_upload_and_is_found_by_search() -> None:
    scene = make_scene(shoulder_half_width=260)
    truth = Affine.scale_translate(0.9, -120.0, 30.0)  # shoulders 468 px wide, frame 300
    result = cut_out(scene, truth, (300, 400))
    assert estimate_crop(result, scene.rect) is None  # width gives only a lower bound
    estimated = estimate_crop(result, scene.rect, scene.upload_png())
    assert estimated is not None
    assert abs(estimated.a / truth.a - 1) < 0.05
    assert_close(estimated, truth, Rect(200, 150, 200, 210), tolerance_px=12.0)  # the head


def test_person_cut_at_one_side_and_the_bottom_is_found_by_search() -> None:
    scene = make_scene(shoulder_half_width=200)
    truth = Affine.scale_translate(0.8, -150.0, 20.0)  # left side and bottom cut
    result = cut_out(scene, truth, (300, 400))
    estimated = estimate_crop(result, scene.rect, scene.upload_png())
    assert estimated is not None
    assert abs(estimated.a / truth.a - 1) < 0.05
    assert_close(estimated, truth, Rect(220, 150, 160, 210), tolerance_px=12.0)


def test_a_wrong_upload_is_not_trusted() -> None:
    scene = make_scene(shoulder_half_width=260)
    other = make_scene(shoulder_half_width=260, seed=99)
    result = cut_out(scene, Affine.scale_translate(0.9, -120.0, 30.0), (300, 400))
    estimated = estimate_crop(result, scene.rect, other.upload_png())
    assert estimated is None


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_no_crop_when_it_cannot_be_derived() -> None:
    scene = make_scene()
    truth = Affine.scale_translate(0.5, 20.0, 40.0)
    good = cut_out(scene, truth, (300, 400))
    assert estimate_crop(good, None) is None
    assert estimate_crop(good, Rect(0, 0, 0, 10)) is None
    # JPEG: no alpha at all.
    buffer = io.BytesIO()
    Image.open(io.BytesIO(good)).convert("RGB").save(buffer, format="JPEG")
    assert estimate_crop(buffer.getvalue(), scene.rect) is None
    # Opaque PNG (nothing cut out) and an empty cut-out.
    assert estimate_crop(_png(Image.new("RGBA", (300, 400), (9, 9, 9, 255))), scene.rect) is None
    assert estimate_crop(_png(Image.new("RGBA", (300, 400), (9, 9, 9, 0))), scene.rect) is None
    # The crown at the very top edge: nothing to anchor on.
    high = cut_out(scene, Affine.scale_translate(0.5, 20.0, -80.0), (300, 400))
    assert estimate_crop(high, scene.rect) is None
    # Not an image.
    assert estimate_crop(b"<html>nope</html>", scene.rect) is None


def test_foreground_rect_convention_is_uploaded_pixels() -> None:
    rect = Rect(133, 110, 604, 952)  # the provider's own example
    assert foreground_rect_in_upload(rect) == rect


class CutoutEngine:
    """Sandbox-side engine that cuts the synthetic person out with a known crop."""

    name = "synthetic-cutout"
    costs_money = False

    def __init__(self, scene: Scene, crop: Affine) -> None:
        self.scene, self.crop = scene, crop

    def generate(
        self,
        request: GenerateRequest,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> GenerateResult:
        size = request.params.size
        image = cut_out(self.scene, self.crop, (size.width, size.height))
        return GenerateResult(
            image=image,
            format=OutputFormat.PNG,
            width=size.width,
            height=size.height,
            engine=self.name,
            foreground_rect=self.scene.rect,
        )


def _request(scene: Scene, sync: bool) -> GenerateRequest:
    data = scene.upload_png()
    photo = PreparedPhoto(
        data=data,
        mime="image/png",
        filename="scene.png",
        width=UPLOAD_W,
        height=UPLOAD_H,
        original_width=UPLOAD_W,
        original_height=UPLOAD_H,
        scale=1.0,
        source_sha256=hashlib.sha256(data).hexdigest(),
    )
    return GenerateRequest(GenerateParams(PhotoSize(300, 400)), photo=photo, sync=sync)


@pytest.mark.parametrize("sync", [True, False])
def test_cloud_engine_end_to_end_through_the_sandbox(
    sandbox_factory: SandboxFactory, sandbox_token: str, sync: bool
) -> None:
    scene = make_scene()
    truth = Affine.scale_translate(0.5, 20.0, 40.0)
    server = sandbox_factory(engine=CutoutEngine(scene, truth))
    client = ProviderClient(sandbox_token, server.base_url, poll_initial_s=0.02, poll_max_s=0.05)
    engine = CloudEngine(client)
    assert isinstance(engine, Engine)
    assert engine.name == "cloud" and engine.costs_money is True
    seen: list[int] = []
    result = engine.generate(_request(scene, sync), progress=lambda p, _t: seen.append(p))
    assert result.engine == "cloud"
    assert (result.width, result.height, result.format) == (300, 400, OutputFormat.PNG)
    assert result.foreground_rect == Rect(*scene.rect.as_ints())
    assert result.crop_is_approximate is True
    assert_close(result.crop, truth, scene.rect, tolerance_px=2.0)
    assert result.task_id and result.raw is not None and result.raw["task_id"] == result.task_id
    assert {"round_trip", "result_download", "time_elapsed", "download_time"} <= set(
        result.timings_ms
    )
    assert seen[-1] == 100 and seen == sorted(seen)
    assert server.request_counts["POST /task/pic/idphoto"] == 1


def test_cloud_engine_without_a_cut_out_leaves_the_crop_empty(
    sandbox: object, sandbox_token: str
) -> None:
    """The crop-and-resize sandbox engine sends an opaque PNG: no crop, not approximate."""
    from idphoto_desktop.sandbox.server import SandboxServer

    assert isinstance(sandbox, SandboxServer)
    client = ProviderClient(sandbox_token, sandbox.base_url)
    result = CloudEngine(client).generate(_request(make_scene(), sync=True))
    assert result.crop is None and result.crop_is_approximate is False
    assert result.foreground_rect is not None
