"""Run one command on many hosts: bounded concurrency, a timeout per host, a result per
host as soon as it is known (for progress), and outputs grouped as `clush -b` does.

A host that cannot be reached, or whose connection dies mid-run, is a result
("unreachable", "failed"), never an exception that would lose the other hosts' results.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from console.inventory import Host
from console.operations.executors import Executor
from console.operations.safety import OperationRefused
from console.transport.errors import TransportError

DEFAULT_CONCURRENCY = 32  # parallel-ssh's default
DEFAULT_TIMEOUT_S = 60.0
#: Connecting (headless) is bounded by the transport's own timeouts; this is extra room
#: on top of the command's timeout before a host is given up as not answering at all.
CONNECT_ALLOWANCE_S = 30.0

#: Output kept per host and stream: a command that prints a gigabyte on 50 hosts must
#: not take the console's memory with it; the end is where the errors are.
MAX_OUTPUT_CHARS = 64 * 1024

OK, FAILED, UNREACHABLE, TIMED_OUT, REFUSED = (
    "ok", "failed", "unreachable", "timed out", "refused")


@dataclass(frozen=True)
class HostResult:
    host: str
    command: str  # exactly what ran on the host (after become wrapping)
    outcome: str  # ok | failed | unreachable | timed out | refused
    exit_status: int | None
    stdout: str
    stderr: str
    duration_s: float
    error: str = ""  # why unreachable / refused

    @property
    def ok(self) -> bool:
        return self.outcome == OK

    @property
    def output(self) -> str:
        """What a person reads: stdout then stderr, or the error."""
        text = self.stdout + (self.stderr if not self.stdout or self.stdout.endswith("\n")
                              else "\n" + self.stderr)
        return text if text.strip() else self.error


@dataclass(frozen=True)
class OutputGroup:
    """Hosts whose output and outcome were identical, as `clush -b` gathers them."""

    hosts: tuple[str, ...]
    outcome: str
    exit_status: int | None
    output: str


def group_results(results: Sequence[HostResult]) -> list[OutputGroup]:
    groups: dict[tuple[str, int | None, str], list[str]] = {}
    for r in results:
        groups.setdefault((r.outcome, r.exit_status, r.output), []).append(r.host)
    ordered = sorted(groups.items(), key=lambda item: (item[0][0] != OK, -len(item[1])))
    return [OutputGroup(tuple(hosts), outcome, status, output)
            for (outcome, status, output), hosts in ordered]


def _describe(exc: BaseException) -> str:
    cause = exc.__cause__
    return str(cause if cause is not None and str(cause) else exc) or type(exc).__name__


async def run_one(executor: Executor, host: Host, command: str,
                  timeout: float) -> HostResult:
    start = time.monotonic()
    try:
        async with asyncio.timeout(timeout + CONNECT_ALLOWANCE_S):
            result = await executor.run(host, command, timeout)
    except TransportError as exc:
        # Not connected at all, or the link died while the command ran.
        return HostResult(host.name, command, UNREACHABLE, None, "", "",
                          time.monotonic() - start, _describe(exc))
    except OperationRefused as exc:
        return HostResult(host.name, command, REFUSED, None, "", "",
                          time.monotonic() - start, str(exc))
    except TimeoutError:
        return HostResult(host.name, command, UNREACHABLE, None, "", "",
                          time.monotonic() - start,
                          f"no answer within {timeout + CONNECT_ALLOWANCE_S:g} s")
    except OSError as exc:  # a local command that could not start
        return HostResult(host.name, command, FAILED, None, "", "",
                          time.monotonic() - start, str(exc))
    if result.timed_out:
        outcome = TIMED_OUT
    elif result.exit_status == 0:
        outcome = OK
    else:
        outcome = FAILED
    error = f"timed out after {timeout:g} s" if result.timed_out else (
        "killed by a signal or the connection dropped" if result.exit_status is None
        else "")
    return HostResult(host.name, command, outcome, result.exit_status,
                      _bounded(result.stdout), _bounded(result.stderr), result.duration_s,
                      error)


def _bounded(text: str) -> str:
    return text if len(text) <= MAX_OUTPUT_CHARS else "…" + text[-MAX_OUTPUT_CHARS:]


async def fan_out(executor: Executor, commands: Sequence[tuple[Host, str]], *,
                  timeout: float = DEFAULT_TIMEOUT_S,
                  concurrency: int = DEFAULT_CONCURRENCY,
                  on_result: Callable[[HostResult], None] | None = None
                  ) -> list[HostResult]:
    """Run each (host, command) with at most `concurrency` at once; results in the
    order given. `on_result` is called as each host finishes (progress)."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(host: Host, command: str) -> HostResult:
        async with gate:
            result = await run_one(executor, host, command, timeout)
        if on_result is not None:
            on_result(result)
        return result

    return list(await asyncio.gather(*(one(h, c) for h, c in commands)))
