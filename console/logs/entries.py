"""Fold continuation lines into the entry they belong to, so a traceback is one entry.

A Python traceback, a Java stack trace or a Go panic arrives as many lines, but it is
one event: the view colours it as one, "next error" jumps over it in one step, the
error rate counts it once and the template miner sees its first line only.
`EntryAssembler` is fed lines one at a time and hands back the entries it has closed.

What continues the open entry:
- an indented line (frames, Java's `\\tat ...`, `... 12 more`, pretty-printed JSON);
- `Caused by: ...`, `Suppressed: ...`, Python's "During handling of the above
  exception..." / "The above exception was the direct cause..." and the blank lines
  around them;
- in a Python traceback, its final unindented `ValueError: message` line;
- `Traceback (most recent call last):` or an unindented `java.lang.FooException: ...`
  right after a WARN-or-worse line (what `logger.exception()` and log4j print);
- in a Go panic, the goroutine dump (`goroutine 1 [running]:`, `main.main()`,
  `created by ...`, `exit status 2`).
Anything else opens a new entry and closes the open one.

An entry is also closed when it reaches `max_lines` or `max_bytes` (the next entry is
marked `continued`, so nothing is lost and memory stays bounded), and by
`flush_idle(now)` once no line has arrived for `idle` seconds: a traceback is written
in one burst, so a short quiet spell means it is complete. There is no clock in here:
the caller passes `now` (arrival time), which keeps the assembler pure and testable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from console.logs.levels import Level, classify

__all__ = ["Entry", "EntryAssembler"]

DEFAULT_MAX_LINES = 200
DEFAULT_MAX_BYTES = 64 * 1024
DEFAULT_IDLE = 0.3

_CHAINED = re.compile(
    r"(?:Caused by|Suppressed): "
    r"|During handling of the above exception"
    r"|The above exception was the direct cause"
    r"|\.\.\. \d+ (?:more|common frames omitted)")
_PY_EXC_LAST = re.compile(r"[A-Za-z_][\w.]*(?:: .*|:)?$")
_JAVA_EXC = re.compile(
    r"(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable)(?::|$)")
_GO_DUMP = re.compile(
    r"goroutine \d+ \[|created by |exit status \d+$|\[signal |[\w./*()-]+\(.*\)$")


@dataclass(frozen=True, slots=True)
class Entry:
    """One log event: its lines (the first is the header), when its first line arrived,
    the level it states, and whether it continues an entry split by the size bound."""

    lines: tuple[str, ...]
    at: float
    level: Level | None
    continued: bool = False

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def first_line(self) -> str:
        return self.lines[0]


class EntryAssembler:
    """Incremental: `feed(line, now)` returns the entries that line closed (zero or one,
    or two when a bound splits); `flush_idle(now)` and `flush()` close the open one."""

    def __init__(self, *, max_lines: int = DEFAULT_MAX_LINES,
                 max_bytes: int = DEFAULT_MAX_BYTES, idle: float = DEFAULT_IDLE) -> None:
        if max_lines < 1 or max_bytes < 1:
            raise ValueError("max_lines and max_bytes must be positive")
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.idle = idle
        self._lines: list[str] = []
        self._bytes = 0
        self._at = 0.0
        self._last = 0.0
        self._level: Level | None = None
        self._continued = False
        # "" | "py" (in a Python traceback) | "py-done" (after its exception line) |
        # "py-chain" (after "During handling of the above exception") | "go" (a panic)
        self._mode = ""

    @property
    def pending(self) -> int:
        """Lines held in the open entry (0: nothing open)."""
        return len(self._lines)

    def feed(self, line: str, now: float) -> list[Entry]:
        line = line.rstrip("\r\n")
        out: list[Entry] = []
        if self._lines and self._continues(line):
            size = len(line) + 1
            if len(self._lines) >= self.max_lines or self._bytes + size > self.max_bytes:
                out.append(self._close())
                self._open(line, now, continued=True)
            else:
                self._lines.append(line)
                self._bytes += size
                self._track(line)
            self._last = now
            return out
        if self._lines:
            out.append(self._close())
        self._open(line, now, continued=False)
        return out

    def flush_idle(self, now: float) -> list[Entry]:
        """Close the open entry if nothing arrived for `idle` seconds."""
        if self._lines and now - self._last >= self.idle:
            return [self._close()]
        return []

    def flush(self) -> list[Entry]:
        """Close the open entry now (end of stream, source stopped)."""
        return [self._close()] if self._lines else []

    # -- internals -------------------------------------------------------------------

    def _open(self, line: str, now: float, *, continued: bool) -> None:
        self._lines = [line]
        self._bytes = len(line) + 1
        self._at = self._last = now
        self._continued = continued
        self._level = classify(line)
        self._mode = ""
        self._track(line)

    def _track(self, line: str) -> None:
        if line.startswith("Traceback (most recent call last)"):
            self._mode = "py"
            if self._level is None:
                self._level = Level.ERROR
        elif line.startswith("panic: "):
            self._mode = "go"
            self._level = Level.FATAL

    def _continues(self, line: str) -> bool:
        if not line:
            return True  # blank lines inside tracebacks; trailing ones are trimmed
        first = line[0]
        if first in " \t":
            return True
        mode = self._mode
        if mode == "go":
            return _GO_DUMP.match(line) is not None
        if _CHAINED.match(line):
            if mode == "py-done":
                self._mode = "py-chain"  # a chained traceback follows
            return True
        if line.startswith("Traceback (most recent call last)"):
            return mode == "py-chain" or self._after_problem()
        if mode == "py":
            last = self._lines[-1]
            if last[:1] in " \t" and _PY_EXC_LAST.match(line):
                self._mode = "py-done"  # the exception line ends the traceback
                return True
            return False
        if _JAVA_EXC.match(line):
            return self._after_problem()
        return False

    def _after_problem(self) -> bool:
        """The open entry is one WARN-or-worse line: an exception printed on the next
        line belongs to it (logger.exception, log4j's throwable after the message)."""
        return len(self._lines) == 1 and self._level is not None and self._level >= Level.WARN

    def _close(self) -> Entry:
        lines = self._lines
        while len(lines) > 1 and not lines[-1].strip():
            lines.pop()
        entry = Entry(tuple(lines), self._at, self._level, self._continued)
        self._lines = []
        self._bytes = 0
        self._mode = ""
        return entry
