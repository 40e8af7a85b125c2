"""Shared notes store: notes, incidents, system timeline, presence, search, handoff.

SQLite through aiosqlite; one file shared by every console on the jump host. Import
`Store` and the plain dataclasses from here; nothing in this package imports textual.
"""

from console.store.errors import StoreBusy, StoreError, StoreTooNew, StoreUnavailable
from console.store.handoff import ActiveAlert, build_handoff
from console.store.models import (
    MARK_CLOSE,
    MARK_OPEN,
    Burst,
    Incident,
    Note,
    Presence,
    SearchHit,
)
from console.store.outbox import PendingNote, PendingWriter
from console.store.paths import resolve_db_path
from console.store.store import Store
from console.store.timeline import group_bursts
from console.store.watcher import DataVersionWatcher

__all__ = [
    "MARK_CLOSE",
    "MARK_OPEN",
    "ActiveAlert",
    "Burst",
    "DataVersionWatcher",
    "Incident",
    "Note",
    "PendingNote",
    "PendingWriter",
    "Presence",
    "SearchHit",
    "Store",
    "StoreBusy",
    "StoreError",
    "StoreTooNew",
    "StoreUnavailable",
    "build_handoff",
    "group_bursts",
    "resolve_db_path",
]
