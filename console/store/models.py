"""Plain, frozen values the store hands out: a UI can keep them, compare them and render
them without touching SQLite (or importing anything but the standard library)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

NoteKind = Literal["human", "system"]

# Categories of system entries, used for styling and burst grouping. Free text is
# allowed; these are the ones the console itself writes.
ALERT = "alert"
HOST = "host"
OPERATION = "operation"
CHECK = "check"
LOG = "log"
INCIDENT = "incident"

# Highlight markers inside SearchHit.snippet: STX opens, ETX closes a match. Control
# characters, not Rich markup, so a UI cannot mistake note text for styling.
MARK_OPEN = "\x02"
MARK_CLOSE = "\x03"


def _frozen(meta: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(meta or {}))


@dataclass(frozen=True)
class Note:
    """One timeline entry: a human note or a system event. Body is verbatim, untrusted."""

    id: int
    created_at: float  # UTC epoch seconds; for pinned log lines, the line's own time
    author: str
    body: str
    host: str | None = None
    incident_id: int | None = None
    kind: NoteKind = "human"
    category: str | None = None
    meta: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    client_uuid: str | None = None

    @property
    def is_system(self) -> bool:
        return self.kind == "system"


@dataclass(frozen=True)
class Incident:
    id: int
    title: str
    severity: str
    opened_at: float
    opened_by: str
    resolved_at: float | None = None
    resolved_by: str | None = None
    summary: str | None = None

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def duration(self, now: float) -> float:
        """Time to resolve, or time open so far for an open incident."""
        return (self.resolved_at if self.resolved_at is not None else now) - self.opened_at


@dataclass(frozen=True)
class SearchHit:
    """A match from full-text search. `snippet` carries MARK_OPEN/MARK_CLOSE around the
    matched words; `spans()` splits it for a UI so it never parses markers itself."""

    kind: Literal["note", "incident"]
    id: int
    at: float
    snippet: str
    note: Note | None = None
    incident: Incident | None = None

    def spans(self) -> list[tuple[str, bool]]:
        """[(text, highlighted), ...] in order, markers removed."""
        out: list[tuple[str, bool]] = []
        highlighted = False
        buf: list[str] = []
        for ch in self.snippet:
            if ch in (MARK_OPEN, MARK_CLOSE):
                if buf:
                    out.append(("".join(buf), highlighted))
                    buf = []
                highlighted = ch == MARK_OPEN
            else:
                buf.append(ch)
        if buf:
            out.append(("".join(buf), highlighted))
        return out


@dataclass(frozen=True)
class Presence:
    console_id: str
    author: str
    hostname: str
    pid: int
    started_at: float
    last_seen: float


@dataclass(frozen=True)
class Burst:
    """Consecutive system entries of one category, shown as one line in the timeline."""

    category: str
    notes: tuple[Note, ...]

    @property
    def first_at(self) -> float:
        return self.notes[0].created_at

    @property
    def last_at(self) -> float:
        return self.notes[-1].created_at
