"""One shared connection per bastion, reused by every host behind it.

Passing `tunnel="bastion"` as a string would make asyncssh open a new bastion
connection per target; with 100 hosts behind one bastion that is 100 handshakes and
a MaxStartups storm. The pool connects once and hands out the live connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import asyncssh

from console.inventory import Host, Inventory
from console.transport.errors import TransportError


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


class JumpPool:
    def __init__(self, inventory: Inventory,
                 options_for: Callable[[Host], dict[str, object]]) -> None:
        self._inventory = inventory
        self._options_for = options_for
        self._conns: dict[str, asyncssh.SSHClientConnection] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def _bastion_host(self, spec: str) -> Host:
        try:
            return self._inventory.host(spec)
        except KeyError:
            user, address, port = parse_destination(spec)
            return Host(name=spec, groups=(), address=address, port=port, user=user)

    async def get(self, spec: str) -> asyncssh.SSHClientConnection:
        lock = self._locks.setdefault(spec, asyncio.Lock())
        async with lock:
            conn = self._conns.get(spec)
            if conn is not None and not conn.is_closed():
                return conn
            bastion = self._bastion_host(spec)
            try:
                conn = await asyncssh.connect(bastion.address, **self._options_for(bastion))
            except (TimeoutError, OSError, asyncssh.Error) as exc:
                reason = getattr(exc, "reason", None) or str(exc) or type(exc).__name__
                raise TransportError(f"jump host {spec}: {reason}") from exc
            self._conns[spec] = conn
            return conn

    async def close(self) -> None:
        conns, self._conns = list(self._conns.values()), {}
        for conn in conns:
            conn.close()
        for conn in conns:
            with contextlib.suppress(asyncio.TimeoutError, OSError, asyncssh.Error):
                await asyncio.wait_for(conn.wait_closed(), 3)
