"""Notes that must not be lost when another writer holds the database for seconds.

`submit()` returns at once with a `PendingNote` the UI can show as "pending"; one worker
writes them in order and retries with backoff while the file is locked. Each note keeps
its client_uuid across attempts, so a retry after an attempt that did commit finds the
row instead of adding a second one.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from console.store.errors import StoreBusy, StoreError
from console.store.models import Note
from console.store.notes import new_client_uuid


class NoteSink(Protocol):
    """What the outbox writes through (the Store); a protocol, so the outbox does not
    import the store that owns it."""

    author: str
    path: Path

    async def add_note(self, body: str, author: str | None = ..., **fields: Any) -> Note: ...

PendingState = Literal["pending", "saved", "failed"]


@dataclass(eq=False)
class PendingNote:
    """A note on its way to the database; the UI shows it, then replaces it by `note`."""

    body: str
    author: str
    client_uuid: str
    created_at: float
    host: str | None = None
    incident_id: int | None = None
    kind: str = "human"
    category: str | None = None
    meta: Mapping[str, Any] | None = None
    auto_incident: bool = True
    state: PendingState = "pending"
    attempts: int = 0
    error: str | None = None
    note: Note | None = None
    _done: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    async def wait(self) -> Note | None:
        await self._done.wait()
        return self.note


@dataclass(frozen=True, slots=True)
class PendingChanged:
    """A note of this console's outbox moved: pending, saved or failed (a bus event)."""

    pending: PendingNote


class PendingWriter:
    def __init__(self, store: NoteSink, initial_backoff: float = 0.1, max_backoff: float = 5.0,
                 publish: Callable[[object], None] | None = None) -> None:
        self._store = store
        self._queue: deque[PendingNote] = deque()
        self._task: asyncio.Task[None] | None = None
        # People's notes the database refused for good (a damaged file, a bad incident
        # id): kept, so that the console can print them when it exits.
        self.failed: list[PendingNote] = []
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self._publish = publish  # the bus: PendingChanged for every move

    def submit(self, body: str, author: str | None = None, **fields: Any) -> PendingNote:
        """Queue a note (same keywords as Store.add_note); never blocks, never raises
        on a locked database."""
        pending = PendingNote(body=body, author=author or self._store.author,
                              client_uuid=fields.pop("client_uuid", None) or new_client_uuid(),
                              created_at=fields.pop("created_at", None) or time.time(),
                              **fields)
        self._queue.append(pending)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        return pending

    @property
    def pending(self) -> list[PendingNote]:
        return list(self._queue)

    def _changed(self, pending: PendingNote) -> None:
        if self._publish is not None:
            self._publish(PendingChanged(pending))

    async def _write(self, pending: PendingNote) -> None:
        backoff = self.initial_backoff
        while True:
            pending.attempts += 1
            try:
                pending.note = await self._store.add_note(
                    pending.body, pending.author, host=pending.host,
                    incident_id=pending.incident_id, kind=pending.kind,
                    category=pending.category, meta=pending.meta,
                    created_at=pending.created_at, client_uuid=pending.client_uuid,
                    auto_incident=pending.auto_incident)
            except StoreBusy as exc:
                pending.error = str(exc)
            except StoreError as exc:  # damaged file, bad incident id: retrying won't help
                self._fail(pending, str(exc))
                return
            except sqlite3.Error as exc:
                try:
                    self._store.check_storage_error(exc)  # damage: StoreCorrupt
                except StoreError as err:
                    self._fail(pending, str(err))
                    return
                if not isinstance(exc, sqlite3.OperationalError):
                    self._fail(pending, f"{self._store.path}: {exc}")
                    return
                # Disk full, an I/O error: may pass. The note waits and says why.
                pending.error = f"{self._store.path}: {exc}"
            else:
                pending.state, pending.error = "saved", None
                return
            self._changed(pending)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.max_backoff)

    def _fail(self, pending: PendingNote, why: str) -> None:
        pending.state, pending.error = "failed", why
        if pending.kind == "human":
            self.failed.append(pending)

    async def _run(self) -> None:
        while self._queue:
            pending = self._queue[0]
            try:
                await self._write(pending)
            finally:
                self._queue.popleft()
                pending._done.set()
                self._changed(pending)

    async def flush(self, timeout: float | None = None) -> bool:
        """Wait until every submitted note is written or failed; False on timeout."""
        if self._task is None:
            return True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except TimeoutError:
            return False
        return True

    async def close(self, timeout: float = 2.0) -> list[PendingNote]:
        """Give queued notes `timeout` seconds, then stop; returns the unsaved ones:
        people's notes refused for good, then everything still queued."""
        await self.flush(timeout)
        unsaved = [*self.failed, *self._queue]
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        return unsaved
