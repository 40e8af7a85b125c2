"""Notes: writes are idempotent on `client_uuid`, so a retry after a lock or a lost
reply never makes a second copy; reads are by id (live feed) or by time (reports)."""

from __future__ import annotations

import json
import re
import sqlite3
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from console.store.db import Database
from console.store.errors import StoreError
from console.store.models import Note

NOTE_COLUMNS = ("id, created_at, author, host, incident_id, kind, category, body, meta, "
                "client_uuid")

_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9._-]*)")


def note_from_row(row: Sequence[Any]) -> Note:
    try:
        meta = json.loads(row[8]) if row[8] else {}
    except ValueError:
        meta = {}  # a row written by hand or by a buggy tool must not hide the timeline
    return Note(id=row[0], created_at=row[1], author=row[2], host=row[3],
                incident_id=row[4], kind=row[5], category=row[6], body=row[7],
                meta=meta if isinstance(meta, dict) else {"value": meta},
                client_uuid=row[9])


def find_mentions(body: str, known_hosts: Iterable[str]) -> list[str]:
    """Hosts named as `@host` in the text, in order of appearance, case-insensitively
    matched against the inventory so a typo never invents a host."""
    known = {h.lower(): h for h in known_hosts}
    found: list[str] = []
    for match in _MENTION.finditer(body):
        name = match.group(1).rstrip(".-_")
        host = known.get(name.lower())
        if host and host not in found:
            found.append(host)
    return found


def new_client_uuid() -> str:
    return uuid.uuid4().hex


async def open_incident_ids(db: Database) -> list[int]:
    async with db.reader.execute(
            "SELECT id FROM incidents WHERE resolved_at IS NULL ORDER BY id") as cur:
        return [row[0] for row in await cur.fetchall()]


async def insert_note(db: Database, *, body: str, author: str, host: str | None,
                      incident_id: int | None, kind: str, category: str | None,
                      meta: Mapping[str, Any] | None, created_at: float | None,
                      client_uuid: str) -> Note:
    if kind not in ("human", "system"):
        raise ValueError(f"note kind must be 'human' or 'system', not {kind!r}")
    meta_json = json.dumps(dict(meta or {}), sort_keys=True, default=str)
    at = time.time() if created_at is None else float(created_at)
    async with db.transaction() as conn:
        try:
            await conn.execute(
                "INSERT INTO notes (created_at, author, host, incident_id, kind, category,"
                " body, meta, client_uuid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(client_uuid) DO NOTHING",
                (at, author, host, incident_id, kind, category, body, meta_json,
                 client_uuid))
        except sqlite3.IntegrityError as exc:
            if "FOREIGN KEY" in str(exc):
                raise StoreError(f"no incident #{incident_id} in {db.path}") from None
            raise
        async with conn.execute(f"SELECT {NOTE_COLUMNS} FROM notes WHERE client_uuid = ?",
                                (client_uuid,)) as cur:
            row = await cur.fetchone()
    assert row is not None  # just inserted, or inserted by an earlier attempt
    return note_from_row(row)


async def _select(db: Database, where: str, params: Sequence[Any]) -> list[Note]:
    async with db.reader.execute(f"SELECT {NOTE_COLUMNS} FROM notes {where}", params) as cur:
        return [note_from_row(row) for row in await cur.fetchall()]


async def notes_since(db: Database, after_id: int, limit: int = 1000) -> list[Note]:
    return await _select(db, "WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit))


async def recent_notes(db: Database, limit: int = 200) -> list[Note]:
    """The newest `limit` notes, oldest first: what a pane shows when it opens."""
    notes = await _select(db, "ORDER BY id DESC LIMIT ?", (limit,))
    notes.reverse()
    return notes


async def notes_between(db: Database, since: float, until: float) -> list[Note]:
    return await _select(db, "WHERE created_at >= ? AND created_at <= ? "
                             "ORDER BY created_at, id", (since, until))


async def incident_notes(db: Database, incident_id: int) -> list[Note]:
    return await _select(db, "WHERE incident_id = ? ORDER BY created_at, id",
                         (incident_id,))


async def max_note_id(db: Database) -> int:
    async with db.reader.execute("SELECT coalesce(max(id), 0) FROM notes") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def latest_alert_events(db: Database) -> list[Note]:
    """The last `alert` event per alert key (meta.key), for 'still firing' reports."""
    return await _select(
        db,
        "WHERE id IN (SELECT max(id) FROM notes WHERE category = 'alert' "
        "AND json_valid(meta) AND json_extract(meta, '$.key') IS NOT NULL "
        "GROUP BY json_extract(meta, '$.key')) ORDER BY created_at, id", ())
