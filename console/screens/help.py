"""`?`: every key of the screen you came from, and what the colours and states mean.

The key list is read from the screens' and widgets' BINDINGS, so it cannot drift from
what the keys actually do.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from console.format import DASH

LEGEND = (
    ("up", "connected; figures are live"),
    ("stale", "no sample for over two intervals: figures are greyed, never shown as live"),
    ("connecting…", "first connection under way"),
    ("reconnecting in Ns", "the link broke; next attempt in N seconds (backoff with jitter)"),
    ("unreachable", "three attempts failed; the reason is shown; retries continue"),
    ("auth failed", "the host refused our login: fix the key or user, then press r"),
    ("host key unknown", "not in ~/.ssh/known_hosts: press k to see its fingerprint"),
    ("host key changed", "does NOT match known_hosts: possible attack or a rebuilt host"),
    (DASH, "a figure that is not known (first sample, missing data): never a guess"),
)


def _key_name(binding: Binding) -> str:
    names = {"slash": "/", "question_mark": "?", "enter": "Enter", "escape": "Esc"}
    return ", ".join(names.get(k.strip(), k.strip()) for k in binding.key.split(","))


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90; max-width: 100%; height: 80%; padding: 1 2;
        border: thick $accent; background: $surface;
    }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(self, bindings: Iterable[Binding]) -> None:
        super().__init__()
        self.bindings = [b for b in bindings if b.description]

    def compose(self) -> ComposeResult:
        keys = Table(title="Keys", show_header=False, box=None, padding=(0, 2))
        for binding in self.bindings:
            keys.add_row(Text(_key_name(binding), style="bold"), Text(binding.description))
        keys.add_row(Text("Ctrl+P", style="bold"), Text("command palette: every command"))
        keys.add_row(Text("Ctrl+Q", style="bold"), Text("quit"))
        legend = Table(title="Host states", show_header=False, box=None, padding=(0, 2))
        for state, meaning in LEGEND:
            legend.add_row(Text(state, style="bold"), Text(meaning))
        with VerticalScroll():
            yield Static(keys)
            yield Static(legend)
            yield Static(Text("Cells turn yellow at warn and red at crit thresholds "
                              "(console_thresholds in the inventory).", style="italic"))
