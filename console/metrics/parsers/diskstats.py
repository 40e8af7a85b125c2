"""The `d` records: per-device I/O counters from /proc/diskstats, and which devices
are worth showing.

Fields (1-based): 1 major, 2 minor, 3 name, 4 reads, 6 sectors read, 8 writes,
10 sectors written, 13 io_ticks (ms the device had I/O in flight: utilisation).
Sectors are always 512 bytes here, whatever the hardware sector size.
"""

from __future__ import annotations

from collections.abc import Iterable

from console.metrics.parsers.errors import ParseError, check_counters
from console.metrics.raw import DiskCounters

SECTOR_BYTES = 512
_MIN_FIELDS = 14  # kernel 2.6.25+; 4.18 and 5.5 append more, which we ignore
_OLD_PARTITION_FIELDS = 7  # kernels < 2.6.25 print partitions with 4 counters
_VIRTUAL_PREFIXES = ("ram", "loop", "zram")


def parse_disk_record(fields: list[str]) -> DiskCounters | None:
    """`d <name> <counters...>`: a /proc/diskstats line without its major and minor
    numbers. None for an old kernel's partition line (4 counters, no busy time)."""
    if len(fields) == _OLD_PARTITION_FIELDS - 1:
        return None
    if len(fields) < _MIN_FIELDS - 1:
        raise ParseError(f"diskstats: {len(fields) + 1} fields, need {_MIN_FIELDS}: "
                         f"{' '.join(fields[1:])[:60]!r}")
    name = fields[1]
    # Every counter is checked: one corrupt field means the line is suspect.
    check_counters(fields[2:], f"diskstats {name[:20]}")
    return DiskCounters(name, int(fields[4]) * SECTOR_BYTES, int(fields[8]) * SECTOR_BYTES,
                        int(fields[2]), int(fields[6]), int(fields[11]))


def partition_parent(name: str, names: set[str]) -> str | None:
    """The whole disk `name` is a partition of, if that disk is listed.

    sda1 -> sda, sdp1 -> sdp (parent ends in a letter: digits appended);
    nvme0n1p1 -> nvme0n1, mmcblk0p2 -> mmcblk0, md0p1 -> md0 (parent ends in a
    digit: 'p' + digits). sda10 is never taken for a partition of sda1.
    """
    base = name.rstrip("0123456789")
    if not base or base == name:
        return None
    if base in names:
        return base
    if base.endswith("p") and base[:-1][-1:].isdigit() and base[:-1] in names:
        return base[:-1]
    return None


def select_disks(disks: Iterable[DiskCounters]) -> tuple[DiskCounters, ...]:
    """Whole devices only (a partition's I/O is already in its disk), and no
    idle ram/loop/zram devices, which hosts have by the dozen."""
    disks = tuple(disks)
    names = {d.device for d in disks}
    kept = []
    for d in disks:
        if partition_parent(d.device, names) is not None:
            continue
        if d.device.startswith(_VIRTUAL_PREFIXES) and d.reads == 0 and d.writes == 0:
            continue
        kept.append(d)
    return tuple(kept)


def is_stacked(device: str) -> bool:
    """Device-mapper and md devices sit on top of other listed disks: adding
    their bytes to a host total would count the same I/O twice."""
    return device.startswith(("dm-", "md"))
