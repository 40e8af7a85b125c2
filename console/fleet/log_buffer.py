"""One followed source's memory: a bounded ring of entries, its state, its error rate.

Lines are folded into entries (a traceback is one entry) by the pure
`console.logs.entries.EntryAssembler`; each entry gets its level and, where one can
be read, its own timestamp (`console.logs.timestamps`). The ring (`deque(maxlen)`)
bounds memory by `console_log_buffer`; every entry carries a sequence number so a
view pulls only what is new.
"""

from __future__ import annotations

import itertools
import time
from collections import deque

from console.fleet.log_events import SourceState
from console.logs.entries import Entry, EntryAssembler
from console.logs.levels import Level
from console.logs.templates import TemplateIndex
from console.logs.timestamps import parse_timestamp
from console.settings import LogSource

#: Error counts are kept in buckets of this many seconds, for this long.
BUCKET_S = 10.0
HISTORY_MINUTES = 30
#: Template mining costs far more per line than anything else here (tens of µs), so
#: each source mines at most this many entries a second, warnings and errors first
#: (up to the larger budget): a flood is still grouped, from a sample, and the panel
#: says how many entries were left out.
MINED_PER_S = 50
MINED_PROBLEMS_PER_S = 200
#: A source's buffer also holds at most this many characters per entry it may keep,
#: on average: 10,000 entries -> 10 M characters, whatever the lines' length.
CHARS_PER_ENTRY = 1_000
#: Entry kinds: what the host's log said, and what the console adds to the stream.
LOG, HISTORY, NOTICE, GAP, DROPPED = "log", "history", "notice", "gap", "dropped"

_SEQ = itertools.count(1)


_UNREAD = -1.0  # ts not parsed yet


class LogEntry:
    """One entry of a source. Its own timestamp is read from its text only when first
    asked for (a view sorting it, a pin): most entries of an `always` source are never
    shown, and reading timestamps was a third of the cost of taking in a line."""

    __slots__ = ("_ts", "at", "host", "kind", "level", "seq", "source", "text")

    def __init__(self, seq: int, host: str, source: str, at: float, ts: float | None,
                 text: str, level: Level | None, kind: str = LOG, *,
                 parse: bool = False) -> None:
        self.seq = seq  # arrival order across every source of the console
        self.host = host
        self.source = source
        self.at = at  # arrival (wall time)
        self._ts = _UNREAD if parse else ts
        self.text = text  # verbatim (display code makes it safe)
        self.level = level
        self.kind = kind

    @property
    def ts(self) -> float | None:
        """The entry's own time, when its text has one."""
        if self._ts == _UNREAD:
            first = self.text.split("\n", 1)[0]
            self._ts = parse_timestamp(first, year_hint=time.localtime(self.at).tm_year)
        return self._ts

    @property
    def when(self) -> float:
        """Its own time where readable, else its arrival: what views sort by."""
        ts = self.ts
        return ts if ts is not None else self.at

    @property
    def is_error(self) -> bool:
        return self.level is not None and self.level >= Level.ERROR

    def __repr__(self) -> str:
        return (f"LogEntry(seq={self.seq}, host={self.host!r}, source={self.source!r}, "
                f"kind={self.kind!r}, level={self.level}, text={self.text[:60]!r})")


class SourceBuffer:
    def __init__(self, host: str, spec: LogSource, sid: str, maxlen: int) -> None:
        self.host = host
        self.spec = spec
        self.sid = sid
        self.entries: deque[LogEntry] = deque(maxlen=maxlen)
        self.max_chars = maxlen * CHARS_PER_ENTRY
        self._chars = 0
        self.state = SourceState.STOPPED
        self.detail = ""
        self.pid: int | None = None  # its process on the host, as the follower said
        self.refs = 0  # views holding it
        self.dropped_total = 0
        self.dropped_pending = 0  # not yet announced
        self.lines_in = 0
        self.gap_since: float | None = None  # followed before, interrupted since then
        self.ever_started = False
        self._assembler = EntryAssembler()
        self._open_kind = LOG
        self._buckets: deque[list[float]] = deque(maxlen=int(HISTORY_MINUTES * 60 / BUCKET_S))
        self.templates = TemplateIndex()
        self.mined = 0
        self.not_mined = 0
        self._mine_second = 0
        self._mined_this_second = 0

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def wanted(self) -> bool:
        return self.spec.watch == "always" or self.refs > 0

    @property
    def last_seq(self) -> int:
        return self.entries[-1].seq if self.entries else 0

    # -- lines in ------------------------------------------------------------------
    def add_line(self, text: str, now: float, kind: str = LOG) -> None:
        self.lines_in += 1
        closed = self._assembler.feed(text, now)
        if closed:
            opened_as, self._open_kind = self._open_kind, kind
            for entry in closed:
                self._push(entry, opened_as)
        elif self._assembler.pending == 1:
            self._open_kind = kind

    def flush_idle(self, now: float) -> None:
        for entry in self._assembler.flush_idle(now):
            self._push(entry, self._open_kind)

    def flush(self) -> None:
        for entry in self._assembler.flush():
            self._push(entry, self._open_kind)

    def _push(self, entry: Entry, kind: str) -> None:
        item = LogEntry(next(_SEQ), self.host, self.name, entry.at, None, entry.text,
                        entry.level, kind, parse=True)
        self._keep(item)
        if kind == LOG and entry.level is not None and entry.level >= Level.ERROR:
            self._count_error(entry.at)
        if kind in (LOG, HISTORY):
            self._mine(item)

    def _keep(self, item: LogEntry) -> None:
        """Append within both bounds: the number of entries (the deque's maxlen) and
        their text (long lines and tracebacks must not make 10,000 entries 600 MB)."""
        entries = self.entries
        if len(entries) == entries.maxlen:
            self._chars -= len(entries[0].text)
        entries.append(item)
        self._chars += len(item.text)
        while self._chars > self.max_chars and len(entries) > 1:
            self._chars -= len(entries.popleft().text)

    def _mine(self, item: LogEntry) -> None:
        level = item.level
        second = int(item.at)
        if second != self._mine_second:
            self._mine_second, self._mined_this_second = second, 0
        problem = level is not None and level >= Level.WARN
        if self._mined_this_second >= (MINED_PROBLEMS_PER_S if problem else MINED_PER_S):
            self.not_mined += 1
            return
        self._mined_this_second += 1
        self.mined += 1
        self.templates.add(item.text.split("\n", 1)[0], item.when, level)

    def note(self, text: str, now: float, kind: str = NOTICE,
             level: Level | None = None) -> None:
        """A line from the console or the host's stderr, not from the log itself."""
        self.flush()
        self._keep(LogEntry(next(_SEQ), self.host, self.name, now, None, text, level,
                            kind))

    # -- errors per minute -----------------------------------------------------------
    def _count_error(self, at: float) -> None:
        start = at - at % BUCKET_S
        if self._buckets and self._buckets[-1][0] == start:
            self._buckets[-1][1] += 1
        else:
            self._buckets.append([start, 1.0])

    def errors_per_min(self, now: float) -> float:
        since = now - 60.0
        return sum(count for start, count in self._buckets if start + BUCKET_S > since)

    def errors_by_minute(self, now: float, minutes: int = HISTORY_MINUTES) -> list[float]:
        """Error entries in each of the last `minutes` minutes, oldest first."""
        current = int(now // 60)
        out = [0.0] * minutes
        for start, count in self._buckets:
            index = minutes - 1 - (current - int(start // 60))
            if 0 <= index < minutes:
                out[index] += count
        return out

    def entries_after(self, seq: int) -> list[LogEntry]:
        """Entries newer than `seq`, oldest first (scans back from the newest)."""
        out: list[LogEntry] = []
        for entry in reversed(self.entries):
            if entry.seq <= seq:
                break
            out.append(entry)
        out.reverse()
        return out
