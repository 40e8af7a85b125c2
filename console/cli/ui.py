"""The default command: open the console on an inventory, or on this machine."""

from __future__ import annotations

import argparse
import sys

from console.cli.inventory_args import inventory_from
from console.inventory import Inventory
from console.runtime import run_long
from console.store.locate import inventory_db_setting
from console.store.paths import resolve_db_path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--read-only", action="store_true",
                        help="refuse every operation that changes a host")


def run(args: argparse.Namespace) -> int:
    inventory = inventory_from(args)
    if len(inventory.hosts) >= 10_000:  # building the fleet takes seconds: say so
        print(f"opsconsole: starting the console on {len(inventory.hosts):,} hosts…",
              file=sys.stderr, flush=True)
    db_path = resolve_db_path(args.db, inventory_db_setting(inventory))
    from console.app import OpsConsole  # Textual is imported only when the UI runs

    app = OpsConsole(inventory, read_only=args.read_only or _read_only(inventory),
                     db_path=db_path)
    run_long(app.run_async())
    if app.unsaved:
        # Nothing a user wrote is ever silently lost: print what the database refused.
        print(f"opsconsole: {len(app.unsaved)} note(s) could not be written to {db_path}:",
              file=sys.stderr)
        for pending in app.unsaved:
            print(f"--- {pending.author} ({pending.error or 'not written'})\n{pending.body}",
                  file=sys.stderr)
        return 1
    return 0


def _read_only(inventory: Inventory) -> bool:
    return bool(inventory.setting("console_read_only")) if inventory.path else False
