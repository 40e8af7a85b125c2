"""`opsconsole run -i INV PATTERN -- COMMAND...` and `opsconsole runbook -i INV NAME
[--dry-run]`: operations without the TUI, through the same core (read-only, locks and
audit included). Output is grouped as `clush -b` groups it; the exit status is 0 when
every host succeeded, 1 when any failed or was unreachable, 3 when refused."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from console.errors import UserError

if TYPE_CHECKING:
    from console.operations.core import Operations, Report
    from console.operations.fanout import HostResult


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                        help="refuse (and audit the refusal): nothing runs")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                        help="per host (runbook steps have their own; default 60)")
    parser.add_argument("-f", "--forks", type=int, default=32, metavar="N",
                        help="hosts at once (default 32)")


def add_parser(sub: argparse._SubParsersAction,
               add_common: Callable[[argparse.ArgumentParser], None]) -> None:
    run = sub.add_parser("run", help="run a command on the hosts of a pattern",
                         description="Run COMMAND on every host PATTERN selects (web, "
                                     "web:&prod, web:!web-3, db-*, ~regex), in parallel; "
                                     "identical outputs are grouped.")
    add_common(run)
    _common(run)
    run.add_argument("pattern", metavar="PATTERN")
    run.add_argument("command", nargs=argparse.REMAINDER, metavar="-- COMMAND...")
    run.set_defaults(run=run_command)
    book = sub.add_parser("runbook", help="run a runbook from console_runbooks",
                          description="Run (or with --dry-run, show) a runbook's steps.")
    add_common(book)
    _common(book)
    book.add_argument("name", metavar="NAME")
    book.add_argument("--dry-run", action="store_true",
                      help="print which command runs on which host, in order; run nothing")
    book.set_defaults(run=run_runbook)


def _clean(text: str) -> str:
    from console.text import sanitize_for_display

    return sanitize_for_display(text)


def print_groups(results: list[HostResult], out: object = sys.stdout) -> None:
    from console.operations.fanout import group_results

    for group in group_results(results):
        status = "" if group.exit_status is None else f", exit {group.exit_status}"
        print(f"== {', '.join(group.hosts)} ({len(group.hosts)}) · {group.outcome}"
              f"{status} ==", file=out)  # type: ignore[arg-type]
        text = _clean(group.output.rstrip("\n"))
        if text:
            print(text, file=out)  # type: ignore[arg-type]


def print_report(ops: Operations, report: Report) -> None:
    if report.outcome == "dry run" and report.plan is not None:
        print("dry run, nothing was run:\n" + _clean(report.plan.describe()))
    for label, results in report.steps:
        if label:
            print(f"--- step {label}")
        print_groups(results)
    line = ops.summary(report)
    print(line, file=sys.stderr if report.outcome in ("refused", "failed") else sys.stdout)


async def _session(args: argparse.Namespace,
                   act: Callable[[Operations], object]) -> int:
    from console.bus import EventBus
    from console.inventory import load_inventory
    from console.operations.core import Operations
    from console.operations.events import OperationProgress
    from console.operations.executors import DirectExecutor
    from console.store.errors import StoreUnavailable
    from console.store.locate import inventory_db_setting
    from console.store.paths import resolve_db_path
    from console.store.store import Store

    if not args.inventory:
        raise UserError("an inventory is needed: -i INVENTORY")
    from console.cli.inventory_args import limit

    inventory = limit(load_inventory(args.inventory), getattr(args, "limit", None))
    read_only = bool(getattr(args, "read_only", False))
    try:
        store: Store | None = await Store.connect(
            resolve_db_path(args.db, inventory_db_setting(inventory)),
            known_hosts=[h.name for h in inventory.hosts])
    except StoreUnavailable as exc:
        print(f"opsconsole: {exc}", file=sys.stderr)
        store = None  # Operations refuses: nothing runs unaudited
    executor = DirectExecutor(inventory, max_connecting=max(1, args.forks))
    try:
        if store is not None:
            await store.start_presence()  # renews this command's locks while it runs
        bus = EventBus()
        if sys.stderr.isatty():  # a person watching: hosts done / failed / pending
            bus.subscribe(OperationProgress, _show_progress)
        ops = Operations(inventory, executor, store, bus, read_only=read_only,
                         concurrency=max(1, args.forks))
        report = await act(ops)  # type: ignore[misc]
        if sys.stderr.isatty():
            print("\r\033[K", end="", file=sys.stderr)
        print_report(ops, report)
        return int(report.exit_status)
    finally:
        await executor.close()
        if store is not None:
            await store.close()


def _show_progress(event: object) -> None:
    step = f"step {event.step}: " if getattr(event, "step", "") else ""
    print(f"\r\033[K{step}{event.done} done · {event.failed} failed · "  # type: ignore[attr-defined]
          f"{event.pending} pending", end="", file=sys.stderr, flush=True)  # type: ignore[attr-defined]


def run_command(args: argparse.Namespace) -> int:
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        raise UserError("no command: opsconsole run -i INVENTORY PATTERN -- COMMAND...")
    # One argument is shell text as written; several are joined as a shell would have
    # received them.
    text = command[0] if len(command) == 1 else " ".join(command)
    from console.runtime import run_long  # uvloop: 50 connections are mostly I/O

    return run_long(_session(
        args, lambda ops: ops.run_on_pattern(args.pattern, text, args.timeout)))


def run_runbook(args: argparse.Namespace) -> int:
    from console.runtime import run_long

    return run_long(_session(args, lambda ops: ops.runbook(args.name, args.dry_run)))
