"""The console's runtime: uvloop and the collector's threshold, and the real entry point
opening and quitting in a terminal on them."""

from __future__ import annotations

import asyncio
import gc
import os
import pty
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import uvloop

from console.runtime import GC_GEN0_THRESHOLD, run_long


async def test_async_tests_run_on_the_loop_the_console_runs_on() -> None:
    assert isinstance(asyncio.get_running_loop(), uvloop.Loop)


def test_run_long_runs_on_uvloop_with_a_raised_gen0_threshold() -> None:
    before = gc.get_threshold()

    async def which_loop() -> type:
        await asyncio.sleep(0)
        return type(asyncio.get_running_loop())

    try:
        assert run_long(which_loop()) is uvloop.Loop
        assert gc.get_threshold() == (GC_GEN0_THRESHOLD, *before[1:])
    finally:
        gc.set_threshold(*before)


def _read_until(fd: int, proc: subprocess.Popen[bytes], needle: bytes, seconds: float
                ) -> bytes:
    seen = b""
    deadline = time.monotonic() + seconds
    while needle not in seen and time.monotonic() < deadline and proc.poll() is None:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break
    return seen


def test_the_console_opens_on_this_machine_and_quits_in_a_terminal(tmp_path: Path) -> None:
    """README's first command, in a real pseudo-terminal: `opsconsole` with no inventory
    shows this machine live, and Ctrl+Q ends it cleanly (exit status 0)."""
    main, child = pty.openpty()
    os.set_blocking(main, False)
    env = {**os.environ, "HOME": str(tmp_path), "TERM": "xterm-256color",
           "COLUMNS": "120", "LINES": "30", "XDG_DATA_HOME": str(tmp_path / "data")}
    proc = subprocess.Popen([sys.executable, "-m", "console", "--db", str(tmp_path / "n.db")],
                            stdin=child, stdout=child, stderr=child, env=env,
                            start_new_session=True)
    os.close(child)
    try:
        screen = _read_until(main, proc, b"\xe2\x96\xb2 1 up", 30)  # "▲ 1 up": live
        assert b"\xe2\x96\xb2 1 up" in screen, screen[-2000:]
        os.write(main, b"\x11")  # Ctrl+Q
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main)


def _start_console(tmp_path: Path, db: Path) -> tuple[int, subprocess.Popen[bytes]]:
    main, child = pty.openpty()
    os.set_blocking(main, False)
    env = {**os.environ, "HOME": str(tmp_path), "TERM": "xterm-256color",
           "COLUMNS": "140", "LINES": "30", "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_STATE_HOME": str(tmp_path / "state"), "OPSCONSOLE_AUTHOR": "alice"}
    proc = subprocess.Popen([sys.executable, "-m", "console", "--db", str(db)],
                            stdin=child, stdout=child, stderr=child, env=env,
                            start_new_session=True)
    os.close(child)
    return main, proc


def _type_note(main: int, proc: subprocess.Popen[bytes], text: str) -> bytes:
    seen = _read_until(main, proc, b"alice (you)", 30)  # the notes store is open
    assert b"alice (you)" in seen, seen[-2000:]
    os.write(main, b"m")
    time.sleep(0.3)
    os.write(main, text.encode() + b"\r")
    return seen


def _restored(output: bytes) -> bool:
    """Alternate screen left and mouse reporting off: the shell gets its terminal back."""
    return b"\x1b[?1049l" in output and b"\x1b[?1000l" in output


def test_sigterm_with_a_pending_note_restores_the_terminal_and_keeps_the_note(
        tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    main, proc = _start_console(tmp_path, db)
    lock: sqlite3.Connection | None = None
    try:
        _read_until(main, proc, b"alice (you)", 30)
        # Another writer holds the database: the note can only be pending.
        lock = sqlite3.connect(db, isolation_level=None, timeout=10)
        lock.execute("BEGIN EXCLUSIVE")
        os.write(main, b"m")
        time.sleep(0.3)
        os.write(main, b"failover of db-2 started\r")
        seen = _read_until(main, proc, b"pending", 20)
        assert b"pending" in seen, seen[-2000:]
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=30) == 1
        output = _drain(main)  # everything written after the signal
        assert _restored(output), output[-800:]
        assert b"Traceback" not in output
        assert b"failover of db-2 started" in output.split(b"\x1b[?1049l")[-1]
        saved = list((tmp_path / "state" / "opsconsole" / "unsaved").iterdir())
        assert len(saved) == 1 and "failover of db-2 started" in saved[0].read_text()
    finally:
        if lock is not None:
            lock.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main)


def test_sighup_writes_the_typed_note_and_restores_the_terminal(tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    main, proc = _start_console(tmp_path, db)
    try:
        _type_note(main, proc, "rebooted web-3 after the kernel patch")
        seen = _read_until(main, proc, b"kernel patch", 20)
        assert b"kernel patch" in seen
        os.kill(proc.pid, signal.SIGHUP)
        assert proc.wait(timeout=30) == 0
        output = _drain(main)  # everything written after the signal
        assert _restored(output), output[-800:]
        assert b"Traceback" not in output
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main)
    with sqlite3.connect(db) as conn:
        bodies = [row[0] for row in conn.execute("SELECT body FROM notes WHERE kind='human'")]
    assert bodies == ["rebooted web-3 after the kernel patch"]


def _drain(fd: int) -> bytes:
    out = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            return out
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return out
        if not chunk:
            return out
        out += chunk
