"""Command line: `opsconsole [-i INVENTORY] [--db PATH] [--read-only]` and subcommands.

Each subcommand lives in its own module and exposes `add_parser(subparsers)` and
`run(args) -> int`, so adding one never grows this file. Every `UserError` ends here
as one line on stderr and exit status 2: bad input never shows a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from console import __version__
from console.diagnostics import LEVELS, setup_logging
from console.errors import UserError


def _add_common(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    # On subcommands the defaults are suppressed, so `opsconsole -i inv.yaml check`
    # and `opsconsole check -i inv.yaml` mean the same thing.
    from console.cli import inventory_args

    default = None if top else argparse.SUPPRESS
    inventory_args.add_arguments(parser, default)
    parser.add_argument("--db", metavar="PATH", default=default,
                        help="shared notes database (default: console_notes_db, "
                             "$OPSCONSOLE_DB, else the per-user XDG data directory)")
    parser.add_argument("--log-level", choices=LEVELS, default=default,
                        help="detail of the console's own log, "
                             "$XDG_STATE_HOME/opsconsole/opsconsole.log (default: info)")


def build_parser() -> argparse.ArgumentParser:
    from console.cli import check, checks, handoff, note, operations, templates, ui

    parser = argparse.ArgumentParser(
        prog="opsconsole",
        description="Terminal operations console: fleet health, logs, operations and "
                    "shared notes over SSH.",
    )
    parser.add_argument("--version", action="version", version=f"opsconsole {__version__}")
    _add_common(parser, top=True)
    ui.add_arguments(parser)
    parser.set_defaults(run=ui.run)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for module in (check, checks, note, handoff, operations, templates):
        module.add_parser(sub, _add_common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(getattr(args, "log_level", None) or "info")
    try:
        return int(args.run(args) or 0)
    except UserError as exc:
        print(f"opsconsole: {exc}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        return 130
