"""Top processes of one host (by CPU or by memory), from the detail screen's probe."""

from __future__ import annotations

from collections.abc import Sequence

from console import format as fmt
from console.metrics.parsers.ps import ProcessInfo
from console.widgets.detail_table import MUTED, OK, STALE, Cell, Column, DetailTable


class ProcessTable(DetailTable):
    """Rows keyed by rank, so a new top process rewrites cells in place, in order."""

    COLUMNS = (
        Column("pid", "PID", 7),
        Column("user", "User", 9, numeric=False),
        Column("cpu", "CPU%", 5),
        Column("mem", "Mem%", 5),
        Column("rss", "RSS", 7),
        Column("command", "Command", None, numeric=False, max_chars=60),
    )

    def show(self, processes: Sequence[ProcessInfo], stale: bool) -> None:
        plain = STALE if stale else OK
        dim = STALE if stale else MUTED
        rows: dict[str, list[Cell]] = {}
        for rank, p in enumerate(processes):
            rows[str(rank)] = [
                (str(p.pid), dim), (p.user, dim), (fmt.num(p.cpu_pct, 1), plain),
                (fmt.num(p.mem_pct, 1), plain), (fmt.compact_size(p.rss), plain),
                (p.command or fmt.DASH, plain),
            ]
        self.sync(rows)
