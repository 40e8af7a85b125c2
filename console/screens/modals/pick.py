"""Pick one of a few choices (a service, an action, a signal, a runbook): the first
choice is the default, so the safe one goes first (TERM before KILL)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option


class PickModal(ModalScreen[str | None]):
    DEFAULT_CSS = """
    PickModal { align: center middle; }
    PickModal > Vertical {
        width: 70; max-width: 100%; height: auto; max-height: 80%; padding: 1 2;
        border: thick $accent; background: $surface;
    }
    PickModal .title { text-style: bold; margin-bottom: 1; }
    PickModal OptionList { height: auto; max-height: 20; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="pick.cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices  # (key returned, label shown)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text), classes="title")
            yield OptionList(*(Option(Text(label), id=key) for key, label in self.choices),
                             id="choices")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class CommandModal(ModalScreen[str | None]):
    """The ad-hoc command to run; Enter goes on to the confirmation."""

    DEFAULT_CSS = """
    CommandModal { align: center middle; }
    CommandModal > Vertical {
        width: 90; max-width: 100%; height: auto; padding: 1 2;
        border: thick $accent; background: $surface;
    }
    CommandModal .title { text-style: bold; margin-bottom: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="command.cancel")]

    def __init__(self, hosts: list[str]) -> None:
        super().__init__()
        self.hosts = hosts

    def compose(self) -> ComposeResult:
        from textual.widgets import Input

        shown = ", ".join(self.hosts[:8]) + (f" (+{len(self.hosts) - 8})"
                                            if len(self.hosts) > 8 else "")
        with Vertical():
            yield Label(Text(f"Run a command on {len(self.hosts)} host(s): {shown}"),
                        classes="title")
            yield Input(placeholder="shell command, e.g. uptime", id="command")

    def on_mount(self) -> None:
        self.query_one("#command").focus()

    def on_input_submitted(self, event: object) -> None:
        value = getattr(event, "value", "").strip()
        if value:
            self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
