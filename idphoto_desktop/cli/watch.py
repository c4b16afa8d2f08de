"""``idphoto watch IN --out OUT``: every finished camera shot in IN becomes its ID photos.

Runs until Ctrl+C or SIGTERM (a clean stop, exit 0). Each shot prints its verdict and
the files written (stdout); a shot or document that fails prints one line on stderr
and the watch goes on. Photos already in IN are made too, unless ``--new-only``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from idphoto_desktop.cli.common import EXIT_OK
from idphoto_desktop.core.errors import CancelledError, IdPhotoError, ValidationError
from idphoto_desktop.core.job import CancelToken

if TYPE_CHECKING:
    from idphoto_desktop.watch.shot import Document


MAX_CUSTOMER = 80
MAX_SETTLE_S = 30.0


def _say(text: str) -> None:
    print(text, flush=True)


def _warn(text: str) -> None:
    """A line for the clerk on stderr, in the locale's language (stdout stays English)."""
    from idphoto_desktop.core.i18n import translate

    print(f"idphoto watch: {translate(text)}", file=sys.stderr, flush=True)


def documents_from_args(args: argparse.Namespace) -> list[Document]:
    """One document per ``--preset`` (or the one ``--size``), all in the same format."""
    from idphoto_desktop.core import validation
    from idphoto_desktop.core.presets import get_preset
    from idphoto_desktop.watch.shot import Document

    fmt = validation.parse_format(args.format)
    docs: list[Document] = []
    for preset_id in dict.fromkeys(args.preset or []):  # each once, in the order given
        preset = get_preset(preset_id)
        size = validation.validate_size(preset.width_px, preset.height_px)
        params = validation.make_params(
            size, fmt, bg_color=args.bg, preset_id=preset.id, geometry=preset.geometry
        )
        docs.append(Document(params, preset.id, preset))
    if args.size:
        size = validation.parse_size(args.size)
        docs.append(Document(validation.make_params(size, fmt, bg_color=args.bg), str(size)))
    if not docs:
        raise ValidationError("Say which document to make.",
                              hint="Give --preset ID (more than once for several) or --size WxH.")
    return docs


def _folders(args: argparse.Namespace) -> tuple[Path, Path]:
    watched, out = Path(args.folder), Path(args.out)
    for what, folder in (("watched", watched), ("output", out)):
        if not folder.is_dir():
            raise ValidationError(f"The {what} folder {folder} does not exist.",
                                  hint="Create it first.")
    if watched.resolve() == out.resolve():
        raise ValidationError("The output folder must not be the watched folder.",
                              hint="Results would be taken for new shots; choose another one.")
    return watched, out


def run_watch(
    args: argparse.Namespace,
    stop: threading.Event,
    on_ready: Callable[[], None] | None = None,
    abort: CancelToken | None = None,
) -> int:
    """The watch loop; returns when ``stop`` is set (tests set it, signals set it).

    Stopping cuts a free engine short; a paid call already under way is let finish and
    kept in the history (never thrown away) unless ``abort`` is cancelled too.
    """
    from idphoto_desktop.cli.generate import _LazyHistory, _make_engine
    from idphoto_desktop.pipeline import KeptAfterCancelError
    from idphoto_desktop.watch.folder import FolderWatch
    from idphoto_desktop.watch.ready import Ready
    from idphoto_desktop.watch.shot import describe, engine_choice, process_shot

    watched, out = _folders(args)
    documents = documents_from_args(args)
    if not 0.0 <= args.settle <= MAX_SETTLE_S:
        raise ValidationError(f"--settle must be between 0 and {MAX_SETTLE_S:g} seconds.")
    engine = engine_choice(args.engine, lambda: _make_engine(args))
    engine.factory()  # a missing token or models: said now, not at the first shot
    customer = " ".join((args.customer or "").split())[:MAX_CUSTOMER] or None
    history = None if args.no_history else _LazyHistory()
    cancel = CancelToken()
    watch = FolderWatch(watched, new_only=args.new_only, settle_s=args.settle)

    def stopper() -> None:
        stop.wait()
        cancel.cancel()  # a free engine call ends early; nothing half is written
        watch.wake()

    threading.Thread(target=stopper, name="watch-stop", daemon=True).start()
    names = ", ".join(d.label for d in documents)
    _warn(f"watching {watched} → {out} ({names}); Ctrl+C to stop")
    shots = 0
    try:
        with watch:
            if on_ready is not None:
                on_ready()
            for event in watch.events(stop):
                if not isinstance(event, Ready):
                    _warn(event.message)
                    continue
                started = time.perf_counter()
                try:
                    shot = process_shot(
                        event.path, event.data, documents, engine, out, history=history,
                        customer=customer, keep_retakes=args.keep_retakes, cancel=cancel,
                        abort=abort,
                    )
                except IdPhotoError as err:
                    if stop.is_set() and isinstance(err, CancelledError):
                        if isinstance(err, KeptAfterCancelError):
                            _warn(f"{event.path.name}: {err.full_text()}")
                        break
                    _warn(f"{event.path.name}: {err.full_text()}")
                    continue
                shots += 1
                for line in describe(shot):
                    _say(line)
                for failure in shot.failures:
                    _warn(failure)
                for warning in shot.warnings:
                    _warn(f"warning: {warning}")
                _say(f"  took {time.perf_counter() - started:.2f} s")
    finally:
        if history is not None:
            history.close()
    _warn(f"stopped after {shots} shot{'s' if shots != 1 else ''}")
    return EXIT_OK


def cmd_watch(args: argparse.Namespace) -> int:
    """Watch until Ctrl+C or SIGTERM; both end cleanly with exit status 0. A second one
    also cuts short a paid call in flight."""
    stop = threading.Event()
    abort = CancelToken()
    installed: list[tuple[signal.Signals, Any]] = []
    if threading.current_thread() is threading.main_thread():

        def handle(_signum: int, _frame: FrameType | None) -> None:
            if stop.is_set():
                abort.cancel()
            stop.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            installed.append((sig, signal.signal(sig, handle)))
    try:
        return run_watch(args, stop, abort=abort)
    finally:
        for sig, previous in installed:
            signal.signal(sig, previous)


def register(sub: Any) -> None:
    """Add ``watch`` to the ``idphoto`` parser."""
    w = sub.add_parser(
        "watch", help="make ID photos of every new camera shot in a folder, until Ctrl+C"
    )
    w.add_argument("folder", help="the folder the camera software writes into")
    w.add_argument("--out", required=True, help="where the ID photos go (another folder)")
    w.add_argument("--preset", action="append", default=[],
                   help="preset id; give it more than once for several documents per shot")
    w.add_argument("--size", default=None, help="a custom size in pixels, e.g. 300x400")
    w.add_argument("--format", default="jpg", help="jpg (default) or png")
    w.add_argument("--bg", default="FFFFFF", help="background RRGGBB (jpg)")
    w.add_argument("--engine", choices=["cloud", "offline"], default="offline")
    w.add_argument("--api-url", default="https://api.gpt.ge")
    w.add_argument("--customer", default=None, help="customer name or order number")
    w.add_argument("--new-only", action="store_true",
                   help="leave the photos already in the folder; only new shots")
    w.add_argument("--keep-retakes", action="store_true",
                   help="make the ID photo even when the check says retake")
    w.add_argument("--no-history", action="store_true", help="do not record results")
    w.add_argument("--settle", type=float, default=0.25,
                   help="seconds a file must stay unchanged before it is read (default 0.25)")
    w.set_defaults(func=cmd_watch)
