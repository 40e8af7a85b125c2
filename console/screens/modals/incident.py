"""Dialogs to open an incident (title, severity) and to resolve one (summary)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, TextArea

SEVERITIES = ("sev1", "sev2", "sev3", "sev4")

_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 76; max-width: 100%; height: auto; padding: 1 2;
    border: thick $accent; background: $surface;
}}
{name} .title {{ text-style: bold; margin-bottom: 1; }}
{name} Horizontal {{ height: auto; margin-top: 1; }}
{name} Button {{ margin-right: 2; }}
{name} TextArea {{ height: 6; }}
"""


class OpenIncidentModal(ModalScreen[tuple[str, str] | None]):
    DEFAULT_CSS = _CSS.format(name="OpenIncidentModal")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="incident.cancel")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Open an incident", classes="title")
            yield Input(placeholder="what is happening, e.g. checkout 502s on web tier",
                        id="title")
            yield Select([(s, s) for s in SEVERITIES], value="sev2", allow_blank=False,
                         id="severity")
            with Horizontal():
                yield Button("Open", variant="error", id="ok")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#title").focus()

    @on(Input.Submitted, "#title")
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        title = self.query_one("#title", Input).value.strip()
        if not title:
            self.notify("an incident needs a title", severity="warning")
            return
        self.dismiss((title, str(self.query_one("#severity", Select).value)))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ResolveIncidentModal(ModalScreen[str | None]):
    DEFAULT_CSS = _CSS.format(name="ResolveIncidentModal")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="resolve.cancel")]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.incident_title = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f"Resolve: {self.incident_title}"), classes="title")
            yield Label("Summary: cause, fix, follow-ups (the next shift reads this)")
            yield TextArea(id="summary")
            with Horizontal():
                yield Button("Resolve", variant="success", id="ok")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#summary").focus()

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        summary = self.query_one("#summary", TextArea).text.strip()
        if not summary:
            self.notify("write a summary: how was it fixed?", severity="warning")
            return
        self.dismiss(summary)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
