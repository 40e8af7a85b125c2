"""The main screen: summary bar, fleet table, filter; later panes plug in beside it."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input

from console.fleet.alert_events import Severity
from console.fleet.fleet import Fleet
from console.widgets.fleet_table import FleetTable
from console.widgets.summary_bar import SummaryBar

#: How often the screen pulls changed hosts from the model: one repaint per tick,
#: however many samples arrived in between.
REFRESH_S = 0.5


class MainScreen(Screen[None]):
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="main.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="main.clear_filter"),
        Binding("r", "reconnect", "Reconnect", id="main.reconnect"),
    ]

    def __init__(self, fleet: Fleet, *, read_only: bool = False, source: str = "") -> None:
        super().__init__()
        self.fleet = fleet
        self.read_only = read_only
        self.source = source
        self._ticks = 0

    def compose(self) -> ComposeResult:
        yield SummaryBar(self.fleet.model, read_only=self.read_only, source=self.source)
        with Horizontal(id="body"), Vertical(id="fleet-column"):
            yield FleetTable(self.fleet.model, self.fleet.severity_level, id="fleet")
            yield Input(placeholder="filter by name, group or tag", id="filter")
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(REFRESH_S, self.refresh_fleet)
        self.query_one(FleetTable).focus()

    def refresh_fleet(self) -> None:
        table = self.query_one(FleetTable)
        dirty = self.fleet.model.take_dirty()
        self._ticks += 1
        # Ages and "retry in N s" move every second even without new samples, so once
        # a second every row is looked at; cells whose text is unchanged are skipped.
        names = self.fleet.model.views if self._ticks % 2 == 0 else dirty
        with self.app.batch_update():
            table.refresh_rows(names, resort=self._ticks % 2 == 0)
            counts = self.fleet.alerts.severity_counts()
            self.query_one(SummaryBar).refresh_summary(
                warn=counts[Severity.WARNING], crit=counts[Severity.CRITICAL])

    # -- actions ----------------------------------------------------------------------
    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("visible")
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.remove_class("visible")
        self.query_one(FleetTable).set_filter("")
        self.query_one(FleetTable).focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_one(FleetTable).set_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.query_one(FleetTable).focus()

    def action_reconnect(self) -> None:
        table = self.query_one(FleetTable)
        name = table.selected_host()
        if name is None:
            return
        self.fleet.reconnect(name)
        self.notify(f"reconnecting {name} now", timeout=2)
