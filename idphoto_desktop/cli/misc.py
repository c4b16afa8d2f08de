"""``idphoto presets``, ``sandbox`` and ``models``: the small helpers."""

from __future__ import annotations

import argparse
from typing import Any

from idphoto_desktop.cli.common import EXIT_OK
from idphoto_desktop.cli.common import progress as _progress


def cmd_presets(args: argparse.Namespace) -> int:
    from idphoto_desktop.core.presets import load_presets

    for preset in load_presets():
        if args.country and preset.country.upper() != args.country.upper():
            continue
        print(f"{preset.id:28s} {preset.width_px:4d}x{preset.height_px:<4d} {preset.name}")
    return EXIT_OK


def cmd_sandbox(args: argparse.Namespace) -> int:
    """Reached only through the parser (``main`` hands ``sandbox ...`` to serve itself)."""
    from idphoto_desktop.sandbox.__main__ import serve

    return serve(list(args.rest))


def cmd_models(args: argparse.Namespace) -> int:
    from idphoto_desktop.engines.offline.models import ensure_models

    path = ensure_models(progress=_progress)
    print(f"models ready in {path}")
    return EXIT_OK


def register(sub: Any) -> None:
    """Add ``presets``, ``sandbox`` and ``models`` to the ``idphoto`` parser."""
    pre = sub.add_parser("presets", help="list document presets")
    pre.add_argument("--country", default=None)
    pre.set_defaults(func=cmd_presets)

    sbx = sub.add_parser("sandbox", help="run the local sandbox server", add_help=False)
    sbx.add_argument("rest", nargs=argparse.REMAINDER)
    sbx.set_defaults(func=cmd_sandbox)

    mod = sub.add_parser("models", help="download and verify the offline models")
    mod.set_defaults(func=cmd_models)

