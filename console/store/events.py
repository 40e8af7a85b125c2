"""What the store tells the rest of the console, as events on the bus.

The UI learns of notes written by other consoles and of its own pending notes the same
way it learns of anything else in the core: it subscribes to these on the bus while
its pane is mounted (`PendingChanged` lives beside the outbox that publishes it).
Nothing in the store holds a reference to a widget.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.store.models import Note


@dataclass(frozen=True, slots=True)
class NotesArrived:
    """Notes that other writers committed (other consoles, `opsconsole note`)."""

    notes: tuple[Note, ...]
