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

from console.store.errors import (
    StoreBusy,
    StoreCorrupt,
    StoreTooNew,
    StoreUnavailable,
    corrupt_message,
)
from console.store.paths import ensure_db_dir
from console.store.schema import MIGRATIONS, SCHEMA_VERSION

DEFAULT_BUSY_TIMEOUT_MS = 5000
_WAL_ATTEMPTS = 100  # x 50 ms


def is_locked_error(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and (
        "locked" in str(exc) or "busy" in str(exc))


_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26


def is_corrupt_error(exc: BaseException) -> bool:
    """SQLite's own word that the file is damaged (SQLITE_CORRUPT, SQLITE_NOTADB)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return True
    text = str(exc)
    return "malformed" in text or "not a database" in text


async def _quick_check(conn: aiosqlite.Connection, path: Path) -> None:
    """Refuse a damaged file before anything is written to it (journal_mode=WAL and
    the migrations write). quick_check reads every page, without the index
    cross-checks of integrity_check: milliseconds for a notes file."""
    try:
        async with conn.execute("PRAGMA quick_check(3)") as cur:
            rows = [str(row[0]) for row in await cur.fetchall()]
    except sqlite3.DatabaseError as exc:
        if is_corrupt_error(exc):
            raise StoreCorrupt(corrupt_message(path, str(exc))) from None
        raise
    if rows != ["ok"]:
        lines = [line.strip() for row in rows for line in row.splitlines()
                 if line.strip() and not line.startswith("***")]
        raise StoreCorrupt(corrupt_message(path, "quick_check: " + "; ".join(lines[:2])))


def _hint(exc: BaseException, path: Path) -> str:
    """What to look at, when SQLite's words alone do not say (a full disk shows as
    "disk I/O error" when even the WAL index cannot be created)."""
    if "disk" in str(exc) or "I/O" in str(exc):
        return f" (is the disk full? df -h {path.parent})"
    return ""


def _remove_empty_leftovers(path: Path) -> None:
    """A new database that could not be set up (disk full) leaves a 0-byte file, which
    would later be taken for an existing, empty one: remove what this attempt made."""
    with suppress(OSError):
        if path.stat().st_size == 0:
            path.unlink()
            for suffix in ("-wal", "-shm", "-journal"):
                with suppress(OSError):
                    Path(f"{path}{suffix}").unlink()


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
        self.corrupt: str | None = None  # why nothing more may be written, once known

    def check_error(self, exc: BaseException) -> None:
        """Called with any SQLite error met on this file: damage found now stops every
        later write (a write to a damaged file can spread the damage) and becomes a
        StoreCorrupt that says what to do."""
        if is_corrupt_error(exc):
            if self.corrupt is None:
                self.corrupt = corrupt_message(self.path, str(exc))
            raise StoreCorrupt(self.corrupt) from None

    @classmethod
    async def open(cls, path: Path | str,
                   busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Database:
        path = Path(path)
        shared_dir = ensure_db_dir(path)
        is_new = not path.exists()
        writer = await _connect(path, busy_timeout_ms)
        reader: aiosqlite.Connection | None = None
        try:
            # Refuse a newer or damaged file before any pragma: journal_mode=WAL
            # rewrites the header.
            _refuse_newer(await _user_version(writer), path)
            if not is_new:
                await _quick_check(writer, path)
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
            if is_new:
                _remove_empty_leftovers(path)
            if is_corrupt_error(exc):
                raise StoreCorrupt(corrupt_message(path, str(exc))) from None
            if isinstance(exc, sqlite3.Error):
                raise StoreUnavailable(f"notes database {path}: {exc}{_hint(exc, path)}"
                                       ) from None
            raise
        return cls(path, reader, writer)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT: take the write lock up front so a transaction
        never fails half-way with SQLITE_BUSY after it has read something."""
        if self.corrupt is not None:
            raise StoreCorrupt(self.corrupt)
        async with self._write_lock:
            try:
                await self.writer.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if is_locked_error(exc):
                    raise StoreBusy(f"notes database {self.path} is locked by another "
                                    "writer; the note is kept and retried") from None
                self.check_error(exc)
                raise
            try:
                yield self.writer
                await self.writer.execute("COMMIT")
            except BaseException as exc:
                with suppress(sqlite3.Error):
                    await self.writer.execute("ROLLBACK")
                self.check_error(exc)
                raise

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for conn in (self.reader, self.writer):
            with suppress(Exception):
                await conn.close()
