"""Runs each host's maintenance checks on their own schedule, over its existing link.

- One task per host with checks; it runs that host's checks one session at a time, so
  a host never has more than one check session open beside its sampler (sshd's
  MaxSessions is a per-connection budget shared with operations and log tails), and the
  same check never runs twice at once on one host.
- The checks due together on a host run in ONE session, one after the other, each in
  its own wrapper (console/checks/batch.py): a session costs the console ~1.5 ms of CPU,
  ten of them a minute on 50 hosts was more than the issue's budget of one point of a
  core. So a host's checks of one interval share a phase, and the phases are spread
  over min(interval, SPREAD_S) by a hash of host and interval: 50 hosts do not run
  their checks in the same second, and a restarted console keeps the same phases.
  clock_skew runs in a session of its own: its verdict needs the round trip of its
  own command, not of a batch.
- A host that is not connected gives UNKNOWN with the reason; a timeout is UNKNOWN, and
  the command is killed on the host (see console/checks/remote.py).
- Each verdict goes to the alert engine through `report` (Fleet.report_severity), so a
  state change is an alert, a timeline entry and a handoff line like any other.
- Results: the last one per host and check, a bounded history, and a per-host summary
  recomputed only when one of its results changes (the fleet table reads it every
  tick, for every row).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Protocol

from console.alarm import Alarm
from console.bus import EventBus
from console.checks.batch import batch_command, new_nonce, split_batch
from console.checks.definition import CheckDef, checks_of
from console.checks.events import CheckRan
from console.checks.plugin_output import interpret, one_line
from console.checks.remote import KILL_GRACE_S
from console.checks.result import CheckResult, HistoryEntry
from console.checks.summary import summarize
from console.events import HostState
from console.inventory import Inventory
from console.severity import Severity
from console.transport.base import CommandResult
from console.transport.errors import TransportError

log = logging.getLogger(__name__)

SPREAD_S = 30.0  # first runs of a fleet spread over this much (or the interval)
HISTORY = 50  # runs kept per host and check
CONSOLE_MARGIN_S = 10.0  # the console's own deadline beyond the remote timeout
CONNECTING_RETRY_S = 5.0  # a host still connecting: try again this much later
METRIC = "check"

Runner = Callable[[str, str, float], Awaitable[CommandResult]]  # Fleet.run
Report = Callable[..., None]  # Fleet.report_severity(host, metric, key, severity, detail=)
StateOf = Callable[[str], tuple[HostState, str]]  # host -> (state, reason)


class Baselines(Protocol):
    """Where accepted baselines live (the shared database): see console/store."""

    async def get(self, host: str, check: str) -> str | None: ...

    async def accept(self, host: str, check: str, body: str) -> None: ...


class MemoryBaselines:
    """Baselines for a run without a database (tests, `opsconsole checks --no-db`)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], str] = {}

    async def get(self, host: str, check: str) -> str | None:
        return self.rows.get((host, check))

    async def accept(self, host: str, check: str, body: str) -> None:
        self.rows[(host, check)] = body


def phase(host: str, check: str, interval: float) -> float:
    """The first run's deterministic offset in [0, min(interval, SPREAD_S)); `check`
    is a check's name, or a group's key (see `phase_key`)."""
    span = min(interval, SPREAD_S)
    return (zlib.crc32(f"{host}\0{check}".encode()) % 10_000) / 10_000 * span


def phase_key(check: CheckDef) -> str:
    """Checks of one interval share a phase (and so a session); a solo check has its own."""
    return check.name if solo(check) else f"every {check.interval:g} s"


def solo(check: CheckDef) -> bool:
    """clock_skew judges the round trip of its own command: never batched."""
    return check.preset == "clock_skew"


def alert_key(check: str) -> str:
    return f"check:{check}"


class CheckScheduler:
    def __init__(self, inventory: Inventory, run: Runner, state_of: StateOf,
                 report: Report | None = None, bus: EventBus | None = None,
                 baselines: Baselines | None = None) -> None:
        self._run = run
        self._state_of = state_of
        self._report = report
        self._bus = bus
        self.baselines: Baselines = baselines or MemoryBaselines()
        self.checks: dict[str, Mapping[str, CheckDef]] = {
            host.name: checks_of(host.vars) for host in inventory.hosts}
        self.checks = {h: c for h, c in self.checks.items() if c}
        self.results: dict[tuple[str, str], CheckResult] = {}
        self.history: dict[tuple[str, str], deque[HistoryEntry]] = {}
        self.running: set[tuple[str, str]] = set()
        self.version = 0  # bumped on every result: views redraw only when it moved
        self._summaries: dict[str, tuple[str, Severity | None]] = {}
        self._locks = {host: asyncio.Lock() for host in self.checks}
        self._wake = {host: Alarm() for host in self.checks}
        self._requested: dict[str, set[str]] = {host: set() for host in self.checks}
        self._tasks: list[asyncio.Task[None]] = []
        self.started_at = 0.0

    # -- reading ----------------------------------------------------------------------

    @property
    def check_names(self) -> list[str]:
        names: dict[str, None] = {}
        for checks in self.checks.values():
            names.update(dict.fromkeys(checks))
        return list(names)

    def summary(self, host: str) -> tuple[str, Severity | None]:
        """The fleet-table cell for a host: cached, recomputed when a result changes."""
        cached = self._summaries.get(host)
        if cached is None:
            checks = self.checks.get(host, {})
            cached = summarize(self._severity(host, name) for name in checks)
            self._summaries[host] = cached
        return cached

    def _severity(self, host: str, check: str) -> Severity | None:
        result = self.results.get((host, check))
        return result.severity if result is not None else None

    def not_ok(self) -> list[CheckResult]:
        """The latest results that are not OK, worst first (for the handoff)."""
        bad = [r for r in self.results.values() if r.severity is not Severity.OK]
        return sorted(bad, key=lambda r: (-r.severity.rank, r.host, r.check))

    # -- running ----------------------------------------------------------------------

    def start(self) -> None:
        if self._tasks:
            return
        self.started_at = time.monotonic()
        self._tasks = [asyncio.create_task(self._host_loop(host), name=f"checks:{host}")
                       for host in self.checks]

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, return_exceptions=True)

    def run_now(self, hosts: Iterable[str], check: str | None = None) -> int:
        """Ask for an immediate run of `check` (or all checks) on these hosts; the
        host's own loop runs it, so the one-session-per-host rule still holds.
        Returns how many runs were queued."""
        queued = 0
        for host in hosts:
            checks = self.checks.get(host, {})
            names = [check] if check is not None else list(checks)
            for name in names:
                if name in checks:
                    self._requested[host].add(name)
                    queued += 1
            if host in self._wake:
                self._wake[host].set()
        return queued

    async def _host_loop(self, host: str) -> None:
        checks = self.checks[host]
        start = time.monotonic()
        due = {name: start + phase(host, phase_key(c), c.interval)
               for name, c in checks.items()}
        while True:
            now = time.monotonic()
            asked = set(self._requested[host])
            self._requested[host].clear()
            ready = list(dict.fromkeys([n for n in checks if due[n] <= now] + sorted(asked)))
            state, _ = self._state_of(host)
            if state is HostState.CONNECTING:
                for name in [n for n in ready if n not in asked]:
                    due[name] = now + CONNECTING_RETRY_S  # not a fault yet: wait for it
                ready = [n for n in ready if n in asked]
            for batch in self._batches(host, ready):
                began = time.monotonic()
                try:
                    await self.run_batch(host, batch)
                except Exception:  # a bug in one check must not end the host's loop
                    log.exception("checks %s on %s failed", ", ".join(batch), host)
                for name in batch:
                    # Keep the phase: the next run is one interval after this one.
                    due[name] = max(due[name] + checks[name].interval,
                                    began + checks[name].interval * 0.5)
            wait = min(due.values()) - time.monotonic()
            if wait > 0:
                self._wake[host].clear()
                if self._requested[host]:
                    continue
                await self._wake[host].wait(wait)

    def _batches(self, host: str, names: list[str]) -> list[list[str]]:
        """The checks to run now, grouped into sessions: solo checks alone, the rest
        together."""
        checks = self.checks[host]
        together = [n for n in names if not solo(checks[n])]
        alone = [[n] for n in names if solo(checks[n])]
        return ([together] if together else []) + alone

    async def run_check(self, host: str, name: str) -> CheckResult:
        """One run now (waits for the host's other check session to finish first)."""
        return (await self.run_batch(host, [name]))[0]

    async def run_batch(self, host: str, names: list[str]) -> list[CheckResult]:
        """These checks of one host in one session, one after the other."""
        checks = [self.checks[host][name] for name in names]
        async with self._locks.setdefault(host, asyncio.Lock()):
            keys = [(host, name) for name in names]
            self.running.update(keys)
            self.version += 1
            try:
                if len(checks) == 1:
                    results = [await self._execute(host, checks[0])]
                else:
                    results = await self._execute_batch(host, checks)
            finally:
                self.running.difference_update(keys)
        for result in results:
            self._record(result)
        return results

    async def run_all_once(self, hosts: Iterable[str] | None = None) -> list[CheckResult]:
        """Every check of every host once (hosts in parallel, a host's checks in turn):
        the headless `opsconsole checks` command."""
        chosen = [h for h in (hosts if hosts is not None else self.checks)
                  if h in self.checks]

        async def one_host(host: str) -> list[CheckResult]:
            results = []
            for batch in self._batches(host, list(self.checks[host])):
                results += await self.run_batch(host, batch)
            return results

        batches = await asyncio.gather(*(one_host(h) for h in chosen))
        return [r for batch in batches for r in batch]

    def _not_connected(self, host: str, checks: list[CheckDef]) -> list[CheckResult] | None:
        state, reason = self._state_of(host)
        if state in (HostState.UP, HostState.STALE):
            return None
        why = one_line(f"host not connected ({state.value}{': ' + reason if reason else ''})")
        return [CheckResult(host, c.name, Severity.UNKNOWN, why, at=time.time())
                for c in checks]

    async def _execute(self, host: str, check: CheckDef) -> CheckResult:
        down = self._not_connected(host, [check])
        if down is not None:
            return down[0]
        started = time.time()
        try:
            out = await self._run(host, check.remote_command(),
                                  check.timeout + CONSOLE_MARGIN_S)
        except TransportError as exc:
            return CheckResult(host, check.name, Severity.UNKNOWN,
                               one_line(f"host not connected: {exc}"), at=time.time())
        return await self._judge(host, check, out.exit_status, out.stdout, out.stderr,
                                 out.timed_out, out.duration_s, started, time.time())

    async def _execute_batch(self, host: str, checks: list[CheckDef]) -> list[CheckResult]:
        down = self._not_connected(host, checks)
        if down is not None:
            return down
        nonce = new_nonce()
        command = batch_command([c.remote_command() for c in checks], nonce)
        deadline = sum(c.timeout + KILL_GRACE_S for c in checks) + CONSOLE_MARGIN_S
        started = time.time()
        try:
            out = await self._run(host, command, deadline)
        except TransportError as exc:
            why = one_line(f"host not connected: {exc}")
            return [CheckResult(host, c.name, Severity.UNKNOWN, why, at=time.time())
                    for c in checks]
        ended = time.time()
        pieces = split_batch(out.stdout, out.stderr, nonce, len(checks))
        share = out.duration_s / len(checks)
        results = []
        for check, piece in zip(checks, pieces, strict=True):
            if piece.exit_code is None:
                why = (f"the session ended before this check did (timed out after "
                       f"{deadline:g} s)" if out.timed_out else
                       "the session ended before this check did")
                results.append(CheckResult(host, check.name, Severity.UNKNOWN, why,
                                           at=ended, duration_s=share))
                continue
            took = piece.duration_s if piece.duration_s is not None else share
            results.append(await self._judge(host, check, piece.exit_code, piece.stdout,
                                             piece.stderr, False, took, started, ended))
        return results

    async def _judge(self, host: str, check: CheckDef, exit_code: int | None, stdout: str,
                     stderr: str, timed_out: bool, duration_s: float, started: float,
                     ended: float) -> CheckResult:
        """A run's outcome as a verdict: the preset's own judgement when it has one
        (clock_skew, accounts), else the plugin convention."""
        preset = check.preset_def
        if preset is not None and preset.evaluate is not None and not timed_out:
            baseline = await self.baselines.get(host, check.name)
            judged = preset.evaluate(host=host, check=check.name, params=check.params,
                                     exit_code=exit_code, stdout=stdout, started=started,
                                     ended=ended, duration_s=duration_s, baseline=baseline)
            if judged is not None:
                return judged
        return interpret(host, check.name, exit_code, stdout, stderr, timed_out=timed_out,
                         timeout_s=check.timeout, duration_s=duration_s, at=ended)

    def _record(self, result: CheckResult) -> None:
        key = (result.host, result.check)
        self.results[key] = result
        self.history.setdefault(key, deque(maxlen=HISTORY)).append(HistoryEntry.of(result))
        self._summaries.pop(result.host, None)
        self.version += 1
        log.debug("check %s on %s: %s", result.check, result.host, result.summary)
        if self._report is not None:
            self._report(result.host, METRIC, alert_key(result.check), result.severity,
                         detail=result.status)
        if self._bus is not None:
            self._bus.publish(CheckRan(result))

    async def accept_baseline(self, host: str, check: str) -> bool:
        """Accept what the last run of an `accounts` check saw as the new normal, then
        run it again. False when there is nothing to accept."""
        from console.checks.accounts import LISTING

        result = self.results.get((host, check))
        if result is None or LISTING not in result.extra:
            return False
        await self.baselines.accept(host, check, result.extra[LISTING])
        self.run_now([host], check)
        return True
