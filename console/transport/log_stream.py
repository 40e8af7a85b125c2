"""The streaming call beside `Transport.run`: one follower per host, many sources.

`Transport.follow_logs(on_records)` starts the host's follower (see
`follower_script.py`) and returns a `LogFollower`: the caller starts and stops sources
on it without restarting the others, and gets the host's records in batches, one call
per chunk read (never one call per line). SSH and local hosts share this module's
parser and budget; only how the follower is started differs (`ssh_logs.py`,
`local_logs.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from console.transport.follower_script import CUT_BYTES, start_line, stop_line

#: What one host may send per second, across all its sources (each source gets its
#: share of it): a flooding log is cut on the host with a "N lines dropped" count, so
#: it can neither starve the other hosts nor the sampler on the same connection.
HOST_LINES_PER_S = 5_000
HOST_BYTES_PER_S = 1_000_000
#: A partial record longer than this is not a record (the follower cuts lines far
#: shorter): it is dropped rather than buffered without end.
MAX_PARTIAL = CUT_BYTES * 4

Record = tuple[bytes, bytes, bytes]
"""(source id, record type, payload) — see follower_script.py for the types."""

OnRecords = Callable[[list[Record]], None]


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """What the follower needs to start one source."""

    sid: str  # alphanumeric, made up by the caller
    kind: str  # "path" | "unit" | "command"
    target: str
    backlog: int = 0  # lines of history to show first (0 after a reconnect)
    lines_per_s: int = HOST_LINES_PER_S
    bytes_per_s: int = HOST_BYTES_PER_S

    def control_line(self) -> bytes:
        return start_line(self.sid, self.kind, self.target, self.backlog,
                          self.lines_per_s, self.bytes_per_s)


def share_of_budget(sources: int) -> tuple[int, int]:
    """Lines/s and bytes/s for each of a host's `sources`, so that their sum stays
    within the host's budget."""
    n = max(1, sources)
    return max(1, HOST_LINES_PER_S // n), max(CUT_BYTES, HOST_BYTES_PER_S // n)


class RecordParser:
    """Bytes from the follower -> whole records; a record cut by a read waits for the
    rest in the next one."""

    def __init__(self) -> None:
        self._partial = b""
        self.discarded = 0  # bytes thrown away as not-a-record

    def feed(self, data: bytes) -> list[Record]:
        if self._partial:
            data = self._partial + data
        lines = data.split(b"\n")
        self._partial = lines.pop()
        if len(self._partial) > MAX_PARTIAL:
            self.discarded += len(self._partial)
            self._partial = b""
        out: list[Record] = []
        append = out.append
        for line in lines:
            sid, _, rest = line.partition(b" ")
            kind, _, payload = rest.partition(b" ")
            append((sid, kind, payload))
        return out


class LogFollower(Protocol):
    """A host's running follower."""

    ended: asyncio.Future[BaseException | None]  # resolves when the follower is gone

    def start(self, spec: SourceSpec) -> None:
        """Start (or restart) one source; the others keep running."""

    def stop(self, sid: str) -> None:
        """Stop one source: its processes on the host are killed."""

    async def close(self) -> None:
        """Stop every source and the follower; nothing is left on the host."""


class WritableFollower:
    """The parts SSH and local followers share: control lines and the end future."""

    def __init__(self) -> None:
        self.ended: asyncio.Future[BaseException | None] = \
            asyncio.get_running_loop().create_future()
        self.started: set[str] = set()

    def _write(self, data: bytes) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def start(self, spec: SourceSpec) -> None:
        self._write(spec.control_line())
        self.started.add(spec.sid)

    def stop(self, sid: str) -> None:
        self._write(stop_line(sid))
        self.started.discard(sid)

    def _end(self, exc: BaseException | None) -> None:
        if not self.ended.done():
            self.ended.set_result(exc)
