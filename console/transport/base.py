"""What the fleet needs from a way of reaching a host.

Two implementations: `SSHTransport` (asyncssh, remote hosts) and `LocalTransport`
(psutil, the jump host itself). The supervisor only sees this protocol, so a host's
state machine is identical whichever way it is reached.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from console.metrics.raw import RawSample
from console.transport.log_stream import LogFollower, OnRecords

#: Unanswered keepalive probes in a row after which a silent link is given up.
KEEPALIVE_MISSES = 3


@dataclass(frozen=True, slots=True)
class CommandResult:
    command: str
    exit_status: int | None  # None: killed by a signal or timed out
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False
    truncated: bool = False  # output passed MAX_RUN_OUTPUT: the command was stopped


#: Most a command may print on one stream before it is stopped: output comes from the
#: host, which may print without end (`yes`, a hostile shell), and every caller keeps
#: only a tail anyway. A bound at the transport holds for every caller.
MAX_RUN_OUTPUT = 1 << 20


class Transport(Protocol):
    async def connect(self) -> None:
        """Open the link; raises TransportError (or a NeedsUser subclass)."""

    async def stream_samples(self, interval: float,
                             on_sample: Callable[[RawSample], None]) -> None:
        """Deliver raw samples until the link breaks (raises TransportError)."""

    async def measure_rtt(self) -> float | None:
        """Round-trip time to the host in ms, or None when not meaningful; raises
        NoAnswer when the host does not reply in time (the supervisor's keepalive)."""

    async def run(self, command: str, timeout: float = 30.0) -> CommandResult:
        """Run one command (operations, checks, detail screens)."""

    async def follow_logs(self, on_records: OnRecords) -> LogFollower:
        """Start the host's log follower (one channel, one process for all its log
        sources); records reach `on_records` in batches. Raises TransportError."""

    async def close(self) -> None:
        """Stop the sampler, leave nothing running on the host, close the link."""
