"""Bad input from hosts and from the inventory: nothing crashes, nothing wrong looks real.

Two ways bad bytes reach the console here, both over a real SSH channel:

- A lab sshd with a `ForceCommand` wrapper that runs the console's own sampler but
  mangles its frames in flight (non-UTF-8 bytes in a record, a missing record, a
  noisy login banner, random bytes between frames, a frame cut mid-line, CRLF line
  ends, a corrupt df row), as a broken host or a chatty login would. The real
  `Fleet` reads that stream.
- Bytes captured over SSH (`/dev/urandom`, terminal escapes, the real sampler's
  frames) cut and interleaved at random, fed to FrameParser and RateCalculator.

Hosts with hundreds of mounts or interfaces and mount points with odd characters are
covered by tests/test_parsers.py (and a mount point with a space end to end by
tests/test_alerts_e2e.py).
"""

from __future__ import annotations

import asyncio
import math
import random
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from console.bus import EventBus
from console.events import AlertChanged, HostState, HostStateChanged
from console.fleet.events import SampleArrived
from console.fleet.fleet import Fleet
from console.format import DASH, pct
from console.inventory import load_inventory
from console.metrics.frame import FrameParser, build_raw_sample
from console.metrics.parsers.df import DfRow, parse_block_size, parse_fs_record
from console.metrics.rates import RateCalculator
from console.metrics.raw import RawSample
from console.metrics.sample import Sample
from console.severity import Severity
from console.transport.sampler_script import sampler_once_command
from tests.sshlab import SshLab, loopback_addresses
from tests.waiting import eventually

HOST = "host-1"

PCT_FIELDS = ("cpu_pct", "cpu_user_pct", "cpu_system_pct", "cpu_iowait_pct",
              "cpu_steal_pct", "mem_pct", "swap_pct", "disk_max_pct", "inode_max_pct",
              "disk_util_max_pct")
NON_NEGATIVE_FIELDS = ("load1", "load5", "load15", "load_per_core", "net_rx_bps",
                       "net_tx_bps", "net_errors_ps", "net_drops_ps", "disk_read_bps",
                       "disk_write_bps", "uptime_s", "processes", "rtt_ms")


def assert_sane(s: Sample) -> None:
    """No figure is negative, above 100 %, NaN or infinite: unknown is None."""
    for name in PCT_FIELDS:
        v = getattr(s, name)
        assert v is None or (math.isfinite(v) and 0.0 <= v <= 100.0), (name, v)
    for name in NON_NEGATIVE_FIELDS:
        v = getattr(s, name)
        assert v is None or (math.isfinite(v) and v >= 0), (name, v)
    assert s.cpu_count is None or s.cpu_count >= 1
    for fs in s.filesystems:
        for v in (fs.used_pct, fs.inodes_pct):
            assert v is None or 0.0 <= v <= 100.0, (fs.mount, v)
    for i in s.interfaces:
        for v in (i.rx_bps, i.tx_bps, i.errors_ps, i.drops_ps):
            assert v is None or (math.isfinite(v) and v >= 0), (i.interface, v)
    for d in s.disks:
        for v in (d.read_bps, d.write_bps):
            assert v is None or (math.isfinite(v) and v >= 0), (d.device, v)
        assert d.util_pct is None or 0.0 <= d.util_pct <= 100.0, (d.device, d.util_pct)


async def until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    return await eventually(predicate, timeout, what, period=0.02)


# ------------------------------------------------------------------ a host that mangles

# Runs as the ForceCommand of the lab sshd. Any other command (fleet.run, checks) runs
# untouched; the sampler loop has its frames mangled by sequence number.
WRAPPER = r'''#!{python}
import os, re, subprocess, sys

cmd = os.environ.get("SSH_ORIGINAL_COMMAND", "")
if "@@opsconsole-frame" not in cmd or "while" not in cmd:
    os.execv("/bin/sh", ["sh", "-c", cmd])

def noise(n):
    raw = os.urandom(n).replace(b"@", b"?")  # random bytes, but never a marker
    return raw + b"\n\x1b[2J\x1b[H\x1b]0;title\x07\x1b[31mred\x1b[0m\r\n"

def mangle(seq, frame):
    if seq == 2:    # non-UTF-8 bytes where a number should be
        return re.sub(rb"^m \d+", b"m \xff\xfe\x80", frame, flags=re.M)
    if seq == 3:    # a record missing
        return re.sub(rb"^m [^\n]*\n", b"", frame, flags=re.M)
    if seq == 4:    # garbage, then the frame cut mid-line: the link hiccuped
        cut = frame.index(b"\n", len(frame) // 2) - 3
        return noise(4096) + frame[:cut]
    if seq == 6:    # a corrupt aggregate cpu line
        return re.sub(rb"^c ", b"c \xc3\x28", frame, count=1, flags=re.M)
    if seq == 7:    # CRLF line ends, as a pty would add
        return frame.replace(b"\n", b"\r\n")
    if seq == 8:    # a df row with a corrupt figure
        return re.sub(rb"^f (\d)", rb"f x\1", frame, count=1, flags=re.M)
    if seq == 9:    # noise between frames, a stray end marker outside any frame
        return noise(2048) + b"@@end 9\n@@bogus\n" + frame
    return frame

out = sys.stdout.buffer
out.write(b"\x1b[1mWelcome\x1b[0m to a chatty host \xc3\x28\xff\xfe\n")
out.flush()
proc = subprocess.Popen(["/bin/sh", "-c", cmd], stdout=subprocess.PIPE)
try:
    frame = None
    for line in proc.stdout:
        if frame is None:
            if line.startswith(b"@@opsconsole-frame "):
                frame, seq = [line], int(line.split()[1])
            else:
                out.write(line)
                out.flush()
            continue
        frame.append(line)
        if line.startswith(b"@@end "):
            out.write(mangle(seq, b"".join(frame)))
            out.flush()
            frame = None
finally:
    proc.kill()
'''


async def test_mangled_sampler_stream_over_ssh_never_shows_a_wrong_figure(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    wrapper = tmp_path / "mangle.py"
    wrapper.write_text(WRAPPER.replace("{python}", sys.executable))
    wrapper.chmod(0o755)
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=81))
    with sshd.config_path.open("a") as config:
        config.write(f"ForceCommand {wrapper}\n")
    sshd.restart()

    thresholds = {"memory": {"warn": 1, "crit": None, "for": 1}}  # WARNING at once
    inventory = load_inventory(ssh_lab.write_inventory(
        ssh_lab.hosts_of(sshd), interval=0.3,
        # df in every frame: frame 8's df row is the one mangled
        extra_vars={"console_thresholds": thresholds, "console_disk_interval": 0.3}))
    bus = EventBus()
    samples: list[Sample] = []
    alerts: list[AlertChanged] = []
    states: list[HostState] = []
    bus.subscribe(SampleArrived, lambda e: samples.append(e.sample))
    bus.subscribe(AlertChanged, lambda e: alerts.append(e))
    bus.subscribe(HostStateChanged, lambda e: states.append(e.new.state))
    fleet = Fleet(inventory, bus)
    fleet.start()
    try:
        # Frames 1-11 less the two lost to the cut (4, and 5 glued onto it).
        await until(lambda: len(samples) >= 9, 20,
                    f"9 samples through the mangled stream\n{ssh_lab.log_tails()}")
        assert all(not task.done() for task in fleet._tasks), "a supervisor died"
        ordered = dict(zip((1, 2, 3, 6, 7, 8, 9, 10, 11), samples, strict=False))
    finally:
        await fleet.stop()

    for s in samples:
        assert_sane(s)
    assert states[0] is HostState.UP, states
    # Lost frames make the host stale for a moment; the link itself never broke.
    assert set(states) <= {HostState.UP, HostState.STALE}, states

    def problems(seq: int) -> str:
        return " | ".join(ordered[seq].problems)

    assert ordered[1].mem_pct is not None and ordered[1].cpu_pct is None  # no rate yet
    # Non-UTF-8 in MemTotal: memory unknown (a dash), not 0 and not the last figure.
    assert ordered[2].mem_pct is None and "meminfo" in problems(2)
    assert pct(ordered[2].mem_pct) == DASH
    assert ordered[2].cpu_pct is not None  # the rest of the frame is still used
    assert ordered[3].mem_pct is None and "meminfo: missing" in problems(3)
    # The cut frame and the one glued to it are dropped, and say so.
    assert "frame 4" in problems(6), problems(6)
    assert ordered[6].cpu_pct is None and "stat" in problems(6)
    assert ordered[6].mem_pct is not None
    # After a corrupt cpu line, the next rate has no honest base: None, not a spike.
    assert ordered[7].cpu_pct is None and ordered[7].problems == ()
    assert ordered[8].filesystems == () and ordered[8].disk_max_pct is None
    assert "df" in problems(8) and ordered[8].cpu_pct is not None
    for seq in (9, 10, 11):
        s = ordered[seq]
        assert s.problems == (), (seq, s.problems)
        assert None not in (s.cpu_pct, s.mem_pct, s.load1, s.disk_max_pct, s.net_rx_bps)
    # A missing memory figure changed no alert: it never read OK.
    assert not [a for a in alerts if a.key == "memory" and a.new is Severity.OK], alerts


# ------------------------------------------------------------------ captured bytes, fuzzed

async def _captured(ssh_lab: SshLab) -> tuple[list[str], list[str]]:
    """Three real sampler frames taken over SSH a moment apart, and real noise."""
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=82))
    fleet = Fleet(load_inventory(ssh_lab.write_inventory(ssh_lab.hosts_of(sshd))))
    fleet.start()
    try:
        await until(lambda: fleet.model.views[HOST].status.state is HostState.UP, 15,
                    "host up")
        frames = []
        for _ in range(3):
            result = await fleet.run(HOST, sampler_once_command())
            assert result.exit_status == 0, result
            frames.append(result.stdout)
            await asyncio.sleep(0.2)
        noise = []
        for command in ("head -c 20000 /dev/urandom",
                        r"printf '\033[31mred\033[0m\r\n\033]0;t\007@@\n@@end 1\n@@df\n'",
                        r"printf 'caf\351 \377\376 half a line'",
                        "cat /proc/self/status"):
            result = await fleet.run(HOST, command)
            noise.append(result.stdout)
    finally:
        await fleet.stop()
    return frames, noise


def _renumber(frame: str, seq: int) -> str:
    return re.sub(r"^@@end 1$", f"@@end {seq}",
                  frame.replace("@@opsconsole-frame 1\n", f"@@opsconsole-frame {seq}\n", 1),
                  flags=re.M)


#: The records of each section, by the sampler's tags.
TAGS = {"stat": "c", "meminfo": "m", "loadavg": "l", "uptime": "u", "netdev": "n",
        "diskstats": "d", "df": "bfe", "mounts": "Mx", "counts": "k"}


def _drop_section(frame: str, name: str) -> str:
    return "".join(line for line in frame.splitlines(keepends=True)
                   if line[:1] not in TAGS[name])


def _body(frame: str) -> str:
    return "".join(line for line in frame.splitlines(keepends=True)
                   if not line.startswith("@@"))


def _df_rows(frame: str) -> list[DfRow]:
    lines = _body(frame).splitlines()
    [block] = [parse_block_size(line.split()) for line in lines if line.startswith("b ")]
    return [parse_fs_record(line, block) for line in lines if line.startswith("f ")]


async def test_captured_bytes_cut_and_interleaved_never_crash_or_lie(
        ssh_lab: SshLab) -> None:
    frames, noise = await _captured(ssh_lab)
    assert "\ufffd" in noise[0], "urandom over ssh must arrive with replacement chars"
    clean = [build_raw_sample(_body(f), 0.0, 0.0) for f in frames]
    assert all(r.problems == () for r in clean), [r.problems for r in clean]

    # A frame missing a section: that figure is None, the others are the frame's own.
    calc, parser = RateCalculator(), FrameParser()
    (raw_a,) = parser.feed(_renumber(frames[0], 1))
    (raw_b,) = parser.feed(_renumber(_drop_section(frames[1], "meminfo"), 2))
    first, second = calc.update(raw_a), calc.update(raw_b)
    assert first.mem_pct is not None and second.mem_pct is None
    assert pct(second.mem_pct) == DASH and "meminfo: missing" in second.problems
    assert second.cpu_pct is not None and second.load1 == clean[1].load.load1

    # Random cuts, noise and chunking: every figure comes from one real frame, or is None.
    truth = {
        "cpu": [r.cpu for r in clean], "memory": [r.memory for r in clean],
        "load": [r.load for r in clean], "uptime_s": [r.uptime_s for r in clean],
    }
    # Every space and inode figure must be a real df row.
    df_rows = {(r.device, r.mount, r.total, r.used, r.available)
               for f in frames for r in _df_rows(f)}
    inodes = {(r.mount, r.inodes_total, r.inodes_used) for f in frames for r in _df_rows(f)}
    produced = 0
    for seed in range(150):
        rng = random.Random(seed)
        pieces = []
        for seq in range(1, rng.randint(4, 9)):
            kind = rng.random()
            frame = _renumber(frames[min(2, seq // 3)], seq)
            if kind < 0.3:
                frame = frame[:rng.randrange(len(frame))]  # cut anywhere, mid-character
            elif kind < 0.45:
                name = rng.choice(list(TAGS))
                frame = _drop_section(frame, name)
            if rng.random() < 0.5:
                junk = rng.choice(noise)
                start = rng.randrange(len(junk) or 1)
                pieces.append(junk[start:start + rng.randint(1, 3000)])
            pieces.append(frame)
        stream = "".join(pieces)
        parser, calc = FrameParser(), RateCalculator()
        raws: list[RawSample] = []
        pos = 0
        while pos < len(stream):
            size = rng.choice((1, 7, 64, 512, 4096, 65536))
            raws += parser.feed(stream[pos:pos + size])
            pos += size
        for raw in raws:
            for name, options in truth.items():
                value = getattr(raw, name)
                assert value in (*options, None), (seed, name, value)
            for fs in raw.filesystems:
                row = (fs.device, fs.mount, fs.total, fs.used, fs.available)
                assert row in df_rows, (seed, fs)
                assert fs.inodes_total is None or (
                    (fs.mount, fs.inodes_total, fs.inodes_used) in inodes), (seed, fs)
            assert_sane(calc.update(raw))
        produced += len(raws)
    assert produced > 150  # most streams still yield samples


# ------------------------------------------------------------------ bad inventory

def test_check_rejects_a_per_mount_threshold_that_is_not_a_number(tmp_path: Path) -> None:
    path = tmp_path / "inv.yaml"
    path.write_text(
        "all:\n"
        "  hosts:\n"
        "    web-1:\n"
        "      console_thresholds:\n"
        "        disk:\n"
        "          warn: 80\n"
        "          mounts:\n"
        "            /var/log: {warn: 90%}\n")
    done = subprocess.run([sys.executable, "-m", "console", "check", "-i", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    line = done.stderr.strip()
    assert line.startswith(f"opsconsole: {path}:4: all.hosts.web-1.console_thresholds: "), line
    assert "disk.mounts./var/log.warn" in line and "'90%'" in line, line

