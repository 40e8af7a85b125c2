"""Logs of one host, or of several hosts merged: follow, search, filter, pin.

    self.app.push_screen(LogScreen(fleet, [(host, source), ...], title))

While shown, the screen holds its sources in the fleet's log tailer (so `on_screen`
sources are followed only while someone looks) and pulls new entries from their ring
buffers PULL_S times a second: never one message per line. Source states reach it as
events on the bus (LogSourceChanged, LogLinesDropped) and show in its status line.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from console.fleet.fleet import Fleet
from console.fleet.log_buffer import SourceBuffer
from console.fleet.log_events import LogLinePinned, LogLinesDropped, LogSourceChanged
from console.fleet.log_events import SourceState as State
from console.text import sanitize_for_display
from console.widgets.bus_listener import BusListener
from console.widgets.log_rows import compile_pattern
from console.widgets.log_templates import TemplatesPanel
from console.widgets.log_view import LogView

#: How often new lines are pulled from the buffers and drawn: twice a second reads
#: as live, and each pull repaints the whole view while following (at 4 a second the
#: repaints alone cost the key press p95 tens of ms while 20,000 lines/s streamed).
PULL_S = 0.5
#: The status line's counts are redrawn this often while lines stream (a state
#: change or a key redraws it at once).
STATUS_EVERY_S = 1.0
_PROMPTS = {"search": "search (regex)", "only": "show only lines matching (regex)",
            "hide": "hide lines matching (regex)"}

Key = tuple[str, str]


class LogScreen(BusListener, Screen[None]):
    BINDINGS = [
        Binding("escape", "close", "Back", id="logs.close"),
        Binding("q", "close", "Back", show=False, id="logs.close_q"),
        Binding("space", "toggle_follow", "Pause/follow", id="logs.follow"),
        Binding("slash", "prompt('search')", "Search", id="logs.search"),
        Binding("n", "find(1)", "Next match", show=False, id="logs.next_match"),
        Binding("N", "find(-1)", "Previous match", show=False, id="logs.prev_match"),
        Binding("f", "prompt('only')", "Show only", id="logs.only"),
        Binding("F", "prompt('hide')", "Hide", id="logs.hide"),
        Binding("e", "error(1)", "Next error", id="logs.next_error"),
        Binding("E", "error(-1)", "Previous error", show=False, id="logs.prev_error"),
        Binding("p", "pin", "Pin to notes", id="logs.pin"),
        Binding("t", "templates", "Templates", id="logs.templates"),
        Binding("c", "choose_sources", "Sources", id="logs.sources"),
        Binding("question_mark", "help", "Help", id="logs.help"),
    ]

    DEFAULT_CSS = """
    LogScreen { layout: vertical; }
    LogScreen #logs-status { height: auto; max-height: 4; padding: 0 1; background: $panel; }
    LogScreen LogView { height: 1fr; }
    LogScreen #logs-input { display: none; }
    LogScreen #logs-input.visible { display: block; }
    LogScreen TemplatesPanel { display: none; height: 40%; min-height: 5; }
    LogScreen TemplatesPanel.visible { display: block; }
    """

    def __init__(self, fleet: Fleet, keys: Sequence[Key], title: str) -> None:
        super().__init__()
        self.fleet = fleet
        self.keys = list(keys)
        self.title_text = title
        self.buffers: list[SourceBuffer] = [fleet.logs.source(h, s) for h, s in keys]
        self._seen: dict[Key, int] = {}
        self._release: Callable[[], None] | None = None
        self._mode = "search"
        self._patterns = {"search": "", "only": "", "hide": ""}
        self._status_dirty = True
        self._status_at = 0.0
        hosts = list(dict.fromkeys(h for h, _ in keys))
        limit = sum(buf.entries.maxlen or 0 for buf in self.buffers) or 1
        self._view = LogView(limit, show_host=len(hosts) > 1, hosts=hosts, id="logs-view")

    def compose(self) -> ComposeResult:
        yield Static("", id="logs-status")
        yield self._view
        yield Input(id="logs-input")
        yield TemplatesPanel(id="logs-templates")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.title_text
        self._release = self.fleet.logs.hold(self.keys)
        self.listen(self.fleet.bus, (LogSourceChanged, LogLinesDropped), self._changed)
        self.set_interval(PULL_S, self.pull)
        self.pull()
        self._view.focus()

    def on_unmount(self) -> None:
        # (BusListener's own on_unmount runs too: Textual calls each class's handler.)
        if self._release is not None:
            self._release()  # the last view of an on_screen source stops its follower
            self._release = None

    # -- data from the tailer ------------------------------------------------------
    def _changed(self, event: object) -> None:
        self._status_dirty = True

    def pull(self) -> None:
        new = []
        for key, buf in zip(self.keys, self.buffers, strict=True):
            last = self._seen.get(key, 0)
            if buf.last_seq > last:
                entries = buf.entries_after(last)
                self._seen[key] = entries[-1].seq
                new.extend(entries)
        now = time.monotonic()
        if new:
            self._view.add(new)
            # Counts move with every pull: redrawn once a second, not four times.
            if now - self._status_at >= STATUS_EVERY_S:
                self._status_dirty = True
        if self._status_dirty:
            self._status_dirty = False
            self._status_at = now
            self._show_status()
        panel = self.query_one(TemplatesPanel)
        if panel.has_class("visible"):
            panel.refresh_from(self.buffers, time.time())

    def _show_status(self) -> None:
        text = Text()
        view = self._view
        text.append("FOLLOWING" if view.following else "PAUSED (space follows)",
                    style="bold" if view.following else "bold reverse")
        text.append(f"  {len(view.rows.visible):,} of {len(view.rows.rows):,} entries")
        for mode in ("only", "hide", "search"):
            if self._patterns[mode]:
                text.append(f"  {mode}: ")
                text.append(sanitize_for_display(self._patterns[mode]))
        for buf in self.buffers:
            name = f"{buf.host}/{buf.name}" if view.show_host else buf.name
            text.append("\n" if len(self.buffers) > 1 else "  ")
            text.append(name, style="bold")
            state = buf.state
            style = "" if state in (State.FOLLOWING, State.STARTING) else "bold"
            text.append(f" {state.value}", style=style)
            if buf.detail and not state.readable:
                # The host's own words: shown literally, one line.
                text.append(": " + sanitize_for_display(buf.detail).replace("\n", " ")[:200])
            if buf.dropped_total:
                text.append(f"  {buf.dropped_total:,} lines dropped", style="bold")
        self.query_one("#logs-status", Static).update(text)

    # -- actions --------------------------------------------------------------------
    def action_close(self) -> None:
        box = self.query_one("#logs-input", Input)
        if box.has_class("visible"):
            box.remove_class("visible")
            self._view.focus()
            return
        self.dismiss(None)

    def action_toggle_follow(self) -> None:
        if self._view.following:
            self._view.pause()
        else:
            self._view.action_follow()
        self._status_dirty = True

    @on(LogView.FollowChanged)
    def _follow_changed(self, _: LogView.FollowChanged) -> None:
        self._show_status()

    def action_prompt(self, mode: str) -> None:
        self._mode = mode
        box = self.query_one("#logs-input", Input)
        box.placeholder = _PROMPTS[mode]
        with box.prevent(Input.Changed):
            box.value = self._patterns[mode]
        box.add_class("visible")
        box.focus()

    @on(Input.Changed, "#logs-input")
    def _typed(self, event: Input.Changed) -> None:
        self._apply(self._mode, event.value)

    @on(Input.Submitted, "#logs-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.input.remove_class("visible")
        self._view.focus()
        if self._mode == "search" and self._patterns["search"]:
            self.action_find(1)

    def _apply(self, mode: str, value: str) -> None:
        """Set a pattern (also used by tests and the palette-free API)."""
        self._patterns[mode] = value
        pattern = compile_pattern(value)
        if mode == "search":
            self._view.set_search(pattern)
        else:
            setattr(self._view.rows, mode, pattern)
            self._view.refilter()
        self._status_dirty = True

    def action_find(self, step: int) -> None:
        pattern = self._view.search
        if pattern is None:
            self.notify("no search: press / first", timeout=2)
            return
        self._jump(step, "no line matches", pattern=pattern)

    def action_error(self, step: int) -> None:
        if self._view.following:  # on the newest line: the latest error first
            step = -1
        self._jump(step, "no error in view", errors=True)

    def _jump(self, step: int, none: str, **what: object) -> None:
        """To the next match from the cursor; past the last one, round from the other
        end (following, the cursor is on the newest line: `e` finds the latest)."""
        rows, cursor = self._view.rows, self._view.cursor
        index = rows.find(cursor, step, **what)  # type: ignore[arg-type]
        if index is None:
            edge = -1 if step > 0 else len(rows.visible)
            index = rows.find(edge, step, **what)  # type: ignore[arg-type]
        if index is None:
            self.notify(none, timeout=2)
            return
        self._view.pause()
        self._view.move_to(index)
        self._status_dirty = True

    def action_pin(self) -> None:
        entry = self._view.current
        if entry is None:
            return
        if getattr(self.app, "store", None) is None:
            self.notify("notes are not available: the line was not pinned",
                        severity="warning", timeout=4)
            return
        level = entry.level.name if entry.level is not None else None
        self.fleet.bus.publish(LogLinePinned(entry.host, entry.source, entry.text,
                                             entry.when, level))
        self.notify(f"pinned to the notes: {entry.host}/{entry.source} at "
                    f"{time.strftime('%H:%M:%S', time.localtime(entry.when))}", timeout=3,
                    markup=False)

    def action_templates(self) -> None:
        panel = self.query_one(TemplatesPanel)
        panel.toggle_class("visible")
        if panel.has_class("visible"):
            panel.refresh_from(self.buffers, time.time())

    def action_choose_sources(self) -> None:
        from console.screens.log_sources import LogSourcesScreen

        def chosen(hidden: set[Key] | None) -> None:
            if hidden is None:
                return
            self._view.rows.hidden_sources = hidden
            self._view.refilter()
            self._status_dirty = True

        self.app.push_screen(LogSourcesScreen(self.keys, self._view.rows.hidden_sources),
                             chosen)

    @on(LogView.EntryChosen)
    def _entry_chosen(self, event: LogView.EntryChosen) -> None:
        from console.screens.log_entry import LogEntryScreen

        self.app.push_screen(LogEntryScreen(event.entry))

    def action_help(self) -> None:
        from console.screens.help import HelpScreen

        self.app.push_screen(HelpScreen([*self.BINDINGS, *LogView.BINDINGS]))
