"""The main screen: summary bar, fleet table, alerts; later panes plug in beside it."""

from __future__ import annotations

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Footer, Input

from console.events import HostState, HostStateChanged, SubscriberFailed
from console.fleet.fleet import Fleet
from console.operations.core import Operations
from console.screens.help import HelpScreen
from console.screens.main_notes import NOTES_BINDINGS, NotesMixin
from console.screens.modals.confirm import ConfirmModal
from console.severity import Severity
from console.transport.errors import TransportError
from console.widgets.alerts_panel import AlertsPanel
from console.widgets.fleet_table import FleetTable
from console.widgets.notes_pane import NoteInput, NotesPane
from console.widgets.summary_bar import SummaryBar

#: How often the screen pulls changed hosts from the model: one repaint per tick,
#: however many samples arrived in between. Ages and countdowns move on with it.
#: Once per sampling interval (the fastest host's): a faster tick would redraw rows
#: that have no new sample, a slower one would show a sample an interval late.
MIN_REFRESH_S = 1.0
MAX_REFRESH_S = 2.0
#: A host changing state (up, down, stale) is shown this soon, not at the next tick;
#: a burst of changes (start-up, an outage) still costs one repaint per delay.
STATE_CHANGE_DELAY_S = 0.2


#: Below this width the notes pane starts hidden (toggle with n).
NOTES_MIN_WIDTH = 140


def refresh_period(intervals: list[float]) -> float:
    fastest = min(intervals, default=MAX_REFRESH_S)
    return min(MAX_REFRESH_S, max(MIN_REFRESH_S, fastest))


class MainScreen(NotesMixin):
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="main.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="main.clear_filter"),
        Binding("r", "reconnect", "Reconnect", id="main.reconnect"),
        Binding("k", "accept_key", "Trust host key", show=False, id="main.accept_key"),
        Binding("a", "focus_alerts", "Alerts", id="main.alerts"),
        Binding("c", "checks", "Checks", id="main.checks"),
        Binding("question_mark", "help", "Help", id="main.help"),
        *NOTES_BINDINGS,
        Binding("space", "mark", "Mark host", show=False, id="ops.mark"),
        Binding("x", "run_command", "Run command", id="ops.run"),
        Binding("o", "services", "Services", show=False, id="ops.services"),
        Binding("b", "runbooks", "Runbooks", show=False, id="ops.runbooks"),
    ]

    def __init__(self, fleet: Fleet, *, read_only: bool = False, source: str = "",
                 operations: Operations | None = None) -> None:
        super().__init__()
        self.fleet = fleet
        self.operations = operations
        self.read_only = read_only
        self.source = source

    def compose(self) -> ComposeResult:
        yield SummaryBar(self.fleet.model, read_only=self.read_only, source=self.source)
        with Horizontal(id="body"):
            with Vertical(id="fleet-column"):
                yield FleetTable(self.fleet.model, self.fleet.severity_level,
                                 lambda host: self.fleet.alerts.host_severity(host).rank,
                                 checks=self.fleet.checks.summary, id="fleet")
                yield Input(placeholder="filter by name, group or tag", id="filter")
                yield AlertsPanel(id="alerts")
            yield NotesPane(id="notes")
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(refresh_period([h.interval for h in self.fleet.inventory.hosts]),
                          self.refresh_fleet)
        self._refresh_soon: Timer | None = None
        self.listen(self.fleet.bus, HostStateChanged, self._state_changed)
        self.listen(self.fleet.bus, SubscriberFailed, self._subscriber_failed)
        self.notes.display = self.app.size.width >= NOTES_MIN_WIDTH
        self.table.focus()

    def on_resize(self, event: events.Resize) -> None:
        # A tmux pane shrunk to 80 columns: the fleet needs the room more than the
        # notes (n brings them back), unless someone is typing a note.
        if event.size.width < NOTES_MIN_WIDTH and not self.notes.query_one(NoteInput).has_focus:
            self.notes.display = False

    def _subscriber_failed(self, event: SubscriberFailed) -> None:
        self.notify(f"internal error in {event.subscriber} (on {event.event}): "
                    f"{event.error}; the console goes on, details in its log",
                    severity="error", timeout=10)

    def _state_changed(self, _event: object) -> None:
        if self._refresh_soon is None:
            self._refresh_soon = self.set_timer(STATE_CHANGE_DELAY_S, self._refresh_now)

    def _refresh_now(self) -> None:
        self._refresh_soon = None
        self.refresh_fleet()

    @property
    def table(self) -> FleetTable:
        return self.query_one(FleetTable)

    def refresh_fleet(self) -> None:
        dirty = self.fleet.model.take_dirty()
        with self.app.batch_update():
            self.table.refresh_rows(dirty, resort=True)
            self.table.tick(dirty)  # ages, "retry in N s" move on without new samples
            counts = self.fleet.alerts.severity_counts()
            self.query_one(SummaryBar).refresh_summary(
                warn=counts[Severity.WARNING], crit=counts[Severity.CRITICAL])
            self.query_one(AlertsPanel).show(self.fleet.alerts.active_alerts())

    # -- actions ----------------------------------------------------------------------
    def action_open_host(self) -> None:
        name = self.table.selected_host()
        if name is None:
            return
        from console.screens.host_detail import HostDetailScreen

        self.app.push_screen(HostDetailScreen(self.fleet, name, self.operations))

    @on(FleetTable.RowChosen, "#fleet")
    def _host_chosen(self, event: FleetTable.RowChosen) -> None:
        self.action_open_host()

    @on(AlertsPanel.RowChosen, "#alerts")
    def _alert_chosen(self, event: AlertsPanel.RowChosen) -> None:
        host = event.key.split("\0", 1)[0]
        if host in self.fleet.model.views:
            self.table.select_host(host)
            self.table.focus()

    def action_checks(self) -> None:
        """The maintenance checks, hosts x checks (also "checks" in the palette)."""
        from console.screens.checks import ChecksScreen

        # Hosts marked on the fleet (space) stay marked there: "run now" acts on them.
        self.app.push_screen(ChecksScreen(self.fleet, hosts=sorted(self.table.marked)))

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("visible")
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.remove_class("visible")
        self.table.set_filter("")
        self.table.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.table.set_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.table.focus()

    def action_focus_alerts(self) -> None:
        panel = self.query_one(AlertsPanel)
        if panel.row_count:
            panel.focus()
        else:
            self.notify("no active alerts", timeout=2)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen([*self.BINDINGS, *FleetTable.BINDINGS,
                                         *NoteInput.BINDINGS]))

    def action_reconnect(self) -> None:
        name = self.table.selected_host()
        if name is None:
            return
        self.fleet.reconnect(name)
        self.notify(f"reconnecting {name} now", timeout=2)

    def action_accept_key(self) -> None:
        name = self.table.selected_host()
        if name is None:
            return
        state = self.fleet.model.views[name].status.state
        if state not in (HostState.HOSTKEY_UNKNOWN, HostState.HOSTKEY_CHANGED):
            self.notify(f"{name}: its host key is not in question ({state.value})", timeout=3)
            return
        self._offer_key(name, changed=state is HostState.HOSTKEY_CHANGED)

    @work(exclusive=True, group="hostkey", exit_on_error=False)
    async def _offer_key(self, name: str, changed: bool) -> None:
        try:
            key = await self.fleet.fetch_host_key(name)
        except TransportError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        from console.transport.hostkeys import fingerprint

        host = self.fleet.inventory.host(name)
        body = (f"{host.address}:{host.port or 22} presents\n\n    {fingerprint(key)}\n\n"
                "Compare it with the fingerprint from the host's owner or console "
                "(ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) before trusting it.")
        danger = ("The key DIFFERS from the one in known_hosts. This is what a "
                  "man-in-the-middle attack looks like; trust it only if you know the "
                  "host was rebuilt.") if changed else ""
        trusted = await self.app.push_screen_wait(ConfirmModal(
            f"Trust the host key of {name}?", body, confirm_label="Trust key",
            danger=danger, type_to_confirm=name if changed else None))
        if trusted:
            self.fleet.accept_host_key(name, key)
            self.notify(f"{name}: key trusted, connecting", timeout=3)

    # -- operations (every check lives in console.operations, not here) ---------------
    def selected_hosts(self) -> list[str]:
        """The marked hosts, in table order; else the cursor's host."""
        marked = self.table.marked
        if marked:
            return [name for name in self.fleet.model.views if name in marked]
        name = self.table.selected_host()
        return [] if name is None else [name]

    def action_mark(self) -> None:
        name = self.table.selected_host()
        if name is not None:
            self.table.toggle_mark(name)

    def _ops(self) -> Operations | None:
        if self.operations is None:
            self.notify("operations unavailable", severity="error", timeout=4)
        return self.operations

    @work(exclusive=True, group="operation-flow", exit_on_error=False)
    async def action_run_command(self) -> None:
        from console.screens.operation_flows import run_command_flow

        ops, hosts = self._ops(), self.selected_hosts()
        if ops is not None and hosts:
            await run_command_flow(self, ops, hosts)

    @work(exclusive=True, group="operation-flow", exit_on_error=False)
    async def action_services(self) -> None:
        from console.screens.operation_flows import services_flow

        ops, hosts = self._ops(), self.selected_hosts()
        if ops is not None and hosts:
            await services_flow(self, ops, hosts)

    @work(exclusive=True, group="operation-flow", exit_on_error=False)
    async def action_runbooks(self) -> None:
        from console.screens.operation_flows import runbook_flow

        ops = self._ops()
        if ops is not None:
            await runbook_flow(self, ops)
