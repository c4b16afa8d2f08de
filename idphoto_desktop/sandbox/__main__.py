"""``python -m idphoto_desktop.sandbox``: run the sandbox server until interrupted.

``serve(argv)`` is also what ``idphoto sandbox`` calls. Loopback only unless ``--host``
says otherwise; the token is never printed.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence

from idphoto_desktop.core.netaddr import is_loopback_host
from idphoto_desktop.engines.base import Engine
from idphoto_desktop.engines.cropresize import CropResizeEngine
from idphoto_desktop.sandbox.faults import SUPPORTED_FAULTS, FaultSpecError, parse_faults
from idphoto_desktop.sandbox.fetch import HostAllowList
from idphoto_desktop.sandbox.server import SandboxServer

TOKEN_ENV = "IDPHOTO_SANDBOX_TOKEN"  # noqa: S105 - the variable's name, not a token


def build_parser() -> argparse.ArgumentParser:
    faults = "; ".join(text for _kind, text in SUPPORTED_FAULTS.values())
    parser = argparse.ArgumentParser(
        prog="idphoto sandbox",
        description="Serve the provider's ID-photo API contract locally, for tests and training.",
        epilog=f"Faults (header X-Sandbox-Fault or --fault): {faults}",
    )
    parser.add_argument("--port", type=int, default=8765, help="port (0 picks a free one)")
    parser.add_argument(
        "--token",
        default=None,
        help=f"the Bearer token clients must send (better: set {TOKEN_ENV}, which ps does "
        "not show)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    parser.add_argument("--engine", choices=("offline", "cropresize"), default="offline")
    parser.add_argument(
        "--result-ttl",
        type=float,
        default=3600.0,
        metavar="S",
        help="seconds a result URL stays valid",
    )
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=2.0,
        metavar="R",
        help="create requests per second before HTTP 429 (0 turns it off)",
    )
    parser.add_argument(
        "--delay",
        type=float,
        default=0.0,
        metavar="S",
        help="extra seconds each task spends in its working states",
    )
    parser.add_argument("--fault", default="", help="faults applied to every API request")
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST",
        help="a host name or network (CIDR) image_url may point to; loopback always "
        "(repeatable)",
    )
    parser.add_argument(
        "--max-queued", type=int, default=100, metavar="N", help="tasks waiting before HTTP 429"
    )
    parser.add_argument(
        "--max-upload-mb",
        type=int,
        default=256,
        metavar="MB",
        help="uploads held in memory before HTTP 503",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser


def make_engine(name: str) -> Engine:
    """The offline engine when it imports and loads; else crop-and-resize, said aloud."""
    if name == "cropresize":
        return CropResizeEngine()
    try:
        module = importlib.import_module("idphoto_desktop.engines.offline")
        engine = module.OfflineEngine()
    except Exception as exc:
        print(
            f"note: offline engine unavailable ({type(exc).__name__}: {exc}); "
            "using the crop-and-resize engine (no face detection).",
            file=sys.stderr,
        )
        return CropResizeEngine()
    if not isinstance(engine, Engine):
        print("note: offline engine is not an Engine; using crop-and-resize.", file=sys.stderr)
        return CropResizeEngine()
    return engine


def serve(argv: Sequence[str] | None = None, *, stop: threading.Event | None = None) -> int:
    """Run until Ctrl+C, SIGTERM or ``stop`` is set; 0 on a clean stop, 2 on bad options."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        parse_faults(args.fault)
    except FaultSpecError as exc:
        parser.error(str(exc))
    try:
        HostAllowList.parse(args.allow_host)
    except ValueError as exc:
        parser.error(f"--allow-host: {exc}")
    token = args.token if args.token is not None else os.environ.get(TOKEN_ENV, "")
    if not token.strip():
        parser.error(f"give the token in {TOKEN_ENV} (or --token); it must not be empty")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    if not is_loopback_host(args.host):
        print(f"warning: serving on {args.host}, reachable from other machines.", file=sys.stderr)
    server = SandboxServer(
        make_engine(args.engine),
        token.strip(),
        host=args.host,
        port=args.port,
        result_ttl_s=args.result_ttl,
        rate_limit_per_s=args.rate_limit if args.rate_limit > 0 else None,
        processing_delay_s=args.delay,
        faults=args.fault,
        image_url_hosts=args.allow_host,
        max_pending_tasks=args.max_queued,
        max_pending_bytes=args.max_upload_mb * 1024 * 1024,
    )
    stop_event = stop or threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda _sig, _frame: stop_event.set())
    try:
        server.start()
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"Sandbox serving {server.base_url} (engine {server.engine.name})", flush=True)
    try:
        while not stop_event.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print("Sandbox stopped.", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(serve())
