"""The console's own machine as a RawSample, through psutil (no SSH, no shell).

The same filters as the sampler's parsers apply (whole disks only, no pseudo
filesystems), so the local row reads exactly like a remote one. Each part is
read on its own: a PermissionError or an attribute another OS lacks costs that
part (None/() plus a problem), never the sample. Blocking: call it in a thread.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

import psutil

from console.metrics.parsers.df import is_pseudo
from console.metrics.parsers.diskstats import select_disks
from console.metrics.raw import (
    CpuTimes,
    DiskCounters,
    Filesystem,
    Load,
    Memory,
    NetCounters,
    RawSample,
)

T = TypeVar("T")


def _part(name: str, read: Callable[[], T], problems: list[str]) -> T | None:
    try:
        return read()
    except Exception as exc:  # psutil raises many types across OSes; each costs one part
        problems.append(f"{name}: {type(exc).__name__}: {exc}")
        return None


def _cpu() -> CpuTimes:
    t = psutil.cpu_times()
    return CpuTimes(
        user=t.user, nice=getattr(t, "nice", 0.0), system=t.system, idle=t.idle,
        iowait=getattr(t, "iowait", 0.0), irq=getattr(t, "irq", 0.0),
        softirq=getattr(t, "softirq", 0.0), steal=getattr(t, "steal", 0.0),
    )


def _memory() -> Memory:
    vm, sw = psutil.virtual_memory(), psutil.swap_memory()
    return Memory(total=vm.total, available=vm.available, swap_total=sw.total,
                  swap_free=sw.free)


def _load() -> Load:
    load1, load5, load15 = psutil.getloadavg()
    return Load(load1=load1, load5=load5, load15=load15)


def _net() -> tuple[NetCounters, ...]:
    return tuple(
        NetCounters(
            interface=name, rx_bytes=c.bytes_recv, tx_bytes=c.bytes_sent,
            rx_packets=c.packets_recv, tx_packets=c.packets_sent,
            rx_errors=c.errin, tx_errors=c.errout, rx_drops=c.dropin, tx_drops=c.dropout,
        )
        for name, c in psutil.net_io_counters(pernic=True).items()
    )


def _disks() -> tuple[DiskCounters, ...]:
    counters = psutil.disk_io_counters(perdisk=True) or {}
    return select_disks(
        DiskCounters(
            device=name, read_bytes=c.read_bytes, write_bytes=c.write_bytes,
            reads=c.read_count, writes=c.write_count,
            busy_ms=int(getattr(c, "busy_time", 0)),
        )
        for name, c in counters.items()
    )


def _filesystems(problems: list[str]) -> tuple[tuple[Filesystem, ...], frozenset[str]]:
    result: dict[str, Filesystem] = {}
    partitions = psutil.disk_partitions(all=False)
    for part in partitions:
        if is_pseudo(part.fstype, part.device, part.mountpoint) or part.mountpoint in result:
            continue
        usage: Any = _part(f"df {part.mountpoint}", lambda p=part: psutil.disk_usage(
            p.mountpoint), problems)
        if usage is None or usage.total <= 0:
            continue
        inodes_total = inodes_used = None
        if hasattr(os, "statvfs"):  # not on Windows
            st = _part(f"dfi {part.mountpoint}", lambda p=part: os.statvfs(p.mountpoint),
                       problems)
            if st is not None and st.f_files > 0:
                inodes_total, inodes_used = st.f_files, st.f_files - st.f_ffree
        result[part.mountpoint] = Filesystem(
            device=part.device, mount=part.mountpoint, total=usage.total, used=usage.used,
            available=usage.free, fstype=part.fstype,
            inodes_total=inodes_total, inodes_used=inodes_used,
        )
    return tuple(result.values()), frozenset(p.mountpoint for p in partitions)


def _uptime() -> float:
    # CLOCK_BOOTTIME is /proc/uptime's clock: immune to wall-clock steps.
    boottime = getattr(time, "CLOCK_BOOTTIME", None)
    if boottime is not None:
        return time.clock_gettime(boottime)
    return max(0.0, time.time() - psutil.boot_time())


def read_local_raw() -> RawSample:
    problems: list[str] = []
    parts: dict[str, Any] = {
        "cpu": _part("cpu", _cpu, problems),
        "cpu_count": _part("nproc", psutil.cpu_count, problems),
        "memory": _part("meminfo", _memory, problems),
        "load": _part("loadavg", _load, problems),
        "net": _part("netdev", _net, problems) or (),
        "disks": _part("diskstats", _disks, problems) or (),
        "uptime_s": _part("uptime", _uptime, problems),
        "processes": _part("procs", lambda: len(psutil.pids()), problems),
    }
    parts["filesystems"], parts["mounted"] = (
        _part("df", lambda: _filesystems(problems), problems) or ((), None))
    # Stamped at completion, like a remote frame.
    return RawSample(taken_at=time.monotonic(), wall_time=time.time(),
                     problems=tuple(problems), **parts)
