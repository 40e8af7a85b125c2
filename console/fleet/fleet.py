"""Builds and runs one supervisor per inventory host; the core's single entry point.

The UI (or a headless command) creates a `Fleet`, subscribes to its bus or reads its
model, and calls `start()`/`stop()`. Nothing here knows about Textual.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from console.bus import EventBus
from console.events import HostState, HostStateChanged
from console.fleet.checks import CheckScheduler
from console.fleet.events import SampleArrived
from console.fleet.gate import Gate
from console.fleet.logs import LogTailer
from console.fleet.model import FleetModel
from console.fleet.supervisor import HostSupervisor
from console.inventory import Host, Inventory
from console.levels import SEVERITY_LEVEL
from console.metrics.alerts import AlertEngine
from console.metrics.thresholds import ThresholdSet, thresholds_for_host
from console.severity import Severity
from console.transport.base import CommandResult, Transport
from console.transport.local import LocalTransport

if TYPE_CHECKING:
    import asyncssh

    from console.transport.frame_batch import FrameBatch
    from console.transport.jump import JumpPool

# asyncssh (and the cryptography it loads) is imported only when the first SSH host
# starts: half a second that the console's first frame does not wait for.

#: Concurrent SSH handshakes: below sshd's default MaxStartups (10) so a burst to
#: 500 hosts behind one bastion, or a fleet reconnecting at once, is never dropped.
MAX_HANDSHAKES = 8
STALENESS_CHECK_S = 1.0

#: States in which the host's figures are current (CONNECTING has none yet, and is
#: not a fault: UNKNOWN begins when a connection attempt has failed).
_SEEN_STATES = (HostState.UP, HostState.CONNECTING)


class Fleet:
    def __init__(self, inventory: Inventory, bus: EventBus | None = None) -> None:
        self.inventory = inventory
        self.bus = bus or EventBus()
        self.model = FleetModel(inventory)
        self.bus.subscribe((SampleArrived, HostStateChanged), self.model.on_event)
        self._handshakes = Gate(MAX_HANDSHAKES)  # not asyncio.Semaphore: see gate.py
        self._jumps: JumpPool | None = None
        self._frames: FrameBatch | None = None  # every SSH host's frames, parsed together
        self.supervisors: dict[str, HostSupervisor] = {
            host.name: HostSupervisor(host, self._transport_factory(host), self.bus,
                                      self._handshakes)
            for host in inventory.hosts
        }
        self._tasks: list[asyncio.Task[None]] = []
        self.alerts = AlertEngine()
        # Resolved once per inventory load: resolving costs ~100 µs, a sample ~20 µs.
        self.thresholds: dict[str, ThresholdSet] = {
            host.name: thresholds_for_host(host.vars) for host in inventory.hosts}
        self.bus.subscribe((SampleArrived, HostStateChanged), self._feed_alerts)
        self.logs = LogTailer(self)  # followed logs (console_logs); idle without any
        # Maintenance checks ride on the same connections (console/fleet/checks.py).
        self.checks = CheckScheduler(inventory, self.run, self._state_of,
                                     self.report_severity, self.bus)

    def _state_of(self, host: str) -> tuple[HostState, str]:
        status = self.supervisors[host].status
        return status.state, status.reason

    def _feed_alerts(self, event: object) -> None:
        now = time.time()
        if isinstance(event, SampleArrived):
            changes = self.alerts.observe(event.host, event.sample,
                                          self.thresholds[event.host], now)
        elif isinstance(event, HostStateChanged) and event.new.state not in _SEEN_STATES:
            # A host we cannot see is UNKNOWN, never OK.
            reason = f"{event.new.state.value}: {event.new.reason}".rstrip(": ")
            changes = self.alerts.host_unknown(event.host, reason, now)
        else:
            return
        for change in changes:
            self.bus.publish(change)

    def report_value(self, host: str, metric: str, key: str, value: float,
                     now: float | None = None) -> None:
        """A reading from any source (a log's errors per minute...) against the host's
        `console_thresholds` for `metric`; transitions go out on the bus like a CPU
        alert's, so the panel, the timeline and the handoff need no special case."""
        changes = self.alerts.observe_value(host, metric, key, value,
                                            self.thresholds[host].get(metric),
                                            time.time() if now is None else now)
        for change in changes:
            self.bus.publish(change)

    def report_severity(self, host: str, metric: str, key: str, severity: Severity,
                        detail: str = "", value: float | None = None,
                        now: float | None = None) -> None:
        """A verdict from any source (a maintenance check's result), published the same
        way. UNKNOWN with `detail` when the source cannot be read."""
        changes = self.alerts.observe_severity(host, metric, key, severity,
                                               time.time() if now is None else now,
                                               detail=detail, value=value)
        for change in changes:
            self.bus.publish(change)

    def severity_level(self, host: str, metric: str) -> str | None:
        """"warn"/"crit" for a table cell whose metric is alerting, else None."""
        severity = self.alerts.metric_severity(host, metric)
        if severity is Severity.WARNING or severity is Severity.CRITICAL:
            return SEVERITY_LEVEL[severity]
        return None

    @property
    def jumps(self) -> JumpPool:
        if self._jumps is None:
            from console.transport.jump import JumpPool
            from console.transport.ssh import bastion_options

            self._jumps = JumpPool(self.inventory, bastion_options)
        return self._jumps

    def _transport_factory(self, host: Host) -> Callable[[], Transport]:
        def make() -> Transport:
            if host.is_local:
                return LocalTransport()
            from console.transport.ssh import SSHTransport

            if self._frames is None:
                from console.transport.frame_batch import FrameBatch

                self._frames = FrameBatch()
            return SSHTransport(host, self.jumps, self._frames)
        return make

    def start(self) -> None:
        if self._tasks:
            return
        self._tasks = [asyncio.create_task(sup.run(), name=f"host:{name}")
                       for name, sup in self.supervisors.items()]
        self._tasks.append(asyncio.create_task(self._watch_staleness(), name="staleness"))
        self.logs.start()
        self.checks.start()

    async def _watch_staleness(self) -> None:
        while True:
            await asyncio.sleep(STALENESS_CHECK_S)
            now = time.monotonic()
            for supervisor in self.supervisors.values():
                supervisor.check_staleness(now)

    async def stop(self) -> None:
        await self.logs.stop()  # before the links go: each follower is told to end
        await self.checks.stop()
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._jumps is not None:
            await self._jumps.close()

    async def run(self, host: str, command: str, timeout: float = 30.0) -> CommandResult:
        """Run one command on a host over its existing connection (one channel, no
        new handshake). Raises TransportError when the host is not connected."""
        return await self.supervisors[host].transport.run(command, timeout)

    async def fetch_host_key(self, host: str) -> asyncssh.SSHKey:
        """The key the host presents now, fetched without logging in, for the user to
        compare with what they expect before trusting it."""
        from console.transport import hostkeys

        h = self.inventory.host(host)
        tunnel = await self.jumps.tunnel_for(h)
        return await hostkeys.fetch_host_key(h, tunnel or ())

    def accept_host_key(self, host: str, key: asyncssh.SSHKey) -> str:
        """Trust `key` for the host (the user confirmed its fingerprint) and retry now."""
        from console.transport import hostkeys

        line = hostkeys.accept_host_key(self.inventory.host(host), key)
        self.reconnect(host)
        return line

    def reconnect(self, host: str) -> None:
        self.supervisors[host].request_reconnect()
