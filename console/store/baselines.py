"""Accepted check baselines (table check_baselines): one row per host and check.

The `accounts` check compares what a host has with what someone accepted; the row is
in the shared database so every console on the file agrees on "accepted"."""

from __future__ import annotations

import time
from dataclasses import dataclass

from console.store.db import Database


@dataclass(frozen=True, slots=True)
class Baseline:
    host: str
    check: str
    body: str
    accepted_by: str
    accepted_at: float


async def get_baseline(db: Database, host: str, check: str) -> Baseline | None:
    async with db.reader.execute(
            "SELECT host, check_name, body, accepted_by, accepted_at FROM check_baselines"
            " WHERE host = ? AND check_name = ?", (host, check)) as cur:
        row = await cur.fetchone()
    return Baseline(*row) if row else None


async def accept_baseline(db: Database, host: str, check: str, body: str, author: str,
                          now: float | None = None) -> Baseline:
    now = time.time() if now is None else now
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO check_baselines (host, check_name, body, accepted_by, accepted_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT(host, check_name) DO UPDATE SET"
            " body = excluded.body, accepted_by = excluded.accepted_by,"
            " accepted_at = excluded.accepted_at", (host, check, body, author, now))
    return Baseline(host, check, body, author, now)
