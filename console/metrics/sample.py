"""Figures computed from two consecutive raw samples: what the UI and alerts read.

A figure is None when it cannot be known honestly (first sample, missing section,
counter reset): the UI shows a dash rather than a made-up number.
Read-only by convention, not frozen, for the reason given in raw.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from console.metrics.raw import Filesystem


@dataclass(slots=True)
class InterfaceRates:
    interface: str
    rx_bps: float | None  # bytes per second
    tx_bps: float | None
    errors_ps: float | None  # rx+tx errors per second
    drops_ps: float | None


@dataclass(slots=True)
class DiskRates:
    device: str
    read_bps: float | None
    write_bps: float | None
    util_pct: float | None


@dataclass(slots=True)
class Sample:
    wall_time: float
    taken_at: float  # monotonic
    cpu_pct: float | None = None
    cpu_user_pct: float | None = None
    cpu_system_pct: float | None = None
    cpu_iowait_pct: float | None = None
    cpu_steal_pct: float | None = None
    cpu_count: int | None = None
    mem_pct: float | None = None
    mem_total: int | None = None
    mem_used: int | None = None
    swap_pct: float | None = None
    load1: float | None = None
    load5: float | None = None
    load15: float | None = None
    load_per_core: float | None = None
    filesystems: tuple[Filesystem, ...] = ()
    mounted: frozenset[str] | None = None  # see RawSample.mounted
    # The last df's filesystems again (RawSample.filesystems_repeated): shown, but not
    # a new reading for an alert's `for`.
    filesystems_repeated: bool = False
    disk_max_pct: float | None = None
    disk_max_mount: str | None = None
    inode_max_pct: float | None = None
    net_rx_bps: float | None = None
    net_tx_bps: float | None = None
    net_errors_ps: float | None = None
    net_drops_ps: float | None = None  # rx+tx drops per second, loopback excluded
    interfaces: tuple[InterfaceRates, ...] = ()
    disk_read_bps: float | None = None
    disk_write_bps: float | None = None
    disk_util_max_pct: float | None = None
    disks: tuple[DiskRates, ...] = ()
    uptime_s: float | None = None
    processes: int | None = None
    rtt_ms: float | None = None
    # rtt_ms is measured every few samples (RTT_EVERY_S); the samples in between carry
    # the last reading again, and must not count as new readings for an alert's `for`.
    rtt_repeated: bool = False
    problems: tuple[str, ...] = field(default=())
