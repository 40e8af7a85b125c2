"""The checks matrix: one row per host, one column per check, a cell cursor.

A LineTable (cached lines, redrawn only on change) with a second cursor across the
check columns: left/right pick the check, up/down the host; the chosen cell is shown
in the cursor style and its column's header is marked."""

from __future__ import annotations

from collections.abc import Sequence

from textual.binding import Binding
from textual.strip import Strip

from console.table_columns import Column
from console.widgets.line_table import LineTable, fit

_GAP = 1
HOST_WIDTH = 16


class ChecksMatrix(LineTable):
    LEVELS = ("ok", "muted", "warn", "crit", "down")
    CSS_NAME = "checks-matrix"
    COMPONENT_CLASSES = {"checks-matrix--header", "checks-matrix--cursor",
                         "checks-matrix--cell", *(f"checks-matrix--{lv}" for lv in LEVELS)}

    DEFAULT_CSS = """
    ChecksMatrix { background: $surface; height: 1fr; }
    ChecksMatrix > .checks-matrix--header { color: $text; background: $panel; text-style: bold; }
    ChecksMatrix > .checks-matrix--cursor { background: $accent 30%; }
    ChecksMatrix > .checks-matrix--cell { background: $accent; color: $text; }
    ChecksMatrix > .checks-matrix--ok { color: $success; }
    ChecksMatrix > .checks-matrix--muted { color: $text-muted; }
    ChecksMatrix > .checks-matrix--warn { color: $warning; text-style: bold; }
    ChecksMatrix > .checks-matrix--crit { color: $error; text-style: bold; }
    ChecksMatrix > .checks-matrix--down { color: $error; }
    """

    BINDINGS = [
        Binding("left", "check(-1)", "Previous check", show=False, id="checks.left"),
        Binding("right", "check(1)", "Next check", show=False, id="checks.right"),
    ]

    def __init__(self, checks: Sequence[str], **kwargs: object) -> None:
        columns = [Column("host", "Host", HOST_WIDTH, numeric=False)]
        columns += [Column(f"c:{name}", name, max(6, min(15, len(name) + 1)), numeric=False)
                    for name in checks]
        super().__init__(columns, **kwargs)
        self.checks = list(checks)
        self.check_index = 0

    def selected_check(self) -> str | None:
        return self.checks[self.check_index] if self.checks else None

    def select_check(self, name: str) -> None:
        if name in self.checks:
            self._set_check(self.checks.index(name))

    def action_check(self, delta: int) -> None:
        if self.checks:
            self._set_check((self.check_index + delta) % len(self.checks))

    def _set_check(self, index: int) -> None:
        self.check_index = index
        self.refresh()
        left = sum(c.width + _GAP for c in self.columns[:index + 1])
        right = left + self.columns[index + 1].width
        if left < self.scroll_offset.x:
            self.scroll_to(x=left - self.columns[0].width - _GAP, animate=False)
        elif right > self.scroll_offset.x + self.size.width:
            self.scroll_to(x=right - self.size.width + _GAP, animate=False)

    def _header_text(self, column: Column) -> str:
        chosen = self.checks and column.key == f"c:{self.checks[self.check_index]}"
        label = f"▸{column.label}" if chosen else column.label
        return fit(label, column.width, False) + " " * _GAP

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        index = self.scroll_offset.y + y - 1
        if y == 0 or index != self.cursor or not self.checks or index >= len(self.order):
            return line
        # The chosen cell of the cursor row stands out from the rest of the row.
        left = sum(c.width + _GAP for c in self.columns[:self.check_index + 1])
        start = left - self.scroll_offset.x
        end = start + self.columns[self.check_index + 1].width
        width = self.size.width
        start, end = max(0, start), min(width, end)
        if start >= end:
            return line
        return Strip.join([line.crop(0, start),
                           line.crop(start, end).apply_style(self.style_for("cell")),
                           line.crop(end, width)])
