"""``idphoto token``: the API token in the system keyring."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from idphoto_desktop.cli.common import EXIT_OK


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


def register(sub: Any) -> None:
    """Add ``token`` to the ``idphoto`` parser."""
    tok = sub.add_parser("token", help="manage the API token in the system keyring")
    tok.add_argument("action", choices=["set", "clear", "status"])
    tok.set_defaults(func=cmd_token)

