"""Plans: exactly which command runs on which host, in which order, before anything
runs. The confirmation dialog, the dry run and the audit all show the same plan, and
every check that can refuse an operation (names, signals, read-only, unknown hosts,
become methods) runs while planning, so a refused operation has touched nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from console.inventory import Host, Inventory
from console.operations import become
from console.operations.safety import (
    OperationRefused,
    pid_number,
    plain_name,
    refuse_read_only,
    signal_name,
)
from console.operations.services import service_command, signal_command
from console.runbook_spec import ROLLBACK, Runbook


@dataclass(frozen=True)
class PlannedStep:
    label: str  # "1 check", "rollback 1"; "" for a one-step operation
    kind: str  # run | check | verify | rollback
    timeout: float
    commands: tuple[tuple[Host, str], ...]  # (host, exact command) in order

    @property
    def hosts(self) -> tuple[str, ...]:
        return tuple(h.name for h, _ in self.commands)


@dataclass(frozen=True)
class Plan:
    kind: str  # command | service | signal | runbook
    title: str  # one line: what this is
    name: str  # the runbook, service or signal ("" for a command)
    steps: tuple[PlannedStep, ...]
    rollback: tuple[PlannedStep, ...] = ()
    dangerous: bool = False  # confirmation needs the name typed
    confirm_word: str = ""  # what to type: the runbook or host name
    action: str = ""  # a service's action (restart, start: verified afterwards)

    @property
    def hosts(self) -> tuple[str, ...]:
        seen = dict.fromkeys(h for s in (*self.steps, *self.rollback) for h in s.hosts)
        return tuple(seen)

    @property
    def command(self) -> str:
        """The command as the user wrote it, for the audit's single-command rows."""
        commands = list(dict.fromkeys(c for s in self.steps for _, c in s.commands))
        return " ; ".join(commands)  # in plan order; `describe` says which host runs which

    def describe(self, title: bool = True) -> str:
        """Every command on every host, in order: the confirmation's and dry run's text."""
        lines = [self.title] if title else []
        for heading, steps in (("", self.steps), ("on failure, rollback:", self.rollback)):
            if heading and steps:
                lines.append(heading)
            for step in steps:
                label = f"[{step.label}] " if step.label else ""
                for host, command in step.commands:
                    lines.append(f"  {label}{host.name}: {command}  (timeout "
                                 f"{step.timeout:g} s)")
        return "\n".join(lines)


def _hosts(inventory: Inventory, names: Sequence[str]) -> list[Host]:
    hosts = []
    for name in dict.fromkeys(names):
        try:
            hosts.append(inventory.host(name))
        except KeyError:
            raise OperationRefused(f"{name} is not in the inventory; nothing was run"
                                   ) from None
    if not hosts:
        raise OperationRefused("no host selected; nothing was run")
    return hosts


def select(inventory: Inventory, pattern: str) -> list[Host]:
    """Hosts matching an Ansible pattern; OperationRefused when none or malformed."""
    from console.patterns import PatternError, select_hosts

    try:
        hosts = select_hosts(inventory, pattern)
    except PatternError as exc:
        raise OperationRefused(f"{exc}; nothing was run") from None
    if not hosts:
        raise OperationRefused(f"host pattern {pattern!r} matches no host; nothing was run")
    return list(hosts)


def command_plan(inventory: Inventory, names: Sequence[str], command: str,
                 timeout: float, read_only: bool) -> Plan:
    if not command.strip():
        raise OperationRefused("the command is empty; nothing was run")
    if not command.isprintable():
        raise OperationRefused("the command holds control characters; nothing was run")
    hosts = _hosts(inventory, names)
    refuse_read_only(hosts, read_only)
    step = PlannedStep("", "run", timeout,
                       tuple((h, become.wrap(h, command)) for h in hosts))
    where = hosts[0].name if len(hosts) == 1 else f"{len(hosts)} hosts"
    return Plan("command", f"run `{command}` on {where}", "", (step,),
                dangerous=len(hosts) > 1, confirm_word=hosts[0].name)


def service_plan(inventory: Inventory, names: Sequence[str], service: str, action: str,
                 timeout: float, read_only: bool) -> Plan:
    plain_name(service, "service name")
    hosts = _hosts(inventory, names)
    if action != "status":  # looking is allowed on read-only hosts
        refuse_read_only(hosts, read_only)
    step = PlannedStep("", "run", timeout, tuple(
        (h, become.wrap(h, service_command(h, service, action))) for h in hosts))
    where = hosts[0].name if len(hosts) == 1 else f"{len(hosts)} hosts"
    return Plan("service", f"{action} {service} on {where}", service, (step,),
                dangerous=len(hosts) > 1 and action != "status",
                confirm_word=hosts[0].name, action=action)


def signal_plan(inventory: Inventory, name: str, pid: object, signal: str,
                read_only: bool, process: str = "") -> Plan:
    sig = signal_name(signal)
    number = pid_number(pid)
    hosts = _hosts(inventory, [name])
    refuse_read_only(hosts, read_only)
    host = hosts[0]
    step = PlannedStep("", "run", 10.0,
                       ((host, become.wrap(host, signal_command(number, sig))),))
    what = f"{number} ({process})" if process else str(number)
    return Plan("signal", f"send {sig} to process {what} on {host.name}", sig, (step,),
                dangerous=sig == "KILL", confirm_word=host.name)


def runbook_plan(inventory: Inventory, runbook: Runbook, read_only: bool,
                 dry_run: bool = False) -> Plan:
    def planned(label: str, kind: str, pattern: str, run: str,
                timeout: float) -> PlannedStep:
        try:
            hosts = select(inventory, pattern)
        except OperationRefused as exc:
            raise OperationRefused(f"runbook {runbook.name} step {label}: {exc}") from None
        return PlannedStep(label, kind, timeout,
                           tuple((h, become.wrap(h, run)) for h in hosts))

    steps = tuple(planned(f"{i + 1} {s.kind}", s.kind, s.hosts, s.run, s.timeout)
                  for i, s in enumerate(runbook.steps))
    rollback = tuple(planned(f"{ROLLBACK} {i + 1}", ROLLBACK, s.hosts, s.run, s.timeout)
                     for i, s in enumerate(runbook.rollback))
    plan = Plan("runbook", f"runbook {runbook.name}"
                + (f": {runbook.description}" if runbook.description else ""),
                runbook.name, steps, rollback, dangerous=True, confirm_word=runbook.name)
    if not dry_run:  # a dry run runs nothing, so it may be shown for read-only hosts
        refuse_read_only([inventory.host(h) for h in plan.hosts], read_only)
    return plan


def find_runbook(inventory: Inventory, name: str) -> Runbook:
    runbooks = inventory.setting("console_runbooks") or {}
    if name not in runbooks:
        known = ", ".join(sorted(runbooks)) or "none defined (console_runbooks on all)"
        raise OperationRefused(f"no runbook {name!r}; known: {known}")
    return runbooks[name]  # type: ignore[no-any-return]
