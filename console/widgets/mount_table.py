"""Every mounted filesystem of one host: space and inodes, coloured by its alerts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from console import format as fmt
from console.levels import SEVERITY_LEVEL
from console.metrics.raw import Filesystem
from console.severity import Severity
from console.widgets.detail_table import (
    CRIT,
    MUTED,
    OK,
    STALE,
    UNKNOWN,
    WARN,
    Cell,
    Column,
    DetailTable,
)


def mount_rows(filesystems: Sequence[Filesystem], severities: Mapping[str, Severity],
               stale: bool) -> dict[str, list[Cell]]:
    """Mount -> cells; `severities` maps alert keys ("disk:/var") to their severity."""
    rows: dict[str, list[Cell]] = {}
    for fs in sorted(filesystems, key=lambda f: f.mount):
        if fs.mount in rows:  # bind-mounted twice: once is enough
            continue
        disk = SEVERITY_LEVEL[severities.get(f"disk:{fs.mount}", Severity.OK)]
        inodes = SEVERITY_LEVEL[severities.get(f"inodes:{fs.mount}", Severity.OK)]
        worst = max((disk, inodes), key=(OK, UNKNOWN, WARN, CRIT).index)
        if stale:
            disk = inodes = worst = STALE
        plain = STALE if stale else OK
        dim = STALE if stale else MUTED
        rows[fs.mount] = [
            (fs.mount, worst), (fmt.pct(fs.used_pct).strip(), disk),
            (fmt.pct(fs.inodes_pct).strip(), inodes), (fmt.compact_size(fs.total), plain),
            (fmt.compact_size(fs.used), plain), (fmt.compact_size(fs.available), plain),
            (fs.fstype or fmt.DASH, dim), (fs.device, dim),
        ]
    return rows


class MountTable(DetailTable):
    """Use% and inode% right after the mount: on 80 columns they must stay visible."""

    COLUMNS = (
        Column("mount", "Mount", None, numeric=False, max_chars=32),
        Column("use", "Use%", 5),
        Column("inodes", "Inode%", 6),
        Column("size", "Size", 7),
        Column("used", "Used", 7),
        Column("avail", "Avail", 7),
        Column("fstype", "Type", 6, numeric=False),
        Column("device", "Device", None, numeric=False, max_chars=32),
    )

    def show(self, filesystems: Sequence[Filesystem], severities: Mapping[str, Severity],
             stale: bool) -> None:
        self.sync(mount_rows(filesystems, severities, stale))
