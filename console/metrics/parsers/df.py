"""`df -P -k` and `df -P -i` -> Filesystem rows with space and inode use.

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
The type comes from /proc/self/mounts (see mounts.py); without it we fall back
to the device name, which is what pseudo filesystems show in df's first column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from console.metrics.parsers.errors import ParseError, to_int, to_ints
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

# The mount point is everything after the capacity column, spaces included;
# the device is matched lazily so a device name with spaces still works.
_ROW = re.compile(
    r"^(?P<dev>\S.*?)\s+(?P<a>-|\d+)\s+(?P<b>-|\d+)\s+(?P<c>-|\d+)\s+(?P<pct>-|\d+%)\s(?P<mount>.+)$"
)
_BLOCKS = re.compile(r"(\d+)-blocks")


#: Parsed rows by line text, per block size: from one frame to the next most of df's
#: lines are the same text (only the filesystems being written change), so a fleet
#: parses each distinct line once. Rows are read-only by convention, so sharing is
#: safe; the memo is emptied when it reaches _MEMO_MAX lines (hosts come and go).
_MEMO: dict[int, dict[str, DfRow]] = {}
_MEMO_MAX = 20_000


@dataclass(slots=True)
class DfRow:
    device: str
    mount: str
    a: int | None  # total (bytes or inodes)
    b: int | None  # used
    c: int | None  # available / free


def _rows(text: str, what: str, in_blocks: bool = False) -> tuple[str, list[DfRow]]:
    """Header line and rows; `in_blocks`: sizes are in the header's block size and are
    converted to bytes."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or not lines[0].startswith("Filesystem"):
        raise ParseError(f"{what}: no header line")
    block = 1
    if in_blocks:
        m = _BLOCKS.search(lines[0])
        block = int(m.group(1)) if m else 1024
    memo = _MEMO.setdefault(block, {})
    if len(memo) > _MEMO_MAX:
        memo.clear()
    rows = []
    for line in lines[1:]:
        known = memo.get(line)
        if known is not None:
            rows.append(known)
            continue
        row = _row(line, what, block)
        memo[line] = row
        rows.append(row)
    return lines[0], rows


def _row(line: str, what: str, block: int) -> DfRow:
    parts = line.split()
    # Fast path: six plain columns, mount point without any whitespace.
    if len(parts) == 6 and line.endswith(f"{parts[4]} {parts[5]}") and "-" not in parts[1:4]:
        a, b, c = to_ints(parts[1:4], what)
        return DfRow(parts[0], parts[5], a * block, b * block, c * block)
    m = _ROW.match(line)
    if not m:
        raise ParseError(f"{what}: bad row {line[:60]!r}")

    def num(key: str) -> int | None:
        return None if m.group(key) == "-" else to_int(m.group(key), what) * block

    return DfRow(m.group("dev"), m.group("mount"), num("a"), num("b"), num("c"))


def parse_df(text: str) -> list[DfRow]:
    """`df -P -k`: sizes converted to bytes using the header's block size."""
    return _rows(text, "df", in_blocks=True)[1]


def parse_df_inodes(text: str) -> list[DfRow]:
    """`df -P -i`: a, b, c are inodes total, used, free ("-" -> None)."""
    header, rows = _rows(text, "dfi")
    if "Inodes" not in header:
        raise ParseError("dfi: header has no Inodes column")
    return rows


def is_pseudo(fstype: str, device: str, mount: str) -> bool:
    if fstype:
        if fstype in _LAYERED_FSTYPES:
            return mount != "/"
        return fstype in PSEUDO_FSTYPES
    if device == "overlay":
        return mount != "/"
    return device in _PSEUDO_DEVICES


def build_filesystems(
    space: Iterable[DfRow],
    inodes: Iterable[DfRow] = (),
    fstypes: Mapping[str, str] | None = None,
) -> tuple[Filesystem, ...]:
    inode_by_mount = {r.mount: r for r in inodes}
    fstypes = fstypes or {}
    by_mount: dict[str, Filesystem] = {}
    mount_of_device: dict[str, str] = {}
    for r in space:
        fstype = fstypes.get(r.mount, "")
        if is_pseudo(fstype, r.device, r.mount) or not r.a or r.b is None or r.c is None:
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
        ino = inode_by_mount.get(r.mount)
        inodes_total = ino.a if ino is not None and ino.a else None
        by_mount[r.mount] = Filesystem(
            device=r.device,
            mount=r.mount,
            total=r.a,
            used=r.b,
            available=r.c,
            fstype=fstype,
            inodes_total=inodes_total,
            inodes_used=ino.b if inodes_total is not None and ino is not None else None,
        )
    return tuple(by_mount.values())
