"""The local machine through psutil reads like the same machine through the sampler."""

from __future__ import annotations

import os
import subprocess
import time

import psutil

from console.metrics.frame import FrameParser
from console.metrics.rates import RateCalculator
from console.transport.local_sample import _part, read_local_raw
from console.transport.sampler_script import sampler_once_command


def test_local_raw_matches_psutil() -> None:
    raw = read_local_raw()
    assert raw.problems == ()
    assert raw.cpu is not None and raw.cpu.total > 0
    assert raw.memory is not None and raw.memory.total == psutil.virtual_memory().total
    assert raw.cpu_count == psutil.cpu_count()
    assert raw.load is not None and raw.load.load1 >= 0
    assert raw.processes is not None and abs(raw.processes - len(psutil.pids())) < 50
    assert {n.interface for n in raw.net} == set(psutil.net_io_counters(pernic=True))
    assert raw.uptime_s is not None
    assert abs(raw.uptime_s - (time.time() - psutil.boot_time())) < 5
    for fs in raw.filesystems:
        usage = psutil.disk_usage(fs.mount)
        assert fs.total == usage.total
        st = os.statvfs(fs.mount)
        assert fs.inodes_total in (st.f_files, None)


def test_local_and_sampler_agree_on_this_machine() -> None:
    local = read_local_raw()
    out = subprocess.run(["/bin/sh", "-c", sampler_once_command()], capture_output=True,
                         timeout=15, check=True)
    (remote,) = FrameParser().feed(out.stdout.decode())
    assert local.memory is not None and remote.memory is not None
    assert local.memory.total == remote.memory.total
    assert local.cpu_count == remote.cpu_count
    assert {f.mount for f in local.filesystems} == {f.mount for f in remote.filesystems}
    assert {d.device for d in local.disks} == {d.device for d in remote.disks}
    assert {n.interface for n in local.net} == {n.interface for n in remote.net}
    assert local.uptime_s is not None and remote.uptime_s is not None
    assert abs(local.uptime_s - remote.uptime_s) < 5


def test_two_local_samples_give_rates() -> None:
    calc = RateCalculator()
    first = calc.update(read_local_raw())
    assert first.cpu_pct is None and first.mem_pct is not None
    time.sleep(0.3)
    s = calc.update(read_local_raw())
    assert s.cpu_pct is not None and 0 <= s.cpu_pct <= 100
    assert s.net_rx_bps is not None and s.net_rx_bps >= 0


def test_a_failing_part_becomes_a_problem() -> None:
    problems: list[str] = []

    def denied() -> int:
        raise PermissionError("/proc/diskstats: permission denied")

    assert _part("diskstats", denied, problems) is None
    assert problems == ["diskstats: PermissionError: /proc/diskstats: permission denied"]
