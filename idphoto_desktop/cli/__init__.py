"""The ``idphoto`` command line: the counter's work for scripts, tests and training.

Every subcommand prints one line of reason and exits non-zero on failure. Each lives in its
own module with a ``register(sub)`` function; heavy modules are imported inside the
subcommand that needs them, so building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from idphoto_desktop.cli import generate, history, misc, output, token
from idphoto_desktop.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from idphoto_desktop.core.errors import IdPhotoError

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "main"]

# One module a command family; a new family adds itself here.
_COMMANDS = (generate, token, misc, output, history)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="idphoto", description="ID photos at the counter.")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in _COMMANDS:
        module.register(sub)
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


