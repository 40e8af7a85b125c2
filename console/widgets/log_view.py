"""A virtual list of log entries: only the rows on screen are ever drawn.

One widget for any number of lines (never one widget per line): rows live in
`LogRows`, and `render_line` builds the strip of the row at that screen line, from
Segments of plain text. Log text is untrusted: it is never parsed as markup, every
control character is made visible (`console.text.sanitize_for_display`) and only as
much of a line as fits is drawn, so a 1 MB line costs what a short one does.

Colours: levels (error, warn, fatal, notices, gaps), the search highlight and one
colour per host all come from component classes styled with theme variables.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from console.fleet.log_buffer import DROPPED, GAP, NOTICE, LogEntry
from console.logs.levels import Level
from console.text import sanitize_for_display
from console.widgets.log_rows import LogRows

HOST_COLOURS = 8
_TAGS = {Level.FATAL: ("FATAL", "fatal"), Level.ERROR: ("ERROR", "error"),
         Level.WARN: ("WARN", "warn")}
_CACHE_MAX = 4000
CUT_SUFFIX = "bytes cut on the host]"  # see console/fleet/logs.py


def _clock(wall: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(wall))


class LogView(ScrollView, can_focus=True):
    COMPONENT_CLASSES = {
        "log-view--time", "log-view--error", "log-view--warn", "log-view--fatal",
        "log-view--notice", "log-view--gap", "log-view--match", "log-view--cursor",
        *(f"log-view--host-{i}" for i in range(HOST_COLOURS)),
    }
    DEFAULT_CSS = """
    LogView { background: $surface; color: $foreground; }
    LogView > .log-view--time { color: $text-muted; }
    LogView > .log-view--error { color: $error; }
    LogView > .log-view--fatal { color: $error; text-style: bold reverse; }
    LogView > .log-view--warn { color: $warning; }
    LogView > .log-view--notice { color: $text-muted; text-style: italic; }
    LogView > .log-view--gap { color: $accent; text-style: bold; }
    LogView > .log-view--match { background: $accent 60%; color: $background; }
    LogView > .log-view--cursor { background: $primary 35%; }
    LogView > .log-view--host-0 { color: $log-host-0; }
    LogView > .log-view--host-1 { color: $log-host-1; }
    LogView > .log-view--host-2 { color: $log-host-2; }
    LogView > .log-view--host-3 { color: $log-host-3; }
    LogView > .log-view--host-4 { color: $log-host-4; }
    LogView > .log-view--host-5 { color: $log-host-5; }
    LogView > .log-view--host-6 { color: $log-host-6; }
    LogView > .log-view--host-7 { color: $log-host-7; }
    """

    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False, id="logs.up"),
        Binding("down", "move(1)", "Down", show=False, id="logs.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="logs.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="logs.page_down"),
        Binding("home", "top", "Oldest", show=False, id="logs.home"),
        Binding("end", "follow", "Follow", show=False, id="logs.end"),
        Binding("enter", "choose", "Full text", id="logs.full_text"),
    ]

    class EntryChosen(Message):
        def __init__(self, entry: LogEntry) -> None:
            super().__init__()
            self.entry = entry

    class FollowChanged(Message):
        def __init__(self, following: bool) -> None:
            super().__init__()
            self.following = following

    def __init__(self, limit: int, *, show_host: bool, hosts: Iterable[str] = (),
                 **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.rows = LogRows(limit)
        self.show_host = show_host
        self.cursor = -1
        self.following = True
        self.search: re.Pattern[str] | None = None
        self._colour = {host: i % HOST_COLOURS for i, host in enumerate(hosts)}
        self._label_width = 0
        self._styles: dict[str, Style] = {}
        self._styles_theme = ""
        self._cache: dict[tuple[int, int, bool], Strip] = {}

    # -- content ------------------------------------------------------------------
    @property
    def current(self) -> LogEntry | None:
        visible = self.rows.visible
        return visible[self.cursor] if 0 <= self.cursor < len(visible) else None

    def add(self, entries: list[LogEntry]) -> None:
        """New entries from the buffers (pulled on a timer by the screen)."""
        if not entries:
            return
        for entry in entries:
            label = len(self._label(entry))
            if label > self._label_width:
                self._label_width = min(label, 32)
                self._cache.clear()
        keep = self.current
        before = len(self.rows.visible)
        self.rows.add(entries)
        if len(self.rows.visible) != before or keep is not self.current:
            self._resync(keep)

    def refilter(self) -> None:
        keep = self.current
        self.rows.refilter()
        self._cache.clear()
        self._resync(keep)

    def set_search(self, pattern: re.Pattern[str] | None) -> None:
        self.search = pattern
        self._cache.clear()
        self.refresh()

    def _set_virtual_size(self, size: Size) -> None:
        """Quietly, as LineTable does: the reactive would lay out the whole screen four
        times a second while lines stream; only the scrollbars depend on it
        (`_scroll_update` is private: tests/test_private_apis.py guards it)."""
        if size == self.virtual_size:
            return
        update_scrollbars = getattr(self, "_scroll_update", None)
        if update_scrollbars is None:
            self.virtual_size = size
            return
        self.set_reactive(ScrollView.virtual_size, size)
        update_scrollbars(size)

    def _resync(self, keep: LogEntry | None) -> None:
        count = len(self.rows.visible)
        self._set_virtual_size(Size(self.size.width, count))
        if self.following or count == 0:
            self.cursor = count - 1
            self.scroll_to(y=max(0, count - self.size.height), animate=False)
        else:
            index = self.rows.index_of(keep)
            self.cursor = index if index is not None else min(max(self.cursor, 0), count - 1)
        self.refresh()

    # -- drawing ------------------------------------------------------------------
    def _style(self, name: str) -> Style:
        if self._styles_theme != self.app.theme:
            self._styles, self._styles_theme = {}, self.app.theme
            self._cache.clear()
        style = self._styles.get(name)
        if style is None:
            base = self.rich_style
            style = base if not name else base + self.get_component_rich_style(
                f"log-view--{name}")
            self._styles[name] = style
        return style

    def _label(self, entry: LogEntry) -> str:
        return f"{entry.host}/{entry.source}" if self.show_host else entry.source

    def _entry_style(self, entry: LogEntry) -> tuple[str, str]:
        """(tag, style name) of an entry."""
        if entry.kind == GAP:
            return "GAP", "gap"
        if entry.kind == DROPPED:
            return "DROP", "warn"
        if entry.kind == NOTICE:
            return ("HOST", "warn") if entry.level is not None else ("HOST", "notice")
        if entry.level is None:
            return "", ""
        return _TAGS.get(entry.level, ("", ""))

    def _strip(self, entry: LogEntry, width: int) -> Strip:
        segments = [Segment(_clock(entry.when) + " ", self._style("time"))]
        label = self._label(entry)[: self._label_width].ljust(self._label_width)
        colour = self._colour.setdefault(entry.host, len(self._colour) % HOST_COLOURS)
        segments.append(Segment(label + " ", self._style(f"host-{colour}")))
        tag, style_name = self._entry_style(entry)
        text_style = self._style(style_name)
        segments.append(Segment(tag.ljust(6), text_style))
        room = max(0, width - 9 - self._label_width - 1 - 6)
        first, _, rest = entry.text.partition("\n")
        more = f"  [+{rest.count(chr(10)) + 1} lines]" if rest else ""
        if len(first) > room and first.endswith(CUT_SUFFIX):
            # A line cut on the host says so at the right edge, where it is seen.
            marker = first[first.rfind(" … [") + 1:]
            more = " " + marker + more
            room = max(0, room - len(more))
        text = sanitize_for_display(first[: room + 64]).replace("\t", " ")[:room]
        pattern = self.search
        if pattern is not None and text:
            pos = 0
            for match in pattern.finditer(text):
                if match.end() == match.start():
                    continue
                segments.append(Segment(text[pos:match.start()], text_style))
                segments.append(Segment(match.group(), self._style("match")))
                pos = match.end()
            segments.append(Segment(text[pos:], text_style))
        else:
            segments.append(Segment(text, text_style))
        if more:
            segments.append(Segment(more, self._style("notice")))
        return Strip(segments).crop(0, width).extend_cell_length(width, self.rich_style)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        index = self.scroll_offset.y + y
        visible = self.rows.visible
        if not 0 <= index < len(visible):
            return Strip.blank(width, self._style(""))
        entry = visible[index]
        selected = index == self.cursor
        key = (entry.seq, width, selected)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._strip(entry, width)
            if selected:
                strip = strip.apply_style(self._style("cursor"))
            if len(self._cache) > _CACHE_MAX:
                self._cache.clear()
            self._cache[key] = strip
        return strip

    def on_resize(self) -> None:
        self._cache.clear()
        self._set_virtual_size(Size(self.size.width, len(self.rows.visible)))

    # -- moving -------------------------------------------------------------------
    def _set_following(self, following: bool) -> None:
        if following != self.following:
            self.following = following
            self.post_message(self.FollowChanged(following))

    def move_to(self, index: int) -> None:
        count = len(self.rows.visible)
        if not count:
            return
        self.cursor = max(0, min(index, count - 1))
        self._set_following(self.cursor == count - 1 and self.following)
        top, height = self.scroll_offset.y, max(1, self.size.height)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)
        self.refresh()

    def pause(self) -> None:
        self._set_following(False)

    def action_move(self, delta: int) -> None:
        self._set_following(False)
        self.move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._set_following(False)
        self.move_to(self.cursor + direction * max(1, self.size.height - 1))

    def action_top(self) -> None:
        self._set_following(False)
        self.move_to(0)

    def action_follow(self) -> None:
        self._set_following(True)
        self._resync(None)

    def action_choose(self) -> None:
        entry = self.current
        if entry is not None:
            self.post_message(self.EntryChosen(entry))
