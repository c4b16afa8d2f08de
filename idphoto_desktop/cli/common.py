"""What every ``idphoto`` subcommand shares: exit codes and the progress line."""

from __future__ import annotations

import sys

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def progress(percent: int, text: str) -> None:
    """Progress on stderr, so stdout stays for results (and ``--json``)."""
    from idphoto_desktop.core.i18n import translate

    print(f"  {percent:3d}% {translate(text)}", file=sys.stderr)
