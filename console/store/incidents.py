"""Incidents: opening and resolving one also writes a system note, so the timeline (and
every other console's live feed) shows it without a second channel."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from console.store.db import Database
from console.store.errors import StoreError
from console.store.models import INCIDENT, Incident

INCIDENT_COLUMNS = ("id, title, severity, opened_at, opened_by, resolved_at, resolved_by, "
                    "summary")


def incident_from_row(row: Sequence[Any]) -> Incident:
    return Incident(id=row[0], title=row[1], severity=row[2], opened_at=row[3],
                    opened_by=row[4], resolved_at=row[5], resolved_by=row[6],
                    summary=row[7])


async def _system_note(conn: Any, at: float, author: str, incident_id: int, body: str,
                       meta: str) -> None:
    await conn.execute(
        "INSERT INTO notes (created_at, author, incident_id, kind, category, body, meta)"
        " VALUES (?, ?, ?, 'system', ?, ?, ?)",
        (at, author, incident_id, INCIDENT, body, meta))


async def open_incident(db: Database, title: str, severity: str, author: str,
                        at: float | None = None) -> Incident:
    title, severity = title.strip(), severity.strip()
    if not title:
        raise StoreError("an incident needs a title")
    at = time.time() if at is None else at
    async with db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO incidents (title, severity, opened_at, opened_by)"
            " VALUES (?, ?, ?, ?)", (title, severity or "unknown", at, author))
        incident_id = int(cur.lastrowid or 0)
        await _system_note(conn, at, author, incident_id,
                           f"Incident #{incident_id} opened ({severity}): {title}",
                           '{"event": "opened"}')
    return await get_incident(db, incident_id)


async def resolve_incident(db: Database, incident_id: int, summary: str, author: str,
                           at: float | None = None) -> Incident:
    at = time.time() if at is None else at
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE incidents SET resolved_at = ?, resolved_by = ?, summary = ?"
            " WHERE id = ? AND resolved_at IS NULL", (at, author, summary, incident_id))
        if cur.rowcount != 1:
            raise StoreError(f"incident #{incident_id} does not exist or is already "
                             f"resolved in {db.path}")
        await _system_note(conn, at, author, incident_id,
                           f"Incident #{incident_id} resolved: {summary}",
                           '{"event": "resolved"}')
    return await get_incident(db, incident_id)


async def get_incident(db: Database, incident_id: int) -> Incident:
    async with db.reader.execute(f"SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = ?",
                                 (incident_id,)) as cur:
        row = await cur.fetchone()
    if row is None:
        raise StoreError(f"no incident #{incident_id} in {db.path}")
    return incident_from_row(row)


async def list_incidents(db: Database, open_only: bool = False) -> list[Incident]:
    """Newest first; `Incident.duration(now)` gives time to resolve (or open so far)."""
    where = "WHERE resolved_at IS NULL" if open_only else ""
    async with db.reader.execute(
            f"SELECT {INCIDENT_COLUMNS} FROM incidents {where} ORDER BY id DESC") as cur:
        return [incident_from_row(row) for row in await cur.fetchall()]
