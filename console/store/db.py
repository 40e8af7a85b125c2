"""Connections to the shared notes file: pragmas, migrations and write transactions.

Two connections per store: writes can wait seconds on another console's lock (busy
timeout) while reads, search and the live feed keep answering from the reader, which
WAL never blocks. aiosqlite runs each in its own non-daemon thread, so `close()` must
always run, or the process hangs on exit.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import aiosqlite

from console.store.errors import StoreBusy, StoreTooNew, StoreUnavailable
from console.store.paths import ensure_db_dir
from console.store.schema import MIGRATIONS, SCHEMA_VERSION

DEFAULT_BUSY_TIMEOUT_MS = 5000
_WAL_ATTEMPTS = 100  # x 50 ms


def is_locked_error(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and (
        "locked" in str(exc) or "busy" in str(exc))


async def _connect(path: Path, busy_timeout_ms: int) -> aiosqlite.Connection:
    try:
        conn = await aiosqlite.connect(str(path), isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreUnavailable(f"notes database {path}: {exc}") from None
    # Busy timeout first: even reading user_version may meet a writer's lock.
    await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    return conn


async def _user_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def _configure(conn: aiosqlite.Connection) -> None:
    # Switching a new file to WAL needs an exclusive lock, and SQLite answers
    # "database is locked" at once rather than through the busy timeout when another
    # console is doing the same: two consoles started together must both succeed.
    for attempt in range(_WAL_ATTEMPTS):
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
            break
        except sqlite3.OperationalError as exc:
            if not is_locked_error(exc) or attempt == _WAL_ATTEMPTS - 1:
                raise
            await asyncio.sleep(0.05)
    await conn.execute("PRAGMA synchronous = FULL")
    await conn.execute("PRAGMA foreign_keys = ON")


async def _migrate(conn: aiosqlite.Connection, path: Path) -> None:
    # Re-read the version inside the write lock: two consoles may start at once.
    await conn.execute("BEGIN IMMEDIATE")
    try:
        version = await _user_version(conn)
        _refuse_newer(version, path)
        for step in MIGRATIONS[version:]:
            for statement in step:
                await conn.execute(statement)
        if version < SCHEMA_VERSION:
            await conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        await conn.execute("COMMIT")
    except BaseException:
        with suppress(sqlite3.Error):
            await conn.execute("ROLLBACK")
        raise


def _refuse_newer(version: int, path: Path) -> None:
    if version > SCHEMA_VERSION:
        raise StoreTooNew(
            f"notes database {path} has schema version {version}, newer than this "
            f"opsconsole understands ({SCHEMA_VERSION}): upgrade opsconsole; "
            "the file was not changed")


class Database:
    """The reader/writer pair and the one lock that serialises write transactions
    started from this process (SQLite allows one open transaction per connection)."""

    def __init__(self, path: Path, reader: aiosqlite.Connection,
                 writer: aiosqlite.Connection) -> None:
        self.path = path
        self.reader = reader
        self.writer = writer
        self._write_lock = asyncio.Lock()
        self._closed = False

    @classmethod
    async def open(cls, path: Path | str,
                   busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Database:
        path = Path(path)
        shared_dir = ensure_db_dir(path)
        is_new = not path.exists()
        writer = await _connect(path, busy_timeout_ms)
        reader: aiosqlite.Connection | None = None
        try:
            # Refuse a newer file before any pragma: journal_mode=WAL rewrites the header.
            _refuse_newer(await _user_version(writer), path)
            await _configure(writer)
            await _migrate(writer, path)
            if is_new and shared_dir:
                # A team directory (setgid): let the group write the file; SQLite
                # gives -wal and -shm the database file's mode.
                with suppress(OSError):
                    os.chmod(path, 0o660)
            reader = await _connect(path, busy_timeout_ms)
            await _configure(reader)
            await reader.execute("PRAGMA query_only = ON")
        except BaseException as exc:
            await writer.close()
            if reader is not None:
                await reader.close()
            if isinstance(exc, sqlite3.Error):
                raise StoreUnavailable(f"notes database {path}: {exc}") from None
            raise
        return cls(path, reader, writer)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT: take the write lock up front so a transaction
        never fails half-way with SQLITE_BUSY after it has read something."""
        async with self._write_lock:
            try:
                await self.writer.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if is_locked_error(exc):
                    raise StoreBusy(f"notes database {self.path} is locked by another "
                                    "writer; the note is kept and retried") from None
                raise
            try:
                yield self.writer
                await self.writer.execute("COMMIT")
            except BaseException:
                with suppress(sqlite3.Error):
                    await self.writer.execute("ROLLBACK")
                raise

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for conn in (self.reader, self.writer):
            with suppress(Exception):
                await conn.close()
