"""The default command: open the console on an inventory, or on this machine."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from console.cli.inventory_args import inventory_from
from console.runtime import run_long
from console.store.locate import inventory_db_setting
from console.store.outbox import PendingNote
from console.store.paths import resolve_db_path
from console.store.unsaved_file import render_unsaved, save_unsaved


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

    # --read-only covers every host; console_read_only is per host (deeper wins) and
    # is applied by console.operations itself, so it is not folded in here.
    app = OpsConsole(inventory, read_only=args.read_only,
                     db_path=db_path)
    try:
        run_long(app.run_async())
    finally:
        status = _report_unsaved(app.unsaved, db_path)
    return status


def _report_unsaved(unsaved: list[PendingNote], db_path: Path | None) -> int:
    """Nothing a user wrote is ever silently lost: what the database refused is saved
    to a file and printed (the terminal may be gone after SIGHUP: printing may fail)."""
    if not unsaved:
        return 0
    saved_to = save_unsaved(unsaved, db_path)
    text = render_unsaved(unsaved, db_path)
    if saved_to is not None:
        text += f"opsconsole: these notes are also saved in {saved_to}\n"
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(text)
        sys.stderr.flush()
    return 1

