"""The live feed: notes from other processes appear within a second, our own never
twice, and a write waiting on another process's lock neither blocks the event loop nor
gets lost or duplicated."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from console.store import Note, Store, StoreBusy


async def _note_from_cli(path: Path, *words: str) -> int:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "console", "note", "--db", str(path), *words,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return int(out)


async def test_watcher_sees_other_process_note_within_one_second(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    async with Store.open(path) as store:
        watcher = await store.watch()
        received: list[tuple[float, Note]] = []

        async def follow() -> None:
            async for batch in watcher:
                received.extend((time.time(), n) for n in batch)
                if len(received) >= 2:
                    watcher.stop()

        follower = asyncio.create_task(follow())
        first = await _note_from_cli(path, "deploy", "4.2", "started")
        second = await _note_from_cli(path, "--host", "web1", "deploy finished")
        await asyncio.wait_for(follower, 10)
    assert [n.id for _, n in received] == [first, second]
    assert received[1][1].host == "web1"
    for seen_at, note in received:
        assert seen_at - note.created_at < 1.0


async def test_own_writes_are_not_repeated_by_the_watcher(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    async with Store.open(path) as store:
        watcher = await store.watch(interval=0.01)
        mine = await store.add_note("mine")
        pending = store.outbox.submit("mine too")
        await pending.wait()
        other_id = await _note_from_cli(path, "theirs")
        fresh: list[Note] = []
        deadline = time.monotonic() + 5
        while not fresh and time.monotonic() < deadline:
            fresh = await watcher.poll()
            await asyncio.sleep(0.01)
        assert [n.id for n in fresh] == [other_id]
        assert mine.id < other_id


async def test_an_idle_watcher_reads_data_version_about_once_a_second(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Between commits the watcher only stats the files; SQLite is asked at most once
    per CHECK_ANYWAY_S, and a commit by another process is still seen at once."""
    from console.store import watcher as watcher_module

    path = tmp_path / "notes.db"
    async with Store.open(path) as store:
        watcher = await store.watch(interval=0.01)
        asked = 0
        real = watcher._data_version

        async def counting() -> int:
            nonlocal asked
            asked += 1
            return await real()

        monkeypatch.setattr(watcher, "_data_version", counting)
        start = time.monotonic()
        while time.monotonic() - start < 0.5:
            assert await watcher.poll() == []
            await asyncio.sleep(0.01)
        assert 1 <= asked <= 1 + 0.5 / watcher_module.CHECK_ANYWAY_S
        other_id = await _note_from_cli(path, "theirs")
        seen_at = time.monotonic()
        fresh = await watcher.poll()
        assert [n.id for n in fresh] == [other_id]
        assert time.monotonic() - seen_at < watcher_module.CHECK_ANYWAY_S


def _hold_write_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process takes the write lock (BEGIN IMMEDIATE) and sits on it."""
    code = ("import sqlite3, sys, time\n"
            f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE')\n"
            "c.execute(\"INSERT INTO notes (created_at, author, body) "
            "VALUES (0, 'locker', 'held the lock')\")\n"
            "print('locked', flush=True)\n"
            f"time.sleep({seconds})\n"
            "c.execute('COMMIT')\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


async def _max_loop_gap(stop: asyncio.Event) -> float:
    worst, last = 0.0, time.monotonic()
    while not stop.is_set():
        await asyncio.sleep(0.01)
        now = time.monotonic()
        worst, last = max(worst, now - last), now
    return worst


@pytest.mark.parametrize("busy_timeout_ms", [200, 5000])
async def test_note_pending_while_locked_then_written_once(tmp_path: Path,
                                                           busy_timeout_ms: int) -> None:
    """200 ms: the attempt times out and the outbox retries with backoff; 5000 ms: the
    attempt itself waits the lock out. Either way: pending, then saved, exactly once."""
    path = tmp_path / "notes.db"
    async with Store.open(path, busy_timeout_ms=busy_timeout_ms) as store:
        locker = _hold_write_lock(path, 3.0)
        stop = asyncio.Event()
        gap_task = asyncio.create_task(_max_loop_gap(stop))
        started = time.monotonic()
        pending = store.outbox.submit("written while the db was locked")
        await asyncio.sleep(1.0)
        assert pending.state == "pending" and len(store.outbox.pending) == 1
        note = await asyncio.wait_for(pending.wait(), 15)
        waited = time.monotonic() - started
        stop.set()
        gap = await gap_task
        locker.wait(10)
        assert note is not None and pending.state == "saved"
        assert waited >= 1.5  # it really waited for the other process
        assert gap < 0.5, f"event loop stalled {gap:.2f} s"
        if busy_timeout_ms == 200:
            assert pending.attempts > 1
        bodies = [n.body for n in await store.recent_notes()]
        assert bodies.count("written while the db was locked") == 1
        assert "held the lock" in bodies


async def test_direct_write_on_long_lock_is_a_clear_busy_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    async with Store.open(path, busy_timeout_ms=200) as store:
        locker = _hold_write_lock(path, 1.5)
        with pytest.raises(StoreBusy, match=str(path)):
            await store.add_note("too early")
        locker.wait(10)
        assert (await store.add_note("later")).body == "later"


async def test_reads_continue_while_another_process_holds_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    async with Store.open(path) as store:
        await store.add_note("searchable before the lock")
        locker = _hold_write_lock(path, 2.0)
        started = time.monotonic()
        assert len(await store.search("searchable")) == 1
        assert len(await store.recent_notes()) == 1
        assert time.monotonic() - started < 0.5
        locker.wait(10)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
