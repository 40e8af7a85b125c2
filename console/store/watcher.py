"""Live feed of notes written by any console on the same file.

`PRAGMA data_version` changes on a connection only when *another* connection commits,
and reading it costs no I/O; only then are the rows after the last id seen fetched.
Every 250 ms the watcher first stats the database file and its WAL, on the event loop:
a commit rewrites the WAL, so while both look the same nothing is asked of aiosqlite's
thread (a hop per poll was most of an idle console's CPU). File times are coarse, so
data_version is still read at least once a second whatever the files say.

Notes this process wrote itself are announced with `expect_own(client_uuid)` before
the write, so the UI, which already shows them from the writer's reply, never gets a
second copy, whichever of the two arrives first.
"""

from __future__ import annotations

import inspect
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from console.alarm import Alarm
from console.store.db import Database
from console.store.models import Note
from console.store.notes import notes_since

DEFAULT_INTERVAL = 0.25
#: data_version is read at least this often, even when the files look unchanged.
CHECK_ANYWAY_S = 1.0
_BATCH = 1000


class DataVersionWatcher:
    def __init__(self, db: Database, after_id: int,
                 interval: float = DEFAULT_INTERVAL) -> None:
        self._db = db
        self.last_id = after_id
        self.interval = interval
        self._version: int | None = None
        self._files: tuple[tuple[int, int, int], ...] | None = None
        self._checked_at = float("-inf")  # monotonic
        self._own: set[str] = set()
        self._stopped = Alarm()

    def expect_own(self, client_uuid: str) -> None:
        self._own.add(client_uuid)

    def forget_own(self, client_uuid: str) -> None:
        self._own.discard(client_uuid)

    async def _data_version(self) -> int:
        # One hop to aiosqlite's thread per poll, not three (execute, fetch, close).
        rows = list(await self._db.reader.execute_fetchall("PRAGMA data_version"))
        return int(rows[0][0]) if rows else 0

    def _file_state(self) -> tuple[tuple[int, int, int], ...]:
        states = []
        for suffix in ("", "-wal"):
            try:
                st = os.stat(f"{self._db.path}{suffix}")
            except OSError:
                states.append((0, 0, 0))
            else:
                states.append((st.st_ino, st.st_size, st.st_mtime_ns))
        return tuple(states)

    async def poll(self) -> list[Note]:
        """New notes from others since the last poll, oldest first ([] if none)."""
        files, now = self._file_state(), time.monotonic()
        if files == self._files and now - self._checked_at < CHECK_ANYWAY_S:
            return []
        self._files, self._checked_at = files, now
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
            await self._stopped.wait(self.interval)

    async def run(self, callback: Callable[[list[Note]], Awaitable[None] | None]) -> None:
        """Call `callback(batch)` for each batch until `stop()`; run it as a worker."""
        async for batch in self:
            result = callback(batch)
            if inspect.isawaitable(result):
                await result
