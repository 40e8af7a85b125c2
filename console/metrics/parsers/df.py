"""The `f` records (df -P -k, df -P -i and the mount table, joined on the host) ->
Filesystem rows with space and inode use.

Decisions, so the fleet's "fullest disk" means something:
- Pseudo and memory filesystems are skipped (tmpfs, devtmpfs, proc, sysfs,
  cgroup, squashfs, ...): they are either always empty or, like snap squashfs
  images and ISO images, always 100 % full by design.
- overlay is kept only when mounted at "/": that is a container's root, the only
  view of its disk; elsewhere (Docker's per-container merged dirs) it repeats the
  numbers of the filesystem underneath, hundreds of times on a busy node.
- A block device mounted several times (bind mounts) is shown once, at its
  shortest mount point.
- Loop devices are kept: a loop-mounted image is a real filesystem that fills up.
The type comes from /proc/self/mounts (joined by the sampler); without it we fall
back to the device name, which is what pseudo filesystems show in df's first column.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from console.metrics.parsers.errors import ParseError, to_int
from console.metrics.raw import Filesystem

PSEUDO_FSTYPES = frozenset({
    "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs",
    "devfs", "devpts", "devtmpfs", "efivarfs", "fuse.gvfsd-fuse", "fuse.lxcfs",
    "fuse.portal", "fuse.snapfuse", "fusectl", "hugetlbfs", "iso9660", "mqueue",
    "nfsd", "none", "nsfs", "proc", "pstore", "ramfs", "rpc_pipefs", "securityfs",
    "selinuxfs", "squashfs", "sysfs", "tmpfs", "tracefs", "udf",
})
_LAYERED_FSTYPES = frozenset({"overlay", "aufs"})
_PSEUDO_DEVICES = frozenset({
    "cgroup", "cgroup2", "devtmpfs", "none", "proc", "ramfs", "shm", "squashfs",
    "sysfs", "tmpfs", "udev",
})

#: Parsed rows by record text, per block size: from one frame to the next most of df's
#: rows are the same text (only the filesystems being written change), so a fleet
#: parses each distinct row once. Rows are read-only by convention, so sharing is
#: safe; the memo is emptied when it reaches _MEMO_MAX rows (hosts come and go).
_MEMO: dict[int, dict[str, DfRow]] = {}
_MEMO_MAX = 20_000


@dataclass(slots=True)
class DfRow:
    device: str
    mount: str
    total: int | None  # bytes
    used: int | None
    available: int | None
    fstype: str  # "" when the mount table does not list the mount point
    inodes_total: int | None
    inodes_used: int | None


def parse_block_size(fields: list[str]) -> int:
    """`b <N>`: df's header said "N-blocks" (1024 with -k; 512 from a df that ignores
    it, such as with POSIXLY_CORRECT)."""
    if len(fields) != 2 or not fields[1].isdigit() or int(fields[1]) <= 0:
        raise ParseError(f"df: bad block size {' '.join(fields[1:])[:20]!r}")
    return int(fields[1])


def parse_fs_record(line: str, block: int) -> DfRow:
    """`f <total> <used> <avail> <inodes> <iused> <fstype>\t<device>\t<mount>`: one df
    row joined on the host with its df -i row and its type from the mount table
    (`-` where unknown). Sizes are in `block`-byte units."""
    memo = _MEMO.setdefault(block, {})
    row = memo.get(line)
    if row is None:
        if len(memo) > _MEMO_MAX:
            memo.clear()
        row = memo[line] = _fs_row(line, block)
    return row


def _fs_row(line: str, block: int) -> DfRow:
    parts = line.split("\t", 2)
    head = parts[0].split(" ")
    if len(parts) != 3 or len(head) != 7 or not parts[2]:
        raise ParseError(f"df: bad row {line[2:62]!r}")
    a, b, c, ia, ib = (None if v == "-" else to_int(v, "df") for v in head[1:6])
    fstype = "" if head[6] == "-" else head[6]
    return DfRow(parts[1], parts[2], None if a is None else a * block,
                 None if b is None else b * block, None if c is None else c * block,
                 fstype, ia or None, ib if ia else None)


def is_pseudo(fstype: str, device: str, mount: str) -> bool:
    if fstype:
        if fstype in _LAYERED_FSTYPES:
            return mount != "/"
        return fstype in PSEUDO_FSTYPES
    if device == "overlay":
        return mount != "/"
    return device in _PSEUDO_DEVICES


def build_filesystems(rows: Iterable[DfRow]) -> tuple[Filesystem, ...]:
    by_mount: dict[str, Filesystem] = {}
    mount_of_device: dict[str, str] = {}
    for r in rows:
        if (is_pseudo(r.fstype, r.device, r.mount) or not r.total or r.used is None
                or r.available is None):
            continue  # size 0 or unknown: nothing to watch
        if r.mount in by_mount:
            continue
        if r.device.startswith("/"):
            seen = mount_of_device.get(r.device)
            if seen is not None:
                if len(seen) <= len(r.mount):
                    continue
                del by_mount[seen]
            mount_of_device[r.device] = r.mount
        by_mount[r.mount] = Filesystem(r.device, r.mount, r.total, r.used, r.available,
                                       r.fstype, r.inodes_total, r.inodes_used)
    return tuple(by_mount.values())
