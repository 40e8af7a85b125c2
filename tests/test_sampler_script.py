"""The real sampler command, run by real shells on this machine."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import time

import pytest

from console.metrics.frame import FrameParser
from console.metrics.parsers.diskstats import partition_parent
from console.metrics.parsers.proc_pid_stat import CPU_MARKER, parse_cpu_section
from console.metrics.parsers.ps import parse_ps
from console.metrics.rates import RateCalculator
from console.metrics.raw import RawSample
from console.transport.sampler_script import (
    df_every,
    sampler_command,
    sampler_once_command,
    top_processes_command,
)

INTERVAL = 0.2
# /bin/sh always; dash and bash too when this machine has them (dash is Debian's sh).
SHELLS = ["/bin/sh"] + [p for p in (shutil.which("dash"), shutil.which("bash")) if p]


def start(shell: str, restore_signals: bool = True) -> subprocess.Popen[bytes]:
    # The command is what an SSH exec would run: the login shell gets `exec SHELL -c '...'`.
    return subprocess.Popen(
        [shell, "-c", sampler_command(INTERVAL, shell=shell)],
        stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, restore_signals=restore_signals,
    )


def read_frames(proc: subprocess.Popen[bytes], parser: FrameParser, count: int,
                timeout: float = 15.0) -> list[RawSample]:
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    samples: list[RawSample] = []
    deadline = time.monotonic() + timeout
    while len(samples) < count and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            chunk = os.read(fd, 65536)
            assert chunk, "sampler exited early"
            samples += parser.feed(chunk.decode("utf-8", errors="replace"))
    return samples


@pytest.mark.parametrize("shell", SHELLS)
def test_real_sampler_frames_parse_into_sensible_samples(shell: str) -> None:
    proc = start(shell)
    try:
        parser = FrameParser()
        samples = read_frames(proc, parser, 2)
    finally:
        proc.kill()
        proc.wait()
    assert len(samples) == 2
    assert parser.pid == proc.pid  # exec chain: the pid line names the loop shell itself
    assert parser.last_seq == 2 and parser.dropped_frames == 0
    for s in samples:
        assert s.problems == ()
        assert s.cpu is not None and s.cpu.total > 0
        assert s.memory is not None and s.memory.total > 0
        assert s.filesystems and all(f.total > 0 for f in s.filesystems)
        assert s.cpu_count == os.cpu_count()
        assert s.processes is not None and s.processes > 1
    calc = RateCalculator()
    calc.update(samples[0])
    rates = calc.update(samples[1])
    assert rates.cpu_pct is not None and 0 <= rates.cpu_pct <= 100
    assert rates.net_rx_bps is not None and rates.net_rx_bps >= 0
    assert samples[1].uptime_s is not None and samples[0].uptime_s is not None
    # /proc/uptime has 10 ms steps and 6453.61 - 6453.41 is 0.19999... in floating point.
    assert INTERVAL - 0.011 <= samples[1].uptime_s - samples[0].uptime_s < INTERVAL + 2


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("sigpipe", ["default", "ignored"])
def test_loop_dies_when_its_stdout_is_closed(shell: str, sigpipe: str) -> None:
    # Python itself ignores SIGPIPE: without restore_signals the child inherits
    # SIG_IGN, as under an sshd that ignores it, and must exit on the write error.
    proc = start(shell, restore_signals=sigpipe == "default")
    try:
        assert read_frames(proc, FrameParser(), 1)
        assert proc.stdout is not None
        proc.stdout.close()
        closed_at = time.monotonic()
        proc.wait(timeout=INTERVAL + 1)
        assert time.monotonic() - closed_at < INTERVAL + 1
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_df_runs_every_disk_interval_and_the_frames_between_repeat_it() -> None:
    """disk_interval 3x the interval: df in frames 1, 4, 7; frames 2, 3, 5, 6 carry
    its figures again, marked repeated, and are otherwise complete and new."""
    proc = subprocess.Popen(
        ["/bin/sh", "-c", sampler_command(INTERVAL, disk_interval=3 * INTERVAL)],
        stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        samples = read_frames(proc, FrameParser(), 7)
    finally:
        proc.kill()
        proc.wait()
    assert [s.filesystems_repeated for s in samples] == [False, True, True] * 2 + [False]
    for s in samples:
        assert s.problems == () and s.filesystems and s.mounted
        assert s.cpu is not None and s.memory is not None and s.uptime_s is not None
    assert samples[1].filesystems == samples[0].filesystems
    assert len({s.uptime_s for s in samples}) == 7  # every frame read /proc afresh


def test_df_every_is_the_nearest_whole_number_of_intervals() -> None:
    assert df_every(2, 10) == 5
    assert df_every(3, 10) == 3
    assert df_every(2, 2) == df_every(5, 2) == 1  # never less than every frame
    assert df_every(0.5, 10) == 20


def test_once_command_prints_one_frame_and_exits() -> None:
    out = subprocess.run(["/bin/sh", "-c", sampler_once_command()], capture_output=True,
                         timeout=15, check=True)
    parser = FrameParser()
    samples = parser.feed(out.stdout.decode("utf-8", errors="replace"))
    assert len(samples) == 1 and samples[0].problems == () and parser.pid is None
    assert samples[0].memory is not None and samples[0].filesystems


def test_sampler_sends_every_disk_the_console_keeps() -> None:
    """The host-side diskstats filter only drops what the console would drop anyway:
    idle ram/loop/zram devices."""
    out = subprocess.run(["/bin/sh", "-c", sampler_once_command()], capture_output=True,
                         timeout=15, check=True).stdout.decode()
    [s] = FrameParser().feed(out)
    with open("/proc/diskstats") as f:
        fields = [line.split() for line in f]
    names = {f[2] for f in fields}
    expected = {f[2] for f in fields
                if partition_parent(f[2], names) is None
                and not (f[2].startswith(("ram", "loop", "zram")) and f[3] == f[7] == "0")}
    assert {d.device for d in s.disks} == expected


def test_command_is_one_line_and_safe_to_quote() -> None:
    for cmd in (sampler_command(2), sampler_once_command(), top_processes_command(5)):
        assert "\n" not in cmd and cmd.startswith("exec /bin/sh -c '") and cmd.count("'") == 2
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            sampler_command(bad)
    assert "S=2.5;" in sampler_command(2.5) and "|| S=3;" in sampler_command(2.5)


def test_top_processes_on_this_machine() -> None:
    out = subprocess.run(["/bin/sh", "-c", top_processes_command(5)], capture_output=True,
                         timeout=15, check=True)
    ps_text, marker, cpu_text = out.stdout.decode("utf-8", errors="replace").partition(
        CPU_MARKER)
    top = parse_ps(ps_text, n=5)
    hz, readings = parse_cpu_section(marker + cpu_text)
    assert hz > 0 and len(readings) == 2 and readings[1].uptime_s > readings[0].uptime_s
    assert 1 <= len(top.by_cpu) <= 5 and 1 <= len(top.by_mem) <= 5
    rss = [p.rss or 0 for p in top.by_mem]
    assert rss == sorted(rss, reverse=True) and rss[0] > 0
    assert all(p.cpu_pct is not None and p.user for p in top.by_cpu)
