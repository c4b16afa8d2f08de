"""The ``idphoto`` command line: the counter's work for scripts, tests and training.

Every subcommand prints one line of reason and exits non-zero on failure. Each lives in its
own module with a ``register(sub)`` function; heavy modules are imported inside the
subcommand that needs them, so building the parser stays cheap.

Logging: everything goes to the log file (``logsetup``); the console shows one line per
warning and never a traceback, unless ``--debug`` (anywhere on the line) is given.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from idphoto_desktop.cli import check, generate, history, misc, output, token, watch
from idphoto_desktop.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from idphoto_desktop.core.errors import IdPhotoError

__all__ = ["EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "main", "run"]

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl+C
DEBUG_FLAG = "--debug"
MAYBE_CHARGED_ATTR = "idphoto_maybe_charged"
"""Set on a KeyboardInterrupt that hit a provider call after the photo may have gone."""

# One module a command family; a new family adds itself here.
_COMMANDS = (generate, check, token, misc, output, watch, history)

log = logging.getLogger("idphoto_desktop.cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="idphoto", description="ID photos at the counter.")
    parser.add_argument(
        DEBUG_FLAG, action="store_true", help="show debug output and tracebacks on the console"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for module in _COMMANDS:
        module.register(sub)
    return parser


def _say(text: str) -> None:
    """One line on stderr, whatever the text holds."""
    print("idphoto: " + " ".join(text.split()), file=sys.stderr)


def describe_os_error(err: OSError) -> str:
    """Words for an OSError, in English (the caller translates): never ``[Errno 28] ...``
    nor a library's raw text. The reason is :func:`core.oswords.reason`'s, the phrase the
    window uses, so the catalogue knows it."""
    from idphoto_desktop.core.i18n import N_
    from idphoto_desktop.core.oswords import reason

    if err.errno is None:
        # Not the operating system's: a decoder (Pillow) saying "image file is truncated".
        return N_("A file could not be read: it is damaged, incomplete or not an image.")
    why = reason(err)
    if err.filename:
        file_name = Path(str(err.filename)).name or str(err.filename)
        return N_("{file_name} could not be used: {why}.").format(file_name=file_name, why=why)
    return N_("The operation failed: {why}.").format(why=why)


def _setup_logging(debug: bool) -> Path | None:
    from idphoto_desktop import logsetup

    try:
        return logsetup.setup_logging(
            level=logging.DEBUG if debug else logging.INFO,
            console_level=logging.DEBUG if debug else logging.WARNING,
            console_one_line=None if debug else "idphoto: ",
        )
    except Exception:  # logging must never stop the work
        return None


def main(argv: Sequence[str] | None = None) -> int:
    from idphoto_desktop.core import i18n
    from idphoto_desktop.core.i18n import N_

    i18n.set_language(i18n.language_from_environment())  # messages follow the locale

    args_in = list(sys.argv[1:] if argv is None else argv)
    debug = DEBUG_FLAG in args_in
    args_in = [a for a in args_in if a != DEBUG_FLAG]
    if args_in[:1] == ["sandbox"]:
        # Its options pass through untouched (argparse.REMAINDER drops "--port ...").
        from idphoto_desktop.sandbox.__main__ import serve

        return serve(args_in[1:])
    if debug:
        args_in.insert(0, DEBUG_FLAG)
    parser = _parser()
    args = parser.parse_args(args_in)
    log_path = _setup_logging(debug)
    try:
        code: int = args.func(args)
        return code
    except IdPhotoError as err:
        log.info("failed: %s", err.full_text())
        _say(i18n.error_text(err))
        return EXIT_FAILED
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: not our failure, say nothing more.
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt as exc:
        if getattr(exc, MAYBE_CHARGED_ATTR, False):
            _say(
                i18n.translate(
                    N_(
                        "Interrupted. The photo had been sent: the service may still finish "
                        "the task and charge for it. Check the account before trying again."
                    )
                )
            )
        else:
            _say(i18n.translate(N_("Interrupted.")))
        return EXIT_INTERRUPTED
    except OSError as err:
        log.info("failed", exc_info=True)  # the log file's; the console gets one line
        if debug:
            raise
        _say(i18n.translate(describe_os_error(err)))
        return EXIT_FAILED
    except MemoryError:
        _say(i18n.translate(N_("Not enough memory for this file.")))
        return EXIT_FAILED
    except Exception as err:
        log.error("unexpected failure", exc_info=True)
        if debug:
            raise
        name = type(err).__name__
        if log_path is None:
            _say(i18n.translate(N_("Unexpected failure ({name}).").format(name=name)))
        else:
            text = N_("Unexpected failure ({name}); details are in {log_path}.")
            _say(i18n.translate(text.format(name=name, log_path=log_path)))
        return EXIT_FAILED


def run() -> None:
    """The ``idphoto`` program: :func:`main`, then the process's exit.

    Before exiting, every object left is frozen out of the garbage collector
    (``gc.freeze``): the interpreter's last collections then skip what the imports made
    (numpy, OpenCV, Pillow: hundreds of thousands of objects) instead of walking it all
    for cycles nobody will use, which took longer than most commands' work (about 80 ms
    of a one-photo generate). Then, when no other thread is left, the process ends
    after the ``atexit`` handlers without tearing its modules down
    (:func:`_exit_after_handlers`); with a thread still running, the usual exit (the
    collections still skip the frozen objects). Neither is done in :func:`main`, which
    tests call many times in one process.
    """
    code = main()
    gc.freeze()
    _exit_after_handlers(code)
    raise SystemExit(code)


def _exit_after_handlers(code: int) -> None:
    """End the process once the ``atexit`` handlers (the log's, temporary folders') have
    run and stdout and stderr are flushed, without the interpreter's tearing down of
    every module: nothing is left to save by then (files are written atomically and
    closed, the history is closed by the command), and the teardown took 10-13 ms of
    a one-photo ``idphoto generate`` (last handler to exit: 18-21 ms, 8 ms without it).
    Returns without doing anything while another thread runs (a check after Ctrl+C):
    the usual exit waits for it."""
    import atexit
    import os
    import threading

    if threading.active_count() != 1:
        return
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a closed stream or a reader gone: as the usual exit
            pass
    os._exit(code)
