"""``idphoto generate`` and ``idphoto demo``: an ID photo from a photo."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from idphoto_desktop.cli.common import EXIT_FAILED, EXIT_OK
from idphoto_desktop.cli.common import progress as _progress
from idphoto_desktop.core.errors import IdPhotoError

if TYPE_CHECKING:
    from PIL import Image

    from idphoto_desktop.core.job import GenerateParams, GenerateResult
    from idphoto_desktop.engines.base import Engine


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
    # No preview here: the crop estimate (numpy and a search) would only cost time.
    return CloudEngine(ProviderClient(token, base_url=args.api_url), estimate_crop=False)


def _estimate_head(image: Image.Image) -> float | None:
    """The face detector's head estimate; loaded only for a photo larger than the need."""
    from idphoto_desktop.engines.offline.headsize import estimate_head_height

    return estimate_head_height(image)


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
    from idphoto_desktop.core.imageprep import prepare_photo, upload_need
    from idphoto_desktop.core.job import CancelToken
    from idphoto_desktop.storage.history import History

    started = time.perf_counter()
    params = _params_from_args(args)
    out = Path(args.output)
    if out.exists() and not args.overwrite:
        raise IdPhotoError(f"{out} already exists.", hint="Use --overwrite to replace it.")
    photo = prepare_photo(
        Path(args.photo), need=upload_need(params.size, params.geometry),
        estimate_head=_estimate_head,
    )
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


def cmd_generate_many(args: argparse.Namespace) -> int:
    """Several photos in one process (imports and connections paid once): ``-o`` a folder.

    Each photo goes through :func:`cmd_generate` as if run alone, its output named after
    it (``NAME.png``/``NAME.jpg``) in the folder; a failure is reported and the others
    go on. One photo with ``-o`` naming a file behaves as before.
    """
    photos = [str(p) for p in args.photo]
    folder = Path(args.output)
    if len(photos) == 1 and not folder.is_dir():
        return cmd_generate(argparse.Namespace(**{**vars(args), "photo": photos[0]}))
    if not folder.is_dir():
        raise IdPhotoError(
            f"{folder} is not a folder.", hint="With several photos, -o names a folder."
        )
    extension = ".jpg" if str(args.format).lower() in ("jpg", "jpeg") else ".png"
    failed = 0
    for photo in photos:
        out = folder / (Path(photo).stem + extension)
        one = argparse.Namespace(**{**vars(args), "photo": photo, "output": str(out)})
        try:
            cmd_generate(one)
        except IdPhotoError as err:
            failed += 1
            print(f"idphoto: {photo}: {err.full_text()}", file=sys.stderr)
    if failed:
        print(f"idphoto: {failed} of {len(photos)} photos failed", file=sys.stderr)
        return EXIT_FAILED
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


def register(sub: Any) -> None:
    """Add ``generate`` and ``demo`` to the ``idphoto`` parser."""
    gen = sub.add_parser("generate", help="make an ID photo from a photo")
    gen.add_argument("photo", nargs="+", help="one photo, or several with -o a folder")
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
    gen.add_argument("-o", "--output", required=True, help="output file, or a folder")
    gen.set_defaults(func=cmd_generate_many)

    demo = sub.add_parser("demo", help="end-to-end run through the sandbox server")
    demo_photo = Path("..") / "shared" / "photos" / "hivision_test0.jpg"
    demo.add_argument("--photo", default=str(demo_photo))
    demo.add_argument("--preset", default="us_passport")
    demo.add_argument("--format", default="jpg")
    demo.add_argument("--bg", default="FFFFFF")
    demo.add_argument("--sync", action=argparse.BooleanOptionalAction, default=False)
    demo.add_argument("-o", "--output", default="demo-idphoto.jpg")
    demo.set_defaults(func=cmd_demo)
