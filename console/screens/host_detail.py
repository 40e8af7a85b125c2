"""One host in depth: history, CPU split, mounts, devices, top processes, services.

Pushed from the fleet table (Enter):

    self.app.push_screen(HostDetailScreen(self.fleet, name))

Figures come from the fleet model (no I/O, redrawn once a second from the ring
buffers). Top processes and service states are probed over the host's existing
connection, by timers that live only as long as this screen is shown: nobody pays for
them from the main screen or while another screen covers this one. A probe's failure
is a dim line in place of its table; a host that is down keeps its last figures on
screen, marked stale, never as live.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Resize, ScreenResume, ScreenSuspend
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static

from console.events import HostState
from console.fleet.fleet import Fleet
from console.fleet.host_probe import (
    ProbeError,
    ServiceState,
    configured_services,
    service_states,
    top_processes,
)
from console.fleet.model import HostView
from console.levels import SEVERITY_LEVEL
from console.metrics.parsers.ps import TopProcesses
from console.operations.core import Operations
from console.severity import Severity
from console.text import sanitize_for_display
from console.widgets.host_charts import HostCharts, window_points
from console.widgets.host_header import HostFigures, HostHeader
from console.widgets.mount_table import MountTable
from console.widgets.process_table import ProcessTable
from console.widgets.rates_tables import DiskTable, InterfaceTable
from console.widgets.service_list import ServiceList

#: Redraw from the model: the charts move once a second, like top's.
REFRESH_S = 1.0
#: ps costs the host a fork and a scan of /proc: every few seconds is plenty to read.
PROCESSES_EVERY_S = 3.0
#: Service states change rarely and a check may be slow.
SERVICES_EVERY_S = 15.0
#: Below this width the side-by-side tables stack.
NARROW_BELOW = 120

_PROCESS_GROUP = "host-detail-processes"
_SERVICE_GROUP = "host-detail-services"


def _clock(wall: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(wall))


class HostDetailScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "close", "Back", id="host.close"),
        Binding("q", "close", "Back", show=False, id="host.close_q"),
        Binding("r", "probe_now", "Refresh probes", id="host.refresh"),
        Binding("o", "services", "Services", id="host.services"),
        Binding("t", "signal", "Signal process", id="host.signal"),
    ]

    DEFAULT_CSS = """
    HostDetailScreen { layout: vertical; }
    HostDetailScreen #detail-body { height: 1fr; background: $surface; }
    HostDetailScreen .section-title {
        color: $accent; text-style: bold; padding: 0 1; margin-top: 1; height: 1;
    }
    HostDetailScreen #history-title { margin-top: 0; }
    HostDetailScreen .pair { height: auto; }
    HostDetailScreen .half { width: 1fr; height: auto; }
    HostDetailScreen.-narrow .pair { layout: vertical; }
    HostDetailScreen.-narrow .half { width: 100%; }
    HostDetailScreen .probe-message {
        color: $text-muted; text-style: italic; padding: 0 1; height: auto;
    }
    HostDetailScreen .probe-message.-error { color: $text-muted; text-style: italic bold; }
    """

    class ProcessesProbed(Message):
        def __init__(self, top: TopProcesses | None, error: str | None) -> None:
            super().__init__()
            self.top = top
            self.error = error

    class ServicesProbed(Message):
        def __init__(self, states: list[ServiceState] | None, error: str | None) -> None:
            super().__init__()
            self.states = states
            self.error = error

    def __init__(self, fleet: Fleet, host_name: str,
                 operations: Operations | None = None) -> None:
        super().__init__()
        self.fleet = fleet
        self.operations = operations
        self.host_name = host_name
        self.probe_runs = {"processes": 0, "services": 0}  # how often each probe ran
        self._busy: set[str] = set()
        self._last_top: TopProcesses | None = None  # CPU% is measured from probe to probe
        self._why_not: str | None = None  # why probes cannot run now, once shown
        self._probe_timers: list[Timer] = []
        self._has_services = bool(configured_services(fleet, host_name))

    @property
    def view(self) -> HostView:
        return self.fleet.model.views[self.host_name]

    # -- layout -----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield HostHeader(id="detail-header")
        with VerticalScroll(id="detail-body"):
            yield Static("", id="history-title", classes="section-title")
            yield HostCharts(id="detail-charts")
            yield HostFigures(id="detail-figures")
            yield Static("Filesystems", classes="section-title")
            yield MountTable(id="detail-mounts")
            with Horizontal(classes="pair"):
                with Vertical(classes="half"):
                    yield Static("Network interfaces", classes="section-title")
                    yield InterfaceTable(id="detail-interfaces")
                with Vertical(classes="half"):
                    yield Static("Disks", classes="section-title")
                    yield DiskTable(id="detail-disks")
            with Horizontal(classes="pair"):
                with Vertical(classes="half"):
                    yield Static("Top processes by CPU", classes="section-title")
                    yield ProcessTable(id="procs-cpu", selectable=True)
                with Vertical(classes="half"):
                    yield Static("Top processes by memory", classes="section-title")
                    yield ProcessTable(id="procs-mem")
            yield Static("", id="procs-message", classes="probe-message")
            yield Static("Services", classes="section-title")
            yield ServiceList(id="services")
            yield Static("", id="services-message", classes="probe-message")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.host_name
        minutes = window_points(self.view) * self.view.host.interval / 60
        self.query_one("#history-title", Static).update(
            Text(f"Last {minutes:.0f} minutes (newest on the right, · = no data)"))
        self.query_one(ServiceList).display = self._has_services
        self.refresh_view()
        self._probe_timers = [
            self.set_interval(REFRESH_S, self.refresh_view),
            self.set_interval(PROCESSES_EVERY_S, self.probe_processes),
            self.set_interval(SERVICES_EVERY_S, self.probe_services),
        ]
        self.probe_processes()
        if self._has_services:
            self.probe_services()
        else:
            self._say("services-message",
                      "no services listed for this host (console_services in the "
                      "inventory)", error=False)
        self.query_one("#detail-body").focus()

    def on_unmount(self) -> None:
        for timer in self._probe_timers:
            timer.stop()
        self._probe_timers = []
        self.workers.cancel_group(self, _PROCESS_GROUP)
        self.workers.cancel_group(self, _SERVICE_GROUP)

    def on_screen_suspend(self, _: ScreenSuspend) -> None:
        """Covered by another screen (help, a dialog): stop probing the host."""
        for timer in self._probe_timers:
            timer.pause()

    def on_screen_resume(self, _: ScreenResume) -> None:
        for timer in self._probe_timers:
            timer.resume()

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width < NARROW_BELOW, "-narrow")

    # -- figures from the model (no I/O) ----------------------------------------------
    def _stale(self, now: float) -> bool:
        view = self.view
        return view.sample is not None and (
            view.is_stale(now) or view.status.state is not HostState.UP)

    def refresh_view(self) -> None:
        now = time.time()
        view = self.view
        stale = self._stale(now)
        severities = {a.key: a.severity for a in self.fleet.alerts.active_alerts()
                      if a.host == self.host_name}
        disk_levels = {key.partition(":")[2]: SEVERITY_LEVEL[sev]
                       for key, sev in severities.items()
                       if key.startswith("disk_util:") and sev is not Severity.OK}
        s = view.sample
        with self.app.batch_update():
            self.query_one(HostHeader).show(view, stale, now)
            self.query_one(HostCharts).show(view, stale)
            self.query_one(HostFigures).show(view, stale)
            self.query_one(MountTable).show(s.filesystems if s else (), severities, stale)
            self.query_one(InterfaceTable).show(s.interfaces if s else (), stale)
            self.query_one(DiskTable).show(s.disks if s else (), disk_levels, stale)
        self._follow_reachability(stale)

    def _follow_reachability(self, stale: bool) -> None:
        """The moment the host goes away (or its samples stop before the supervisor
        has noticed), its process and service lists turn stale, not at the next probe
        up to 15 s later; the moment it is back, probe again."""
        why_not = self._reachable()
        if why_not is None and stale:
            why_not = "no recent sample from the host"
        if why_not == self._why_not:
            return
        was_down, self._why_not = self._why_not is not None, why_not
        if why_not is not None:
            self._processes_failed(f"top processes not refreshed: {why_not}")
            if self._has_services:
                self._services_failed(f"services not checked: {why_not}")
        elif was_down:
            self.action_probe_now()

    # -- probes (one command each, over the host's connection) ------------------------
    def _reachable(self) -> str | None:
        """None when a probe can run now, else why not (shown in place)."""
        view = self.view
        if view.host.is_local or view.status.state is HostState.UP:
            return None
        reason = f": {view.status.reason}" if view.status.reason else ""
        return f"host is {view.status.state.value}{reason}"

    def _say(self, widget_id: str, text: str, *, error: bool) -> None:
        message = self.query_one(f"#{widget_id}", Static)
        message.set_class(error, "-error")
        # Probe errors quote the host's own output: no markup, controls made visible.
        message.update(Text(sanitize_for_display(text).replace("\n", " ")))

    def probe_processes(self) -> None:
        if "processes" in self._busy:
            return  # the last one is still running on a slow host: do not pile up
        why_not = self._reachable()
        if why_not is not None:
            self._processes_failed(f"top processes not refreshed: {why_not}")
            return
        self._busy.add("processes")
        self.probe_runs["processes"] += 1
        self.run_worker(self._fetch_processes(), group=_PROCESS_GROUP,
                        exit_on_error=False)

    async def _fetch_processes(self) -> None:
        try:
            top = await top_processes(self.fleet, self.host_name, previous=self._last_top)
        except ProbeError as exc:
            self.post_message(self.ProcessesProbed(None, str(exc)))
        except Exception as exc:  # a bug must not take the screen down either
            self.post_message(self.ProcessesProbed(None, f"top processes: {exc!r}"))
        else:
            self.post_message(self.ProcessesProbed(top, None))

    def probe_services(self) -> None:
        if not self._has_services or "services" in self._busy:
            return
        why_not = self._reachable()
        if why_not is not None:
            self._services_failed(f"services not checked: {why_not}")
            return
        self._busy.add("services")
        self.probe_runs["services"] += 1
        self.run_worker(self._fetch_services(), group=_SERVICE_GROUP, exit_on_error=False)

    async def _fetch_services(self) -> None:
        try:
            states = await service_states(self.fleet, self.host_name)
        except ProbeError as exc:
            self.post_message(self.ServicesProbed(None, str(exc)))
        except Exception as exc:  # a bug must not take the screen down either
            self.post_message(self.ServicesProbed(None, f"services: {exc!r}"))
        else:
            self.post_message(self.ServicesProbed(states, None))

    def _processes_failed(self, error: str) -> None:
        self.query_one("#procs-cpu", ProcessTable).mark_stale()
        self.query_one("#procs-mem", ProcessTable).mark_stale()
        self._say("procs-message", error, error=True)

    def _services_failed(self, error: str) -> None:
        self.query_one(ServiceList).mark_stale()
        self._say("services-message", error, error=True)

    @on(ProcessesProbed)
    def _show_processes(self, message: ProcessesProbed) -> None:
        self._busy.discard("processes")
        if message.top is None:
            self._processes_failed(message.error or "top processes: no answer")
            return
        self._last_top = message.top
        self.query_one("#procs-cpu", ProcessTable).show(message.top.by_cpu, stale=False)
        self.query_one("#procs-mem", ProcessTable).show(message.top.by_mem, stale=False)
        window = message.top.cpu_window_s
        how = (f"CPU% over the last {window:.1f}s, as top computes it" if window
               else "CPU% is ps's average over each process's life (no /proc)")
        self._say("procs-message",
                  f"ps at {_clock(time.time())}, every {PROCESSES_EVERY_S:g}s while this "
                  f"screen is open; {how}", error=False)

    @on(ServicesProbed)
    def _show_services(self, message: ServicesProbed) -> None:
        self._busy.discard("services")
        if message.states is None:
            self._services_failed(message.error or "services: no answer")
            return
        self.query_one(ServiceList).show(message.states, stale=False)
        self._say("services-message",
                  f"checked at {_clock(time.time())}, every {SERVICES_EVERY_S:g}s",
                  error=False)

    # -- actions ----------------------------------------------------------------------
    def action_close(self) -> None:
        self.dismiss(None)

    def action_probe_now(self) -> None:
        self.probe_processes()
        self.probe_services()

    # -- operations (every check lives in console.operations) --------------------------
    def _ops(self) -> Operations | None:
        if self.operations is None:
            self.notify("operations unavailable", severity="error", timeout=4)
        return self.operations

    @work(exclusive=True, group="host-operation", exit_on_error=False)
    async def action_services(self) -> None:
        from console.screens.operation_flows import services_flow

        ops = self._ops()
        if ops is not None:
            await services_flow(self, ops, [self.host_name])

    @work(exclusive=True, group="host-operation", exit_on_error=False)
    async def action_signal(self) -> None:
        """Signal the process under the cursor of the CPU table (focus it with Tab)."""
        from console.screens.operation_flows import signal_flow

        ops = self._ops()
        table = self.query_one("#procs-cpu", ProcessTable)
        chosen = table.selected_process()
        if ops is None:
            return
        if chosen is None:
            self.notify("no process selected: the CPU table lists them", timeout=4)
            return
        await signal_flow(self, ops, self.host_name, chosen.pid, chosen.command)
        self.probe_processes()
