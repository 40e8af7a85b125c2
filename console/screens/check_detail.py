"""One check on one host: last output, perfdata, duration, history.

Everything shown came from the host, so it is drawn as Rich Text (never markup) after
console/checks made it safe (control characters visible, sizes bounded)."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from console.checks.accounts import LISTING
from console.checks.events import CheckRan
from console.fleet.fleet import Fleet
from console.severity import Severity
from console.widgets.bus_listener import BusListener

REFRESH_S = 0.5
_STYLE = {Severity.OK: "green", Severity.WARNING: "yellow bold", Severity.CRITICAL: "red bold",
          Severity.UNKNOWN: "magenta bold"}


def _clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at)) if at else "-"


class CheckDetailScreen(BusListener, Screen[None]):
    BINDINGS = [
        Binding("escape", "close", "Back", id="check.close"),
        Binding("q", "close", "Back", show=False, id="check.close_q"),
        Binding("r", "run_now", "Run now", id="check.run_now"),
        Binding("A", "accept_baseline", "Accept baseline", id="check.accept"),
    ]

    DEFAULT_CSS = """
    CheckDetailScreen #check-body { height: 1fr; background: $surface; padding: 0 1; }
    """

    def __init__(self, fleet: Fleet, host: str, check: str) -> None:
        super().__init__()
        self.fleet = fleet
        self.host = host
        self.check = check
        self._dirty = True

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="check-body"):
            yield Static("", id="check-text", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.listen(self.fleet.bus, CheckRan, self._on_check)
        self.set_interval(REFRESH_S, self._refresh)
        self._refresh()

    def _on_check(self, event: object) -> None:
        if isinstance(event, CheckRan) and (event.result.host, event.result.check) == (
                self.host, self.check):
            self._dirty = True

    def _refresh(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self.query_one("#check-text", Static).update(self.render_text())

    def render_text(self) -> Text:
        sched = self.fleet.checks
        definition = sched.checks[self.host][self.check]
        result = sched.results.get((self.host, self.check))
        running = (self.host, self.check) in sched.running
        t = Text()
        t.append(f"{self.host} / {self.check}", style="bold")
        t.append(f"   {definition.kind}, every {definition.interval:g} s, timeout "
                 f"{definition.timeout:g} s{'   running…' if running else ''}\n\n")
        if result is None:
            t.append("Not run yet.\n")
            return t
        t.append(f"{result.severity.name}", style=_STYLE[result.severity])
        exit_text = "-" if result.exit_code is None else str(result.exit_code)
        t.append(f"   exit {exit_text}   took {result.duration_s:.2f} s   "
                 f"ran {_clock(result.at)}\n")
        t.append(result.status + "\n")
        if result.long_output and LISTING not in result.extra:
            t.append("\nOutput\n", style="bold")
            t.append(result.long_output + "\n")
        elif result.long_output:
            t.append("\nAccounts (A accepts this list as the baseline)\n", style="bold")
            t.append(result.long_output + "\n")
        if result.perfdata:
            t.append("\nPerformance data\n", style="bold")
            for datum in result.perfdata:
                state = datum.state
                t.append(f"  {datum.describe()}")
                if state:
                    t.append(f"  {state}", style={"ok": "green", "warn": "yellow",
                                                   "crit": "red"}[state])
                t.append("\n")
        if result.problems:
            t.append("\nProblems\n", style="bold")
            for problem in result.problems:
                t.append(f"  {problem}\n")
        if result.stderr.strip():
            t.append("\nStandard error\n", style="bold")
            t.append(result.stderr.rstrip("\n") + "\n")
        history = list(sched.history.get((self.host, self.check), ()))
        if history:
            t.append(f"\nHistory (last {len(history)}, newest first)\n", style="bold")
            for entry in reversed(history):
                t.append(f"  {_clock(entry.at)}  ")
                t.append(f"{entry.severity.name:<8}", style=_STYLE[entry.severity])
                t.append(f"  {entry.duration_s:5.2f} s  {entry.status}\n")
        return t

    def action_close(self) -> None:
        self.app.pop_screen()

    def action_run_now(self) -> None:
        self.fleet.checks.run_now([self.host], self.check)
        self._dirty = True
        self.notify(f"{self.check}: running on {self.host}", timeout=2)

    async def action_accept_baseline(self) -> None:
        if await self.fleet.checks.accept_baseline(self.host, self.check):
            self.notify(f"{self.host} {self.check}: baseline accepted, checking again",
                        timeout=3)
        else:
            self.notify("nothing to accept here (only accounts checks, after a run)",
                        timeout=3)
