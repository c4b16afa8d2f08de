"""``idphoto history``: the results kept, for the manager; the shared database's set-up.

- ``list [--json] [--customer TEXT] [--since DATE]``: results, newest first;
- ``spent [--json] [--since DATE]``: paid provider calls and free results per counter and day;
- ``push``: copy what this counter made while the shared database was unreachable;
- ``set-url [URL]``: use a shared PostgreSQL history (the password goes to the keyring);
- ``status``: which history this counter uses, and whether it answers.

The database password never goes on the command line (other users see it in ``ps``):
``set-url`` reads an address that holds one from standard input, or asks for it.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from typing import TYPE_CHECKING, Any

from idphoto_desktop.cli.common import EXIT_OK
from idphoto_desktop.core.errors import StorageError, ValidationError

if TYPE_CHECKING:
    from idphoto_desktop.storage.history import HistoryStore
    from idphoto_desktop.storage.history_rows import HistoryEntrySummary


def parse_since(text: str | None) -> _dt.datetime | _dt.date | None:
    """``YYYY-MM-DD`` (that day, from its start in UTC) or an ISO date and time."""
    if not text:
        return None
    try:
        if len(text.strip()) == 10:
            return _dt.date.fromisoformat(text.strip())
        return _dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            f"--since {text!r} is not a date.", hint="Give it as YYYY-MM-DD, e.g. 2026-12-01."
        ) from None


def _warn(store: HistoryStore) -> None:
    if store.warning:
        print(f"warning: {store.warning}", file=sys.stderr)
    if store.skipped:
        print(f"warning: {len(store.skipped)} history entries could not be read and were "
              f"skipped (ids {', '.join(map(str, store.skipped[:10]))})", file=sys.stderr)


def _row_json(entry: HistoryEntrySummary) -> dict[str, Any]:
    return {
        "id": entry.id,
        "created_at": entry.created_at.isoformat(),
        "counter": entry.counter,
        "customer": entry.customer,
        "source_name": entry.source_name,
        "preset_id": entry.preset_id,
        "width": entry.width,
        "height": entry.height,
        "format": entry.format.value,
        "bg_color": entry.bg_color,
        "engine": entry.engine,
        "paid": entry.paid,
        "task_id": entry.task_id,
        "image_size": entry.image_size,
        "input_sha256": entry.input_sha256,
    }


def cmd_list(args: argparse.Namespace) -> int:
    from idphoto_desktop.storage.history import open_history

    since = parse_since(args.since)
    with open_history() as store:
        rows = store.list(args.limit, customer=args.customer, since=since)
        _warn(store)
    if args.json:
        print(json.dumps([_row_json(r) for r in rows], ensure_ascii=False, indent=1))
        return EXIT_OK
    if not rows:
        print("no results")
        return EXIT_OK
    for r in rows:
        when = r.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        size = f"{r.width}x{r.height} {r.format.value}"
        print(f"{r.id:>6}  {when}  {r.counter[:16]:<16}  {(r.customer or '-')[:24]:<24}  "
              f"{(r.preset_id or 'custom')[:18]:<18}  {size:<13}  {r.engine:<8}  {r.source_name}")
    return EXIT_OK


def cmd_spent(args: argparse.Namespace) -> int:
    from idphoto_desktop.storage.history import open_history

    since = parse_since(args.since)
    with open_history() as store:
        rows = store.spent(since)
        _warn(store)
    if args.json:
        print(json.dumps({
            "rows": [r.to_json() for r in rows],
            "total": {"paid": sum(r.paid for r in rows), "free": sum(r.free for r in rows)},
        }, ensure_ascii=False, indent=1))
        return EXIT_OK
    print(f"{'day (UTC)':<10}  {'counter':<20}  {'paid':>6}  {'free':>6}")
    for r in rows:
        print(f"{r.day.isoformat():<10}  {r.counter[:20]:<20}  {r.paid:>6}  {r.free:>6}")
    print(f"{'total':<10}  {'':<20}  {sum(r.paid for r in rows):>6}  "
          f"{sum(r.free for r in rows):>6}")
    return EXIT_OK


def cmd_push(args: argparse.Namespace) -> int:
    from idphoto_desktop.storage.history import counter_name
    from idphoto_desktop.storage.history_open import push, settings_values, shared_address

    address = shared_address()
    if address is None:
        raise StorageError(
            "No shared history is set up, so there is nowhere to push to.",
            hint="Run 'idphoto history set-url' or set IDPHOTO_DATABASE_URL.",
        )
    report = push(address, counter=counter_name(settings_values()[1]))
    print(f"pushed {report.copied} results to {address.display}"
          + (f" ({report.already} were there already)" if report.already else ""))
    if report.skipped:
        print(f"warning: {report.skipped} local entries could not be read and stay here",
              file=sys.stderr)
    return EXIT_OK


def cmd_set_url(args: argparse.Namespace) -> int:
    from idphoto_desktop.storage import db_url
    from idphoto_desktop.storage.settings import Settings

    settings = Settings()
    if args.clear:
        if settings.database_url:
            db_url.forget_password(settings.database_url)
        settings.database_url = ""
        print("this counter now uses its own history")
        return EXIT_OK
    if args.url is None:
        text = sys.stdin.readline().strip()
    else:
        text = args.url
        if db_url.split_password(text)[1] is not None:
            raise ValidationError(
                "The address on the command line holds a password, which other users of "
                "this computer can see; nothing was saved.",
                hint="Run 'idphoto history set-url' and type the address on standard input.",
            )
    url, password = db_url.split_password(text)
    if password is None and args.ask_password:
        import getpass

        password = getpass.getpass("Database password: ") or None
    if password is not None:
        db_url.store_password(url, password)
    if args.counter:
        settings.counter_name = args.counter
    settings.database_url = url
    address = db_url.DatabaseAddress(url)
    kept = " (password kept in the system keyring)" if password is not None else ""
    print(f"shared history: {address.display}{kept}")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from idphoto_desktop.storage.history import History, open_history
    from idphoto_desktop.storage.history_open import SharedHistory

    with open_history() as store:
        if isinstance(store, SharedHistory):
            where = "shared database " + store.address.display
            state = "reachable" if store.is_shared else "NOT reachable (working locally)"
            waiting = store.local().unpushed_count()
            print(f"history: {where}, {state}; counter {store.counter!r}")
            print(f"results waiting for 'idphoto history push': {waiting}")
        else:
            assert isinstance(store, History)
            print(f"history: this counter's own file {store.path}; counter {store.counter!r}")
        print(f"results: {store.count()}")
        _warn(store)
    return EXIT_OK


def register(sub: Any) -> None:
    """Add ``history`` and its subcommands to the ``idphoto`` parser."""
    hist = sub.add_parser("history", help="results kept; the shared history of a studio")
    actions = hist.add_subparsers(dest="history_action", required=True)

    lst = actions.add_parser("list", help="results, newest first")
    lst.add_argument("--json", action="store_true")
    lst.add_argument("--customer", help="only results whose customer contains this text")
    lst.add_argument("--since", help="only results from this day (YYYY-MM-DD) on")
    lst.add_argument("--limit", type=int, default=200)
    lst.set_defaults(func=cmd_list)

    spent = actions.add_parser("spent", help="paid and free results per counter and day")
    spent.add_argument("--json", action="store_true")
    spent.add_argument("--since", help="from this day (YYYY-MM-DD) on")
    spent.set_defaults(func=cmd_spent)

    push = actions.add_parser("push", help="copy results made offline to the shared history")
    push.set_defaults(func=cmd_push)

    seturl = actions.add_parser(
        "set-url", help="use a shared PostgreSQL history (address read from stdin if omitted)"
    )
    seturl.add_argument("url", nargs="?", help="postgresql://user@host:5432/db (no password)")
    seturl.add_argument("--ask-password", action="store_true", help="ask for the password")
    seturl.add_argument("--counter", help="this counter's name in the shared history")
    seturl.add_argument("--clear", action="store_true", help="back to this counter's own file")
    seturl.set_defaults(func=cmd_set_url)

    status = actions.add_parser("status", help="which history is used, and is it reachable")
    status.set_defaults(func=cmd_status)
