"""Who else has a console open on this database: one heartbeat row per console.
A console killed with -9 cannot delete its row, so readers ignore rows older than
`stale_after`, and every heartbeat prunes rows a day old."""

from __future__ import annotations

import os
import socket
import time
import uuid

from console.store.db import Database
from console.store.models import Presence

PRUNE_AFTER = 86400.0


def new_console_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def heartbeat(db: Database, console_id: str, author: str, started_at: float,
                    now: float | None = None) -> None:
    now = time.time() if now is None else now
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO presence (console_id, author, hostname, pid, started_at, last_seen)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(console_id) DO UPDATE SET"
            " last_seen = excluded.last_seen, author = excluded.author",
            (console_id, author, socket.gethostname(), os.getpid(), started_at, now))
        await conn.execute("DELETE FROM presence WHERE last_seen < ?", (now - PRUNE_AFTER,))


async def leave(db: Database, console_id: str) -> None:
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM presence WHERE console_id = ?", (console_id,))


async def who_is_here(db: Database, exclude: str | None, stale_after: float = 15.0,
                      now: float | None = None) -> list[Presence]:
    now = time.time() if now is None else now
    async with db.reader.execute(
            "SELECT console_id, author, hostname, pid, started_at, last_seen FROM presence"
            " WHERE last_seen >= ? AND console_id IS NOT ? ORDER BY author, started_at",
            (now - stale_after, exclude)) as cur:
        rows = await cur.fetchall()
    return [Presence(*row) for row in rows]
