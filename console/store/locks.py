"""Leases across consoles: one engineer at a time runs a given runbook, or acts on a
given host. A lock is a row with its owner, tty and an expiry; the holder's presence
heartbeat renews it, so a console that died (kill -9, a lost SSH session to the jump
host) stops renewing and its locks become free after `LEASE_S`.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass

from console.store.db import Database

#: How long a lock outlives its holder's last heartbeat (presence beats every 5 s).
LEASE_S = 30.0


@dataclass(frozen=True)
class Lock:
    name: str  # "host:web-1", "runbook:db-failover"
    owner: str
    tty: str
    console_id: str
    hostname: str
    pid: int
    purpose: str
    acquired_at: float
    expires_at: float

    def describe(self) -> str:
        since = time.strftime("%H:%M:%S", time.localtime(self.acquired_at))
        return (f"{self.name} is held by {self.owner} on {self.tty} "
                f"({self.hostname} pid {self.pid}) since {since}: {self.purpose}")


class LockHeld(Exception):
    """Someone else holds one of the locks asked for; nothing was taken."""

    def __init__(self, lock: Lock) -> None:
        super().__init__(lock.describe())
        self.lock = lock


_COLUMNS = "name, owner, tty, console_id, hostname, pid, purpose, acquired_at, expires_at"


def _lock(row: Sequence[object]) -> Lock:
    name, owner, tty, console_id, hostname, pid, purpose, acquired, expires = row
    return Lock(str(name), str(owner), str(tty), str(console_id), str(hostname),
                int(str(pid)), str(purpose), float(str(acquired)), float(str(expires)))


async def acquire(db: Database, names: Sequence[str], *, owner: str, tty: str,
                  console_id: str, purpose: str, now: float | None = None,
                  lease: float = LEASE_S) -> None:
    """Take every lock in `names` or none (one transaction). Raises LockHeld naming the
    first one that another console holds and has renewed within its lease."""
    now = time.time() if now is None else now
    async with db.transaction() as conn:
        for name in sorted(set(names)):
            async with conn.execute(f"SELECT {_COLUMNS} FROM locks WHERE name = ?",
                                    (name,)) as cur:
                row = await cur.fetchone()
            if row is not None:
                held = _lock(row)
                if held.console_id != console_id and held.expires_at > now:
                    raise LockHeld(held)
            await conn.execute(
                f"INSERT OR REPLACE INTO locks ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (name, owner, tty, console_id, socket.gethostname(), os.getpid(), purpose,
                 now, now + lease))


async def release(db: Database, names: Sequence[str], console_id: str) -> None:
    async with db.transaction() as conn:
        await conn.executemany("DELETE FROM locks WHERE name = ? AND console_id = ?",
                               [(name, console_id) for name in names])


async def renew(db: Database, console_id: str, now: float | None = None,
                lease: float = LEASE_S) -> None:
    """Push back the expiry of every lock this console holds (the presence heartbeat)."""
    now = time.time() if now is None else now
    async with db.transaction() as conn:
        await conn.execute("UPDATE locks SET expires_at = ? WHERE console_id = ?",
                           (now + lease, console_id))


async def held(db: Database, now: float | None = None) -> list[Lock]:
    """Locks in force now, whoever holds them (for a console to show)."""
    now = time.time() if now is None else now
    async with db.reader.execute(f"SELECT {_COLUMNS} FROM locks WHERE expires_at > ?"
                                 " ORDER BY acquired_at", (now,)) as cur:
        return [_lock(row) for row in await cur.fetchall()]
