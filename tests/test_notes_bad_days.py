"""Notes on a bad day, with real files: a disk that is full when the console starts
(a real full filesystem: a small tmpfs mounted for the test), and a database whose
pages are damaged. Nothing typed is lost, nothing damaged is written to."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import RichLog

from console.app import OpsConsole
from console.events import SubscriberFailed
from console.inventory import Inventory
from console.store.errors import StoreCorrupt
from console.store.store import Store
from console.widgets.notes_pane import NotesPane
from tests.waiting import eventually


class FullDisk:
    """A 1 MiB filesystem of its own, filled to the last block and freed on demand.

    tmpfs when this process may mount (root, as in CI); otherwise a file-size limit of
    zero for this process (RLIMIT_FSIZE, with SIGXFSZ ignored) makes every write that
    grows a file fail (EFBIG), which SQLite meets as a full disk does."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir()
        self.mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(root)],
            capture_output=True).returncode == 0
        self.filler = root / "filler"
        self._limit: tuple[int, int] | None = None
        self._sigxfsz: object = None

    def fill(self) -> None:
        if self.mounted:
            fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT)
            try:
                while True:
                    os.write(fd, b"\0" * 4096)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
            finally:
                os.close(fd)
            return
        self._limit = resource.getrlimit(resource.RLIMIT_FSIZE)
        self._sigxfsz = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        # No file of this process may grow at all, as on a full disk (reads still work).
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, self._limit[1]))

    def free(self) -> None:
        if self.mounted:
            self.filler.unlink(missing_ok=True)
        elif self._limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, self._limit)
            signal.signal(signal.SIGXFSZ, self._sigxfsz)  # type: ignore[arg-type]
            self._limit = None

    def close(self) -> None:
        self.free()
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.root)], check=False)


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[FullDisk]:
    disk = FullDisk(tmp_path / "disk")
    try:
        yield disk
    finally:
        disk.close()


def pane_text(app: OpsConsole) -> str:
    log = app.main_screen.query_one(NotesPane).query_one(RichLog)
    return "\n".join(strip.text for strip in log.lines)


def header_text(app: OpsConsole) -> str:
    return str(app.main_screen.query_one("#notes-header").render())


def pending_text(app: OpsConsole) -> str:
    return str(app.main_screen.query_one("#notes-pending").render())


async def type_note(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("m")
    await pilot.press(*text)
    await pilot.press("enter")


def human_notes(db: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return [r[0] for r in conn.execute("SELECT body FROM notes WHERE kind = 'human' "
                                           "ORDER BY id")]


async def test_a_new_database_on_a_full_disk_recovers_when_space_frees(
        full_disk: FullDisk) -> None:
    db = full_disk.root / "notes.db"
    full_disk.fill()
    app = OpsConsole(Inventory.local_only(), db_path=db)
    async with app.run_test(size=(160, 40)) as pilot:
        await eventually(lambda: "unavailable" in header_text(app), 15, "the reason",
                         pilot=pilot)
        assert "full" in header_text(app) or "I/O" in header_text(app), header_text(app)
        assert "retrying" in header_text(app)
        assert not db.exists(), "no 0-byte file left to pass for a database later"
        await type_note(pilot, "paged the storage team")
        await eventually(lambda: "pending: paged the storage team" in pending_text(app),
                         5, "the note held as pending", pilot=pilot)
        full_disk.free()
        await eventually(lambda: app.store is not None, 40, "the store to open",
                         pilot=pilot)
        await eventually(lambda: "paged the storage team" in pane_text(app), 10,
                         "the held note written and shown", pilot=pilot)
        assert "unavailable" not in header_text(app)
        assert "(you)" in header_text(app)
    assert app.unsaved == []
    assert human_notes(db) == ["paged the storage team"]


async def test_an_existing_database_on_a_full_disk_shows_its_notes_and_keeps_typed_ones(
        full_disk: FullDisk) -> None:
    db = full_disk.root / "notes.db"
    async with Store.open(db, author="bob") as store:
        await store.add_note("yesterday: db-2 replica lagging, watch it")
    full_disk.fill()
    app = OpsConsole(Inventory.local_only(), db_path=db)
    async with app.run_test(size=(160, 40)) as pilot:
        await eventually(lambda: "db-2 replica lagging" in pane_text(app), 15,
                         "the existing notes shown", pilot=pilot)
        assert "unavailable" in header_text(app)
        await type_note(pilot, "db-2 failover started")
        await eventually(lambda: "pending: db-2 failover started" in pending_text(app), 5,
                         "the note pending", pilot=pilot)
        assert str(db) in pending_text(app)  # the reason names the file
        full_disk.free()
        await eventually(lambda: "db-2 failover started" in pane_text(app), 40,
                         "the note written once space freed", pilot=pilot)
        assert pending_text(app).strip() == ""
    assert human_notes(db) == ["yesterday: db-2 replica lagging, watch it",
                               "db-2 failover started"]


async def test_quitting_while_the_disk_is_still_full_hands_back_every_typed_note(
        full_disk: FullDisk) -> None:
    db = full_disk.root / "notes.db"
    async with Store.open(db) as store:
        await store.add_note("an older note")
    full_disk.fill()
    app = OpsConsole(Inventory.local_only(), db_path=db)
    async with app.run_test(size=(160, 40)) as pilot:
        await eventually(lambda: "unavailable" in header_text(app), 15, "the reason",
                         pilot=pilot)
        await type_note(pilot, "rolled back 4.2")
        await eventually(lambda: "rolled back 4.2" in pending_text(app), 5, "pending",
                         pilot=pilot)
    assert [p.body for p in app.unsaved] == ["rolled back 4.2"]
    assert app.unsaved[0].error and str(db) in app.unsaved[0].error


# ------------------------------------------------------------------ damaged file

def damaged_database(tmp_path: Path) -> Path:
    """A real notes database, then pages 3 to 8 overwritten: page 1 (the header and
    schema) is intact, so SQLite opens it and finds the damage only when it reads."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    db = tmp_path / "notes.db"

    async def write() -> None:
        async with Store.open(db, author="carol") as store:
            for i in range(200):
                await store.add_note(f"note {i} " + "lorem ipsum " * 20)

    asyncio.run(write())
    with contextlib.closing(sqlite3.connect(db)) as conn:
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with db.open("r+b") as f:
        f.seek(page * 2)
        f.write(bytes((i * 37 + 11) % 256 for i in range(page * 6)))
    return db


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    return damaged_database(tmp_path)


def test_note_and_handoff_say_one_line_for_a_damaged_database(damaged: Path) -> None:
    before = sha256(damaged)
    env = {**os.environ, "HOME": tempfile.mkdtemp()}
    for args in (["note", "--db", str(damaged), "db-2 is back"],
                 ["handoff", "--db", str(damaged)]):
        proc = subprocess.run([sys.executable, "-m", "console", *args], capture_output=True,
                              text=True, timeout=60, env=env)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert proc.stderr.count("\n") == 1, proc.stderr
        assert proc.stderr.startswith(f"opsconsole: notes database {damaged} is damaged")
        assert ".recover" in proc.stderr and ".backup" in proc.stderr
    assert sha256(damaged) == before


async def test_the_console_refuses_a_damaged_database_and_leaves_it_untouched(
        damaged: Path) -> None:
    before = sha256(damaged)
    app = OpsConsole(Inventory.local_only(), db_path=damaged)
    async with app.run_test(size=(160, 40)) as pilot:
        await eventually(lambda: "damaged" in header_text(app), 15, "the reason",
                         pilot=pilot)
        assert ".recover" in header_text(app)
        table = app.main_screen.query_one("#fleet")
        await eventually(lambda: table.cells_of("localhost").get("state") == "up", 10,
                         "the fleet still live", pilot=pilot)
        assert app.store is None
    assert sha256(damaged) == before
    with pytest.raises(StoreCorrupt):
        await Store.connect(damaged)
    assert sha256(damaged) == before


async def test_quitting_with_queued_store_changes_never_calls_into_the_gone_screen(
        tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    app = OpsConsole(Inventory.local_only(), db_path=db)
    failures: list[SubscriberFailed] = []
    lock = None
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await eventually(lambda: app.store is not None, 10, "the store", pilot=pilot)
            assert app.store is not None
            app.store.bus.subscribe(SubscriberFailed, failures.append)
            lock = sqlite3.connect(db, isolation_level=None, timeout=10)
            lock.execute("BEGIN EXCLUSIVE")
            await type_note(pilot, "switching traffic to eu-west")
            await eventually(lambda: "pending" in pending_text(app), 5, "pending",
                             pilot=pilot)
        # The outbox kept retrying through the quit, publishing each attempt: nothing
        # that listened from the screen was still subscribed to fail.
    finally:
        if lock is not None:
            lock.close()
    assert failures == []
    assert [p.body for p in app.unsaved] == ["switching traffic to eu-west"]


async def test_damage_found_while_running_stops_every_write_and_keeps_the_note(
        tmp_path: Path) -> None:
    """SQLite's corruption error met after the file opened (a page that quick_check did
    not read yet, a disk going bad): from then on nothing is written, and the note that
    met it is handed back, not dropped."""
    damaged = await asyncio.to_thread(damaged_database, tmp_path / "elsewhere")
    with (contextlib.closing(sqlite3.connect(damaged)) as conn,
          pytest.raises(sqlite3.DatabaseError) as found):
        conn.execute("SELECT count(*), max(length(body)) FROM notes").fetchall()
    db = tmp_path / "notes.db"
    store = await Store.connect(db)
    try:
        await store.add_note("written before the damage")
        with pytest.raises(StoreCorrupt):
            store.check_storage_error(found.value)
        pending = store.outbox.submit("after the damage")
        await store.outbox.flush(5)
        assert pending.state == "failed" and pending.error == store.corrupt
        assert ".recover" in (store.corrupt or "")
        with pytest.raises(StoreCorrupt):
            await store.add_note("refused as well")
    finally:
        unsaved = await store.close()
    assert [p.body for p in unsaved] == ["after the damage"]
    assert human_notes(db) == ["written before the damage"]  # nothing written after
