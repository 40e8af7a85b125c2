"""CPU% of a process as top shows it (over the last interval), not ps's lifetime
average: a process that idled, then spins, must show as busy now."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from console.fleet.fleet import Fleet
from console.fleet.host_probe import top_processes
from console.inventory import Inventory
from console.metrics.parsers.proc_pid_stat import CpuReading, interval_cpu, parse_stat_line


def test_stat_line_with_a_hostile_name() -> None:
    line = "4242 (a) (b c) R 1 4242 4242 0 -1 4194304 100 0 0 0 350 50 0 0 20 0 1 0 9"
    assert parse_stat_line(line) == (4242, 400)
    assert parse_stat_line("garbage") is None
    before = CpuReading(100.0, {1: 100, 2: 500, 3: 10})
    after = CpuReading(102.0, {1: 300, 2: 20, 4: 50})  # 2 reused its pid, 4 is new
    assert interval_cpu(before, after, 100) == {1: 100.0, 2: 10.0, 4: 25.0}
    assert interval_cpu(after, before, 100) == {}  # rebooted: no figure, not nonsense


async def test_a_process_that_idled_then_spins_shows_busy_now() -> None:
    # Idle for 4 s, then spin: its lifetime average is well under its current use.
    code = "import time; time.sleep(4)\nwhile True: pass"
    spinner = subprocess.Popen([sys.executable, "-c", code])
    fleet = Fleet(Inventory.local_only())
    try:
        await asyncio.sleep(4.2)
        first = await top_processes(fleet, "localhost", n=400)
        await asyncio.sleep(1.5)  # the host screen probes every few seconds
        second = await top_processes(fleet, "localhost", n=400, previous=first)
        assert first.cpu_window_s is not None and 0.3 < first.cpu_window_s < 2
        assert second.cpu_window_s is not None and second.cpu_window_s >= 1.5
        mine = next(p for p in second.by_cpu if p.pid == spinner.pid)
        # A spinning core, on a machine it shares with every other test.
        assert mine.cpu_pct is not None and mine.cpu_pct > 20
        ps = subprocess.run(["ps", "-o", "pcpu=", "-p", str(spinner.pid)],
                            capture_output=True, text=True, check=True)
        # ps averages over the idle start too: well under what it uses now.
        assert float(ps.stdout) < mine.cpu_pct * 0.75, (ps.stdout, mine.cpu_pct)
    finally:
        spinner.kill()
        spinner.wait()
