"""The Textual application: themes, CSS, the main screen, one error handler.

Thin by design: it builds the core services and hands them to screens. All I/O lives
in the core (fleet, store); screens only render and take keys.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from importlib import resources
from pathlib import Path

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.theme import Theme
from textual.worker import Worker, WorkerState

from console.fleet.fleet import Fleet
from console.inventory import Inventory
from console.operations.core import Operations
from console.operations.executors import FleetExecutor
from console.runtime import install_quit_signals
from console.screens.main import MainScreen
from console.store.errors import StoreUnavailable
from console.store.outbox import PendingNote
from console.store.store import Store
from console.wiring.checks import attach_checks_store
from console.wiring.notes import keep_opening_console_store
from themes.palettes import DEFAULT_THEME, PALETTES

log = logging.getLogger(__name__)


def _runner(screen: Screen[object], action: str) -> Callable[[], Awaitable[object]]:
    return lambda: screen.run_action(action)


def _css_path() -> str:
    return str(resources.files("themes").joinpath("console.tcss"))


class OpsConsole(App[None]):
    CSS_PATH = _css_path()
    TITLE = "opsconsole"

    def __init__(self, inventory: Inventory, *, read_only: bool = False,
                 db_path: Path | None = None) -> None:
        super().__init__()
        self.inventory = inventory
        self.read_only = read_only
        self.db_path = db_path
        self.fleet = Fleet(inventory)
        self.store: Store | None = None
        # Refuses everything until the database (its audit) is open: fails closed.
        self.operations = Operations(inventory, FleetExecutor(self.fleet), None,
                                     self.fleet.bus, read_only=read_only)
        self.unsaved: list[PendingNote] = []  # notes the database never took, for the CLI
        self.quit_signal: int | None = None  # SIGTERM/SIGHUP that ended the console
        for name, palette in PALETTES.items():
            self.register_theme(Theme(name=name, **palette))  # type: ignore[arg-type]
        self.theme = DEFAULT_THEME

    async def on_mount(self) -> None:
        # SIGTERM and SIGHUP quit as Ctrl+Q does: terminal restored, notes flushed.
        # They stay installed to the end: a second signal during the flush is ignored.
        install_quit_signals(self._quit_on_signal)
        source = self.inventory.describe()
        # The bar says read-only for --read-only, or when the inventory's `all` says so
        # (a host or group may still override it: operations decide per host).
        shown = self.read_only or bool(self.inventory.setting("console_read_only"))
        self.main_screen = MainScreen(self.fleet, read_only=shown, source=source,
                                      operations=self.operations)
        await self.push_screen(self.main_screen)
        # Connect after the first frame is on screen: the user sees the table at once.
        self.call_after_refresh(self.fleet.start)
        self._open_notes()

    @work(group="notes-open", exit_on_error=False)
    async def _open_notes(self) -> None:
        if self.db_path is None:
            self.main_screen.notes_unavailable("no database path")
            return
        try:
            # Retried while the disk is full or the directory missing; the screen
            # says why, shows what it can read and keeps what is typed meanwhile.
            self.store = await keep_opening_console_store(
                self.db_path, [h.name for h in self.inventory.hosts], self.fleet.bus,
                self.main_screen.notes_waiting)
        except StoreUnavailable as exc:
            # Damaged or too new: the console keeps running without notes; the reason
            # names the path and what to do.
            self.main_screen.notes_unavailable(str(exc))
            return
        self.operations.store = self.store
        if self.main_screen.is_attached:  # a quit can come first (100,000 hosts to stop)
            self.main_screen.attach_store(self.store)
        attach_checks_store(self.fleet, self.store)

    def _quit_on_signal(self, sig: int) -> None:
        self.quit_signal = sig
        self.exit()

    async def on_unmount(self) -> None:
        await self.fleet.stop()
        screen: MainScreen | None = getattr(self, "main_screen", None)
        held = screen.detach_store() if screen is not None else []  # typed, no store
        if self.store is not None:
            self.unsaved = await self.store.close(pending_timeout=5.0)
        self.unsaved = [*held, *self.unsaved]

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every key binding of the screen is also a palette command: one definition
        (the Binding) feeds the key, the footer, the help screen and the palette."""
        yield from super().get_system_commands(screen)
        seen: set[str] = set()
        for binding in (*screen.BINDINGS, *getattr(screen.focused, "BINDINGS", ())):
            if not isinstance(binding, Binding) or not binding.description:
                continue
            if binding.action in seen:
                continue
            seen.add(binding.action)
            yield SystemCommand(binding.description, f"key: {binding.key}",
                                _runner(screen, binding.action))

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """A failed background job becomes a message on screen, never a crash."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            log.error("background job %s failed", event.worker.name,
                      exc_info=event.worker.error)
            self.notify(f"{event.worker.name}: {event.worker.error}", severity="error",
                        timeout=10)
