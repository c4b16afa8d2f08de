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
from idphoto_desktop.core.i18n import join_reasons, translate

if TYPE_CHECKING:
    from idphoto_desktop.core.job import GenerateParams
    from idphoto_desktop.engines.base import Engine
    from idphoto_desktop.pipeline import JobContext
    from idphoto_desktop.storage.history import HistoryStore


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
        size,
        fmt,
        bg_color=args.bg,
        preset_id=preset_id,
        geometry=geometry,
        face_index=getattr(args, "face", None),
    )


def _make_engine(args: argparse.Namespace) -> Engine:
    if args.engine == "offline":
        from idphoto_desktop.engines.offline import OfflineEngine

        return OfflineEngine()
    from idphoto_desktop.engines.cloud import CloudEngine, client_from_settings
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
    return CloudEngine(client_from_settings(token, base_url=args.api_url), estimate_crop=False)


def _describe(ctx: JobContext, seconds: float) -> None:
    result = ctx.result
    assert result is not None and ctx.written is not None
    fmt = ctx.output_format.value if ctx.output_format is not None else result.format.value
    if ctx.stored is not None:
        made = ctx.stored.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        how = f"reused from history, made by {ctx.stored.engine} on {made}, no new call"
    else:
        how = f"engine {result.engine}"
    colour = f" on #{ctx.color}" if ctx.color else ""
    print(f"wrote {ctx.written} ({result.width}x{result.height} {fmt}{colour}, {how})")
    if result.foreground_rect is not None:
        x, y, w, h = result.foreground_rect.as_ints()
        print(f"foreground_rect x={x} y={y} width={w} height={h} (uploaded image pixels)")
        if ctx.photo is not None:
            x, y, w, h = ctx.photo.to_original(result.foreground_rect).as_ints()
            print(f"foreground_rect x={x} y={y} width={w} height={h} (original photo pixels)")
    verdict = getattr(ctx.report, "verdict", None)
    if verdict is not None:
        texts = (translate(str(getattr(r, "message", r))) for r in ctx.report.reasons)
        reasons = join_reasons(texts, end=True)
        print(f"capture check: {verdict}{': ' + reasons if reasons else ''}")
    print(f"took {seconds:.2f} s")
    for warning in (*result.warnings, *ctx.warnings):
        print(f"warning: {translate(warning)}")


class _LazyHistory:
    """Opened on first use by the pipeline; a history that cannot be opened is the
    pipeline's warning, not the end of the job."""

    def __init__(self) -> None:
        self._store: HistoryStore | None = None

    def __call__(self) -> HistoryStore:
        if self._store is None:
            from idphoto_desktop.storage.history import open_history

            self._store = open_history()
        return self._store

    @property
    def warning(self) -> str | None:
        return self._store.warning if self._store is not None else None

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


class _Shared:
    """What the photos of one command share: one engine (one token read, one connection
    kept alive between calls) and one history, each made on first need and closed once."""

    def __init__(self, args: argparse.Namespace) -> None:
        self._args = args
        self._engine: Engine | None = None
        self.history = _LazyHistory()

    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = _make_engine(self._args)
        return self._engine

    def close(self) -> None:
        if self.history.warning:  # e.g. the shared database is away: working on this counter's
            print(f"warning: {translate(self.history.warning)}", file=sys.stderr)
        self.history.close()
        client = getattr(self._engine, "client", None)
        if client is not None:
            client.close()


def _history_enabled() -> bool:
    """The clerk's privacy switch (settings ``history_enabled``), honoured here too."""
    from idphoto_desktop.storage.settings import Settings

    try:
        return bool(Settings().history_enabled)
    except IdPhotoError:  # unreadable settings: keep results (never lose a paid one)
        return True


def cmd_generate(args: argparse.Namespace, shared: _Shared) -> int:
    """One pipeline job: the engine is asked for a transparent PNG once, the format and
    colour are composed here, the file is written before the history record."""
    from idphoto_desktop.core.presets import get_preset
    from idphoto_desktop.pipeline import (
        Answers,
        CheckRefusedError,
        FixedQuestions,
        JobContext,
        run_job,
    )

    started = time.perf_counter()
    params = _params_from_args(args)
    keep = _history_enabled()
    ctx = JobContext(
        params=params,
        engine_name=args.engine,
        engine_factory=shared.engine,
        paid=args.engine == "cloud",
        source=Path(args.photo),
        output_format=params.format,
        color=params.bg_color,
        out_path=Path(args.output),
        overwrite=args.overwrite,
        sync=args.sync,
        force=args.force,
        history=shared.history if keep else None,
        preset=get_preset(args.preset) if args.preset else None,
        customer=args.customer,
    )
    # The verdict is always printed; a script may choose to spend no credit on a retake.
    answers = Answers(
        use_stored=True, go_on_despite_check=not args.refuse_retake, overwrite=args.overwrite
    )
    try:
        run_job(ctx, questions=FixedQuestions(answers), progress=_progress, report_steps=False)
    except CheckRefusedError as err:
        err.hint = "Take the photo again, or leave out --refuse-retake to pay for a call anyway."
        raise
    _describe(ctx, time.perf_counter() - started)
    return EXIT_OK


def cmd_generate_many(args: argparse.Namespace) -> int:
    """Several photos in one process: ``-o`` a folder. Imports, the token, the provider's
    connection and the history are paid for once (:class:`_Shared`).

    Each photo goes through :func:`cmd_generate` as if run alone, its output named after
    it (``NAME.png``/``NAME.jpg``) in the folder; a failure is reported and the others
    go on. One photo with ``-o`` naming a file behaves as before.
    """
    photos = [str(p) for p in args.photo]
    folder = Path(args.output)
    single = len(photos) == 1 and not folder.is_dir()
    if not single and not folder.is_dir():
        raise IdPhotoError(
            f"{folder} is not a folder.", hint="With several photos, -o names a folder."
        )
    shared = _Shared(args)
    try:
        if single:
            return cmd_generate(argparse.Namespace(**{**vars(args), "photo": photos[0]}), shared)
        return _generate_into(folder, photos, args, shared)
    finally:
        shared.close()


def _generate_into(
    folder: Path, photos: list[str], args: argparse.Namespace, shared: _Shared
) -> int:
    """Each photo as ``folder/NAME.ext``; a failure is said and the others go on."""
    extension = ".jpg" if str(args.format).lower() in ("jpg", "jpeg") else ".png"
    failed = 0
    for photo in photos:
        out = folder / (Path(photo).stem + extension)
        one = argparse.Namespace(**{**vars(args), "photo": photo, "output": str(out)})
        try:
            cmd_generate(one, shared)
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
    from idphoto_desktop.core.presets import get_preset
    from idphoto_desktop.engines.cloud import CloudEngine
    from idphoto_desktop.engines.offline import OfflineEngine
    from idphoto_desktop.engines.offline.models import ensure_models
    from idphoto_desktop.pipeline import Answers, FixedQuestions, JobContext, run_job
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
    import secrets

    token = secrets.token_urlsafe(24)  # the sandbox's own, for this run only
    with SandboxServer(OfflineEngine(), token, rate_limit_per_s=None) as server:
        print(f"sandbox server on {server.base_url}")
        ctx = JobContext(
            params=params,
            engine_name="cloud",
            engine_factory=lambda: CloudEngine(ProviderClient(token, base_url=server.base_url)),
            paid=False,  # the sandbox's calls cost nothing: no history, no question
            source=Path(args.photo),
            output_format=params.format,
            color=params.bg_color,
            out_path=Path(args.output),
            overwrite=True,
            sync=args.sync,
            history=None,
            preset=preset,
        )
        run_job(
            ctx, questions=FixedQuestions(Answers(overwrite=True)), progress=_progress,
            report_steps=False,
        )
    _describe(ctx, time.perf_counter() - started)
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
    gen.add_argument(
        "--face",
        type=int,
        default=None,
        metavar="N",
        help="use face N (from 1, left to right as 'idphoto check --json' lists them); "
        "default: the largest face (offline engine)",
    )
    gen.add_argument("--api-url", default="https://api.gpt.ge")
    mode = gen.add_mutually_exclusive_group()
    mode.add_argument("--sync", dest="sync", action="store_true", default=True)
    mode.add_argument("--async", dest="sync", action="store_false")
    gen.add_argument("--force", action="store_true", help="new call even if history has it")
    gen.add_argument(
        "--refuse-retake", action="store_true",
        help="spend no provider call when the capture check says retake (default: the "
        "verdict is printed and the call is made)",
    )
    gen.add_argument("--customer", help="customer's name or order number, kept in the history")
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
