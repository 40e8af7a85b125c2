"""The shared notes pane: a chat-like timeline of people's notes and system events.

Entries arrive from three places (the initial load, the live watcher, this console's
own outbox) and are debounced here, so a burst of 50 "host went down" events lands as
one grouped line rather than a wall. Every body is untrusted: it is sanitised and put
in a rich Text, never parsed as markup.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import RichLog, Static, TextArea

from console.store.models import Burst, Incident, Note, Presence
from console.store.outbox import PendingNote
from console.store.timeline import group_bursts, summarize_burst
from console.text import sanitize_for_display

#: Entries are written after this long without a new one (or MAX_HOLD_S at most).
#: System events wait longer: hosts failing together reach "unreachable" a second or
#: two apart (jittered retries), and should still land as one grouped line.
DEBOUNCE_S = 0.3
SYSTEM_DEBOUNCE_S = 2.0
MAX_HOLD_S = 8.0
#: How often held entries are looked at; the timer runs only while some are held.
FLUSH_CHECK_S = 0.25


class NoteInput(TextArea):
    """Multi-line input where Enter sends; Ctrl+J (or Alt+Enter) starts a new line."""

    BINDINGS = [
        # Shown in the footer; the key itself is handled in _on_key.
        Binding("enter", "send", "Send note", id="notes.send"),
        Binding("ctrl+j,alt+enter", "newline", "New line", id="notes.newline"),
        Binding("escape", "leave", "Back to fleet", id="notes.leave"),
    ]

    class Send(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Leave(Message):
        pass

    async def _on_key(self, event: events.Key) -> None:
        """Enter sends here, in turn with the keys typed before it. As a priority
        binding it ran as soon as the app read it, ahead of characters still queued
        for this widget: a paste, or tmux send-keys, sent half a note. Overriding
        TextArea's private key handler is the only in-order hook Textual offers
        (tests/test_private_apis.py fails by name if it changes)."""
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.action_send()
            return
        await super()._on_key(event)

    def action_send(self) -> None:
        text = self.text.strip()
        if text:
            self.post_message(self.Send(text))
            self.clear()

    def action_newline(self) -> None:
        self.insert("\n")

    def action_leave(self) -> None:
        self.post_message(self.Leave())


class NotesPane(Vertical):
    COMPONENT_CLASSES = {"notes-pane--author", "notes-pane--time", "notes-pane--system",
                         "notes-pane--alert", "notes-pane--resolved", "notes-pane--host",
                         "notes-pane--incident"}
    DEFAULT_CSS = """
    NotesPane { width: 40%; min-width: 36; border-left: tall $panel; }
    NotesPane #notes-header { height: auto; padding: 0 1; background: $panel; }
    NotesPane #notes-log { height: 1fr; padding: 0 1; }
    NotesPane #notes-pending { height: auto; padding: 0 1; color: $warning; }
    NotesPane NoteInput { height: 4; }
    NotesPane > .notes-pane--author { text-style: bold; color: $accent; }
    NotesPane > .notes-pane--time { color: $text-muted; }
    NotesPane > .notes-pane--system { color: $text-muted; text-style: italic; }
    NotesPane > .notes-pane--alert { color: $warning; }
    NotesPane > .notes-pane--resolved { color: $success; }
    NotesPane > .notes-pane--host { color: $secondary; }
    NotesPane > .notes-pane--incident { color: $error; text-style: bold; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._held: list[Note] = []
        self._held_since = 0.0
        self._last_arrival = 0.0
        self._flush_timer: Timer | None = None
        self._shown_ids: set[int] = set()
        self.author = ""
        self.others: list[Presence] = []
        self.incident: Incident | None = None
        self.unavailable = ""
        self._pending_text = ""
        self._header_plain = ""

    def compose(self) -> ComposeResult:
        yield Static(id="notes-header")
        yield RichLog(id="notes-log", wrap=True, markup=False, highlight=False,
                      max_lines=5000, auto_scroll=True)
        yield Static(id="notes-pending")
        yield NoteInput(id="note-input", soft_wrap=True, show_line_numbers=False)

    def on_mount(self) -> None:
        self._render_header()

    # -- state from the screen --------------------------------------------------------
    def set_presence(self, author: str, others: Sequence[Presence]) -> None:
        self.author, self.others = author, list(others)
        self._render_header()

    def set_incident(self, incident: Incident | None) -> None:
        self.incident = incident
        self._render_header()

    def set_unavailable(self, reason: str) -> None:
        """For good (a damaged file, a newer schema): no more typing."""
        self.unavailable = reason
        self.query_one(NoteInput).disabled = True
        self._render_header()

    def set_waiting(self, reason: str) -> None:
        """Not open yet but retried (disk full): typing goes on, notes are held."""
        self.unavailable = reason
        self._render_header()

    def set_available(self) -> None:
        self.unavailable = ""
        self._header_plain = ""
        self.query_one(NoteInput).disabled = False
        self._render_header()

    def set_pending(self, pending: Iterable[PendingNote]) -> None:
        """Human notes not yet in the database, and why. Called on every outbox change
        (system entries included), so it repaints only when the text changes."""
        lines = []
        for p in pending:
            if p.kind != "human":
                continue
            why = f" ({p.error})" if p.error else ""
            first = sanitize_for_display(p.body).splitlines()[0][:60] if p.body else ""
            state = "not saved" if p.state == "failed" else "pending"
            lines.append(f"⏳ {state}: {first}{why}")
        text = "\n".join(lines)
        if text == self._pending_text:
            return
        self._pending_text = text
        widget = self.query_one("#notes-pending", Static)
        widget.update(Text(text))
        widget.display = bool(lines)

    def add(self, notes: Iterable[Note]) -> None:
        """Queue entries; written once the stream pauses, grouped into bursts."""
        now = time.monotonic()
        fresh = [n for n in notes if n.id not in self._shown_ids]
        if not fresh:
            return
        if not self._held:
            self._held_since = now
        if self._flush_timer is None:
            self._flush_timer = self.set_interval(FLUSH_CHECK_S, self._flush_if_quiet)
        self._held.extend(fresh)
        self._shown_ids.update(n.id for n in fresh)
        self._last_arrival = now

    def flush(self) -> None:
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        if not self._held:
            return
        held, self._held = sorted(self._held, key=lambda n: n.id), []
        log = self.query_one(RichLog)
        for item in group_bursts(held):
            log.write(self._entry_text(item))

    def _flush_if_quiet(self) -> None:
        if not self._held:
            return
        now = time.monotonic()
        quiet = (SYSTEM_DEBOUNCE_S if all(n.is_system for n in self._held) else DEBOUNCE_S)
        if now - self._last_arrival >= quiet or now - self._held_since >= MAX_HOLD_S:
            self.flush()

    # -- rendering ----------------------------------------------------------------------
    def _style(self, name: str) -> object:
        return self.get_component_rich_style(f"notes-pane--{name}", partial=True)

    def _render_header(self) -> None:
        header = self.query_one("#notes-header", Static)
        if self.unavailable:
            header.update(Text(f"Notes unavailable: {self.unavailable}",
                               style=self._style("incident")))
            return
        text = self._header_text()
        if text.plain != self._header_plain:  # presence is refreshed every 5 s
            self._header_plain = text.plain
            header.update(text)

    def _header_text(self) -> Text:
        text = Text("Notes", style="bold")
        # Others by name; another console of this same user says so.
        names = sorted(p.author if p.author != self.author else f"{p.author} (another console)"
                       for p in self.others)
        here = [f"{self.author or 'you'} (you)", *names]
        text.append(f"  ·  here: {', '.join(here)}", style=self._style("time"))
        if self.incident is not None:
            text.append(f"\n● #{self.incident.id} {sanitize_for_display(self.incident.title)}"
                        f" ({self.incident.severity})", style=self._style("incident"))
        return text

    def _entry_text(self, item: Note | Burst) -> Text:
        if isinstance(item, Burst):
            line = Text(time.strftime("%H:%M ", time.localtime(item.first_at)),
                        style=self._style("time"))
            line.append(f"⚙ {summarize_burst(item)}", style=self._style("system"))
            return line
        note = item
        line = Text(time.strftime("%H:%M ", time.localtime(note.created_at)),
                    style=self._style("time"))
        body = sanitize_for_display(note.body)
        if note.is_system:
            style = "system"
            if note.category == "alert":
                style = "resolved" if note.meta.get("state") == "resolved" else "alert"
            elif note.category == "host":
                style = "resolved" if note.meta.get("state") == "up" else "alert"
            line.append(f"⚙ {body}", style=self._style(style))
            return line
        line.append(note.author, style=self._style("author"))
        if note.host:
            line.append(f" @{note.host}", style=self._style("host"))
        if note.incident_id is not None:
            line.append(f" #{note.incident_id}", style=self._style("incident"))
        line.append("\n")
        line.append(body)
        return line
