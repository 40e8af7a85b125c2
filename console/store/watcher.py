"""Live feed of notes written by any console on the same file.

`PRAGMA data_version` changes on a connection only when *another* connection commits,
and reading it costs no I/O, so polling it every 250 ms is cheap; only then are the rows
after the last id seen fetched. Notes this process wrote itself are announced with
`expect_own(client_uuid)` before the write, so the UI, which already shows them from
the writer's reply, never gets a second copy, whichever of the two arrives first.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable

from console.store.db import Database
from console.store.models import Note
from console.store.notes import notes_since

DEFAULT_INTERVAL = 0.25
_BATCH = 1000


class DataVersionWatcher:
    def __init__(self, db: Database, after_id: int,
                 interval: float = DEFAULT_INTERVAL) -> None:
        self._db = db
        self.last_id = after_id
        self.interval = interval
        self._version: int | None = None
        self._own: set[str] = set()
        self._stopped = asyncio.Event()

    def expect_own(self, client_uuid: str) -> None:
        self._own.add(client_uuid)

    def forget_own(self, client_uuid: str) -> None:
        self._own.discard(client_uuid)

    async def _data_version(self) -> int:
        # One hop to aiosqlite's thread per poll, not three (execute, fetch, close).
        rows = list(await self._db.reader.execute_fetchall("PRAGMA data_version"))
        return int(rows[0][0]) if rows else 0

    async def poll(self) -> list[Note]:
        """New notes from others since the last poll, oldest first ([] if none)."""
        version = await self._data_version()
        if version == self._version:
            return []
        self._version = version
        fresh: list[Note] = []
        while True:
            batch = await notes_since(self._db, self.last_id, _BATCH)
            if not batch:
                break
            self.last_id = batch[-1].id
            for note in batch:
                if note.client_uuid is not None and note.client_uuid in self._own:
                    self._own.discard(note.client_uuid)
                else:
                    fresh.append(note)
            if len(batch) < _BATCH:
                break
        return fresh

    def stop(self) -> None:
        self._stopped.set()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    async def __aiter__(self) -> AsyncIterator[list[Note]]:
        while not self._stopped.is_set():
            fresh = await self.poll()
            if fresh:
                yield fresh
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval):  # no task per poll
                    await self._stopped.wait()

    async def run(self, callback: Callable[[list[Note]], Awaitable[None] | None]) -> None:
        """Call `callback(batch)` for each batch until `stop()`; run it as a worker."""
        async for batch in self:
            result = callback(batch)
            if inspect.isawaitable(result):
                await result
