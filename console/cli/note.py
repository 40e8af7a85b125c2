"""`opsconsole note [--db PATH] [--host HOST] [--incident ID] TEXT...`: write a note from
a script (deploy tool, cron job); every open console shows it within a second."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from collections.abc import Callable

from console.errors import UserError

# A lock held by another console is waited out this long before giving up.
WRITE_DEADLINE = 30.0


def add_parser(sub: argparse._SubParsersAction,
               add_common: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser("note", help="write a note to the shared notes database",
                            description="Write a human note; prints its id. "
                                        "TEXT '-' reads the note from standard input.")
    add_common(parser)
    parser.add_argument("--host", help="link the note to this host")
    parser.add_argument("--incident", type=int, metavar="ID",
                        help="attach to this incident (default: the open one, if only one)")
    parser.add_argument("--author", help="default: $OPSCONSOLE_AUTHOR, $SUDO_USER, $USER")
    parser.add_argument("text", nargs="+", metavar="TEXT")
    parser.set_defaults(run=run)


async def _write(args: argparse.Namespace, body: str) -> int:
    from console.store.locate import locate
    from console.store.store import Store

    path, hosts = locate(args.db, args.inventory, limit=getattr(args, "limit", None))
    try:
        async with Store.open(path, author=args.author, known_hosts=hosts) as store:
            pending = store.outbox.submit(body, host=args.host, incident_id=args.incident)
            if not await store.outbox.flush(WRITE_DEADLINE):
                why = pending.error or f"notes database {path} stayed locked"
                raise UserError(f"{why}; gave up after {WRITE_DEADLINE:.0f} s, the note "
                                "was not written")
            if pending.note is None:
                raise UserError(pending.error or f"note not written to {path}")
            return pending.note.id
    except sqlite3.Error as exc:  # whatever SQLite says: one line, never a traceback
        raise UserError(f"notes database {path}: {exc}; the note was not written") from None


def run(args: argparse.Namespace) -> int:
    body = sys.stdin.read() if args.text == ["-"] else " ".join(args.text)
    if not body.strip():
        raise UserError("the note is empty")
    note_id = asyncio.run(_write(args, body))
    print(note_id, flush=True)
    return 0
