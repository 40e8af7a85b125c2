"""Choosing which of a log view's sources it shows (key c in a log view)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static
from textual.widgets.selection_list import Selection

Key = tuple[str, str]


class LogSourcesScreen(ModalScreen[set[Key] | None]):
    """Returns the sources to hide. Space or Enter toggles a source; Esc applies."""

    BINDINGS = [Binding("escape", "done", "Apply and close", id="log_sources.done")]
    DEFAULT_CSS = """
    LogSourcesScreen { align: center middle; }
    LogSourcesScreen #sources-box {
        width: 70; height: auto; max-height: 80%; background: $panel;
        border: round $accent; padding: 0 1;
    }
    LogSourcesScreen SelectionList { height: auto; max-height: 30; }
    """

    def __init__(self, keys: Iterable[Key], hidden: set[Key]) -> None:
        super().__init__()
        self.keys = list(keys)
        self.hidden = set(hidden)

    def compose(self) -> ComposeResult:
        with Vertical(id="sources-box"):
            yield Static(Text("Sources shown (space toggles, Esc applies)"))
            yield SelectionList[int](*(
                Selection(Text(f"{host} / {name}"), i, (host, name) not in self.hidden)
                for i, (host, name) in enumerate(self.keys)))

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_done(self) -> None:
        chosen = set(self.query_one(SelectionList).selected)
        self.dismiss({key for i, key in enumerate(self.keys) if i not in chosen})
