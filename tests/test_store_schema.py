"""Schema versions: forward migrations from any older file, and a file from a newer
opsconsole refused without a single byte changed."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from console.store import Store, StoreTooNew
from console.store.schema import MIGRATIONS, SCHEMA_VERSION


def _pragma(path: Path, name: str) -> object:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]


async def test_new_file_is_migrated_from_v0_with_wal(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.touch()  # an empty file is a valid v0 database
    async with Store.open(path) as store:
        note = await store.add_note("after migration")
        assert [n.body for n in await store.recent_notes()] == ["after migration"]
        assert (await store.search("migration"))[0].id == note.id
    assert _pragma(path, "user_version") == SCHEMA_VERSION
    assert _pragma(path, "journal_mode") == "wal"
    assert _pragma(path, "integrity_check") == "ok"


async def test_v1_file_keeps_its_notes_when_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    conn = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("INSERT INTO notes (created_at, author, body) VALUES (1.0, 'old', "
                 "'written by version one')")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    async with Store.open(path) as store:
        assert [n.body for n in await store.recent_notes()] == ["written by version one"]
        assert [h.id for h in await store.search("version")] == [1]
        await store.start_presence()  # the table v2 added
    assert _pragma(path, "user_version") == SCHEMA_VERSION


@pytest.mark.parametrize("journal_mode", ["delete", "wal"])
async def test_newer_schema_is_refused_and_not_altered(tmp_path: Path,
                                                       journal_mode: str) -> None:
    path = tmp_path / "notes.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode = {journal_mode}")
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 7}")
    conn.commit()
    conn.close()
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    with pytest.raises(StoreTooNew) as info:
        await Store.connect(path)
    assert str(path) in str(info.value) and "newer" in str(info.value)
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == mtime
    assert _pragma(path, "user_version") == SCHEMA_VERSION + 7


async def test_two_stores_opening_a_new_file_at_once_migrate_once(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    first, second = await asyncio.gather(Store.connect(path), Store.connect(path))
    try:
        await first.add_note("one")
        await second.add_note("two")
        assert [n.body for n in await first.recent_notes()] == ["one", "two"]
    finally:
        await first.close()
        await second.close()
