"""The capture check's own chain, alone in a process (a script, for bench/cli_process.py).

``check_chain.py PHOTO PRESET RESULT``: what a checked ``idphoto generate --preset
PRESET`` does for the check and nothing else. It prepares the upload as the pipeline's
``prepare`` step does (the preset's need, cropped for a paid call), runs the capture
check on that upload as ``check`` does (``capture.check_photo`` with the preset and its
size), then checks the result file RESULT (a result the sandbox made for the same
upload) as ``check_result`` does (``capture.result_check.with_result``). No history, no
network, no output file. Prints one JSON line (the verdict, the reasons, the faces
found and whether the result was checked) so the bench can tell it did the work.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any


def _locate_faces(image: Any) -> Any:
    """As the pipeline's: the offline detector, imported only when a photo needs it."""
    from idphoto_desktop.engines.offline.headsize import locate_faces

    return locate_faces(image)


def main() -> int:
    photo, preset_id, result_path = sys.argv[1:4]
    from PIL import Image

    from idphoto_desktop.capture import check_photo
    from idphoto_desktop.capture.result_check import with_result
    from idphoto_desktop.core import validation
    from idphoto_desktop.core.imageprep import prepare_photo
    from idphoto_desktop.core.job import GenerateResult, OutputFormat
    from idphoto_desktop.core.presets import get_preset
    from idphoto_desktop.core.uploadneed import upload_need

    preset = get_preset(preset_id)
    size = validation.validate_size(preset.width_px, preset.height_px)  # as the CLI's params
    prepared = prepare_photo(
        Path(photo),
        need=upload_need(size, preset.geometry, None, crop=True),
        locate_faces=_locate_faces,
    )
    with Image.open(io.BytesIO(prepared.data)) as opened:
        image = opened.convert("RGB")
    report = check_photo(image, preset=preset, size=size)
    data = Path(result_path).read_bytes()
    with Image.open(io.BytesIO(data)) as opened:
        width, height = opened.size
    result = GenerateResult(data, OutputFormat.PNG, width, height, "cloud")
    report = with_result(report, result)
    measured = report.measures
    print(
        json.dumps(
            {
                "verdict": report.verdict,
                "reasons": [r.code for r in report.reasons],
                "faces": measured.get("faces"),
                "result_checked": "background_left" in measured or "result_faces" in measured,
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
