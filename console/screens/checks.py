"""The checks view: hosts x checks, worst first; Enter shows one check on one host.

    c on the fleet, or "checks" in the command palette

Results come from the core's CheckScheduler (no I/O here). The screen subscribes to
CheckRan on the bus while it is mounted; a burst of results costs one redraw per tick.
"""

from __future__ import annotations

import time

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from console.checks.accounts import LISTING
from console.checks.events import CheckRan
from console.checks.matrix import cell, worst_first
from console.fleet.fleet import Fleet
from console.severity import Severity
from console.widgets.bus_listener import BusListener
from console.widgets.checks_matrix import ChecksMatrix

REFRESH_S = 0.5


class ChecksScreen(BusListener, Screen[None]):
    BINDINGS = [
        Binding("escape", "close", "Back", id="checks.close"),
        Binding("q", "close", "Back", show=False, id="checks.close_q"),
        Binding("enter", "details", "Details", id="checks.details"),
        Binding("space", "mark", "Mark host", id="checks.mark"),
        Binding("r", "run_now", "Run now", id="checks.run_now"),
        Binding("A", "accept_baseline", "Accept baseline", id="checks.accept"),
    ]

    DEFAULT_CSS = """
    ChecksScreen { layout: vertical; }
    ChecksScreen #checks-title { height: 1; padding: 0 1; background: $panel; color: $text; }
    ChecksScreen #checks-status { height: 1; padding: 0 1; color: $text-muted; }
    ChecksScreen #checks-empty { padding: 1 2; color: $text-muted; }
    """

    def __init__(self, fleet: Fleet, hosts: list[str] | None = None) -> None:
        super().__init__()
        self.fleet = fleet
        self.scheduler = fleet.checks
        self.marked: set[str] = set(hosts or ())
        self._version = -1
        self._dirty = True

    def compose(self) -> ComposeResult:
        yield Static("", id="checks-title", markup=False)
        if self.scheduler.checks:
            yield ChecksMatrix(self.scheduler.check_names, id="matrix")
        else:
            yield Static("No checks: add console_checks to the inventory (see README, "
                         "\"Maintenance checks\").", id="checks-empty", markup=False)
        yield Static("", id="checks-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.listen(self.fleet.bus, CheckRan, self._on_check)
        self.set_interval(REFRESH_S, self._refresh)
        self._refresh()
        if self.scheduler.checks:
            self.query_one(ChecksMatrix).focus()

    def _on_check(self, _event: object) -> None:
        self._dirty = True  # drawn at the next tick, however many came in between

    def _refresh(self) -> None:
        sched = self.scheduler
        if not self._dirty and self._version == sched.version:
            return
        self._dirty, self._version = False, sched.version
        counts = {s: 0 for s in Severity}
        for result in sched.results.values():
            counts[result.severity] += 1
        title = (f"Checks  {len(sched.checks)} hosts  {len(sched.check_names)} checks  │  "
                 f"crit {counts[Severity.CRITICAL]}  unknown {counts[Severity.UNKNOWN]}  "
                 f"warn {counts[Severity.WARNING]}  ok {counts[Severity.OK]}  │  "
                 f"running {len(sched.running)}")
        self.query_one("#checks-title", Static).update(title)
        if not sched.checks:
            return
        matrix = self.query_one(ChecksMatrix)
        hosts = list(sched.checks)
        worst = {h: sched.summary(h)[1] for h in hosts}
        problems = dict.fromkeys(hosts, 0)
        for (host, _), result in sched.results.items():
            if result.severity is not Severity.OK and host in problems:
                problems[host] += 1
        shown = matrix.visible_range()
        with self.app.batch_update():
            for host in hosts:
                matrix.set_cells(host, self._cells(host), shown)
            matrix.set_order(worst_first(hosts, worst, problems))

    def _cells(self, host: str) -> dict[str, tuple[str, str]]:
        sched = self.scheduler
        defined = sched.checks.get(host, {})
        mark = "● " if host in self.marked else ""
        cells = {"host": (mark + host, "ok")}
        for name in sched.check_names:
            cells[f"c:{name}"] = cell(sched.results.get((host, name)), name in defined,
                                      (host, name) in sched.running)
        return cells

    # -- actions ----------------------------------------------------------------------
    def _selection(self) -> tuple[str | None, str | None]:
        if not self.scheduler.checks:
            return None, None
        matrix = self.query_one(ChecksMatrix)
        return matrix.selected_key(), matrix.selected_check()

    def action_close(self) -> None:
        self.app.pop_screen()

    def action_mark(self) -> None:
        host, _ = self._selection()
        if host is None:
            return
        self.marked ^= {host}
        self._dirty = True
        self._refresh()
        self.query_one(ChecksMatrix).action_cursor(1)

    def action_details(self) -> None:
        host, check = self._selection()
        if host is None or check is None:
            return
        if check not in self.scheduler.checks.get(host, {}):
            self._status(f"{host} has no check {check}")
            return
        from console.screens.check_detail import CheckDetailScreen

        self.app.push_screen(CheckDetailScreen(self.fleet, host, check))

    @on(ChecksMatrix.RowChosen, "#matrix")
    def _row_chosen(self, _event: ChecksMatrix.RowChosen) -> None:
        self.action_details()

    def action_run_now(self) -> None:
        host, check = self._selection()
        if host is None or check is None:
            return
        hosts = sorted(self.marked) or [host]
        queued = self.scheduler.run_now(hosts, check)
        self._status(f"{check}: run now on {queued} host{'s' * (queued != 1)}"
                     if queued else f"{check} is not defined on {', '.join(hosts)}")

    def action_accept_baseline(self) -> None:
        host, check = self._selection()
        if host is None or check is None:
            return
        self._accept(host, check)

    @work(group="checks-accept", exit_on_error=False)
    async def _accept(self, host: str, check: str) -> None:
        result = self.scheduler.results.get((host, check))
        if result is None or LISTING not in result.extra:
            self._status(f"{check} on {host} has no baseline to accept (only accounts "
                         "checks, after a run)")
            return
        accepted = await self.scheduler.accept_baseline(host, check)
        self._status(f"{host} {check}: baseline accepted, checking again" if accepted
                     else f"{host} {check}: nothing to accept")

    def _status(self, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        self.query_one("#checks-status", Static).update(f"{stamp}  {text}")
