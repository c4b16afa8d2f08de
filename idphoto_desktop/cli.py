"""The ``idphoto`` command line: the counter's work for scripts, tests and training.

Every subcommand prints one line of reason and exits non-zero on failure; heavy
modules are imported inside the subcommand that needs them.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from idphoto_desktop.core.errors import IdPhotoError

if TYPE_CHECKING:
    from idphoto_desktop.core.job import GenerateParams, GenerateResult
    from idphoto_desktop.engines.base import Engine

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _progress(percent: int, text: str) -> None:
    print(f"  {percent:3d}% {text}", file=sys.stderr)


def _params_from_args(args: argparse.Namespace) -> GenerateParams:
    from idphoto_desktop.core import validation
    from idphoto_desktop.core.presets import get_preset

    if args.preset:
        preset = get_preset(args.preset)
        size = validation.validate_size(preset.width_px, preset.height_px)
        geometry = preset.geometry
        preset_id: str | None = preset.id
    else:
        size = validation.parse_size(args.size)
        geometry = None
        preset_id = None
    fmt = validation.parse_format(args.format)
    return validation.make_params(
        size, fmt, bg_color=args.bg, preset_id=preset_id, geometry=geometry
    )


def _make_engine(args: argparse.Namespace) -> Engine:
    if args.engine == "offline":
        from idphoto_desktop.engines.offline import OfflineEngine

        return OfflineEngine()
    from idphoto_desktop.api.client import ProviderClient
    from idphoto_desktop.engines.cloud import CloudEngine
    from idphoto_desktop.logsetup import register_secret
    from idphoto_desktop.storage.token_store import TokenStore

    token = TokenStore().get()
    if not token:
        raise IdPhotoError(
            "No API token is set.",
            hint="Run 'idphoto token set', set IDPHOTO_TOKEN, or use --engine offline.",
        )
    register_secret(token)
    return CloudEngine(ProviderClient(token, base_url=args.api_url))


def _describe(result: GenerateResult, out: Path, seconds: float, reused: bool) -> None:
    print(f"wrote {out} ({result.width}x{result.height} {result.format.value}, "
          f"engine {result.engine}{', reused from history' if reused else ''})")
    if result.foreground_rect is not None:
        x, y, w, h = result.foreground_rect.as_ints()
        print(f"foreground_rect x={x} y={y} width={w} height={h} (uploaded image pixels)")
    print(f"took {seconds:.2f} s")
    for warning in result.warnings:
        print(f"warning: {warning}")


def cmd_generate(args: argparse.Namespace) -> int:
    from idphoto_desktop.core import validation
    from idphoto_desktop.core.export import write_atomic
    from idphoto_desktop.core.imageprep import prepare_photo
    from idphoto_desktop.core.job import CancelToken
    from idphoto_desktop.storage.history import History

    started = time.perf_counter()
    params = _params_from_args(args)
    out = Path(args.output)
    if out.exists() and not args.overwrite:
        raise IdPhotoError(f"{out} already exists.", hint="Use --overwrite to replace it.")
    photo = prepare_photo(Path(args.photo))
    request = validation.make_request(params, photo=photo, sync=args.sync)
    history = History()
    try:
        reused = False
        found = None if args.force else history.find(photo.source_sha256, params)
        if found is not None:
            result = found.to_result()
            reused = True
        else:
            engine = _make_engine(args)
            result = engine.generate(request, progress=_progress, cancel=CancelToken())
            history.add(photo.source_sha256, params, result, source_name=Path(args.photo).name)
    finally:
        history.close()
    write_atomic(out, result.image, overwrite=args.overwrite)
    _describe(result, out, time.perf_counter() - started, reused)
    return EXIT_OK


def cmd_token(args: argparse.Namespace) -> int:
    from idphoto_desktop.storage.token_store import TokenStore

    store = TokenStore()
    if args.action == "set":
        if sys.stdin.isatty():
            import getpass

            token = getpass.getpass("API token: ")
        else:
            token = sys.stdin.readline()
        store.set(token)
        print(store.location_description)
    elif args.action == "clear":
        store.clear()
        print("token cleared")
    else:
        print(("token set. " if store.get() else "no token set. ") + store.location_description)
    return EXIT_OK


def cmd_presets(args: argparse.Namespace) -> int:
    from idphoto_desktop.core.presets import load_presets

    for preset in load_presets():
        if args.country and preset.country.upper() != args.country.upper():
            continue
        print(f"{preset.id:28s} {preset.width_px:4d}x{preset.height_px:<4d} {preset.name}")
    return EXIT_OK


def cmd_sandbox(args: argparse.Namespace) -> int:
    from idphoto_desktop.sandbox.__main__ import serve

    return serve(list(args.rest))


def cmd_models(args: argparse.Namespace) -> int:
    from idphoto_desktop.engines.offline.models import ensure_models

    path = ensure_models(progress=_progress)
    print(f"models ready in {path}")
    return EXIT_OK


def _read_result(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as err:  # pragma: no cover - last resort, files are checked earlier
        raise IdPhotoError(
            f"Cannot read the result {path}: {err.strerror or err}.",
            hint="Give the path of an ID photo made by 'idphoto generate'.",
        ) from None


def cmd_export(args: argparse.Namespace) -> int:
    """The online-form JPEG for a preset's digital rules."""
    from idphoto_desktop.core import validation
    from idphoto_desktop.core.export import export_for_upload, write_atomic
    from idphoto_desktop.core.presets import get_preset

    preset = get_preset(args.preset)
    bg = validation.normalize_bg_color(args.bg) if args.bg else None
    export = export_for_upload(_read_result(args.result), preset, bg_color=bg)
    out = write_atomic(Path(args.output), export.data, overwrite=args.overwrite)
    print(f"wrote {out} ({export.width}x{export.height} JPEG, {export.size_kb:.0f} KB, "
          f"quality {export.quality}, {export.dpi} dpi)")
    for note in export.notes:
        print(f"note: {note}")
    for problem in export.problems:
        print(f"problem: {problem}", file=sys.stderr)
    return EXIT_OK if export.meets_rules else EXIT_FAILED


def cmd_sheet(args: argparse.Namespace) -> int:
    """A print sheet of copies at true physical size, as PDF or JPEG."""
    from idphoto_desktop.core import validation
    from idphoto_desktop.core.export import write_atomic
    from idphoto_desktop.core.presets import get_paper, get_preset
    from idphoto_desktop.core.sheet import make_sheet, sheet_jpeg, sheet_pdf

    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix not in {".pdf", ".jpg", ".jpeg"}:
        raise IdPhotoError(
            f"Cannot write a sheet as '{suffix or out.name}'.", hint="Name the output .pdf or .jpg."
        )
    preset = get_preset(args.preset)
    paper = get_paper(args.paper)
    bg = validation.normalize_bg_color(args.bg) if args.bg else None
    sheet, layout = make_sheet(
        _read_result(args.result), preset, paper, copies=args.copies, bg_color=bg
    )
    data = sheet_pdf(sheet, layout.dpi) if suffix == ".pdf" else sheet_jpeg(sheet, layout.dpi)
    write_atomic(out, data, overwrite=args.overwrite)
    print(f"wrote {out} ({layout.copies} copies of {preset.id} on {paper.name}, "
          f"{layout.page_px[0]}x{layout.page_px[1]} px at {layout.dpi} dpi)")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """Generate one ID photo end to end through the real client and the sandbox server."""
    from idphoto_desktop.api.client import ProviderClient
    from idphoto_desktop.core import validation
    from idphoto_desktop.core.export import write_atomic
    from idphoto_desktop.core.imageprep import prepare_photo
    from idphoto_desktop.core.presets import get_preset
    from idphoto_desktop.engines.cloud import CloudEngine
    from idphoto_desktop.engines.offline import OfflineEngine
    from idphoto_desktop.engines.offline.models import ensure_models
    from idphoto_desktop.sandbox.server import SandboxServer

    started = time.perf_counter()
    ensure_models(progress=_progress)
    preset = get_preset(args.preset)
    params = validation.make_params(
        validation.validate_size(preset.width_px, preset.height_px),
        validation.parse_format(args.format),
        bg_color=args.bg,
        preset_id=preset.id,
        geometry=preset.geometry,
    )
    photo = prepare_photo(Path(args.photo))
    import secrets

    token = secrets.token_urlsafe(24)  # the sandbox's own, for this run only
    out = Path(args.output)
    with SandboxServer(OfflineEngine(), token, rate_limit_per_s=None) as server:
        print(f"sandbox server on {server.base_url}")
        engine = CloudEngine(ProviderClient(token, base_url=server.base_url))
        request = validation.make_request(params, photo=photo, sync=args.sync)
        result = engine.generate(request, progress=_progress)
    write_atomic(out, result.image, overwrite=True)
    _describe(result, out, time.perf_counter() - started, False)
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="idphoto", description="ID photos at the counter.")
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="make an ID photo from a photo")
    gen.add_argument("photo")
    size = gen.add_mutually_exclusive_group(required=True)
    size.add_argument("--preset", help="preset id (see 'idphoto presets')")
    size.add_argument("--size", help="custom size in pixels, e.g. 300x400")
    gen.add_argument("--format", default="png", help="png (transparent) or jpg")
    gen.add_argument("--bg", default=None, help="background RRGGBB (jpg only)")
    gen.add_argument("--engine", choices=["cloud", "offline"], default="cloud")
    gen.add_argument("--api-url", default="https://api.gpt.ge")
    mode = gen.add_mutually_exclusive_group()
    mode.add_argument("--sync", dest="sync", action="store_true", default=True)
    mode.add_argument("--async", dest="sync", action="store_false")
    gen.add_argument("--force", action="store_true", help="new call even if history has it")
    gen.add_argument("--overwrite", action="store_true", help="replace an existing output")
    gen.add_argument("-o", "--output", required=True)
    gen.set_defaults(func=cmd_generate)

    tok = sub.add_parser("token", help="manage the API token in the system keyring")
    tok.add_argument("action", choices=["set", "clear", "status"])
    tok.set_defaults(func=cmd_token)

    pre = sub.add_parser("presets", help="list document presets")
    pre.add_argument("--country", default=None)
    pre.set_defaults(func=cmd_presets)

    sbx = sub.add_parser("sandbox", help="run the local sandbox server", add_help=False)
    sbx.add_argument("rest", nargs=argparse.REMAINDER)
    sbx.set_defaults(func=cmd_sandbox)

    exp = sub.add_parser("export", help="the online-form JPEG for a preset")
    exp.add_argument("result")
    exp.add_argument("--preset", required=True)
    exp.add_argument("--bg", default=None, help="colour under a transparent result (RRGGBB)")
    exp.add_argument("--overwrite", action="store_true")
    exp.add_argument("-o", "--output", required=True)
    exp.set_defaults(func=cmd_export)

    sht = sub.add_parser("sheet", help="a print sheet of copies (PDF or JPEG)")
    sht.add_argument("result")
    sht.add_argument("--preset", required=True, help="gives the physical size of a copy")
    sht.add_argument("--paper", default="4x6", help="4x6, 10x15, 5x7, a4 or letter")
    sht.add_argument("--copies", type=int, default=None, help="default: as many as fit")
    sht.add_argument("--bg", default=None, help="colour under a transparent result (RRGGBB)")
    sht.add_argument("--overwrite", action="store_true")
    sht.add_argument("-o", "--output", required=True)
    sht.set_defaults(func=cmd_sheet)

    mod = sub.add_parser("models", help="download and verify the offline models")
    mod.set_defaults(func=cmd_models)

    demo = sub.add_parser("demo", help="end-to-end run through the sandbox server")
    demo_photo = Path("..") / "shared" / "photos" / "hivision_test0.jpg"
    demo.add_argument("--photo", default=str(demo_photo))
    demo.add_argument("--preset", default="us_passport")
    demo.add_argument("--format", default="jpg")
    demo.add_argument("--bg", default="FFFFFF")
    demo.add_argument("--sync", action=argparse.BooleanOptionalAction, default=False)
    demo.add_argument("-o", "--output", default="demo-idphoto.jpg")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except IdPhotoError as err:
        print(f"idphoto: {err.full_text()}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: not our failure, say nothing more.
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        print("idphoto: interrupted", file=sys.stderr)
        return EXIT_FAILED
    except OSError as err:  # pragma: no cover - last resort, files are checked earlier
        print(f"idphoto: {err.strerror or err}: {err.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    raise SystemExit(main())
