"""Past and open incidents with their time to resolve; resolve one, read its timeline."""

from __future__ import annotations

import time

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, RichLog, Static

from console import format as fmt
from console.screens.modals.incident import ResolveIncidentModal
from console.store.errors import StoreError
from console.store.models import Incident
from console.store.store import Store
from console.text import sanitize_for_display


class IncidentsScreen(Screen[None]):
    DEFAULT_CSS = """
    IncidentsScreen #incidents { height: 1fr; }
    IncidentsScreen #timeline { height: 1fr; border-top: tall $panel; padding: 0 1; }
    IncidentsScreen #incidents-title { background: $panel; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back", id="incidents.back"),
        Binding("R", "resolve", "Resolve", id="incidents.resolve"),
    ]

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.incidents: dict[str, Incident] = {}

    def compose(self) -> ComposeResult:
        yield Static("Incidents  (Enter: timeline · R: resolve)", id="incidents-title")
        yield DataTable(id="incidents", cursor_type="row")
        yield RichLog(id="timeline", wrap=True, markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label, width in (("id", "#", 5), ("state", "State", 9), ("sev", "Sev", 5),
                                  ("title", "Title", 40), ("opened", "Opened", 17),
                                  ("by", "By", 12), ("ttr", "Duration", 9)):
            table.add_column(label, key=key, width=width)
        self.load()

    @work(exclusive=True, group="incidents", exit_on_error=False)
    async def load(self) -> None:
        try:
            incidents = await self.store.incidents()
        except StoreError as exc:
            self.notify(str(exc), severity="error")
            return
        table = self.query_one(DataTable)
        now = time.time()
        for inc in incidents:
            key = str(inc.id)
            cells = (Text(str(inc.id)), Text("open" if inc.is_open else "resolved"),
                     Text(inc.severity), Text(sanitize_for_display(inc.title)),
                     Text(time.strftime("%Y-%m-%d %H:%M", time.localtime(inc.opened_at))),
                     Text(inc.opened_by), Text(fmt.duration(inc.duration(now))))
            if key in self.incidents:
                for col, cell in zip(("id", "state", "sev", "title", "opened", "by", "ttr"),
                                     cells, strict=True):
                    table.update_cell(key, col, cell)
            else:
                table.add_row(*cells, key=key)
            self.incidents[key] = inc
        if not incidents:
            self.query_one(RichLog).write(Text("No incidents yet. Press i on the main "
                                               "screen to open one."))

    def _selected(self) -> Incident | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.incidents.get(str(key))

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        incident = self._selected()
        if incident is not None:
            self.show_timeline(incident)

    @work(exclusive=True, group="timeline", exit_on_error=False)
    async def show_timeline(self, incident: Incident) -> None:
        notes = await self.store.incident_notes(incident.id)
        log = self.query_one(RichLog)
        log.clear()
        log.write(Text(f"#{incident.id} {sanitize_for_display(incident.title)}", style="bold"))
        if incident.summary:
            log.write(Text("Summary: " + sanitize_for_display(incident.summary)))
        for note in notes:
            stamp = time.strftime("%m-%d %H:%M", time.localtime(note.created_at))
            who = "⚙" if note.is_system else note.author
            log.write(Text(f"{stamp} {who}: {sanitize_for_display(note.body)}"))

    @work(exclusive=True, group="resolve", exit_on_error=False)
    async def action_resolve(self) -> None:
        incident = self._selected()
        if incident is None or not incident.is_open:
            self.notify("select an open incident", timeout=2)
            return
        summary = await self.app.push_screen_wait(ResolveIncidentModal(incident.title))
        if summary is None:
            return
        try:
            await self.store.resolve_incident(incident.id, summary)
        except StoreError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"incident #{incident.id} resolved", timeout=3)
        self.load()
