"""The rows of a log view: entries of several sources, interleaved by time, filtered.

No Textual here, so the ordering, filtering and searching are tested directly. Entries
are kept in (time, arrival) order: an entry's own timestamp where its text has one,
else when it arrived (as lnav does). A batch that arrives in order is appended; an
entry older than the newest row is inserted where it belongs (bisect). The view draws
only the rows on screen, from `visible`.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable

from console.fleet.log_buffer import LogEntry


def order_key(entry: LogEntry) -> tuple[float, int]:
    return (entry.when, entry.seq)


def compile_pattern(text: str) -> re.Pattern[str] | None:
    """A user's regex; a bad one is matched literally (typing `[` must not fail). Case
    is ignored unless the pattern has a capital letter (smart case, like less -i)."""
    if not text:
        return None
    flags = 0 if any(ch.isupper() for ch in text) else re.IGNORECASE
    try:
        return re.compile(text, flags)
    except re.error:
        return re.compile(re.escape(text), flags)


class LogRows:
    def __init__(self, limit: int) -> None:
        self.limit = limit  # the sum of the sources' buffers: rows beyond are forgotten
        self.rows: list[LogEntry] = []
        self.visible: list[LogEntry] = []
        self.only: re.Pattern[str] | None = None  # show only entries that match
        self.hide: re.Pattern[str] | None = None  # hide entries that match
        self.hidden_sources: set[tuple[str, str]] = set()

    def passes(self, entry: LogEntry) -> bool:
        if (entry.host, entry.source) in self.hidden_sources:
            return False
        if self.only is not None and not self.only.search(entry.text):
            return False
        return self.hide is None or not self.hide.search(entry.text)

    def add(self, entries: Iterable[LogEntry]) -> int:
        """Take new entries; returns how many of them are visible."""
        batch = sorted(entries, key=order_key)
        if not batch:
            return 0
        shown = 0
        rows, visible = self.rows, self.visible
        if not rows or order_key(batch[0]) >= order_key(rows[-1]):
            rows.extend(batch)
            for entry in batch:
                if self.passes(entry):
                    visible.append(entry)
                    shown += 1
        else:
            for entry in batch:
                insort(rows, entry, key=order_key)
                if self.passes(entry):
                    insort(visible, entry, key=order_key)
                    shown += 1
        if len(rows) > self.limit:
            self._trim()
        return shown

    def _trim(self) -> None:
        cut = len(self.rows) - self.limit
        oldest_kept = order_key(self.rows[cut])
        del self.rows[:cut]
        drop = bisect_left(self.visible, oldest_kept, key=order_key)
        if drop:
            del self.visible[:drop]

    def refilter(self) -> None:
        self.visible = [e for e in self.rows if self.passes(e)]

    def index_of(self, entry: LogEntry | None) -> int | None:
        """Where `entry` is now among the visible rows (None if filtered out)."""
        if entry is None:
            return None
        i = bisect_right(self.visible, order_key(entry), key=order_key) - 1
        if 0 <= i < len(self.visible) and self.visible[i] is entry:
            return i
        return None

    def find(self, start: int, step: int, pattern: re.Pattern[str] | None = None,
             errors: bool = False) -> int | None:
        """The next visible row from `start` (excluded) in direction `step` that
        matches `pattern`, or is an error (ERROR, FATAL, a traceback, HTTP 5xx)."""
        i = start + step
        visible = self.visible
        while 0 <= i < len(visible):
            entry = visible[i]
            if errors and entry.is_error and entry.kind in ("log", "history"):
                return i
            if pattern is not None and pattern.search(entry.text):
                return i
            i += step
        return None
