""""How did we fix this last time?": full-text search over every note and incident."""

from __future__ import annotations

import time

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, RichLog, Static

from console.store.errors import StoreError
from console.store.models import SearchHit
from console.store.store import Store
from console.text import sanitize_for_display


class SearchScreen(Screen[None]):
    COMPONENT_CLASSES = {"search-screen--match", "search-screen--meta"}
    DEFAULT_CSS = """
    SearchScreen #search-title { background: $panel; padding: 0 1; }
    SearchScreen #results { height: 1fr; padding: 0 1; }
    SearchScreen > .search-screen--match { background: $warning 40%; text-style: bold; }
    SearchScreen > .search-screen--meta { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="search.back")]

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        yield Static("Search notes and incidents (newest relevant first)", id="search-title")
        yield Input(placeholder="e.g. nginx 502 or \"disk full\"", id="query")
        yield RichLog(id="results", wrap=True, markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Changed, "#query")
    def _changed(self, event: Input.Changed) -> None:
        self.run_search(event.value)

    @work(exclusive=True, group="search", exit_on_error=False)
    async def run_search(self, query: str) -> None:
        log = self.query_one(RichLog)
        if not query.strip():
            log.clear()
            return
        try:
            hits = await self.store.search(query, limit=50)
        except StoreError as exc:
            log.clear()
            log.write(Text(str(exc)))
            return
        log.clear()
        if not hits:
            log.write(Text(f"No match for {query!r}."))
        for hit in hits:
            log.write(self._hit_text(hit))

    def _hit_text(self, hit: SearchHit) -> Text:
        meta = self.get_component_rich_style("search-screen--meta", partial=True)
        match = self.get_component_rich_style("search-screen--match", partial=True)
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(hit.at))
        if hit.kind == "incident" and hit.incident is not None:
            head = f"{stamp} incident #{hit.incident.id} [{hit.incident.severity}]"
        elif hit.note is not None:
            where = f" @{hit.note.host}" if hit.note.host else ""
            inc = f" #{hit.note.incident_id}" if hit.note.incident_id else ""
            head = f"{stamp} {hit.note.author}{where}{inc}"
        else:
            head = stamp
        text = Text(head + "\n", style=meta)
        for part, highlighted in hit.spans():
            text.append(sanitize_for_display(part), style=match if highlighted else "")
        text.append("\n")
        return text
