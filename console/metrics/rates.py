"""RawSample pairs -> Sample: rates and percentages, honest or None.

Rules that keep a wrong figure from ever looking real:
- A rate needs the previous raw sample; the first sample has absolute figures
  (memory, load, disk use) and None rates.
- Elapsed time is the host's own clock when both frames carry /proc/uptime (it
  is read in the same pass as the counters, so SSH and event-loop jitter do not
  distort rates); otherwise the console's monotonic arrival time.
- Uptime going backwards means a reboot: every rate is None for that sample.
- Any counter that went backwards (reset, 32-bit wrap, interface re-created)
  gives None for that rate, never a negative number or a huge spike.
- Idle and iowait are the exception: some NOHZ kernels let them step back by a
  few ticks, so their negative deltas count as zero (as htop does).
- Host totals of network skip loopback; host totals of disk bytes skip dm-/md
  devices (their I/O is already counted on the disks below them). An interface
  or device without a usable delta (new, reset) is left out of the total.
"""

from __future__ import annotations

from collections.abc import Iterable

from console.metrics.parsers.diskstats import is_stacked
from console.metrics.parsers.net_dev import is_loopback
from console.metrics.raw import CpuTimes, DiskCounters, Filesystem, NetCounters, RawSample
from console.metrics.sample import DiskRates, InterfaceRates, Sample


def counter_rate(prev: int, cur: int, dt: float | None) -> float | None:
    if dt is None or dt <= 0:
        return None
    delta = cur - prev
    return None if delta < 0 else delta / dt


def _sum(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _net_totals(interfaces: tuple[InterfaceRates, ...]) -> list[float | None]:
    """rx, tx, errors and drops per second over every interface but loopback; each is
    the sum of the known rates, None when none is known (one pass, not four)."""
    totals: list[float | None] = [None, None, None, None]
    for r in interfaces:
        if is_loopback(r.interface):
            continue
        for i, v in enumerate((r.rx_bps, r.tx_bps, r.errors_ps, r.drops_ps)):
            if v is not None:
                t = totals[i]
                totals[i] = v if t is None else t + v
    return totals


def _clamp_pct(value: float) -> float:
    return min(100.0, max(0.0, value))


def cpu_split(prev: CpuTimes, cur: CpuTimes) -> dict[str, float] | None:
    """busy/user/system/iowait/steal % over the interval, htop's way."""
    user = cur.user - prev.user
    nice = cur.nice - prev.nice
    system = cur.system - prev.system
    irq = cur.irq - prev.irq
    softirq = cur.softirq - prev.softirq
    steal = cur.steal - prev.steal
    if min(user, nice, system, irq, softirq, steal) < 0:
        return None
    idle = max(0.0, cur.idle - prev.idle)
    iowait = max(0.0, cur.iowait - prev.iowait)
    total = user + nice + system + idle + iowait + irq + softirq + steal
    if total <= 0:
        return None
    return {
        "busy": _clamp_pct(100.0 * (total - idle - iowait) / total),
        "user": _clamp_pct(100.0 * (user + nice) / total),
        "system": _clamp_pct(100.0 * (system + irq + softirq) / total),
        "iowait": _clamp_pct(100.0 * iowait / total),
        "steal": _clamp_pct(100.0 * steal / total),
    }


def interface_rates(prev: NetCounters | None, cur: NetCounters, dt: float | None
                    ) -> InterfaceRates:
    if prev is None:
        return InterfaceRates(cur.interface, None, None, None, None)
    rx_err = counter_rate(prev.rx_errors, cur.rx_errors, dt)
    tx_err = counter_rate(prev.tx_errors, cur.tx_errors, dt)
    rx_drop = counter_rate(prev.rx_drops, cur.rx_drops, dt)
    tx_drop = counter_rate(prev.tx_drops, cur.tx_drops, dt)
    return InterfaceRates(
        interface=cur.interface,
        rx_bps=counter_rate(prev.rx_bytes, cur.rx_bytes, dt),
        tx_bps=counter_rate(prev.tx_bytes, cur.tx_bytes, dt),
        errors_ps=None if rx_err is None or tx_err is None else rx_err + tx_err,
        drops_ps=None if rx_drop is None or tx_drop is None else rx_drop + tx_drop,
    )


def disk_rates(prev: DiskCounters | None, cur: DiskCounters, dt: float | None) -> DiskRates:
    if prev is None:
        return DiskRates(cur.device, None, None, None)
    busy = counter_rate(prev.busy_ms, cur.busy_ms, dt)  # ms busy per second
    return DiskRates(
        device=cur.device,
        read_bps=counter_rate(prev.read_bytes, cur.read_bytes, dt),
        write_bps=counter_rate(prev.write_bytes, cur.write_bytes, dt),
        util_pct=None if busy is None else _clamp_pct(busy / 10.0),
    )


def _fullest(filesystems: tuple[Filesystem, ...]) -> tuple[float | None, str | None, float | None]:
    disk_pct: float | None = None
    disk_mount: str | None = None
    inode_pct: float | None = None
    for fs in filesystems:
        pct = fs.used_pct
        if pct is not None and (disk_pct is None or pct > disk_pct):
            disk_pct, disk_mount = pct, fs.mount
        ipct = fs.inodes_pct
        if ipct is not None and (inode_pct is None or ipct > inode_pct):
            inode_pct = ipct
    return disk_pct, disk_mount, inode_pct


class RateCalculator:
    """One per host: remembers the previous raw sample and nothing else."""

    def __init__(self) -> None:
        self._prev: RawSample | None = None

    def reset(self) -> None:
        """After a reconnect the next sample starts afresh (rates None)."""
        self._prev = None

    def _elapsed(self, prev: RawSample | None, cur: RawSample) -> tuple[float | None, bool]:
        """(seconds between the two samples or None, host rebooted)."""
        if prev is None:
            return None, False
        if prev.uptime_s is not None and cur.uptime_s is not None:
            dt = cur.uptime_s - prev.uptime_s
            return (dt if dt > 0 else None), dt < 0
        dt = cur.taken_at - prev.taken_at
        return (dt if dt > 0 else None), False

    def update(self, raw: RawSample, rtt_ms: float | None = None,
               rtt_repeated: bool = False) -> Sample:
        prev, self._prev = self._prev, raw
        dt, rebooted = self._elapsed(prev, raw)
        problems = list(raw.problems)
        if rebooted:
            problems.append("uptime went backwards (reboot?): rates unknown for this sample")
        usable = prev if dt is not None else None

        cpu = cpu_split(usable.cpu, raw.cpu) if usable and usable.cpu and raw.cpu else None

        mem = raw.memory
        mem_pct = mem_used = swap_pct = None
        if mem is not None and mem.total > 0:
            mem_used = mem.total - mem.available
            mem_pct = _clamp_pct(100.0 * mem_used / mem.total)
            # No swap configured: nothing is swapped, 0 % is the honest figure.
            swap_pct = (0.0 if mem.swap_total <= 0 else
                        _clamp_pct(100.0 * (mem.swap_total - mem.swap_free) / mem.swap_total))

        load = raw.load
        load_per_core = (load.load1 / raw.cpu_count
                         if load is not None and raw.cpu_count else None)

        prev_net = {n.interface: n for n in usable.net} if usable else {}
        interfaces = tuple(interface_rates(prev_net.get(n.interface), n, dt) for n in raw.net)
        rx, tx, errors, drops = _net_totals(interfaces)

        prev_disks = {d.device: d for d in usable.disks} if usable else {}
        disks = tuple(disk_rates(prev_disks.get(d.device), d, dt) for d in raw.disks)
        physical = [r for r in disks if not is_stacked(r.device)]

        disk_pct, disk_mount, inode_pct = _fullest(raw.filesystems)
        return Sample(
            wall_time=raw.wall_time,
            taken_at=raw.taken_at,
            cpu_pct=cpu["busy"] if cpu else None,
            cpu_user_pct=cpu["user"] if cpu else None,
            cpu_system_pct=cpu["system"] if cpu else None,
            cpu_iowait_pct=cpu["iowait"] if cpu else None,
            cpu_steal_pct=cpu["steal"] if cpu else None,
            cpu_count=raw.cpu_count,
            mem_pct=mem_pct,
            mem_total=mem.total if mem is not None else None,
            mem_used=mem_used,
            swap_pct=swap_pct,
            load1=load.load1 if load else None,
            load5=load.load5 if load else None,
            load15=load.load15 if load else None,
            load_per_core=load_per_core,
            filesystems=raw.filesystems,
            mounted=raw.mounted,
            filesystems_repeated=raw.filesystems_repeated,
            disk_max_pct=disk_pct,
            disk_max_mount=disk_mount,
            inode_max_pct=inode_pct,
            net_rx_bps=rx,
            net_tx_bps=tx,
            net_errors_ps=errors,
            net_drops_ps=drops,
            interfaces=interfaces,
            disk_read_bps=_sum(r.read_bps for r in physical),
            disk_write_bps=_sum(r.write_bps for r in physical),
            disk_util_max_pct=max((r.util_pct for r in disks if r.util_pct is not None),
                                  default=None),
            disks=disks,
            uptime_s=raw.uptime_s,
            processes=raw.processes,
            rtt_ms=rtt_ms,
            rtt_repeated=rtt_repeated,
            problems=tuple(problems),
        )
