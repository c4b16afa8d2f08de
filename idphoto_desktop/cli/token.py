"""``idphoto token``: the API token in the system keyring."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from idphoto_desktop.cli.common import EXIT_OK
from idphoto_desktop.core.errors import StorageError


def _read_token() -> str:
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("API token: ")
    return sys.stdin.readline()


def cmd_token(args: argparse.Namespace) -> int:
    from idphoto_desktop.storage.token_store import TokenStore

    store = TokenStore()
    if args.action == "set":
        token = _read_token()
        store.set(token)
        if store.kind == "memory":
            # A command line ends right away: a token "kept for this session" is lost.
            store.clear()
            raise StorageError(
                "No system keyring is available, so the token was not kept.",
                hint="Unlock or install a keyring (e.g. gnome-keyring), or set "
                "IDPHOTO_TOKEN in the environment.",
            )
        print(store.location_description)
    elif args.action == "clear":
        store.clear()
        print("token cleared")
    else:
        print(("token set. " if store.get() else "no token set. ") + store.location_description)
    return EXIT_OK


def register(sub: Any) -> None:
    """Add ``token`` to the ``idphoto`` parser."""
    tok = sub.add_parser("token", help="manage the API token in the system keyring")
    tok.add_argument("action", choices=["set", "clear", "status"])
    tok.set_defaults(func=cmd_token)
