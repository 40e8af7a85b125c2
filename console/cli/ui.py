"""The default command: open the console on an inventory, or on this machine."""

from __future__ import annotations

import argparse

from console.inventory import Inventory, load_inventory


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--read-only", action="store_true",
                        help="refuse every operation that changes a host")


def run(args: argparse.Namespace) -> int:
    inventory = load_inventory(args.inventory) if args.inventory else Inventory.local_only()
    from console.app import OpsConsole  # Textual is imported only when the UI runs

    OpsConsole(inventory, read_only=args.read_only).run()
    return 0
