"""`-i INVENTORY` (any number of times) and `-l/--limit PATTERN`, for every command.

One function turns them into the Inventory a command works on, so the console and each
headless command read sources, show progress and apply a limit the same way.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from typing import TextIO

from console.errors import UserError
from console.inventory import Inventory, load_inventory
from console.patterns import PatternError

_QUIET_FOR_S = 0.5  # a load shorter than this shows no progress at all


class Progress:
    """A progress line on stderr for loads that take a while (100,000 hosts): on a
    terminal one line rewritten in place and cleared at the end; elsewhere a line at
    most once a second, so a log shows that something was happening."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.start = time.monotonic()
        self.last = 0.0
        self.pending = ""
        self.shown = False
        self.finished = False
        self.lock = threading.Lock()
        # One long step (composing a 100 MB YAML file) reports nothing for seconds:
        # a timer shows the step in progress once the quiet period is over.
        self.timer = threading.Timer(_QUIET_FOR_S, self._late)
        self.timer.daemon = True
        self.timer.start()

    def _late(self) -> None:
        with self.lock:
            if not self.finished and not self.shown and self.pending:
                self._show(self.pending, time.monotonic())

    def __call__(self, message: str) -> None:
        now = time.monotonic()
        with self.lock:
            self.pending = message
            if now - self.start < _QUIET_FOR_S or \
                    now - self.last < (0.1 if self.tty else 1.0):
                return
            self._show(message, now)

    def _show(self, message: str, now: float) -> None:
        self.last = now
        self.shown = True
        text = f"opsconsole: {message}…"
        if self.tty:
            self.stream.write(f"\r\x1b[K{text[:200]}")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def done(self, summary: str) -> None:
        with self.lock:
            self.finished = True
        self.timer.cancel()
        if not self.shown and time.monotonic() - self.start < _QUIET_FOR_S:
            return
        if self.tty:
            self.stream.write("\r\x1b[K")
        self.stream.write(f"opsconsole: {summary} in {time.monotonic() - self.start:.1f} s\n")
        self.stream.flush()


def add_arguments(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument("-i", "--inventory", metavar="INVENTORY", action="append",
                        default=default,
                        help="Ansible inventory: a YAML or INI file, an executable script, "
                             "or a directory of them; give -i several times to combine "
                             "(default: watch this machine)")
    parser.add_argument("-l", "--limit", metavar="PATTERN", default=default,
                        help="only the hosts an Ansible host pattern selects: web, web:db, "
                             "web:&prod, web:!web-3, db-*, ~regex, web[0:2], @file")


def sources(args: argparse.Namespace) -> list[str]:
    given = getattr(args, "inventory", None)
    if given is None:
        return []
    return [given] if isinstance(given, str) else list(given)


def inventory_from(args: argparse.Namespace, progress: bool = True) -> Inventory:
    """The inventory the command works on: the -i sources (else this machine), limited
    by --limit; UserError (one line, exit 2) for bad input."""
    paths = sources(args)
    meter = Progress() if progress else None
    inventory = load_inventory(paths, meter) if paths else Inventory.local_only()
    if meter is not None:
        meter.done(f"{len(inventory.hosts):,} hosts read")
    return limit(inventory, getattr(args, "limit", None))


def limit(inventory: Inventory, pattern: str | None) -> Inventory:
    try:
        return inventory.limited(pattern)
    except PatternError as exc:
        raise UserError(f"--limit: {exc}") from None
