"""An operation running and its result: progress as hosts finish (done / failed /
pending), then outputs grouped as `clush -b` groups them, with each exit status.

The operation runs in this screen's worker; progress arrives as bus events turned
into messages (the worker never touches a widget). Leaving is refused while it runs:
an operation half-way through a runbook must finish (or roll back) and be audited.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from console.operations.core import Operations, Report
from console.operations.events import OperationProgress
from console.operations.fanout import group_results
from console.text import sanitize_for_display
from console.widgets.bus_listener import BusListener

#: Output shown per group: a command that prints a megabyte must not freeze the screen.
MAX_GROUP_CHARS = 4000


def report_text(ops: Operations, report: Report) -> Text:
    out = Text()
    if report.outcome == "dry run" and report.plan is not None:
        out.append("Dry run: nothing was run.\n\n", style="bold")
        out.append(sanitize_for_display(report.plan.describe()) + "\n")
    for label, results in report.steps:
        if label:
            out.append(f"\nstep {label}\n", style="bold")
        for group in group_results(results):
            status = "" if group.exit_status is None else f", exit {group.exit_status}"
            style = "bold" if group.outcome == "ok" else "bold reverse"
            out.append(f"{', '.join(group.hosts)} ({len(group.hosts)}) · {group.outcome}"
                       f"{status}\n", style=style)
            text = sanitize_for_display(group.output.rstrip("\n"))
            if len(text) > MAX_GROUP_CHARS:
                text = "…" + text[-MAX_GROUP_CHARS:]
            if text:
                out.append(text + "\n")
    out.append("\n" + sanitize_for_display(ops.summary(report)) + "\n", style="bold")
    return out


class OperationScreen(BusListener, Screen[None]):
    DEFAULT_CSS = """
    OperationScreen #op-title { text-style: bold; padding: 0 1; color: $accent; }
    OperationScreen #op-progress { padding: 0 1; }
    OperationScreen #op-output { padding: 0 1; background: $surface; }
    """
    BINDINGS = [Binding("escape", "close", "Back", id="operation.close"),
                Binding("q", "close", "Back", show=False, id="operation.close_q")]

    class Progressed(Message):
        def __init__(self, event: OperationProgress) -> None:
            super().__init__()
            self.event = event

    class Done(Message):
        def __init__(self, report: Report) -> None:
            super().__init__()
            self.report = report

    def __init__(self, ops: Operations, title: str,
                 act: Callable[[], Awaitable[Report]]) -> None:
        super().__init__()
        self.ops = ops
        self.title_text = title
        self.act = act
        self.report: Report | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(self.title_text), id="op-title")
        yield Static(Text("starting…"), id="op-progress")
        with VerticalScroll(id="op-body"):
            yield Static(Text(""), id="op-output")
        yield Footer()

    def on_mount(self) -> None:
        if self.ops.bus is not None:
            # Other operations may run at the same time (another screen's): only ours.
            self.listen(self.ops.bus, OperationProgress,
                        lambda ev: self.post_message(self.Progressed(ev))
                        if ev.title == self.title_text else None)
        self._run()

    @work(group="operation", exit_on_error=False)
    async def _run(self) -> None:
        self.post_message(self.Done(await self.act()))

    @on(Progressed)
    def _progress(self, message: Progressed) -> None:
        ev = message.event
        step = f"step {ev.step}: " if ev.step else ""
        self.query_one("#op-progress", Static).update(Text(
            f"{step}{ev.done} done · {ev.failed} failed · {ev.pending} pending"))

    @on(Done)
    def _done(self, message: Done) -> None:
        self.report = report = message.report
        self.query_one("#op-progress", Static).update(Text(
            f"{report.outcome.upper()}" + (f": {report.message}" if report.message else "")
            + "  (Esc to go back)"))
        self.query_one("#op-output", Static).update(report_text(self.ops, report))

    def action_close(self) -> None:
        if self.report is None:
            self.notify("the operation is still running; it will be audited when done",
                        timeout=3)
            return
        self.dismiss(None)
