"""The fleet table: one row per host, cells updated in place, never rebuilt."""

from __future__ import annotations

import time
from collections.abc import Iterable

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from console.fleet.model import FleetModel
from console.fleet.rows import COLUMNS, SeverityLookup, row_cells, sort_value

LEVEL_CLASSES = ("ok", "muted", "stale", "warn", "crit", "down")


class FleetTable(DataTable[Text]):
    """Hosts as rows; each cell is styled by its level through the theme."""

    COMPONENT_CLASSES = {f"fleet-table--{level}" for level in LEVEL_CLASSES}

    DEFAULT_CSS = """
    FleetTable > .fleet-table--ok { color: $text; }
    FleetTable > .fleet-table--muted { color: $text-muted; }
    FleetTable > .fleet-table--stale { color: $text-disabled; text-style: italic; }
    FleetTable > .fleet-table--warn { color: $warning; text-style: bold; }
    FleetTable > .fleet-table--crit { color: $error; text-style: bold; }
    FleetTable > .fleet-table--down { color: $error; }
    """

    BINDINGS = [
        Binding("s", "cycle_sort", "Sort", id="fleet.sort"),
        Binding("S", "reverse_sort", "Reverse", show=False, id="fleet.reverse"),
    ]

    def __init__(self, model: FleetModel, severity: SeverityLookup | None = None,
                 **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.model = model
        self.severity = severity
        self.sort_column = "state"
        self.sort_reverse = False
        self.filter_text = ""
        self._shown: set[str] = set()
        self._cells: dict[tuple[str, str], tuple[str, str]] = {}

    def on_mount(self) -> None:
        for col in COLUMNS:
            label = Text(col.label, justify="right" if col.numeric else "left")
            self.add_column(label, width=col.width, key=col.key)
        self.refresh_rows(self.model.views, full=True)

    # -- data -----------------------------------------------------------------------
    def _styled(self, text: str, level: str, numeric: bool) -> Text:
        style = self.get_component_rich_style(f"fleet-table--{level}", partial=True)
        return Text(text, style=style, justify="right" if numeric else "left",
                    no_wrap=True, overflow="ellipsis")

    def _matches(self, name: str) -> bool:
        if not self.filter_text:
            return True
        view = self.model.views[name]
        needle = self.filter_text.lower()
        haystack = [view.host.name, *view.host.groups,
                    *map(str, view.host.vars.get("console_tags", ()) or ())]
        return any(needle in item.lower() for item in haystack)

    def refresh_rows(self, names: Iterable[str], full: bool = False,
                     resort: bool = False) -> None:
        """Update the named hosts' cells in place; add or drop rows for the filter."""
        now = time.time()
        changed_membership = False
        for name in names:
            view = self.model.views.get(name)
            if view is None:
                continue
            visible = self._matches(name)
            if not visible:
                if name in self._shown:
                    self.remove_row(name)
                    self._shown.discard(name)
                    for col in COLUMNS:
                        self._cells.pop((name, col.key), None)
                    changed_membership = True
                continue
            cells = row_cells(view, now, self.severity)
            if name not in self._shown:
                self.add_row(*(self._styled(*cells[c.key], c.numeric) for c in COLUMNS),
                             key=name)
                for col in COLUMNS:
                    self._cells[(name, col.key)] = cells[col.key]
                self._shown.add(name)
                changed_membership = True
                continue
            for col in COLUMNS:
                cell = cells[col.key]
                if self._cells.get((name, col.key)) != cell:
                    self._cells[(name, col.key)] = cell
                    self.update_cell(name, col.key, self._styled(*cell, col.numeric))
        if changed_membership or full or resort:
            self.apply_sort()

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip()
        self.refresh_rows(self.model.views)

    # -- sorting --------------------------------------------------------------------
    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        """Clicking a header sorts by it; clicking it again reverses."""
        column = str(event.column_key.value)
        if column == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column = column
            self.sort_reverse = column not in ("host", "group", "detail")
        self.apply_sort()

    def apply_sort(self) -> None:
        if not self.row_count:
            return
        column, now, views = self.sort_column, time.time(), self.model.views
        keyed = {name: sort_value(views[name], column, now) for name in self._shown}
        reverse = self.sort_reverse

        def key(cell: Text) -> tuple[object, ...]:
            missing, value = keyed.get(cell.plain, (1, 0.0))
            # Unknown values last in either direction; ties by name for a stable order.
            return (missing, _Reversed(value) if reverse else value, cell.plain)

        selected = self.selected_host()
        self.sort("host", key=key)
        if selected is not None and selected in self._shown:
            # Keep the cursor on the same host, not the same row number.
            self.move_cursor(row=self.get_row_index(selected), scroll=False)

    def selected_host(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)
        except Exception:  # cursor outside the table while rows change
            return None

    def action_cycle_sort(self) -> None:
        keys = [c.key for c in COLUMNS]
        self.sort_column = keys[(keys.index(self.sort_column) + 1) % len(keys)]
        # Figures sort worst (highest) first; names alphabetically.
        self.sort_reverse = self.sort_column not in ("host", "group", "detail")
        self.apply_sort()
        self.notify(f"sorted by {self.sort_column}", timeout=1.5)

    def action_reverse_sort(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self.apply_sort()


class _Reversed:
    """Inverts comparison so one sort call can mix directions per key part."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __lt__(self, other: _Reversed) -> bool:
        return self.value > other.value  # type: ignore[operator]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and self.value == other.value
