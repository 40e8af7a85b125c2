"""On-demand probes for the host detail screen: top processes and service states.

Each probe is ONE command over the host's existing connection: one channel, no new
handshake, and never a channel per service (OpenSSH allows 10 per connection and the
sampler already holds one). They run only while someone looks at the host, so the
fleet pays nothing for them otherwise.

Every failure (host not connected, timeout, a command that fails, garbage output)
comes back as `ProbeError` with one line a person can read in place: the screen shows
it dimmed and keeps going. Output is returned verbatim; the UI makes it printable.
"""

from __future__ import annotations

import re
import secrets
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, replace

from console.fleet.fleet import Fleet
from console.metrics.parsers.errors import ParseError
from console.metrics.parsers.proc_pid_stat import (
    CPU_MARKER,
    CpuReading,
    interval_cpu,
    parse_cpu_section,
)
from console.metrics.parsers.ps import TopProcesses, parse_ps
from console.settings import status_command
from console.severity import Severity
from console.transport.base import CommandResult
from console.transport.errors import TransportError
from console.transport.sampler_script import top_processes_command

PROCESS_COUNT = 10
PROBE_TIMEOUT_S = 10.0
#: Per custom service command (through `timeout` when the host has it), so one hung
#: check cannot hide the state of every other service.
SERVICE_COMMAND_TIMEOUT_S = 5
#: Longest detail kept per service: a check that prints a page is not a state.
DETAIL_CHARS = 300

_SYSTEMD_STATES = {
    "active": Severity.OK,
    "reloading": Severity.WARNING,
    "activating": Severity.WARNING,
    "deactivating": Severity.WARNING,
    "refreshing": Severity.WARNING,
    "inactive": Severity.CRITICAL,
    "failed": Severity.CRITICAL,
    "maintenance": Severity.WARNING,
}
_NO_SYSTEMD_PID1 = ("not been booted with systemd", "Failed to connect to bus",
                    "System has not been booted")
NO_SYSTEMCTL = "unknown (no systemctl)"
NO_SYSTEMD = "unknown (systemd not running)"
NO_ANSWER = "unknown (no answer)"


class ProbeError(Exception):
    """One line for the screen: what could not be found out, and why."""


@dataclass(frozen=True, slots=True)
class ServiceState:
    name: str
    state: str  # "active", "failed (exit 3)", "unknown (no systemctl)", ...
    severity: Severity  # OK, WARNING, CRITICAL or UNKNOWN: the colour in the list
    detail: str = ""  # the check's own words (output), verbatim, possibly multi-line
    command: str | None = None  # None: `systemctl is-active NAME`


# ------------------------------------------------------------------ running commands

async def _run(fleet: Fleet, host: str, command: str, what: str,
               timeout: float) -> CommandResult:
    if host not in fleet.supervisors:
        raise ProbeError(f"{what}: {host} is not in the inventory")
    try:
        result = await fleet.run(host, command, timeout)
    except TransportError as exc:
        # The transport's message repeats the whole command; its cause is the news.
        cause = exc.__cause__ or exc
        raise ProbeError(f"{what}: {host}: {cause}") from exc
    except OSError as exc:  # a local subprocess that could not start
        raise ProbeError(f"{what}: {host}: {exc}") from exc
    return result


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:DETAIL_CHARS]
    return ""


# ------------------------------------------------------------------ top processes

async def top_processes(fleet: Fleet, host: str, n: int = PROCESS_COUNT,
                        timeout: float = PROBE_TIMEOUT_S,
                        previous: TopProcesses | None = None) -> TopProcesses:
    """The top `n` processes by CPU (over the last interval, as top computes it: since
    `previous` probe, else over half a second) and by resident memory, from one run."""
    before = previous.reading if previous is not None else None
    command = top_processes_command(n, first_reading=not isinstance(before, CpuReading))
    result = await _run(fleet, host, command, "top processes", timeout)
    if result.timed_out:
        raise ProbeError(f"top processes: ps on {host} did not answer within {timeout:g}s")
    ps_text, _, cpu_text = result.stdout.partition(CPU_MARKER)
    try:
        everyone = parse_ps(ps_text, 100_000)
    except ParseError as exc:
        why = _first_line(result.stderr) or str(exc)
        status = "" if result.exit_status in (0, None) else f" (exit {result.exit_status})"
        raise ProbeError(f"top processes: ps on {host} failed{status}: {why}") from exc
    try:
        hz, readings = parse_cpu_section(CPU_MARKER + cpu_text)
    except ParseError:
        hz, readings = 100, []
    if isinstance(before, CpuReading):
        readings.insert(0, before)
    skipped = everyone.skipped
    if len(readings) < 2:  # no /proc (not Linux): ps's own lifetime figures
        return TopProcesses(everyone.by_cpu[:n], everyone.by_mem[:n], skipped=skipped)
    first, last = readings[-2], readings[-1]
    rates = interval_cpu(first, last, hz)
    if not rates:  # rebooted since the last probe: start again next time
        return TopProcesses(everyone.by_cpu[:n], everyone.by_mem[:n], skipped=skipped,
                            reading=last)
    by_cpu = sorted((replace(p, cpu_pct=rates.get(p.pid, 0.0)) for p in everyone.by_cpu),
                    key=lambda p: (-(p.cpu_pct or 0.0), p.pid))
    by_mem = tuple(replace(p, cpu_pct=rates.get(p.pid, 0.0)) for p in everyone.by_mem[:n])
    return TopProcesses(tuple(by_cpu[:n]), by_mem, skipped=skipped,
                        cpu_window_s=last.uptime_s - first.uptime_s, reading=last)


# ------------------------------------------------------------------ services

def services_command(services: Mapping[str, str | None], nonce: str) -> str:
    """One shell command that checks every service and brackets each one's output with
    markers carrying `nonce`, so a check that prints marker-like text (or no final
    newline) cannot be mistaken for the next service's answer."""
    mark = f"@@{nonce}"
    parts = [
        'T=; timeout 5 true >/dev/null 2>&1 && T="timeout '
        f'{SERVICE_COMMAND_TIMEOUT_S}"',
        "S=0; command -v systemctl >/dev/null 2>&1 && S=1",
        f'echo "{mark} timeout ${{T:+1}}"',
    ]
    for index, (name, command) in enumerate(services.items()):
        parts.append(f"echo {mark} begin {index}")
        if command is None:
            parts.append(
                f"if [ $S = 1 ]; then $T systemctl is-active -- {shlex.quote(name)} "
                f"</dev/null 2>&1; R=$?; echo; echo {mark} end {index} $R; "
                f"else echo {mark} nosystemctl {index}; fi")
        else:
            parts.append(f"$T /bin/sh -c {shlex.quote(command)} </dev/null 2>&1; "
                         f"R=$?; echo; echo {mark} end {index} $R")
    return "exec /bin/sh -c " + shlex.quote("; ".join(parts))


def _trim(text: str) -> str:
    text = text.strip("\n")
    return text if len(text) <= DETAIL_CHARS else text[:DETAIL_CHARS - 1] + "…"


def _systemd_state(name: str, output: str, status: int) -> ServiceState:
    word = _first_line(output)
    if any(sign in output for sign in _NO_SYSTEMD_PID1):
        return ServiceState(name, NO_SYSTEMD, Severity.UNKNOWN, _trim(output))
    severity = _SYSTEMD_STATES.get(word)
    if severity is None:
        # "unknown" (old systemd, no such unit) or anything unexpected: say what it said.
        return ServiceState(name, f"unknown ({word or f'exit {status}'})", Severity.UNKNOWN,
                            _trim(output))
    if severity is Severity.OK and status != 0:
        severity = Severity.UNKNOWN  # "active" yet a failing exit: do not call it OK
    return ServiceState(name, word, severity)


def _command_state(name: str, command: str, output: str, status: int,
                   has_timeout: bool) -> ServiceState:
    if status == 0:
        return ServiceState(name, "active", Severity.OK, _trim(output), command)
    if has_timeout and status == 124:
        state = f"failed (timed out after {SERVICE_COMMAND_TIMEOUT_S}s)"
    else:
        state = f"failed (exit {status})"
    return ServiceState(name, state, Severity.CRITICAL, _trim(output), command)


def parse_services(services: Mapping[str, str | None], result: CommandResult,
                   nonce: str) -> list[ServiceState]:
    """One state per configured service, in inventory order, whatever the output held:
    a service whose answer is missing (timeout, killed shell) is UNKNOWN, never OK."""
    marker = re.compile(rf"@@{re.escape(nonce)} (timeout|begin|end|nosystemctl)"
                        r"(?: (\d*))?(?: (\d+))?$")
    outputs: dict[int, list[str]] = {}
    status: dict[int, int] = {}
    no_systemctl: set[int] = set()
    has_timeout = False
    current: int | None = None
    for line in result.stdout.splitlines():
        found = marker.search(line)
        if found is None:
            if current is not None:
                outputs[current].append(line)
            continue
        head = line[:found.start()]
        if head and current is not None:  # output without a final newline
            outputs[current].append(head)
        kind, first, second = found.groups()
        if kind == "timeout":
            has_timeout = first == "1"
        elif kind == "begin" and first:
            current = int(first)
            outputs[current] = []
        elif kind == "end" and first and second:
            status[int(first)] = int(second)
            current = None
        elif kind == "nosystemctl" and first:
            no_systemctl.add(int(first))
            current = None
    states = []
    why = "timed out" if result.timed_out else "no answer"
    for index, (name, command) in enumerate(services.items()):
        output = "\n".join(outputs.get(index, ()))
        if index in no_systemctl:
            states.append(ServiceState(name, NO_SYSTEMCTL, Severity.UNKNOWN))
        elif index not in status:
            states.append(ServiceState(name, f"unknown ({why})", Severity.UNKNOWN,
                                       _trim(output or result.stderr), command))
        elif command is None:
            states.append(_systemd_state(name, output, status[index]))
        else:
            states.append(_command_state(name, command, output, status[index],
                                         has_timeout))
    return states


def configured_services(fleet: Fleet, host: str) -> Mapping[str, str | None]:
    """`console_services` of one host: name -> health command, None for systemd units
    (a service given as {status, restart, ...} is checked with its status command)."""
    view = fleet.model.views.get(host)
    if view is None:
        return {}
    entries = view.host.vars.get("console_services") or {}
    return {name: status_command(entry) for name, entry in entries.items()}


async def service_states(fleet: Fleet, host: str,
                         timeout: float = PROBE_TIMEOUT_S) -> list[ServiceState]:
    """Every service in the host's `console_services`, checked in one command."""
    services = configured_services(fleet, host)
    if not services:
        return []
    nonce = secrets.token_hex(6)
    result = await _run(fleet, host, services_command(services, nonce), "services",
                        timeout)
    if f"@@{nonce} begin" not in result.stdout:
        # Not one answer: the shell itself failed. One line says more than N unknowns.
        if result.timed_out:
            raise ProbeError(f"services: {host} did not answer within {timeout:g}s")
        why = _first_line(result.stderr) or f"exit {result.exit_status}"
        raise ProbeError(f"services: the check on {host} failed: {why}")
    return parse_services(services, result, nonce)
