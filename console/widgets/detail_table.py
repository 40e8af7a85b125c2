"""A small keyed DataTable for the host detail screen, updated in place.

Every table on that screen (mounts, interfaces, disks, processes, services) is
refreshed by a timer while data keeps arriving, so rows are keyed and only cells whose
text or level changed are written: no clear-and-rebuild, no flicker, the cursor and
the scroll position stay where the reader left them.

Cells are plain text put in `rich.text.Text` (never markup): process names, mount
points and service output come from the host and are shown literally, with control
characters made visible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text
from textual.widgets import DataTable

# Levels, mildest first; each is styled through a theme variable.
from console.levels import CRIT, MUTED, OK, STALE, UNKNOWN, WARN
from console.table_columns import Column
from console.text import sanitize_for_display

LEVELS = (OK, MUTED, STALE, WARN, CRIT, UNKNOWN)

Cell = tuple[str, str]  # (text, level)


def one_line(text: str) -> str:
    """Untrusted text on one table line: controls visible, newlines as ⏎."""
    return sanitize_for_display(text).replace("\n", " ⏎ ").replace("\t", " ")


class DetailTable(DataTable[Text]):
    COLUMNS: tuple[Column, ...] = ()
    COMPONENT_CLASSES = {f"detail-table--{level}" for level in LEVELS}
    DEFAULT_CSS = """
    DetailTable { height: auto; overflow-x: hidden; background: $surface; }
    DetailTable > .detail-table--ok { color: $text; }
    DetailTable > .detail-table--muted { color: $text-muted; }
    DetailTable > .detail-table--stale { color: $text-disabled; text-style: italic; }
    DetailTable > .detail-table--warn { color: $warning; text-style: bold; }
    DetailTable > .detail-table--crit { color: $error; text-style: bold; }
    DetailTable > .detail-table--unknown { color: $secondary; text-style: italic; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="none", zebra_stripes=True,  # type: ignore[arg-type]
                         show_cursor=False, **kwargs)
        # The page scrolls, not each table; the most useful columns come first, so a
        # narrow terminal clips only the least useful ones on the right.
        self.can_focus = False
        self._cells: dict[tuple[str, str], Cell] = {}
        self._order: list[str] = []

    def on_mount(self) -> None:
        for col in self.COLUMNS:
            label = Text(col.label, justify="right" if col.numeric else "left")
            self.add_column(label, width=col.width, key=col.key)

    def _styled(self, col: Column, cell: Cell) -> Text:
        text, level = cell
        style = self.get_component_rich_style(f"detail-table--{level}", partial=True)
        shown = one_line(text)
        if col.width is None and len(shown) > col.max_chars:
            shown = shown[:col.max_chars - 1] + "…"
        return Text(shown, style=style, no_wrap=True, overflow="ellipsis",
                    justify="right" if col.numeric else "left")

    def sync(self, rows: Mapping[str, Sequence[Cell]]) -> None:
        """Make the table show `rows` (row key -> one cell per column), in that order.

        Rows that stay keep their place and only changed cells are written; rows that
        are new are added at the end; rows that went away are removed. Tables whose
        order matters row by row (top processes) key rows by rank, not by identity.
        """
        keys = list(rows)
        gone = [k for k in self._order if k not in rows]
        for key in gone:
            self.remove_row(key)
            for col in self.COLUMNS:
                self._cells.pop((key, col.key), None)
        present = set(self._order) - set(gone)
        for key in keys:
            cells = rows[key]
            if key not in present:
                self.add_row(*(self._styled(c, cell) for c, cell in
                               zip(self.COLUMNS, cells, strict=True)), key=key)
                for col, cell in zip(self.COLUMNS, cells, strict=True):
                    self._cells[(key, col.key)] = cell
                continue
            for col, cell in zip(self.COLUMNS, cells, strict=True):
                if self._cells.get((key, col.key)) != cell:
                    self._cells[(key, col.key)] = cell
                    self.update_cell(key, col.key, self._styled(col, cell),
                                     update_width=col.width is None)
        self._order = [k for k in self._order if k in rows] + \
            [k for k in keys if k not in present]

    def mark_stale(self) -> None:
        """Keep the last rows on screen, but never looking as if they were current."""
        self.sync({key: [(self._cells[(key, col.key)][0], STALE) for col in self.COLUMNS]
                   for key in self._order})

    def cell_level(self, row: str, column: str) -> str:
        """The level ("ok", "warn", "crit", "stale", ...) a cell is styled with."""
        return self._cells[(row, column)][1]

    def cell_texts(self, column: str) -> list[str]:
        """The plain text of one column, top to bottom, as the table renders it."""
        return [self.get_cell(key, column).plain for key in self._order]
