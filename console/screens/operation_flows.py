"""The steps every operation key takes on screen: choose, see the plan, confirm, run.

Shared by the main screen (selected hosts) and the host screen (one host). Nothing
here decides what may run: the plan comes from `Operations`, which refuses (and
audits the refusal) whatever key, palette command or screen asked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from textual.screen import Screen

from console.operations.core import Operations, Report
from console.operations.plan import Plan
from console.operations.safety import SIGNALS, OperationRefused
from console.operations.services import ACTIONS, services_of
from console.screens.modals.confirm import ConfirmModal
from console.screens.modals.pick import CommandModal, PickModal
from console.screens.operation import OperationScreen


async def confirm_and_run(screen: Screen[object], ops: Operations,
                          make_plan: Callable[[], Plan],
                          act: Callable[[], Awaitable[Report]],
                          verb: str = "Run") -> Report | None:
    """Plan; if refused, let the core refuse for real (so it is audited) and say why;
    else show exactly what runs where and, once confirmed, run it on its own screen."""
    try:
        plan = make_plan()
    except OperationRefused:
        plan = None
    if plan is None or await ops.held_by_others(plan):
        report = await act()  # refused by the core, and audited there
        screen.notify(report.message, title="refused", severity="error", timeout=10)
        return report
    danger = ""
    if plan.dangerous:
        danger = (f"Dangerous: {len(plan.hosts)} hosts" if len(plan.hosts) > 1
                  else "Dangerous") + f". Type {plan.confirm_word} to confirm."
    confirmed = await screen.app.push_screen_wait(ConfirmModal(
        plan.title, plan.describe(title=False), confirm_label=verb, danger=danger,
        type_to_confirm=plan.confirm_word if plan.dangerous else None))
    if confirmed:
        await screen.app.push_screen(OperationScreen(ops, plan.title, act))
    return None


async def run_command_flow(screen: Screen[object], ops: Operations,
                           hosts: Sequence[str]) -> None:
    command = await screen.app.push_screen_wait(CommandModal(list(hosts)))
    if command:
        await confirm_and_run(screen, ops, lambda: ops.plan_command(hosts, command),
                              lambda: ops.run_command(hosts, command))


async def services_flow(screen: Screen[object], ops: Operations,
                        hosts: Sequence[str]) -> None:
    names: dict[str, int] = {}
    for host in hosts:
        for name in services_of(ops.inventory.host(host)):
            names[name] = names.get(name, 0) + 1
    if not names:
        screen.notify("no services listed for these hosts (console_services)", timeout=4)
        return
    service = await screen.app.push_screen_wait(PickModal(
        "Service", [(n, f"{n}  ({count} of {len(hosts)} hosts)")
                    for n, count in names.items()]))
    if service is None:
        return
    action = await screen.app.push_screen_wait(PickModal(
        f"{service}: action", [(a, a) for a in ACTIONS]))
    if action is None:
        return
    targets = [h for h in hosts if service in services_of(ops.inventory.host(h))]
    await confirm_and_run(screen, ops,
                          lambda: ops.plan_service(targets, service, action),
                          lambda: ops.service(targets, service, action),
                          verb=action.capitalize())


async def runbook_flow(screen: Screen[object], ops: Operations) -> None:
    runbooks = ops.inventory.setting("console_runbooks") or {}
    if not runbooks:
        screen.notify("no runbooks defined (console_runbooks on all)", timeout=4)
        return
    name = await screen.app.push_screen_wait(PickModal(
        "Runbooks", [(n, f"{n}  {rb.description}".rstrip()) for n, rb in runbooks.items()]))
    if name is None:
        return
    how = await screen.app.push_screen_wait(PickModal(
        f"Runbook {name}", [("dry", "Dry run: show every command, run nothing"),
                            ("run", "Run it")]))
    if how == "dry":
        await screen.app.push_screen(OperationScreen(
            ops, f"runbook {name} (dry run)", lambda: ops.runbook(name, dry_run=True)))
    elif how == "run":
        await confirm_and_run(screen, ops, lambda: ops.plan_runbook(name),
                              lambda: ops.runbook(name), verb="Run runbook")


async def signal_flow(screen: Screen[object], ops: Operations, host: str, pid: int,
                      process: str) -> None:
    choices = [(s, f"{s}{'  (default: lets it clean up)' if s == 'TERM' else ''}"
                f"{'  (cannot be caught)' if s == 'KILL' else ''}") for s in SIGNALS[:2]]
    signal = await screen.app.push_screen_wait(PickModal(
        f"Signal process {pid} ({process}) on {host}", choices))
    if signal is None:
        return
    await confirm_and_run(screen, ops,
                          lambda: ops.plan_signal(host, pid, signal, process),
                          lambda: ops.signal(host, pid, signal, process),
                          verb=f"Send {signal}")
