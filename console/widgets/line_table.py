"""A table drawn with Textual's line API: cached lines, redrawn only when they change.

Why not DataTable: in Textual 8 every `update_cell` invalidates the whole table's
render cache, so one changed figure re-renders every visible cell through Rich. With
500 hosts updating every two seconds that was most of the console's CPU. Here each
row's line is rendered once per change and only when it is on screen; scrolling and
the cursor reuse cached lines. Subclasses decide the rows, their order and levels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from console.table_columns import SORT_ASCENDING, SORT_DESCENDING, Column

_GAP = 1  # blank cells between columns

Cells = Mapping[str, tuple[str, str]]  # column key -> (text, level)


def fit(text: str, width: int, right: bool) -> str:
    if len(text) > width:
        return text[: max(0, width - 1)] + "…"
    return text.rjust(width) if right else text.ljust(width)


class LineTable(ScrollView, can_focus=True):
    """Rows keyed by a string, a fixed header, a row cursor, styles per cell level.

    Subclasses list their levels in LEVELS and style `.<css-name>--<level>` component
    classes with theme variables; `header` and `cursor` are styled the same way.
    """

    LEVELS: tuple[str, ...] = ("ok",)
    CSS_NAME = "line-table"

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False, id="table.up"),
        Binding("down", "cursor(1)", "Down", show=False, id="table.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table.page_down"),
        Binding("home", "edge(0)", "First", show=False, id="table.home"),
        Binding("end", "edge(1)", "Last", show=False, id="table.end"),
        Binding("enter", "select", "Select", show=False, id="table.select"),
    ]

    class RowChosen(Message):
        """Enter or a double click on a row."""

        def __init__(self, table: LineTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> LineTable:
            return self.table

    def __init__(self, columns: Sequence[Column], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.columns = tuple(columns)
        self.order: list[str] = []  # row keys in display order
        self._index: dict[str, int] = {}
        self.cursor = 0
        self._cells: dict[str, Cells] = {}
        self._strips: dict[str, tuple[tuple[str, int, int], Strip]] = {}
        self._styles: dict[str, Style] = {}
        self._styles_theme = ""
        self._total_width = sum(c.width + _GAP for c in self.columns)
        self._sort_mark: tuple[str, bool] | None = None

    # -- data -----------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self.order)

    def cells_of(self, key: str) -> dict[str, str]:
        """The text of each cell of a row, as drawn (or as it would be drawn)."""
        return {col: text for col, (text, _) in (self._cells_for(key) or {}).items()}

    def set_cells(self, key: str, cells: Cells, shown: range) -> None:
        """New content for one row, redrawn if it is on screen. `shown` is
        `visible_range()`, read once per batch of rows: the widget's size and scroll
        offset are not free to read."""
        if self._cells.get(key) == cells:
            return
        self._cells[key] = cells
        self._strips.pop(key, None)
        index = self._index.get(key)
        if index is not None and index in shown:
            self.refresh_line(index - shown.start + 1)

    def forget(self, key: str) -> None:
        """Drop a row's content: `provide_cells` gives it again when it is drawn."""
        self._cells.pop(key, None)
        self._strips.pop(key, None)

    def provide_cells(self, key: str) -> Cells | None:
        """Content for a row drawn without any set: subclasses that forget rows off
        screen (the fleet's 500 hosts) build it here, only when it is needed."""
        return None

    def _cells_for(self, key: str) -> Cells | None:
        cells = self._cells.get(key)
        if cells is None:
            cells = self.provide_cells(key)
            if cells is not None:
                self._cells[key] = cells
        return cells

    def set_order(self, order: list[str]) -> None:
        """Which rows show, in which order; the cursor stays on its row."""
        if order == self.order:
            return
        selected = self.selected_key()
        self.order = order
        self._index = {key: i for i, key in enumerate(order)}
        self._set_virtual_size(Size(self._total_width, len(order) + 1))
        if selected in self._index:
            self.cursor = self._index[selected]
        self.cursor = max(0, min(self.cursor, len(order) - 1))
        self.refresh()

    def _set_virtual_size(self, size: Size) -> None:
        """`virtual_size` is a layout reactive: setting it lays out the whole screen,
        30-50 ms with 500 hosts, each time an alert comes or goes. The table's own
        size does not depend on it, so it is set quietly and only the scrollbars are
        updated (they ask for a layout themselves when they appear or go). Textual has
        no public call for that: `_scroll_update` is private (tests/test_private_apis.py
        fails by name if an upgrade removes it)."""
        if size == self.virtual_size:
            return
        update_scrollbars = getattr(self, "_scroll_update", None)
        if update_scrollbars is None:  # a Textual without it: the public, slower way
            self.virtual_size = size
            return
        self.set_reactive(ScrollView.virtual_size, size)
        update_scrollbars(size)

    def visible_range(self) -> range:
        """Indexes into `order` of the rows on screen (the header takes a line)."""
        top = self.scroll_offset.y
        return range(top, min(len(self.order), top + max(0, self.size.height - 1)))

    def visible_keys(self) -> list[str]:
        shown = self.visible_range()
        return self.order[shown.start:shown.stop]

    def selected_key(self) -> str | None:
        if not self.order:
            return None
        return self.order[min(self.cursor, len(self.order) - 1)]

    def select_key(self, key: str) -> None:
        if key in self._index:
            self._move_to(self._index[key])

    # -- drawing ----------------------------------------------------------------------
    def style_for(self, name: str) -> Style:
        """A component style, on the table's own background ("" is that background).

        Looked up once per theme: walking the DOM for a style (`rich_style`) cost more
        than building the rest of a line."""
        if self._styles_theme != self.app.theme:
            self._styles, self._styles_theme = {}, self.app.theme
        style = self._styles.get(name)
        if style is None:
            base = self._styles.get("")
            if base is None:
                base = self._styles[""] = self.rich_style
            style = self._styles[name] = (base if not name else
                                          base + self.get_component_rich_style(
                                              f"{self.CSS_NAME}--{name}"))
        return style

    def mark_sorted(self, column: str | None, descending: bool = False) -> None:
        """Show the sort column and direction in the header, as htop and k9s do: the
        answer to a sort key is on screen in the same repaint as the new order."""
        mark = None if column is None else (column, descending)
        if mark != self._sort_mark:
            self._sort_mark = mark
            self.refresh_line(0)

    def _header_text(self, column: Column) -> str:
        if self._sort_mark is None or self._sort_mark[0] != column.key:
            return fit(column.label, column.width, column.numeric) + " " * _GAP
        arrow = SORT_DESCENDING if self._sort_mark[1] else SORT_ASCENDING
        if column.numeric:  # right-aligned: the arrow takes the gap after the label
            return fit(column.label, column.width, True) + arrow + " " * (_GAP - 1)
        return fit(column.label + arrow, column.width, False) + " " * _GAP

    def _header(self) -> Strip:
        style = self.style_for("header")
        return Strip([Segment("".join(self._header_text(c) for c in self.columns), style)],
                     self._total_width)

    def _line(self, key: str, scroll_x: int, width: int) -> Strip:
        """The row's line, cropped to the view; cached until the row, the theme, the
        horizontal scroll or the width changes (a new Strip per draw was a good part
        of the cost of drawing 500 hosts)."""
        view = (self.app.theme, scroll_x, width)
        cached = self._strips.get(key)
        if cached is not None and cached[0] == view:
            return cached[1]
        cells = self._cells_for(key)
        base = self.style_for("")
        if cells is None:
            return Strip.blank(width, base)
        # Neighbouring cells of the same level share one segment: most of a row is
        # "ok", and every segment is work again for Textual's compositor.
        segments: list[Segment] = []
        texts: list[str] = []
        current = ""
        for col in self.columns:
            text, level = cells.get(col.key, ("", self.LEVELS[0]))
            if level != current and texts:
                segments.append(Segment("".join(texts), self.style_for(current)))
                texts = []
            current = level
            texts.append(fit(text, col.width, col.numeric) + " " * _GAP)
        if texts:
            segments.append(Segment("".join(texts), self.style_for(current)))
        strip = (Strip(segments, self._total_width).crop(scroll_x, scroll_x + width)
                 .extend_cell_length(width, base))
        self._strips[key] = (view, strip)
        return strip

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if y == 0:
            return self._header().crop(scroll_x, scroll_x + width).extend_cell_length(
                width, self.style_for(""))
        index = scroll_y + y - 1
        if index >= len(self.order):
            return Strip.blank(width, self.style_for(""))
        line = self._line(self.order[index], scroll_x, width)
        if index == self.cursor:
            line = line.apply_style(self.style_for("cursor"))
        return line

    def _refresh_index(self, index: int) -> None:
        y = index - self.scroll_offset.y + 1
        if 1 <= y < self.size.height:
            self.refresh_line(y)

    # -- moving -----------------------------------------------------------------------
    def _move_to(self, index: int) -> None:
        if not self.order:
            return
        old, self.cursor = self.cursor, max(0, min(index, len(self.order) - 1))
        self._refresh_index(old)
        self._refresh_index(self.cursor)
        top, visible = self.scroll_offset.y, max(1, self.size.height - 1)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False)

    def action_cursor(self, delta: int) -> None:
        self._move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor + direction * max(1, self.size.height - 2))

    def action_edge(self, end: int) -> None:
        self._move_to(len(self.order) - 1 if end else 0)

    def action_select(self) -> None:
        key = self.selected_key()
        if key is not None:
            self.post_message(self.RowChosen(self, key))

    def column_at(self, x: int) -> Column | None:
        left = 0
        for col in self.columns:
            if left <= x < left + col.width + _GAP:
                return col
            left += col.width + _GAP
        return None

    def on_header_click(self, column: Column) -> None:
        """Subclasses sort here."""

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            column = self.column_at(event.x + self.scroll_offset.x)
            if column is not None:
                self.on_header_click(column)
            return
        index = self.scroll_offset.y + event.y - 1
        if 0 <= index < len(self.order):
            self._move_to(index)
            if event.chain >= 2:
                self.action_select()
