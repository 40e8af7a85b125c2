"""One log entry in full (Enter in a log view): every line of it, shown literally."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from console.fleet.log_buffer import LogEntry
from console.text import sanitize_for_display

#: A longer entry is shown up to here (the host already cut lines to 4000 bytes and
#: an entry to 64 KiB): a wall of text would only slow the terminal down.
MAX_CHARS = 64 * 1024


class LogEntryScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter,q", "close", "Close", id="log_entry.close")]
    DEFAULT_CSS = """
    LogEntryScreen { align: center middle; }
    LogEntryScreen #entry-box {
        width: 90%; height: 80%; background: $panel; border: round $accent; padding: 0 1;
    }
    """

    def __init__(self, entry: LogEntry) -> None:
        super().__init__()
        self.entry = entry

    def compose(self) -> ComposeResult:
        entry = self.entry
        head = Text()
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry.when))
        head.append(f"{entry.host} / {entry.source}   {stamp}", style="bold")
        if entry.ts is None:
            head.append("  (arrival time: no timestamp read in the line)")
        if entry.level is not None:
            head.append(f"   {entry.level.name}")
        body = sanitize_for_display(entry.text[:MAX_CHARS])
        if len(entry.text) > MAX_CHARS:
            body += f"\n… {len(entry.text) - MAX_CHARS:,} more characters"
        with VerticalScroll(id="entry-box"):
            yield Static(head)
            yield Static(Text(body), id="entry-text")

    def action_close(self) -> None:
        self.dismiss(None)
