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

    def __init__(self, *, selectable: bool = False, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.processes: list[ProcessInfo] = []
        if selectable:  # the list a process is picked from, to signal it
            self.can_focus = True
            self.cursor_type = "row"
            self.show_cursor = True

    def selected_process(self) -> ProcessInfo | None:
        if not self.processes or not self.show_cursor:
            return None
        return self.processes[min(self.cursor_row, len(self.processes) - 1)]

    def show(self, processes: Sequence[ProcessInfo], stale: bool) -> None:
        chosen = self.selected_process()
        self.processes = list(processes)
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
        if chosen is not None:
            # The cursor stays on the process the user picked, not on its old rank:
            # a re-sort must never put another process under a pending `t`.
            pids = [p.pid for p in self.processes]
            if chosen.pid in pids:
                self.move_cursor(row=pids.index(chosen.pid), animate=False)
