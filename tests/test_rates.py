"""RateCalculator: honest figures from raw pairs; never negative, never a spike."""

from __future__ import annotations

import dataclasses
import math
import random
from pathlib import Path

from console.metrics.frame import FrameParser
from console.metrics.rates import RateCalculator
from console.metrics.raw import (
    CpuTimes,
    DiskCounters,
    Filesystem,
    Load,
    Memory,
    NetCounters,
    RawSample,
)
from console.metrics.sample import Sample

GiB = 1024**3


def raw(t: float, *, uptime: float | None = None, cpu: CpuTimes | None = None,
        net: tuple[NetCounters, ...] = (), disks: tuple[DiskCounters, ...] = (),
        memory: Memory | None = None, load: Load | None = None, cpu_count: int | None = 4,
        filesystems: tuple[Filesystem, ...] = ()) -> RawSample:
    return RawSample(taken_at=t, wall_time=1e9 + t, uptime_s=uptime, cpu=cpu, net=net,
                     disks=disks, memory=memory, load=load, cpu_count=cpu_count,
                     filesystems=filesystems)


def nic(name: str, rx: int, tx: int, err: int = 0, drop: int = 0) -> NetCounters:
    return NetCounters(name, rx, tx, rx_errors=err, tx_errors=err, rx_drops=drop,
                       tx_drops=drop)


def test_first_sample_has_absolutes_and_no_rates() -> None:
    fs = (Filesystem("/dev/sda1", "/", 100 * GiB, 85 * GiB, 15 * GiB, "ext4", 1000, 950),
          Filesystem("/dev/sdb1", "/data x", 100 * GiB, 10 * GiB, 90 * GiB, "xfs"))
    s = RateCalculator().update(raw(
        1.0, uptime=50.0, cpu=CpuTimes(10, 0, 10, 80),
        memory=Memory(16 * GiB, 4 * GiB, 2 * GiB, 1 * GiB), load=Load(6.0, 3.0, 1.0),
        net=(nic("eth0", 100, 100),), disks=(DiskCounters("sda", 1, 1),), filesystems=fs,
    ), rtt_ms=12.5)
    assert s.cpu_pct is None and s.net_rx_bps is None and s.disk_read_bps is None
    assert s.interfaces[0].rx_bps is None and s.disks[0].util_pct is None
    assert s.mem_pct == 75.0 and s.mem_used == 12 * GiB and s.swap_pct == 50.0
    assert (s.load1, s.load_per_core) == (6.0, 1.5)
    assert s.disk_max_pct == 85.0 and s.disk_max_mount == "/" and s.inode_max_pct == 95.0
    assert s.rtt_ms == 12.5 and s.uptime_s == 50.0


def test_cpu_split_like_htop() -> None:
    calc = RateCalculator()
    calc.update(raw(0, cpu=CpuTimes(100, 0, 100, 700, iowait=100)))
    # +30 user +10 nice +20 system +10 softirq +20 idle +5 iowait +5 steal = 100 ticks
    s = calc.update(raw(1, cpu=CpuTimes(130, 10, 120, 720, iowait=105, softirq=10, steal=5)))
    assert s.cpu_pct is not None and math.isclose(s.cpu_pct, 75.0)
    assert math.isclose(s.cpu_user_pct or 0, 40.0)
    assert math.isclose(s.cpu_system_pct or 0, 30.0)
    assert math.isclose(s.cpu_iowait_pct or 0, 5.0) and math.isclose(s.cpu_steal_pct or 0, 5.0)


def test_iowait_stepping_back_is_tolerated_but_user_reset_is_not() -> None:
    calc = RateCalculator()
    calc.update(raw(0, cpu=CpuTimes(100, 0, 100, 700, iowait=100)))
    s = calc.update(raw(1, cpu=CpuTimes(150, 0, 100, 750, iowait=98)))
    assert s.cpu_pct is not None and math.isclose(s.cpu_pct, 50.0)
    s = calc.update(raw(2, cpu=CpuTimes(10, 0, 5, 30, iowait=1)))  # counters restarted
    assert s.cpu_pct is None


def test_net_rates_skip_loopback_and_handle_resets_and_new_interfaces() -> None:
    calc = RateCalculator()
    calc.update(raw(0, uptime=100.0, net=(nic("lo", 0, 0), nic("eth0", 1000, 2000, 1, 2),
                                          nic("eth1", 5000, 5000))))
    s = calc.update(raw(99.0, uptime=102.0, net=(
        nic("lo", 10**9, 10**9), nic("eth0", 5000, 4000, 3, 6),
        nic("eth1", 10, 10),  # counters reset (driver reload)
        nic("veth9", 10**6, 10**6),  # appeared
    )))
    rates = {r.interface: r for r in s.interfaces}
    # Δt comes from the host's uptime (2 s), not the console's arrival times (99 s).
    assert (rates["eth0"].rx_bps, rates["eth0"].tx_bps) == (2000.0, 1000.0)
    assert (rates["eth0"].errors_ps, rates["eth0"].drops_ps) == (2.0, 4.0)
    assert rates["eth1"].rx_bps is None and rates["veth9"].rx_bps is None
    assert rates["lo"].rx_bps == 5e8
    assert (s.net_rx_bps, s.net_tx_bps, s.net_errors_ps, s.net_drops_ps) == (
        2000.0, 1000.0, 2.0, 4.0)
    s = calc.update(raw(100.0, uptime=104.0, net=(nic("lo", 10**9, 10**9),)))  # eth* vanished
    assert s.net_rx_bps is None and s.interfaces[0].rx_bps == 0.0


def test_disk_rates_util_clamped_and_stacked_not_double_counted() -> None:
    calc = RateCalculator()
    calc.update(raw(0, disks=(DiskCounters("sda", 0, 0, busy_ms=0),
                              DiskCounters("dm-0", 0, 0, busy_ms=0),
                              DiskCounters("nvme0n1", 0, 0, busy_ms=0))))
    s = calc.update(raw(2, disks=(DiskCounters("sda", 4096, 8192, busy_ms=1000),
                                  DiskCounters("dm-0", 4096, 8192, busy_ms=500),
                                  DiskCounters("nvme0n1", 0, 0, busy_ms=2600))))
    d = {r.device: r for r in s.disks}
    assert (d["sda"].read_bps, d["sda"].write_bps, d["sda"].util_pct) == (2048.0, 4096.0, 50.0)
    assert d["nvme0n1"].util_pct == 100.0  # 2600 ms busy in 2 s: clamped, not 130 %
    assert (s.disk_read_bps, s.disk_write_bps, s.disk_util_max_pct) == (2048.0, 4096.0, 100.0)


def test_reboot_gives_none_then_recovers() -> None:
    calc = RateCalculator()
    before = dict(cpu=CpuTimes(10**6, 0, 10**6, 10**7), net=(nic("eth0", 10**12, 10**12),),
                  disks=(DiskCounters("sda", 10**12, 10**12, busy_ms=10**8),))
    calc.update(raw(0, uptime=10**6, **before))
    after = dict(cpu=CpuTimes(50, 0, 50, 900), net=(nic("eth0", 10**3, 10**3),),
                 disks=(DiskCounters("sda", 10**3, 10**3, busy_ms=10),))
    s = calc.update(raw(2, uptime=30.0, **after))
    assert (s.cpu_pct, s.net_rx_bps, s.disk_read_bps, s.disk_util_max_pct) == (None,) * 4
    assert any("reboot" in p for p in s.problems)
    s = calc.update(raw(4, uptime=32.0, cpu=CpuTimes(100, 0, 100, 1000),
                        net=(nic("eth0", 3000, 1000),),
                        disks=(DiskCounters("sda", 3000, 1000, busy_ms=10),)))
    assert s.cpu_pct == 50.0 and s.net_rx_bps == 1000.0 and s.disk_util_max_pct == 0.0


def test_non_positive_elapsed_time_gives_none() -> None:
    calc = RateCalculator()
    calc.update(raw(5.0, net=(nic("eth0", 0, 0),)))
    assert calc.update(raw(5.0, net=(nic("eth0", 10, 10),))).net_rx_bps is None
    assert calc.update(raw(4.0, net=(nic("eth0", 20, 20),))).net_rx_bps is None
    calc.update(raw(6.0, uptime=9.0, net=(nic("eth0", 30, 30),)))
    assert calc.update(raw(7.0, uptime=9.0, net=(nic("eth0", 40, 40),))).net_rx_bps is None


def _all_figures_sane(s: Sample) -> None:
    for name in ("cpu_pct", "cpu_user_pct", "cpu_system_pct", "cpu_iowait_pct",
                 "cpu_steal_pct", "mem_pct", "swap_pct", "disk_util_max_pct"):
        v = getattr(s, name)
        assert v is None or 0.0 <= v <= 100.0, (name, v)
    for name in ("net_rx_bps", "net_tx_bps", "net_errors_ps", "net_drops_ps",
                 "disk_read_bps", "disk_write_bps"):
        v = getattr(s, name)
        assert v is None or v >= 0, (name, v)
    for r in s.interfaces:
        assert all(v is None or v >= 0 for v in (r.rx_bps, r.tx_bps, r.errors_ps, r.drops_ps))
    for d in s.disks:
        assert all(v is None or v >= 0 for v in (d.read_bps, d.write_bps))
        assert d.util_pct is None or 0 <= d.util_pct <= 100


def test_random_counter_walks_with_resets_and_wraps_never_go_negative() -> None:
    rng = random.Random(42)
    calc = RateCalculator()
    counters = [0] * 12
    t, uptime = 0.0, 1000.0
    seen_none = seen_value = 0
    for _ in range(3000):
        for i in range(len(counters)):
            roll = rng.random()
            counters[i] = (rng.randrange(100) if roll < 0.03 else
                           (counters[i] + rng.randrange(10**6)) % 2**32)  # reset / 32-bit wrap
        t += rng.choice([0.0, -0.5, 2.0, 2.0, 2.0])
        uptime = rng.choice([uptime + 2.0, uptime + 2.0, uptime, 5.0])
        c = counters
        s = calc.update(raw(
            t, uptime=rng.choice([uptime, None]),
            cpu=CpuTimes(c[0], c[1], c[2], c[3], iowait=c[4], steal=c[5]),
            net=(nic("eth0", c[6], c[7], c[8] // 1000),),
            disks=(DiskCounters("sda", c[9], c[10], busy_ms=c[11] // 1000),),
            memory=Memory(8 * GiB, rng.randrange(9 * GiB)),
        ))
        _all_figures_sane(s)
        seen_none += s.net_rx_bps is None
        seen_value += s.net_rx_bps is not None
    assert seen_none > 100 and seen_value > 100


def test_rates_from_two_real_frames() -> None:
    frame = (Path(__file__).parent / "data" / "proc" / "frame_this_machine.txt").read_text()
    first = FrameParser().feed(frame)[0]
    later = dataclasses.replace(first, taken_at=first.taken_at + 2,
                                uptime_s=(first.uptime_s or 0) + 2)
    calc = RateCalculator()
    calc.update(first)
    s = calc.update(later)
    assert s.cpu_pct is None  # no CPU time passed between identical counters
    assert s.net_rx_bps == 0.0 and s.disk_read_bps == 0.0 and s.disk_util_max_pct == 0.0
    assert s.mem_pct is not None and 0 < s.mem_pct < 100
