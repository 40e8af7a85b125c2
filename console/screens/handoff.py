"""The handoff report, as the next shift will read it, and where it was saved."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Markdown, Static


class HandoffScreen(Screen[None]):
    DEFAULT_CSS = """
    HandoffScreen #handoff-title { background: $panel; padding: 0 1; }
    HandoffScreen VerticalScroll { height: 1fr; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back", id="handoff.back")]

    def __init__(self, markdown: str, saved_to: str) -> None:
        super().__init__()
        self.markdown = markdown
        self.saved_to = saved_to

    def compose(self) -> ComposeResult:
        yield Static(f"Handoff report saved to {self.saved_to}", id="handoff-title",
                     markup=False)
        with VerticalScroll():
            yield Markdown(self.markdown)
        yield Footer()
