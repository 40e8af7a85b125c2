"""`Operations`: the one way anything acts on a host. Keys, palette commands, headless
commands and any future view call these methods; each one plans (every refusal
happens there), locks, audits the intent, acts, audits each result, and releases.

Fails closed: without a database to audit into, nothing runs; a lock held by someone
else, a read-only host, a name that is not plain, all refuse before a host is touched,
and the refusal itself is audited.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from console.bus import EventBus
from console.inventory import Inventory
from console.operations import plan as plans
from console.operations.actor import Actor, current_actor
from console.operations.events import OperationFinished, OperationProgress
from console.operations.executors import Executor
from console.operations.fanout import (
    DEFAULT_CONCURRENCY,
    DEFAULT_TIMEOUT_S,
    OK,
    HostResult,
    OutputGroup,
    fan_out,
    group_results,
)
from console.operations.plan import Plan, PlannedStep
from console.operations.safety import OperationRefused
from console.operations.services import VERIFY_EVERY_S, VERIFY_TIMEOUT_S
from console.store.audit import AuditEntry
from console.store.errors import StoreError
from console.store.locks import Lock, LockHeld
from console.store.models import OPERATION
from console.store.store import Store

REFUSED, DRY_RUN, FAILED = "refused", "dry run", "failed"


@dataclass
class Report:
    """What happened, for the screen or the terminal."""

    op_id: str
    plan: Plan | None
    title: str
    outcome: str = OK  # ok | failed | refused | dry run
    message: str = ""  # why refused / where it stopped
    steps: list[tuple[str, list[HostResult]]] = field(default_factory=list)
    healthy_after: dict[str, float | None] = field(default_factory=dict)  # restarts
    duration_s: float = 0.0

    @property
    def results(self) -> list[HostResult]:
        return [r for _, results in self.steps for r in results]

    def groups(self, step: int = -1) -> list[OutputGroup]:
        return group_results(self.steps[step][1]) if self.steps else []

    @property
    def exit_status(self) -> int:
        """For headless commands: 0 all well, 1 a host failed, 3 refused."""
        return {OK: 0, DRY_RUN: 0, REFUSED: 3}.get(self.outcome, 1)


def _seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 10 else f"{value:.0f} s"


class Operations:
    def __init__(self, inventory: Inventory, executor: Executor, store: Store | None,
                 bus: EventBus | None = None, *, read_only: bool = False,
                 actor: Actor | None = None,
                 concurrency: int = DEFAULT_CONCURRENCY) -> None:
        self.inventory = inventory
        self.executor = executor
        self.store = store
        self.bus = bus
        self.read_only = read_only
        self.actor = actor or current_actor(store.author if store else None)
        self.concurrency = concurrency

    # -- plans (no I/O: for the confirmation dialog) ---------------------------------
    def plan_command(self, hosts: Sequence[str], command: str,
                     timeout: float = DEFAULT_TIMEOUT_S) -> Plan:
        return plans.command_plan(self.inventory, hosts, command, timeout, self.read_only)

    def plan_service(self, hosts: Sequence[str], service: str, action: str,
                     timeout: float = DEFAULT_TIMEOUT_S) -> Plan:
        return plans.service_plan(self.inventory, hosts, service, action, timeout,
                                  self.read_only)

    def plan_signal(self, host: str, pid: object, signal: str, process: str = "") -> Plan:
        return plans.signal_plan(self.inventory, host, pid, signal, self.read_only, process)

    def plan_runbook(self, name: str, dry_run: bool = False) -> Plan:
        runbook = plans.find_runbook(self.inventory, name)
        return plans.runbook_plan(self.inventory, runbook, self.read_only, dry_run)

    @staticmethod
    def lock_names(plan: Plan) -> list[str]:
        return [f"host:{h}" for h in plan.hosts] + (
            [f"runbook:{plan.name}"] if plan.kind == "runbook" else [])

    async def held_by_others(self, plan: Plan) -> list[Lock]:
        """Locks another console holds on what `plan` touches: shown before confirming
        (who and since when); acting would be refused anyway."""
        if self.store is None:
            return []
        names = set(self.lock_names(plan))
        try:
            held = await self.store.locks_held()
        except StoreError:
            return []
        return [lock for lock in held
                if lock.name in names and lock.console_id != self.store.console_id]

    # -- acting ---------------------------------------------------------------------
    async def run_command(self, hosts: Sequence[str], command: str,
                          timeout: float = DEFAULT_TIMEOUT_S) -> Report:
        return await self._execute("command", f"run `{command}`",
                                   lambda: self.plan_command(hosts, command, timeout))

    async def run_on_pattern(self, pattern: str, command: str,
                             timeout: float = DEFAULT_TIMEOUT_S) -> Report:
        """An ad-hoc command on the hosts an Ansible pattern selects (`web:&prod`)."""
        def make() -> Plan:
            hosts = [h.name for h in plans.select(self.inventory, pattern)]
            return self.plan_command(hosts, command, timeout)

        return await self._execute("command", f"run `{command}` on {pattern}", make)

    async def service(self, hosts: Sequence[str], service: str, action: str,
                      timeout: float = DEFAULT_TIMEOUT_S) -> Report:
        return await self._execute("service", f"{action} {service}",
                                   lambda: self.plan_service(hosts, service, action,
                                                             timeout))

    async def signal(self, host: str, pid: object, signal: str, process: str = "") -> Report:
        return await self._execute("signal", f"signal {signal} to {pid} on {host}",
                                   lambda: self.plan_signal(host, pid, signal, process))

    async def runbook(self, name: str, dry_run: bool = False) -> Report:
        return await self._execute("runbook", f"runbook {name}",
                                   lambda: self.plan_runbook(name, dry_run), dry_run=dry_run)

    # -- the one path every operation takes -----------------------------------------
    def _entry(self, op_id: str, kind: str, phase: str, **fields: object) -> AuditEntry:
        store_id = self.store.console_id if self.store else ""
        return AuditEntry(op_id, self.actor.author, self.actor.tty, store_id, kind, phase,
                          **fields)  # type: ignore[arg-type]

    async def _execute(self, kind: str, title: str, make_plan: Callable[[], Plan],
                       dry_run: bool = False) -> Report:
        op_id = uuid.uuid4().hex[:12]
        start = time.monotonic()
        report = Report(op_id, None, title)
        try:
            report.plan = plan = make_plan()
            report.title = plan.title
        except OperationRefused as exc:
            return await self._refused(report, kind, str(exc), start)
        if self.store is None:
            # Fail closed: an operation nobody can account for does not run.
            report.outcome, report.message = REFUSED, (
                "no audit database (notes database unavailable); operations are refused")
            self._finished(report, kind)
            return report
        hosts = plan.hosts
        prepare = getattr(self.executor, "prepare", None)
        if prepare is not None and not dry_run:
            prepare([self.inventory.host(h) for h in hosts])
        entry = self._entry(op_id, kind, "dry-run" if dry_run else "intent",
                            name=plan.name, hosts=hosts, command=plan.command,
                            detail=plan.describe())
        if dry_run:
            report.outcome = DRY_RUN
            return await self._close(report, kind, start, [entry])
        locks = self.lock_names(plan)
        try:
            await self.store.acquire_locks(locks, self.actor.tty, plan.title)
        except LockHeld as exc:
            return await self._refused(report, kind, f"locked: {exc}", start)
        except StoreError as exc:
            return await self._refused(report, kind, f"locks unavailable: {exc}", start,
                                       audit=False)
        try:
            try:
                await self.store.audit(entry)  # the intent is on disk before we act
            except StoreError as exc:
                report.outcome, report.message = REFUSED, f"audit unavailable: {exc}"
                self._finished(report, kind)
                return report
            try:
                await self._act(report, plan, kind)
            except StoreError as exc:
                # Results that cannot be recorded: stop here rather than go on unaccounted.
                report.outcome = FAILED
                report.message = f"stopped: audit unavailable ({exc})"
        finally:
            with contextlib.suppress(StoreError):
                await self.store.release_locks(locks)
        return await self._close(report, kind, start, [])

    async def _act(self, report: Report, plan: Plan, kind: str) -> None:
        failed_at: PlannedStep | None = None
        changed = False  # whether a `run` step touched anything (rollback undoes that)
        for step in plan.steps:
            changed = changed or step.kind == "run"
            results = await self._step(report, step, kind, plan.name)
            if not all(r.ok for r in results):
                failed_at = step
                break
        if plan.action in ("restart", "start") and failed_at is None:
            await self._verify_restart(report, plan)
            if any(v is None for v in report.healthy_after.values()):
                failed_at = plan.steps[-1]
        if failed_at is None:
            return
        report.outcome = FAILED
        report.message = f"step {failed_at.label} failed" if failed_at.label else "failed"
        if plan.rollback and not changed:
            # A precondition failed before any run step: nothing to undo.
            report.message += "; nothing had changed, so no rollback"
        elif plan.rollback:
            report.message += "; rollback ran"
            for step in plan.rollback:
                await self._step(report, step, kind, plan.name)

    async def _step(self, report: Report, step: PlannedStep, kind: str,
                    name: str) -> list[HostResult]:
        total = len(step.commands)
        counts = {"done": 0, "failed": 0}

        def progress(result: HostResult) -> None:
            counts["done"] += 1
            counts["failed"] += not result.ok
            self._publish(OperationProgress(report.op_id, report.title, step.label,
                                            counts["done"], counts["failed"],
                                            total - counts["done"], result))

        self._publish(OperationProgress(report.op_id, report.title, step.label, 0, 0, total))
        results = await fan_out(self.executor, step.commands, timeout=step.timeout,
                                concurrency=self.concurrency, on_result=progress)
        report.steps.append((step.label, results))
        if self.store is not None:
            # Each step's results are on disk before the next step starts.
            await self.store.audit(*(self._entry(
                report.op_id, kind, "result", name=name, step=step.label, host=r.host,
                hosts=(r.host,), command=r.command, exit_status=r.exit_status,
                outcome=r.outcome, duration_s=r.duration_s, output_tail=r.output,
                detail=r.error) for r in results))
        return results

    async def _verify_restart(self, report: Report, plan: Plan) -> None:
        """After a restart, poll each host's status command until it passes: the
        console says the service is healthy again, and how long that took."""
        service = plan.name
        hosts = [self.inventory.host(h) for h in plan.hosts]
        status = self.plan_service([h.name for h in hosts], service, "status")
        began = time.monotonic()

        async def until_healthy(index: int) -> None:
            host, command = status.steps[0].commands[index]
            while True:
                results = await fan_out(self.executor, [(host, command)],
                                        timeout=VERIFY_TIMEOUT_S, concurrency=1)
                elapsed = time.monotonic() - began
                if results[0].ok:
                    report.healthy_after[host.name] = elapsed
                    return
                if elapsed > VERIFY_TIMEOUT_S:
                    report.healthy_after[host.name] = None
                    return
                await asyncio.sleep(VERIFY_EVERY_S)

        await asyncio.gather(*(until_healthy(i) for i in range(len(hosts))))
        if self.store is not None:
            entries = []
            for host, command in status.steps[0].commands:
                took = report.healthy_after.get(host.name)
                entries.append(self._entry(
                    report.op_id, "service", "verify", name=service, step="verify",
                    host=host.name, hosts=(host.name,), command=command,
                    outcome=OK if took is not None else FAILED, duration_s=took,
                    detail=f"healthy after {took:.1f} s" if took is not None
                    else f"not healthy within {VERIFY_TIMEOUT_S:g} s"))
            await self.store.audit(*entries)

    async def _refused(self, report: Report, kind: str, why: str, start: float,
                       audit: bool = True) -> Report:
        report.outcome, report.message = REFUSED, why
        entries = []
        if audit and self.store is not None:
            plan = report.plan
            entries.append(self._entry(
                report.op_id, kind, "refused", name=plan.name if plan else "",
                hosts=plan.hosts if plan else (), command=plan.command if plan else "",
                outcome=REFUSED, detail=f"{report.title}: {why}"))
        return await self._close(report, kind, start, entries)

    async def _close(self, report: Report, kind: str, start: float,
                     entries: list[AuditEntry]) -> Report:
        report.duration_s = time.monotonic() - start
        if self.store is not None:
            plan = report.plan
            worst = next((r.exit_status for r in report.results if not r.ok), 0)
            if report.outcome not in (REFUSED, DRY_RUN):
                entries.append(self._entry(
                    report.op_id, kind, "finished", name=plan.name if plan else "",
                    hosts=plan.hosts if plan else (),
                    command=plan.command if plan else "", outcome=report.outcome,
                    exit_status=worst, duration_s=report.duration_s,
                    detail=self.summary(report)))
            with contextlib.suppress(StoreError):
                await self.store.audit(*entries)
            await self._timeline(report, worst)
        self._finished(report, kind)
        return report

    def summary(self, report: Report) -> str:
        """One line: who did what where, and how it went."""
        head = f"{self.actor.author} {report.title}"
        if report.outcome in (REFUSED, DRY_RUN):
            return f"{head}: {report.outcome}" + (f" ({report.message})"
                                                  if report.message else "")
        results = report.results
        bad = [r for r in results if not r.ok]
        counts = f"{len(results) - len(bad)} ok" + (
            f", {len(bad)} not ({', '.join(sorted({r.host for r in bad})[:5])})"
            if bad else "")
        healthy = [f"{h} healthy {_seconds(t)} after the {report.plan.action}"
                   for h, t in report.healthy_after.items()
                   if t is not None and report.plan is not None]
        extra = f"; {'; '.join(healthy)}" if healthy else ""
        why = f"; {report.message}" if report.message else ""
        return f"{head}: {counts} in {_seconds(report.duration_s)}{extra}{why}"

    async def _timeline(self, report: Report, worst: int | None) -> None:
        """The audited operation as a timeline entry (notes pane, handoff report).
        Through the outbox: the audit row is already on disk, and this entry is retried
        if another console holds the file; the console's own pane shows it once saved."""
        assert self.store is not None
        plan = report.plan
        hosts = plan.hosts if plan else ()
        meta = {"op_id": report.op_id, "command": plan.command if plan else "",
                "result": report.outcome, "exit_status": worst, "hosts": list(hosts)}
        self.store.outbox.submit(self.summary(report), kind="system", category=OPERATION,
                                 host=hosts[0] if len(hosts) == 1 else None, meta=meta,
                                 author=self.actor.author)

    def _finished(self, report: Report, kind: str) -> None:
        self._publish(OperationFinished(report.op_id, kind, report.title, report.outcome,
                                        self.summary(report)))

    def _publish(self, event: object) -> None:
        if self.bus is not None:
            self.bus.publish(event)
