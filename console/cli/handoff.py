"""`opsconsole handoff [--db PATH] [--since 8h] [--output FILE]`: the shift report as
Markdown, from the command line (no live alert state: alerts come from the timeline)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from console.errors import UserError
from console.format import parse_duration


def add_parser(sub: argparse._SubParsersAction,
               add_common: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser("handoff", help="print the shift handoff report (Markdown)",
                            description="Open incidents with their timelines, alerts still "
                                        "firing, operations run, notes and their authors.")
    add_common(parser)
    parser.add_argument("--since", default="8h", metavar="DURATION",
                        help="how far back: 30m, 8h, 2d, 1w (default 8h)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
    parser.set_defaults(run=run)


async def _report(args: argparse.Namespace, since: float) -> str:
    from console.store.handoff import build_handoff
    from console.store.locate import locate
    from console.store.store import Store

    limit = getattr(args, "limit", None)
    path, hosts = locate(args.db, args.inventory, limit=limit)
    if not path.exists():
        raise UserError(f"notes database {path} does not exist (nothing recorded yet?)")
    try:
        async with Store.open(path, known_hosts=hosts) as store:
            return await build_handoff(store, since,
                                        only_hosts=hosts if limit else None)
    except sqlite3.Error as exc:  # whatever SQLite says: one line, never a traceback
        raise UserError(f"notes database {path}: {exc}") from None


def run(args: argparse.Namespace) -> int:
    since = parse_duration(args.since)
    report = asyncio.run(_report(args, since))
    if args.output:
        out = Path(os.path.expanduser(args.output))
        try:
            out.write_text(report, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
    else:
        print(report, end="")
    return 0
