"""Upload size: bytes our client sends for a 24-megapixel camera JPEG, against the file.

``prepare_photo`` output is what the client uploads; a byte-counting TCP relay between
the client and the sandbox confirms what really goes over the wire for the create call
(multipart envelope and headers included). Quality: the offline engine finds the final
crop on the uploaded photo at the largest output size (2000 px tall, 35x45 mm aspect);
the same crop is then rendered from the original and from the upload and compared
(PSNR, dB). The camera file carries sensor-like noise, so part of any difference is
noise the upload no longer has.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import (
    SANDBOX_TOKEN,
    Figure,
    SandboxProcess,
    camera_jpeg,
    clean_upright,
    figure,
    psnr,
    target,
)

TARGET_FEWER = 4.0
FINAL = (1556, 2000)  # 35x45 mm at the largest side the provider makes (2000 px)
GEOMETRY_HEAD = (0.711, 0.8)  # icao_35x45 in ../shared/specs/id_specs.json (as bench/offline.py)


class CountingRelay:
    """A TCP relay on 127.0.0.1 that counts the bytes the client sends upstream."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.sent = 0
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(8)
        self.port = int(self._listener.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _addr = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, count: bool) -> None:
        try:
            while chunk := src.recv(256 * 1024):
                if count:
                    with self._lock:
                        self.sent += len(chunk)
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._listener.close()


def _render(image: Any, inverse: tuple[float, ...], size: tuple[int, int]) -> Any:
    """The crop of ``image`` given the output-to-input map; antialiased when shrinking."""
    import numpy as np
    from PIL import Image

    a, b, c, d, e, f = inverse
    if abs(b) < 1e-9 and abs(d) < 1e-9:
        box = (c, f, c + a * size[0], f + e * size[1])
        out = image.resize(size, Image.Resampling.LANCZOS, box=box)
    else:  # a rotated crop: plain bicubic (the offline engine levels the eyes)
        out = image.transform(size, Image.Transform.AFFINE, inverse, Image.Resampling.BICUBIC)
    return np.asarray(out.convert("RGB"))


def _inverse(a: float, b: float, c: float, d: float, e: float, f: float) -> tuple[float, ...]:
    det = a * e - b * d
    ia, ib, id_, ie = e / det, -b / det, -d / det, a / det
    return (ia, ib, -(ia * c + ib * f), id_, ie, -(id_ * c + ie * f))


def final_crop_psnr(original_path: Path, prepared: Any, *, quick: bool) -> dict[str, Any]:
    """PSNR of the final crop from the original against the same crop from the upload."""
    import io

    from PIL import Image, ImageOps

    from idphoto_desktop.core.job import (
        CropGeometry,
        GenerateParams,
        GenerateRequest,
        OutputFormat,
        PhotoSize,
    )
    from idphoto_desktop.engines.offline import OfflineEngine

    params = GenerateParams(
        PhotoSize(*FINAL), OutputFormat.PNG, geometry=CropGeometry(head_fraction=GEOMETRY_HEAD)
    )
    result = OfflineEngine().generate(GenerateRequest(params, photo=prepared))
    crop = result.crop
    if crop is None:
        raise RuntimeError("the offline engine gave no crop map")
    with Image.open(io.BytesIO(prepared.data)) as opened:
        uploaded = opened.convert("RGB")
    with Image.open(original_path) as opened:
        original = ImageOps.exif_transpose(opened).convert("RGB")
    if original.size != (prepared.original_width, prepared.original_height):
        raise RuntimeError("the original's upright size differs from prepare_photo's")
    s = prepared.scale
    # uploaded px -> result px is ``crop``; original px -> uploaded px is ``scale``.
    from_upload = _render(uploaded, _inverse(crop.a, crop.b, crop.c, crop.d, crop.e, crop.f),
                          FINAL)
    from_original = _render(
        original, _inverse(crop.a * s, crop.b * s, crop.c, crop.d * s, crop.e * s, crop.f),
        FINAL,
    )
    original.close()
    clean_map = _inverse(crop.a * s, crop.b * s, crop.c, crop.d * s, crop.e * s, crop.f)
    from_clean = _render(clean_upright(quick=quick), clean_map, FINAL)
    return {
        "psnr_db": round(psnr(from_original, from_upload), 2),
        "psnr_original_vs_noise_free_db": round(psnr(from_original, from_clean), 2),
        "psnr_upload_vs_noise_free_db": round(psnr(from_upload, from_clean), 2),
        "final_size": f"{FINAL[0]}x{FINAL[1]}",
        "original_px_per_result_px": round(1.0 / (crop.a * s), 3),
        "uploaded_px_per_result_px": round(1.0 / crop.a, 3),
    }


def main(quick: bool) -> Figure:
    from idphoto_desktop.api.client import ProviderClient
    from idphoto_desktop.core.imageprep import prepare_photo
    from idphoto_desktop.core.job import GenerateParams, GenerateRequest, OutputFormat, PhotoSize

    path = camera_jpeg(quick=quick)
    file_bytes = path.stat().st_size
    started = time.perf_counter()
    prepared = prepare_photo(path)
    prepare_s = time.perf_counter() - started
    sent = len(prepared.data)
    request = GenerateRequest(
        GenerateParams(PhotoSize(*FINAL), OutputFormat.PNG), photo=prepared, sync=True
    )
    with SandboxProcess(engine="cropresize") as sandbox:
        relay = CountingRelay(int(sandbox.base_url.rsplit(":", 1)[1]))
        try:
            with ProviderClient(SANDBOX_TOKEN, base_url=f"http://127.0.0.1:{relay.port}") as c:
                c.generate(request)
            wire = relay.sent  # the create call (the result comes from the sandbox directly)
        finally:
            relay.close()
    quality = final_crop_psnr(path, prepared, quick=quick)
    fewer = file_bytes / sent
    return figure(
        "upload_size",
        "Upload size: bytes sent for a 24-megapixel camera JPEG",
        unit="MB",
        value=sent / 1e6,
        value_label=f"prepare_photo output, {prepared.width}x{prepared.height} {prepared.mime}",
        baseline=file_bytes / 1e6,
        baseline_label=(
            f"the camera file, {prepared.original_width}x{prepared.original_height} "
            f"({prepared.original_width * prepared.original_height / 1e6:.1f} MP)"
        ),
        ratio=fewer,
        ratio_label="x fewer bytes than the file",
        targets=[target("times fewer bytes", fewer, ">=", TARGET_FEWER, "x")],
        quick=quick,
        details={
            "file_bytes": file_bytes,
            "prepared_bytes": sent,
            "wire_bytes_create_call": wire,
            "wire_fewer": round(file_bytes / wire, 2),
            "prepare_s": round(prepare_s, 3),
            "prepare_notes": list(prepared.notes),
            **quality,
        },
        notes=[
            f"On the wire the create call sent {wire / 1e6:.3f} MB "
            f"(multipart envelope included): {file_bytes / wire:.2f}x fewer than the file.",
            f"PSNR of the final {quality['final_size']} crop, from the original vs from the "
            f"upload: {quality['psnr_db']:.2f} dB (result px per uploaded px "
            f"{1 / quality['uploaded_px_per_result_px']:.2f}).",
            "Against the noise-free scene the same crop scores "
            f"{quality['psnr_original_vs_noise_free_db']:.2f} dB from the original and "
            f"{quality['psnr_upload_vs_noise_free_db']:.2f} dB from the upload "
            + (
                "(the upload is closer to the scene: what it drops is mostly sensor noise)."
                if quality["psnr_upload_vs_noise_free_db"]
                >= quality["psnr_original_vs_noise_free_db"]
                else "(the upload is further from the scene: it loses detail)."
            ),
            "The built photo's real detail is that of its ~1000 px source; a camera photo "
            "with finer detail (hair) would lose what a "
            f"{1 / quality['uploaded_px_per_result_px']:.2f}x enlargement of the upload "
            "cannot give back at this output size.",
            f"prepare_photo took {prepare_s:.2f} s.",
        ],
    )
