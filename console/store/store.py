"""`Store`: the one object a UI or a command holds. It owns the connections and this
console's identity (author, presence row, live watchers); the work itself lives in the
small modules it delegates to.

    async with Store.open(path) as store:
        await store.add_note("restarted nginx on @web1")
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from pathlib import Path
from typing import Any

from console.bus import EventBus
from console.store import audit as _audit
from console.store import baselines as _baselines
from console.store import incidents as _incidents
from console.store import locks as _locks
from console.store import notes as _notes
from console.store import presence as _presence
from console.store.author import current_author
from console.store.db import DEFAULT_BUSY_TIMEOUT_MS, Database
from console.store.errors import StoreCorrupt, StoreError
from console.store.events import NotesArrived
from console.store.models import Incident, Note, Presence, SearchHit
from console.store.outbox import PendingNote, PendingWriter
from console.store.search import search as _search
from console.store.timeline import alerts_still_firing
from console.store.watcher import DEFAULT_INTERVAL, DataVersionWatcher

PRESENCE_INTERVAL = 5.0


class Store:
    def __init__(self, db: Database, author: str, known_hosts: Iterable[str] = (),
                 bus: EventBus | None = None) -> None:
        self._db = db
        self.bus = bus or EventBus()  # NotesArrived, PendingChanged
        self.author = author
        self.known_hosts: tuple[str, ...] = tuple(known_hosts)
        self.console_id = _presence.new_console_id()
        self._watchers: list[DataVersionWatcher] = []
        self._presence_task: asyncio.Task[None] | None = None
        self._follow_task: asyncio.Task[None] | None = None
        self._outbox: PendingWriter | None = None
        self._closed = False

    @classmethod
    async def connect(cls, path: Path | str, *, author: str | None = None,
                      known_hosts: Iterable[str] = (), bus: EventBus | None = None,
                      busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Store:
        """Open (creating and migrating if needed). Raises StoreUnavailable/StoreTooNew
        with a one-line message; the caller must `await close()`."""
        db = await Database.open(path, busy_timeout_ms)
        return cls(db, current_author(author), known_hosts, bus)

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, path: Path | str, **kwargs: Any) -> AsyncIterator[Store]:
        store = await cls.connect(path, **kwargs)
        try:
            yield store
        finally:
            await store.close()

    @property
    def path(self) -> Path:
        return self._db.path

    @property
    def corrupt(self) -> str | None:
        """Why the file may no longer be written (damage found), else None."""
        return self._db.corrupt

    def check_storage_error(self, exc: BaseException) -> None:
        """Raise StoreCorrupt if `exc` says the file is damaged (and stop all writes)."""
        self._db.check_error(exc)

    # -- notes -------------------------------------------------------------------

    async def add_note(self, body: str, author: str | None = None, host: str | None = None,
                       incident_id: int | None = None, kind: str = "human",
                       category: str | None = None, meta: Mapping[str, Any] | None = None,
                       created_at: float | None = None, client_uuid: str | None = None,
                       auto_incident: bool = True) -> Note:
        """Write a note now (waits up to the busy timeout, then StoreBusy; a UI uses
        `outbox.submit` instead). With no incident_id the note joins the open incident
        when exactly one is open; with no host, the first `@host` mentioned."""
        if not body.strip():
            raise StoreError("a note needs some text")
        if self._db.corrupt is not None:
            raise StoreCorrupt(self._db.corrupt)
        meta = dict(meta or {})
        mentions = _notes.find_mentions(body, self.known_hosts)
        if mentions:
            meta.setdefault("mentions", mentions)
            host = host or mentions[0]
        if incident_id is None and auto_incident:
            open_ids = await _notes.open_incident_ids(self._db)
            if len(open_ids) == 1:
                incident_id = open_ids[0]
        client_uuid = client_uuid or _notes.new_client_uuid()
        for watcher in self._watchers:
            watcher.expect_own(client_uuid)
        try:
            return await _notes.insert_note(
                self._db, body=body, author=author or self.author, host=host,
                incident_id=incident_id, kind=kind, category=category, meta=meta,
                created_at=created_at, client_uuid=client_uuid)
        except BaseException:
            for watcher in self._watchers:
                watcher.forget_own(client_uuid)
            raise

    async def record_event(self, category: str, body: str, host: str | None = None,
                           meta: Mapping[str, Any] | None = None, at: float | None = None,
                           client_uuid: str | None = None) -> Note:
        """A system timeline entry (see console.store.timeline for meta conventions).
        `at` is the original time (a pinned log line). Several consoles watching the
        same host can pass one deterministic client_uuid so the event is stored once."""
        return await self.add_note(body, host=host, kind="system", category=category,
                                   meta=meta, created_at=at, client_uuid=client_uuid)

    async def notes_since(self, after_id: int, limit: int = 1000) -> list[Note]:
        return await _notes.notes_since(self._db, after_id, limit)

    async def recent_notes(self, limit: int = 200) -> list[Note]:
        return await _notes.recent_notes(self._db, limit)

    async def notes_between(self, since: float, until: float | None = None) -> list[Note]:
        return await _notes.notes_between(self._db, since,
                                          time.time() if until is None else until)

    async def incident_notes(self, incident_id: int) -> list[Note]:
        return await _notes.incident_notes(self._db, incident_id)

    async def alerts_still_firing(self) -> list[Note]:
        """Alert events raised and not cleared since, per the timeline (meta.key)."""
        return alerts_still_firing(await _notes.latest_alert_events(self._db))

    # -- incidents ---------------------------------------------------------------

    async def open_incident(self, title: str, severity: str,
                            author: str | None = None) -> Incident:
        return await _incidents.open_incident(self._db, title, severity,
                                              author or self.author)

    async def resolve_incident(self, incident_id: int, summary: str,
                               author: str | None = None) -> Incident:
        return await _incidents.resolve_incident(self._db, incident_id, summary,
                                                 author or self.author)

    async def incident(self, incident_id: int) -> Incident:
        return await _incidents.get_incident(self._db, incident_id)

    async def incidents(self, open_only: bool = False) -> list[Incident]:
        return await _incidents.list_incidents(self._db, open_only)

    # -- check baselines ---------------------------------------------------------

    async def check_baseline(self, host: str, check: str) -> _baselines.Baseline | None:
        return await _baselines.get_baseline(self._db, host, check)

    async def accept_check_baseline(self, host: str, check: str, body: str,
                                    author: str | None = None) -> _baselines.Baseline:
        return await _baselines.accept_baseline(self._db, host, check, body,
                                                author or self.author)

    # -- search ------------------------------------------------------------------

    async def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        return await _search(self._db, query, limit)

    # -- operations: audit and locks ------------------------------------------------

    async def audit(self, *entries: _audit.AuditEntry) -> None:
        """Append audit rows now (awaited; raises StoreBusy/StoreError if they could
        not be written: the caller must then not act)."""
        try:
            await _audit.append(self._db, entries)
        except sqlite3.Error as exc:
            raise StoreError(f"audit not written to {self.path}: {exc}") from None

    async def audit_entries(self, op_id: str | None = None,
                            since: float = 0.0) -> list[_audit.AuditEntry]:
        return await _audit.entries(self._db, op_id, since)

    async def acquire_locks(self, names: Iterable[str], tty: str, purpose: str,
                            now: float | None = None) -> None:
        """Take all of `names` for this console or none; raises locks.LockHeld, or
        StoreError when the database cannot say (the caller must then not act)."""
        try:
            await _locks.acquire(self._db, list(names), owner=self.author, tty=tty,
                                 console_id=self.console_id, purpose=purpose, now=now)
        except sqlite3.Error as exc:
            raise StoreError(f"locks in {self.path}: {exc}") from None

    async def release_locks(self, names: Iterable[str]) -> None:
        try:
            await _locks.release(self._db, list(names), self.console_id)
        except sqlite3.Error as exc:
            raise StoreError(f"locks in {self.path}: {exc}") from None

    async def locks_held(self, now: float | None = None) -> list[_locks.Lock]:
        return await _locks.held(self._db, now)

    # -- live feed, outbox, presence ---------------------------------------------

    async def watch(self, after_id: int | None = None,
                    interval: float = DEFAULT_INTERVAL) -> DataVersionWatcher:
        """A watcher yielding notes with id > after_id (default: from now on), minus
        the ones this Store writes itself."""
        if after_id is None:
            after_id = await _notes.max_note_id(self._db)
        watcher = DataVersionWatcher(self._db, after_id, interval)
        self._watchers.append(watcher)
        return watcher

    async def follow(self) -> None:
        """Publish `NotesArrived` on the bus for every note other writers commit from
        now on, until `close()`. Load what came before with `recent_notes`: entries
        are keyed by id, so the overlap of the two is harmless."""
        if self._follow_task is not None:
            return
        watcher = await self.watch()

        async def run() -> None:
            async for batch in watcher:
                self.bus.publish(NotesArrived(tuple(batch)))

        self._follow_task = asyncio.get_running_loop().create_task(run(), name="notes-feed")

    @property
    def outbox(self) -> PendingWriter:
        if self._outbox is None:
            self._outbox = PendingWriter(self, publish=self.bus.publish)
        return self._outbox

    async def start_presence(self, interval: float = PRESENCE_INTERVAL) -> None:
        if self._presence_task is not None:
            return
        started_at = time.time()
        # A full disk must not keep the notes from opening: presence is retried below.
        with contextlib.suppress(StoreError, sqlite3.Error):
            await _presence.heartbeat(self._db, self.console_id, self.author, started_at)

        async def beat() -> None:
            while True:
                await asyncio.sleep(interval)
                # A locked file only delays one heartbeat; readers tolerate 15 s.
                with contextlib.suppress(StoreError, sqlite3.Error):
                    await _presence.heartbeat(self._db, self.console_id, self.author,
                                              started_at)
                    # Operation locks live as long as this console does (locks.LEASE_S).
                    await _locks.renew(self._db, self.console_id)

        self._presence_task = asyncio.get_running_loop().create_task(beat())

    async def who_is_here(self, stale_after: float = 15.0) -> list[Presence]:
        """Other consoles open on this database now (this one excluded)."""
        return await _presence.who_is_here(self._db, self.console_id, stale_after)

    async def close(self, pending_timeout: float = 2.0) -> list[PendingNote]:
        """Flush the outbox (up to `pending_timeout`), leave presence, close both
        connections. Returns notes that could not be written (PendingNote)."""
        if self._closed:
            return []
        self._closed = True
        unsaved: list[PendingNote] = []
        try:
            for watcher in self._watchers:
                watcher.stop()
            if self._follow_task is not None:
                self._follow_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, StoreError, sqlite3.Error):
                    await self._follow_task
            if self._outbox is not None:
                unsaved = await self._outbox.close(pending_timeout)
            if self._presence_task is not None:
                self._presence_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._presence_task
                with contextlib.suppress(StoreError, sqlite3.Error):
                    await _presence.leave(self._db, self.console_id)
        finally:
            await self._db.close()
        return unsaved
