"""A confirmation dialog for acts that change something: trust a key, restart, fail over.

When `type_to_confirm` is set the user must type that word (usually the host name):
a reflexive Enter in a shared tmux session must not trust a changed key or restart a
production service.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class ConfirmModal(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmModal { align: center middle; }
    ConfirmModal > Vertical {
        width: 80; max-width: 100%; height: auto; padding: 1 2;
        border: thick $warning; background: $surface;
    }
    ConfirmModal .title { text-style: bold; margin-bottom: 1; }
    ConfirmModal .danger { color: $error; text-style: bold; }
    ConfirmModal Horizontal { height: auto; margin-top: 1; }
    ConfirmModal #body { height: auto; max-height: 60vh; }
    ConfirmModal Button { margin-right: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="confirm.cancel")]

    def __init__(self, title: str, body: str, *, confirm_label: str = "Confirm",
                 danger: str = "", type_to_confirm: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.confirm_label = confirm_label
        self.danger = danger
        self.type_to_confirm = type_to_confirm

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text), classes="title")
            if self.danger:
                yield Static(Text(self.danger), classes="danger")
            with VerticalScroll(id="body"):  # a plan for 50 hosts must not hide the buttons
                yield Static(Text(self.body))
            if self.type_to_confirm:
                yield Label(Text(f"Type {self.type_to_confirm} to confirm:"))
                yield Input(id="typed")
            with Horizontal():
                yield Button(self.confirm_label, variant="warning", id="confirm",
                             disabled=bool(self.type_to_confirm))
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        target = "#typed" if self.type_to_confirm else "#cancel"
        self.query_one(target).focus()

    @on(Input.Changed, "#typed")
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#confirm", Button).disabled = event.value != self.type_to_confirm

    @on(Input.Submitted, "#typed")
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value == self.type_to_confirm:
            self.dismiss(True)

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
