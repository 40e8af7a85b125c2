"""Raw counters as a host reports them, before any rate is computed.

Both sources produce these: the SSH sampler (parsed from /proc and `df`) and the
local machine (read through psutil). Everything downstream (rates, thresholds, UI)
therefore works the same for a remote host and for the jump host itself.
All sizes are bytes; CPU times are in any consistent unit (jiffies or seconds),
since only their ratios matter.

Read-only by convention, not frozen: a frozen dataclass sets each field through
object.__setattr__, and these are built by the hundred per second per fleet (frozen,
parsing and rates cost a fifth more). Nothing changes a sample once built.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class CpuTimes:
    user: float
    nice: float
    system: float
    idle: float
    iowait: float = 0.0
    irq: float = 0.0
    softirq: float = 0.0
    steal: float = 0.0

    @property
    def total(self) -> float:
        # guest/guest_nice are already included in user/nice by the kernel.
        return (
            self.user + self.nice + self.system + self.idle + self.iowait
            + self.irq + self.softirq + self.steal
        )


@dataclass(slots=True)
class Memory:
    total: int
    available: int
    swap_total: int = 0
    swap_free: int = 0


@dataclass(slots=True)
class Load:
    load1: float
    load5: float
    load15: float
    running: int | None = None
    processes: int | None = None


@dataclass(slots=True)
class NetCounters:
    interface: str
    rx_bytes: int
    tx_bytes: int
    rx_packets: int = 0
    tx_packets: int = 0
    rx_errors: int = 0
    tx_errors: int = 0
    rx_drops: int = 0
    tx_drops: int = 0


@dataclass(slots=True)
class DiskCounters:
    device: str
    read_bytes: int
    write_bytes: int
    reads: int = 0
    writes: int = 0
    busy_ms: int = 0  # time spent doing I/O: utilisation = Δbusy_ms / Δwall_ms


@dataclass(slots=True)
class Filesystem:
    device: str
    mount: str
    total: int
    used: int
    available: int
    fstype: str = ""
    inodes_total: int | None = None
    inodes_used: int | None = None

    @property
    def used_pct(self) -> float | None:
        # As df computes Use%: used / (used + available), which accounts for the
        # blocks reserved for root.
        denom = self.used + self.available
        return None if denom <= 0 else 100.0 * self.used / denom

    @property
    def inodes_pct(self) -> float | None:
        if not self.inodes_total or self.inodes_used is None:
            return None
        return 100.0 * self.inodes_used / self.inodes_total


@dataclass(slots=True)
class RawSample:
    """One snapshot of a host. Any part may be missing when its source failed."""

    taken_at: float  # time.monotonic() on the console when the frame was complete
    wall_time: float  # time.time() at the same moment, for display
    cpu: CpuTimes | None = None
    cpu_count: int | None = None
    memory: Memory | None = None
    load: Load | None = None
    net: tuple[NetCounters, ...] = ()
    disks: tuple[DiskCounters, ...] = ()
    filesystems: tuple[Filesystem, ...] = ()
    # Every mount point the host lists (from /proc/self/mounts), whether df reported
    # it or not: a mount missing from df but still mounted is UNKNOWN, not gone.
    mounted: frozenset[str] | None = None
    # True when the sampler skipped df this frame (it runs every few frames,
    # console_disk_interval): filesystems and mounted are the last df's, again.
    filesystems_repeated: bool = False
    uptime_s: float | None = None
    processes: int | None = None
    problems: tuple[str, ...] = field(default=())  # sections that failed to parse
