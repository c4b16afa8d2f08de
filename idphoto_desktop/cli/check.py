"""``idphoto check``: the capture check's verdict on a photo, free and offline.

Exit status 0 whenever the check ran, whatever the verdict (a script reads the verdict
from the output); non-zero with one line when the photo cannot be read or checked.
Text follows the locale (``LANG``/``LC_ALL`` zh_* → Chinese); ``--json`` is one object.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from idphoto_desktop.cli.common import EXIT_OK

if TYPE_CHECKING:
    from idphoto_desktop.capture import CaptureReport

_VERDICT_ZH = {"ok": "合格", "check": "需检查", "retake": "需重拍"}
_SEVERITY_ZH = {"check": "检查", "retake": "重拍"}


def report_lines(report: CaptureReport, *, chinese: bool | None = None) -> list[str]:
    """The verdict and its reasons as the CLI prints them (``generate`` prints the same)."""
    from idphoto_desktop.capture import messages

    zh = messages.is_chinese() if chinese is None else chinese
    verdict = _VERDICT_ZH[report.verdict] if zh else report.verdict
    faces = len(report.faces)
    if zh:
        head = f"结论：{verdict}（{faces} 张人脸"
        head += f"，使用第 {report.chosen_face} 张）" if report.chosen_face else "）"
    else:
        head = f"verdict: {verdict} ({faces} face{'s' if faces != 1 else ''}"
        head += f", face {report.chosen_face} used)" if report.chosen_face else ")"
    lines = [head]
    for reason in report.reasons:
        severity = _SEVERITY_ZH[reason.severity] if zh else reason.severity
        lines.append(f"  [{severity}] {reason.text(chinese=zh)}")
    return lines


def cmd_check(args: argparse.Namespace) -> int:
    from idphoto_desktop.capture import check_photo
    from idphoto_desktop.core.imageprep import load_oriented
    from idphoto_desktop.core.job import PhotoSize
    from idphoto_desktop.core.presets import get_preset
    from idphoto_desktop.core.validation import parse_size

    preset = get_preset(args.preset) if args.preset else None
    size: PhotoSize | None = parse_size(args.size) if args.size else None
    image = load_oriented(Path(args.photo))
    models = Path(args.models_dir) if args.models_dir else None
    report = check_photo(image, preset=preset, size=size, face=args.face, models_dir=models)
    if args.json:
        json.dump(report.to_json(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        from idphoto_desktop.capture import messages

        for line in report_lines(report):
            print(line)
        word = "人脸" if messages.is_chinese() else "face"
        for face in report.faces:
            x, y, w, h = face.box
            print(f"  {word} {face.index}: x={x} y={y} w={w} h={h}")
    return EXIT_OK


def register(sub: Any) -> None:
    """Add ``check`` to the ``idphoto`` parser."""
    chk = sub.add_parser("check", help="capture check of a photo: ok, check or retake")
    chk.add_argument("photo")
    chk.add_argument("--preset", default=None, help="preset id (default: ICAO's 35x45 mm rules)")
    chk.add_argument("--size", default=None, help="custom output size, e.g. 300x400")
    chk.add_argument("--face", type=int, default=None, help="face number from the left (1..)")
    chk.add_argument("--json", action="store_true", help="print one JSON object")
    chk.add_argument("--models-dir", default=None, help=argparse.SUPPRESS)
    chk.set_defaults(func=cmd_check)
