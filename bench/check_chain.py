"""The capture check's own chain, alone in a process (a script, for bench/cli_process.py).

``check_chain.py PHOTO PRESET RESULT``: what a checked ``idphoto generate --preset
PRESET`` does for the check and nothing else: the pipeline's own ``prepare``, ``check``
and ``check_result`` steps (run by ``run_job`` as the command line runs them, a paid
call going on despite a retake), with RESULT (a result the sandbox made for the same
upload) in place of the provider's answer. No history, no network, no output file.
Prints one JSON line (the verdict, the reasons, the faces found and whether the result
was checked) so the bench can tell it did the work.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

CHAIN = ("prepare", "check", "check_result")


def _no_engine() -> Any:
    raise AssertionError("the check chain never calls an engine")


def main() -> int:
    photo, preset_id, result_path = sys.argv[1:4]
    from PIL import Image

    from idphoto_desktop.core import validation
    from idphoto_desktop.core.job import GenerateResult, OutputFormat
    from idphoto_desktop.core.presets import get_preset
    from idphoto_desktop.pipeline import Answers, FixedQuestions, JobContext, run_job
    from idphoto_desktop.pipeline.steps import DEFAULT_STEPS

    preset = get_preset(preset_id)
    params = validation.make_params(  # as the command line's
        validation.validate_size(preset.width_px, preset.height_px),
        OutputFormat.PNG,
        preset_id=preset.id,
        geometry=preset.geometry,
    )
    data = Path(result_path).read_bytes()
    with Image.open(io.BytesIO(data)) as opened:
        width, height = opened.size
    ctx = JobContext(
        params=params,
        engine_name="cloud",
        engine_factory=_no_engine,
        paid=True,
        source=Path(photo),
        history=None,
        preset=preset,
    )
    ctx.result = GenerateResult(data, OutputFormat.PNG, width, height, "cloud")
    steps = [step for step in DEFAULT_STEPS if step.name in CHAIN]
    assert [step.name for step in steps] == list(CHAIN)
    run_job(ctx, steps, questions=FixedQuestions(Answers(go_on_despite_check=True)),
            report_steps=False)
    report = ctx.report
    if report is None:
        raise SystemExit(f"nothing was checked: {ctx.warnings}")
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
