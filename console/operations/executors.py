"""Where an operation's commands run: over the fleet's existing connections in the
console, or over connections opened for the occasion by a headless command.

Both raise TransportError when the host cannot be reached; the fan-out turns that
into an "unreachable" result for that host, never an exception for the whole run.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Protocol

from console.inventory import Host, Inventory
from console.transport.base import CommandResult, Transport
from console.transport.errors import TransportError

if TYPE_CHECKING:
    from console.fleet.fleet import Fleet
    from console.transport.jump import JumpPool


_UNREAD = object()


def _quiet(task: asyncio.Future[Transport]) -> None:
    if not task.cancelled():
        task.exception()


def read_known_hosts_once() -> object:
    import os

    import asyncssh

    home = os.path.expanduser("~/.ssh")
    try:
        with open(os.path.join(home, "config"), errors="replace") as config:
            if "userknownhostsfile" in config.read().lower():
                return None
    except OSError:
        pass
    path = os.path.join(home, "known_hosts")
    try:
        return asyncssh.read_known_hosts(path) if os.path.isfile(path) else None
    except (OSError, ValueError):
        return None


class Executor(Protocol):
    async def run(self, host: Host, command: str, timeout: float) -> CommandResult:
        """Run `command` on `host`; TransportError when it cannot be reached."""

    async def close(self) -> None:
        """Close whatever connections this executor opened itself."""


#: A host still connecting (the console just started, or it is reconnecting) is
#: waited for this long before the operation calls it unreachable.
CONNECTING_WAIT_S = 15.0


class FleetExecutor:
    """The console's own connections (one channel per command, no new handshake)."""

    def __init__(self, fleet: Fleet) -> None:
        self.fleet = fleet

    async def run(self, host: Host, command: str, timeout: float) -> CommandResult:
        from console.events import HostState

        view = self.fleet.model.views.get(host.name)
        waiting = (HostState.CONNECTING, HostState.RECONNECTING)
        deadline = asyncio.get_running_loop().time() + CONNECTING_WAIT_S
        while (not host.is_local and view is not None and view.status.state in waiting
               and asyncio.get_running_loop().time() < deadline):
            await asyncio.sleep(0.1)
        return await self.fleet.run(host.name, command, timeout)

    async def close(self) -> None:
        return None


class DirectExecutor:
    """Headless: one connection per host, opened at first use (all hosts of a fan-out
    connect in parallel, under the fan-out's own concurrency bound) and kept for the
    next steps of a runbook; `close()` ends them all."""

    def __init__(self, inventory: Inventory, max_connecting: int = 32) -> None:
        self.inventory = inventory
        # Handshakes at once: `prepare` must not open 500 at once when the fan-out
        # runs 32 at a time (sshd's MaxStartups drops bursts).
        self._gate = asyncio.Semaphore(max(1, max_connecting))
        self._transports: dict[str, Transport] = {}
        self._connecting: dict[str, asyncio.Task[Transport]] = {}
        self._jumps: JumpPool | None = None
        self._known_hosts: object = _UNREAD

    def prepare(self, hosts: list[Host]) -> None:
        """Start connecting now (not acting: nothing runs until `run`), so the handshakes
        overlap the audit and lock writes that must precede any command."""
        for host in hosts:
            if host.name not in self._transports and host.name not in self._connecting:
                task = asyncio.ensure_future(self._connect(host))
                task.add_done_callback(_quiet)  # a failure is reported by `run`
                self._connecting[host.name] = task

    def _shared_known_hosts(self) -> object:
        """~/.ssh/known_hosts read once for every host (None: let asyncssh read it per
        connection, as when ~/.ssh/config names other files with UserKnownHostsFile)."""
        if self._known_hosts is _UNREAD:
            self._known_hosts = read_known_hosts_once()
        return self._known_hosts

    async def _transport(self, host: Host) -> Transport:
        if host.name in self._transports:
            return self._transports[host.name]
        task = self._connecting.get(host.name)
        if task is None:
            task = asyncio.ensure_future(self._connect(host))
            self._connecting[host.name] = task
        try:
            transport = await task
        finally:
            self._connecting.pop(host.name, None)
        self._transports[host.name] = transport
        return transport

    async def _connect(self, host: Host) -> Transport:
        if host.is_local:
            from console.transport.local import LocalTransport

            return LocalTransport()
        from console.transport.jump import JumpPool
        from console.transport.ssh import SSHTransport, bastion_options

        if self._jumps is None:  # also for a ProxyJump only in ~/.ssh/config: shared
            self._jumps = JumpPool(self.inventory, bastion_options)
        transport = SSHTransport(host, self._jumps,
                                 known_hosts=self._shared_known_hosts())  # type: ignore[arg-type]
        async with self._gate:
            await transport.connect()
        return transport

    async def run(self, host: Host, command: str, timeout: float) -> CommandResult:
        transport = await self._transport(host)
        try:
            return await transport.run(command, timeout)
        except TransportError:
            # A broken link is not reused by the next step: connect again then.
            self._transports.pop(host.name, None)
            with contextlib.suppress(Exception):
                await transport.close()
            raise

    async def close(self) -> None:
        transports, self._transports = list(self._transports.values()), {}
        await asyncio.gather(*(t.close() for t in transports), return_exceptions=True)
        if self._jumps is not None:
            await self._jumps.close()
