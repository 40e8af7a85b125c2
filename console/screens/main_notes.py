"""The notes side of the main screen: pane, live feed, incidents, search, handoff.

A mixin so that main.py stays about the fleet. The screens it opens are imported
when first opened, so they cost the console's first frame nothing. Store calls run in workers on the
event loop; the store itself keeps SQLite off the loop (aiosqlite threads).
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from textual import on, work
from textual.binding import Binding
from textual.screen import Screen

from console.fleet.fleet import Fleet
from console.screens.modals.incident import OpenIncidentModal
from console.store.author import current_author
from console.store.errors import StoreError, StoreUnavailable
from console.store.events import NotesArrived
from console.store.handoff import ActiveAlert, CheckLine, build_handoff
from console.store.handoff_file import save_handoff
from console.store.models import Note
from console.store.notes import new_client_uuid
from console.store.outbox import PendingChanged, PendingNote
from console.store.store import Store
from console.widgets.bus_listener import BusListener
from console.widgets.notes_pane import NoteInput, NotesPane

HANDOFF_SINCE_S = 8 * 3600
PRESENCE_REFRESH_S = 5.0

NOTES_BINDINGS = [
    Binding("n", "toggle_notes", "Notes", id="notes.toggle"),
    Binding("m", "write_note", "Write note", show=False, id="notes.write"),
    Binding("i", "open_incident", "Incident", id="notes.open_incident"),
    Binding("I", "incidents", "Incidents", show=False, id="notes.incidents"),
    Binding("f", "search_notes", "Search notes", show=False, id="notes.search"),
    Binding("H", "handoff", "Handoff", id="notes.handoff"),
]


class NotesMixin(BusListener, Screen[None]):
    fleet: Fleet
    store: Store | None = None
    #: Notes typed while no store is open (still opening, disk full): shown as pending,
    #: handed to the store when it opens, printed by the CLI if it never does.
    held: list[PendingNote]

    @property
    def notes(self) -> NotesPane:
        return self.query_one(NotesPane)

    # -- the store arrives (or not) from the app -------------------------------------
    def attach_store(self, store: Store) -> None:
        self.store = store
        self.listen(store.bus, PendingChanged, self._pending_changed)
        self.listen(store.bus, NotesArrived, self._notes_arrived)
        self.notes.author = store.author
        if self.notes.unavailable:
            self.notes.set_available()
        for note in self._held_notes():
            store.outbox.submit(note.body, author=note.author, created_at=note.created_at,
                                client_uuid=note.client_uuid)
        self.held = []
        self._show_pending()
        self._load_recent_notes()
        self._keep_presence()

    def detach_store(self) -> list[PendingNote]:
        """The notes typed while no store was open, for the CLI to print at exit."""
        return self._held_notes()

    def _held_notes(self) -> list[PendingNote]:
        return list(getattr(self, "held", []))

    def notes_unavailable(self, reason: str) -> None:
        self.notes.set_unavailable(reason)

    async def notes_waiting(self, error: StoreUnavailable, retry_in: float,
                            snapshot: list[Note] | None) -> None:
        """The store could not open yet (disk full...): say so, show what could be read,
        keep the input open; typed notes are held until it opens."""
        if not self.is_attached:
            return
        # No countdown: it would be stale between refreshes. The retries go on.
        self.notes.set_waiting(f"{error} (retrying; notes you type are kept)")
        if snapshot:
            self.notes.add(snapshot)
        if self._held_notes():
            for note in self._held_notes():
                note.error = str(error)
            self.notes.set_pending(self._held_notes())

    def _require_store(self) -> Store | None:
        if self.store is None:
            reason = self.notes.unavailable or "the notes database is still opening"
            self.notify(f"notes unavailable: {reason}", severity="warning", timeout=4)
        return self.store

    @work(group="notes-feed", exit_on_error=False)
    async def _load_recent_notes(self) -> None:
        """What was written before this console opened; later notes arrive as
        NotesArrived events (the store follows the file from the moment it opened)."""
        store = self.store
        assert store is not None
        self.notes.add(await store.recent_notes(200))
        await self._refresh_incident()

    def _notes_arrived(self, event: NotesArrived) -> None:
        self.notes.add(event.notes)
        if any(n.category == "incident" for n in event.notes):
            self._refresh_incident_soon()

    @work(group="notes-incident", exclusive=True, exit_on_error=False)
    async def _refresh_incident_soon(self) -> None:
        await self._refresh_incident()

    @work(group="notes-presence", exit_on_error=False)
    async def _keep_presence(self) -> None:
        store = self.store
        assert store is not None
        while True:
            with contextlib.suppress(StoreError):
                self.notes.set_presence(store.author, await store.who_is_here())
            await asyncio.sleep(PRESENCE_REFRESH_S)

    async def _refresh_incident(self) -> None:
        if self.store is None:
            return
        with contextlib.suppress(StoreError):
            open_ones = await self.store.incidents(open_only=True)
            self.notes.set_incident(open_ones[0] if open_ones else None)

    def _pending_changed(self, event: PendingChanged) -> None:
        pending = event.pending
        if self.store is None:
            return
        self._show_pending()
        if pending.state == "saved" and pending.note is not None:
            self.notes.add([pending.note])
        elif pending.state == "failed":
            if self.store.corrupt is not None and not self.notes.unavailable:
                self.notes.set_unavailable(self.store.corrupt)
            if pending.kind == "human":
                self.notify(f"note not saved: {pending.error}", severity="error",
                            timeout=10)

    def _show_pending(self) -> None:
        """Notes on their way, and people's notes refused for good (kept for the exit)."""
        if self.store is not None:
            self.notes.set_pending([*self.store.outbox.failed, *self.store.outbox.pending])

    # -- actions ------------------------------------------------------------------------
    def action_toggle_notes(self) -> None:
        """Show the pane and start a note, or hide it. (From the input, Esc goes back
        to the fleet; `m` starts a note while the pane stays open.)"""
        pane = self.notes
        if pane.display:
            pane.display = False
            self.query_one("#fleet").focus()
        else:
            self.action_write_note()

    def action_write_note(self) -> None:
        pane = self.notes
        pane.display = True
        pane.query_one(NoteInput).focus()

    @on(NoteInput.Send)
    def _send(self, event: NoteInput.Send) -> None:
        store = self.store
        if store is None:
            # Not open yet (or the disk is full): the note is held, never dropped.
            why = self.notes.unavailable or "the notes database is still opening"
            self.held = [*self._held_notes(), PendingNote(
                body=event.text, author=self.notes.author or current_author(),
                client_uuid=new_client_uuid(), created_at=time.time(), error=why)]
            self.notes.set_pending(self.held)
            return
        # Hosts are linked by @mention (the store resolves them), not by the selected
        # row: a selection is too easy to forget when writing.
        store.outbox.submit(event.text)
        # Shown as pending at once; each failed attempt (a lock) updates the reason.
        self._show_pending()

    @on(NoteInput.Leave)
    def _leave(self) -> None:
        self.query_one("#fleet").focus()

    @work(exclusive=True, group="incident", exit_on_error=False)
    async def action_open_incident(self) -> None:
        store = self._require_store()
        if store is None:
            return
        answer = await self.app.push_screen_wait(OpenIncidentModal())
        if answer is None:
            return
        title, severity = answer
        try:
            incident = await store.open_incident(title, severity)
        except StoreError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notes.set_incident(incident)
        self.notify(f"incident #{incident.id} open: notes now attach to it", timeout=4)

    def action_incidents(self) -> None:
        store = self._require_store()
        if store is not None:
            from console.screens.incidents import IncidentsScreen

            self.app.push_screen(IncidentsScreen(store))

    def action_search_notes(self) -> None:
        store = self._require_store()
        if store is not None:
            from console.screens.search import SearchScreen

            self.app.push_screen(SearchScreen(store))

    @work(exclusive=True, group="handoff", exit_on_error=False)
    async def action_handoff(self) -> None:
        store = self._require_store()
        if store is None:
            return
        alerts = [ActiveAlert(a.host, a.key, a.severity.name.lower(), a.opened, a.detail)
                  for a in self.fleet.alerts.active_alerts()]
        try:
            checks = [CheckLine(r.host, r.check, r.severity.name.lower(), r.at, r.status)
                      for r in self.fleet.checks.not_ok()]
            report = await build_handoff(store, HANDOFF_SINCE_S, now=time.time(),
                                         active_alerts=alerts, checks=checks)
            path = await asyncio.to_thread(save_handoff, report, store.path)
        except (StoreError, OSError) as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        from console.screens.handoff import HandoffScreen  # Markdown loads only now

        self.app.push_screen(HandoffScreen(report, str(path)))
