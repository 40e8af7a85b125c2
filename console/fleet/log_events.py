"""Coarse events of the log tailer: a source's state, lines dropped on a host.

Never one event per line: lines wait in the tailer's ring buffers, which views pull
on a timer.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class SourceState(enum.Enum):
    STOPPED = "stopped"  # nobody needs it (on_screen, no view open)
    STARTING = "starting"  # asked for; the host's follower has not confirmed yet
    FOLLOWING = "following"
    UNREADABLE = "unreadable"  # the host said why (no such file, permission denied)
    ENDED = "ended"  # the source's process exited by itself (a command, journalctl)
    DISCONNECTED = "disconnected"  # the host's link is down; resumes on reconnect

    @property
    def readable(self) -> bool:
        return self in (SourceState.STARTING, SourceState.FOLLOWING)


@dataclass(frozen=True, slots=True)
class LogSourceChanged:
    host: str
    source: str
    state: SourceState
    detail: str  # the host's own words when unreadable
    at: float


@dataclass(frozen=True, slots=True)
class LogLinesDropped:
    """Lines the host cut (over its per-second budget) since the last such event."""

    host: str
    source: str
    count: int
    total: int  # since the source was first followed
    at: float


@dataclass(frozen=True, slots=True)
class LogLinePinned:
    """A person pinned a log entry to the notes timeline (the wiring writes it)."""

    host: str
    source: str
    text: str
    at: float  # the entry's own time where readable, else when it arrived
    level: str | None = None
