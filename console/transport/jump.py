"""One shared connection per bastion hop, reused by every host behind it.

Passing `tunnel="bastion"` as a string would make asyncssh open a new bastion
connection per target; with 100 hosts behind one bastion that is 100 handshakes and
a MaxStartups storm. The pool connects once and hands out the live connection.

Chains follow ssh's `-J a,b`: `a` is reached directly, `b` through `a`, the host through
`b`. Each hop's connection is keyed by the whole path to it, so hosts behind the same
`a,b` share both connections, and a host behind `b` alone gets its own `b`. A jump that
comes only from ~/.ssh/config goes through the same pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncssh

from console import ssh_config
from console.inventory import Hop, Host, Inventory
from console.transport.errors import TransportError

log = logging.getLogger(__name__)


def parse_destination(spec: str) -> tuple[str | None, str, int | None]:
    """`[user@]host[:port]` -> (user, host, port)."""
    user, _, rest = spec.rpartition("@")
    host, port = rest, None
    if rest.startswith("[") and "]" in rest:
        host, _, tail = rest[1:].partition("]")
        port = int(tail[1:]) if tail.startswith(":") and tail[1:].isdigit() else None
    elif rest.count(":") == 1:
        host, _, p = rest.partition(":")
        port = int(p) if p.isdigit() else None
    return (user or None), host, port


def hops_of(host: Host) -> tuple[Hop, ...]:
    """The host's jump chain: the inventory's, else a ProxyJump from ~/.ssh/config."""
    if host.hops or host.is_local:
        return host.hops
    if host.jump:  # a Host built by hand (tests, tools) with only the spec
        return tuple(Hop(spec, *_address_port_user(spec)) for spec in host.jump_hops)
    jump = ssh_config.target(host.address, host.port, host.user).proxy_jump
    if not jump:
        return ()
    return tuple(Hop(spec, *_address_port_user(spec)) for spec in jump.split(","))


def _address_port_user(spec: str) -> tuple[str, int | None, str | None]:
    user, address, port = parse_destination(spec.strip())
    return address, port, user


class JumpPool:
    def __init__(self, inventory: Inventory,
                 options_for: Callable[[Host], dict[str, object]]) -> None:
        self._inventory = inventory
        self._options_for = options_for
        self._conns: dict[tuple[Hop, ...], asyncssh.SSHClientConnection] = {}
        self._locks: dict[tuple[Hop, ...], asyncio.Lock] = {}

    async def tunnel_for(self, host: Host) -> asyncssh.SSHClientConnection | None:
        """The connection the host's own connection goes through, or None (direct)."""
        hops = hops_of(host)
        return await self.chain(hops) if hops else None

    async def get(self, spec: str) -> asyncssh.SSHClientConnection:
        """A connection to a jump spec (`bastion`, `a,user@b:2222`): an inventory host
        name brings its settings and its own jumps."""
        if self._inventory.has_host(spec):
            bastion = self._inventory.host(spec)
            return await self.chain((*hops_of(bastion), _hop_of(bastion)))
        return await self.chain(tuple(Hop(s.strip(), *_address_port_user(s))
                                      for s in spec.split(",")))

    async def chain(self, hops: tuple[Hop, ...]) -> asyncssh.SSHClientConnection:
        """A live connection to the last hop, through every hop before it."""
        conn: asyncssh.SSHClientConnection | None = None
        for depth in range(1, len(hops) + 1):
            conn = await self._hop(hops[:depth], conn)
        assert conn is not None, "chain() needs at least one hop"
        return conn

    async def _hop(self, path: tuple[Hop, ...], through: asyncssh.SSHClientConnection | None
                   ) -> asyncssh.SSHClientConnection:
        lock = self._locks.setdefault(path, asyncio.Lock())
        async with lock:
            conn = self._conns.get(path)
            if conn is not None and not conn.is_closed():
                return conn
            hop = path[-1]
            options = self._options_for(Host(name=hop.name, groups=(), address=hop.address,
                                             port=hop.port, user=hop.user,
                                             key_file=hop.key_file))
            if through is not None:
                options["tunnel"] = through
            try:
                conn = await asyncssh.connect(hop.address, **options)  # type: ignore[arg-type]
            except (TimeoutError, OSError, asyncssh.Error) as exc:
                reason = getattr(exc, "reason", None) or str(exc) or type(exc).__name__
                via = f" (through {', '.join(str(h) for h in path[:-1])})" \
                    if len(path) > 1 else ""
                log.warning("jump host %s%s: %s", hop, via, reason)
                raise TransportError(f"jump host {hop}{via}: {reason}") from exc
            log.info("jump host %s connected%s", hop,
                     f" through {', '.join(str(h) for h in path[:-1])}" if len(path) > 1
                     else "")
            self._conns[path] = conn
            return conn

    async def close(self) -> None:
        # Deepest hops first: a hop's connection runs inside the one before it.
        paths = sorted(self._conns, key=len, reverse=True)
        conns, self._conns = [self._conns[p] for p in paths], {}
        for conn in conns:
            conn.close()
        for conn in conns:
            with contextlib.suppress(asyncio.TimeoutError, OSError, asyncssh.Error):
                await asyncio.wait_for(conn.wait_closed(), 3)


def _hop_of(host: Host) -> Hop:
    return Hop(host.name, host.address, host.port, host.user, host.key_file)
