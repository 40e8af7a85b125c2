"""`opsconsole checks -i INVENTORY [PATTERN]`: run every check once, print a table,
exit with the worst Nagios code (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), for cron/CI.

"Worst" is the console's order, CRITICAL > UNKNOWN > WARNING > OK: a known critical is
the surer emergency. No TUI: the same Fleet connects (one SSH connection per host, as
the console does), the same scheduler runs each host's checks one at a time, and
baselines come from the shared database when there is one.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from console.checks.result import CheckResult
from console.errors import UserError
from console.inventory import Inventory, load_inventory
from console.severity import Severity

if TYPE_CHECKING:
    from console.store.store import Store

CONNECT_WAIT_S = 30.0  # how long hosts get to connect before their checks say UNKNOWN


def add_parser(sub: argparse._SubParsersAction,
               add_common: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser(
        "checks", help="run the inventory's maintenance checks once and print a table",
        description="Run every console_checks entry of the selected hosts once over SSH, "
                    "print a table, and exit with the worst Nagios code (CRITICAL > "
                    "UNKNOWN > WARNING > OK), so cron and CI can use it.")
    add_common(parser)
    parser.add_argument("pattern", nargs="?", metavar="PATTERN",
                        help="hosts to check, as Ansible patterns them (web:&prod:!web-3); "
                             "default all")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also print each check's long output and perfdata")
    parser.set_defaults(run=run)


def select(inventory: Inventory, pattern: str | None) -> Inventory:
    if not pattern:
        return inventory
    from console.patterns import PatternError, select_hosts

    try:
        hosts = select_hosts(inventory, pattern)
    except PatternError as exc:
        raise UserError(str(exc)) from None
    return dataclasses.replace(inventory, hosts=tuple(hosts))


def render(results: Sequence[CheckResult], verbose: bool = False) -> str:
    rows = [("HOST", "CHECK", "STATE", "TIME", "STATUS")]
    ordered = sorted(results, key=lambda r: (-r.severity.rank, r.host, r.check))
    rows += [(r.host, r.check, r.severity.name, f"{r.duration_s:.1f}s", r.status)
             for r in ordered]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for row in rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths, strict=True))
                     + "  " + row[4])
        result = next((r for r in ordered if (r.host, r.check) == row[:2]), None)
        if verbose and result is not None:
            lines += [f"    {line}" for line in result.long_output.splitlines()]
            lines += [f"    perfdata {p.describe()}" for p in result.perfdata]
            lines += [f"    ! {problem}" for problem in result.problems]
    counts = {s: sum(r.severity is s for r in results) for s in Severity}
    lines.append("")
    lines.append(", ".join(f"{counts[s]} {s.name}" for s in
                           (Severity.CRITICAL, Severity.UNKNOWN, Severity.WARNING,
                            Severity.OK)))
    return "\n".join(lines)


def exit_code(results: Sequence[CheckResult]) -> int:
    worst = max((r.severity for r in results), key=lambda s: s.rank, default=Severity.OK)
    return worst.value


async def run_checks(inventory: Inventory, db: str | None,
                     inventory_path: str | None) -> list[CheckResult]:
    from console.events import HostState
    from console.fleet.fleet import Fleet

    fleet = Fleet(inventory)
    store = await _open_store(db, inventory_path, inventory)
    if store is not None:
        from console.wiring.checks import StoreBaselines

        fleet.checks.baselines = StoreBaselines(store)
    fleet.start()
    await fleet.checks.stop()  # no schedule: each check runs once, below
    try:
        deadline = time.monotonic() + CONNECT_WAIT_S
        while time.monotonic() < deadline and any(
                s.status.state is HostState.CONNECTING
                for name, s in fleet.supervisors.items() if name in fleet.checks.checks):
            await asyncio.sleep(0.1)
        return await fleet.checks.run_all_once()
    finally:
        await fleet.stop()
        if store is not None:
            await store.close()


async def _open_store(db: str | None, inventory_path: str | None,
                      inventory: Inventory) -> Store | None:
    """The shared database when it exists (for accepted baselines); never created here."""
    from console.store.errors import StoreError
    from console.store.locate import inventory_db_setting
    from console.store.paths import resolve_db_path
    from console.store.store import Store

    path = resolve_db_path(db, inventory_db_setting(inventory))
    if not path.exists():
        return None
    try:
        return await Store.connect(path, known_hosts=[h.name for h in inventory.hosts])
    except StoreError:
        return None


def run(args: argparse.Namespace) -> int:
    path = getattr(args, "inventory", None)
    if path is None:
        raise UserError("checks needs an inventory: opsconsole checks -i INVENTORY [PATTERN]")
    from console.cli.inventory_args import limit

    inventory = select(limit(load_inventory(path), getattr(args, "limit", None)),
                       args.pattern)
    path = ", ".join(path) if isinstance(path, list) else path
    from console.checks.definition import checks_of

    if not any(checks_of(h.vars) for h in inventory.hosts):
        print(f"{path}: no console_checks on the selected hosts")
        return Severity.UNKNOWN.value
    results = asyncio.run(run_checks(inventory, getattr(args, "db", None), path))
    print(render(results, args.verbose))
    return exit_code(results)
