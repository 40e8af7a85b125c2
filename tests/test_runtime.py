"""The console's runtime: uvloop and the collector's threshold, and the real entry point
opening and quitting in a terminal on them."""

from __future__ import annotations

import asyncio
import gc
import os
import pty
import select
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
