"""The fleet table: one line per host, filtered and sorted, worst first by default."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable

from textual.binding import Binding

from console.fleet.model import FleetModel
from console.fleet.rows import (
    COLUMNS,
    NAME_COLUMNS,
    ChecksLookup,
    SeverityLookup,
    row_cells,
    sort_value,
)
from console.levels import CRIT, DOWN, MUTED, OK, STALE, WARN
from console.table_columns import Column
from console.widgets.line_table import LineTable


class FleetTable(LineTable):
    LEVELS = (OK, MUTED, STALE, WARN, CRIT, DOWN)
    CSS_NAME = "fleet-table"
    COMPONENT_CLASSES = {"fleet-table--header", "fleet-table--cursor",
                         *(f"fleet-table--{level}" for level in LEVELS)}

    DEFAULT_CSS = """
    FleetTable { background: $surface; }
    FleetTable > .fleet-table--header { color: $text; background: $panel; text-style: bold; }
    FleetTable > .fleet-table--cursor { background: $accent 50%; }
    FleetTable > .fleet-table--ok { color: $text; }
    FleetTable > .fleet-table--muted { color: $text-muted; }
    FleetTable > .fleet-table--stale { color: $text-disabled; text-style: italic; }
    FleetTable > .fleet-table--warn { color: $warning; text-style: bold; }
    FleetTable > .fleet-table--crit { color: $error; text-style: bold; }
    FleetTable > .fleet-table--down { color: $error; }
    """

    BINDINGS = [
        Binding("enter", "select", "Details", id="fleet.select"),
        Binding("s", "cycle_sort", "Sort", id="fleet.sort"),
        Binding("S", "reverse_sort", "Reverse sort", show=False, id="fleet.reverse"),
    ]

    def __init__(self, model: FleetModel, severity: SeverityLookup | None = None,
                 host_rank: Callable[[str], int] | None = None,
                 checks: ChecksLookup | None = None, **kwargs: object) -> None:
        super().__init__(COLUMNS, **kwargs)
        self.model = model
        self.severity = severity
        self.checks = checks  # the Checks column: a cached summary per host
        self.host_rank = host_rank  # how bad a host's worst alert is, for worst-first
        self.sort_column = "state"
        self.sort_reverse = True
        self.filter_text = ""
        self.marked: set[str] = set()  # hosts marked with space, for operations

    def toggle_mark(self, host: str) -> None:
        """Mark or unmark a host (operations act on the marked hosts)."""
        self.marked.symmetric_difference_update({host})
        self.refresh_rows([host])

    def _marked_cells(self, name: str, now: float) -> dict[str, tuple[str, str]] | None:
        view = self.model.views.get(name)
        if view is None:
            return None
        cells = row_cells(view, now, self.severity, self.checks)
        if name in self.marked:
            text, level = cells["host"]
            cells["host"] = (f"▶ {text}", level)
        return cells

    def on_mount(self) -> None:
        self.refresh_rows(self.model.views, resort=True)

    def selected_host(self) -> str | None:
        return self.selected_key()

    def select_host(self, host: str) -> None:
        self.select_key(host)

    def refresh_rows(self, names: Iterable[str], resort: bool = False) -> None:
        """New figures for these hosts. Only the rows on screen are built and redrawn;
        the others are forgotten and built when they scroll into view (with 500 hosts,
        building every row each tick was most of the tick)."""
        now = time.time()
        shown = self.visible_range()
        for name in names:
            index = self._index.get(name)
            view = self.model.views.get(name)
            cells = self._marked_cells(name, now) if view is not None else None
            if cells is None or index is None or index not in shown:
                self.forget(name)
            else:
                self.set_cells(name, cells, shown)
        if resort:
            self._reorder()

    def _resort(self) -> None:
        """A new order asked for by a key: the figures on screen are taken from the
        model at the same moment as the order, so what is shown is what was sorted."""
        self.refresh_rows(self.model.views, resort=True)

    def provide_cells(self, key: str) -> dict[str, tuple[str, str]] | None:
        return self._marked_cells(key, time.time())

    def tick(self, fresh: Collection[str] = ()) -> None:
        """Ages and countdowns move on for the hosts on screen (the others catch up
        when they scroll into view); unchanged lines are not redrawn. `fresh` rows
        were just built from the same clock: they are not built twice."""
        self.refresh_rows([name for name in self.visible_keys() if name not in fresh])

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip()
        self._resort()

    def _matches(self, name: str) -> bool:
        if not self.filter_text:
            return True
        host = self.model.views[name].host
        needle = self.filter_text.lower()
        tags = host.vars.get("console_tags", ()) or ()
        return any(needle in item.lower()
                   for item in (host.name, *host.groups, *map(str, tags)))

    def _reorder(self) -> None:
        shown = [name for name in self.model.views if self._matches(name)]
        column, now, views = self.sort_column, time.time(), self.model.views
        keyed = {name: sort_value(views[name], column, now, self.checks) for name in shown}
        if column == "state" and self.host_rank is not None:
            # Worst first means: down before up, and among the up, crit before warn.
            rank = self.host_rank
            keyed = {n: (m, float(v) * 10 + rank(n)) for n, (m, v) in keyed.items()}
        # Unknown values last in either direction; ties by name for a stable order.
        known = sorted((n for n in shown if keyed[n][0] == 0),
                       key=lambda n: (keyed[n][1], n), reverse=self.sort_reverse)
        unknown = sorted(n for n in shown if keyed[n][0] != 0)
        self.set_order(known + unknown)
        self.mark_sorted(column, self.sort_reverse)

    def on_header_click(self, column: Column) -> None:
        """Clicking a header sorts by it; clicking it again reverses."""
        if column.key == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column = column.key
            self.sort_reverse = column.key not in NAME_COLUMNS
        self._resort()

    def action_cycle_sort(self) -> None:
        keys = [c.key for c in COLUMNS]
        self.sort_column = keys[(keys.index(self.sort_column) + 1) % len(keys)]
        # Figures sort worst (highest) first; names alphabetically.
        self.sort_reverse = self.sort_column not in NAME_COLUMNS
        self._resort()

    def action_reverse_sort(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self._resort()
