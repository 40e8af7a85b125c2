"""Sampler bytes from every host, parsed together a few times a second.

Why: a frame parsed the moment it arrives runs squeezed between asyncssh's work for
the other hosts, with cold caches. Measured in the running console at 500 hosts,
parsing a frame and turning it into rates and alerts cost three to four times what
the same code costs in a tight loop. Queuing the bytes and handling every queued
frame in one pass cut the console core's CPU by a quarter (17 % -> 13 % of a core,
docs/benchmarks.md). The wait, at most BATCH_S, is not visible: the fleet table
redraws once per interval, and staleness is judged over two intervals.

The queue also replaces a reader task per host: the channel hands its bytes straight
to `add` (see SSHTransport.stream_samples), so no task wakes up per frame.

Every host has a budget (`SamplerBudget`): bytes and frames per window. A host whose
channel floods (a ForceCommand printing endlessly, a broken or hostile host) once
drove the console to a whole core and starved every other host into "stale". Past
its budget a host's stream ends with `Flooding`, whose message says how much it sent;
the bytes are dropped on arrival, before any parsing, and the supervisor backs off.
"""

from __future__ import annotations

import asyncio
import codecs
import time
from collections.abc import Callable

from console.format import compact_size as size_bytes
from console.metrics.frame import FrameParser
from console.metrics.raw import RawSample
from console.transport.errors import Flooding

BATCH_S = 0.25
#: What a host may send, as a token bucket: BUDGET_BYTES_PER_S on average, with bursts
#: up to BUDGET_BURST_BYTES. A frame is a few hundred bytes, a df frame of a container
#: host with hundreds of mounts some tens of KB, so a busy real host sends well under a
#: tenth of the rate; the burst covers the backlog a stalled link delivers at once. A
#: flood (megabytes a second) empties the bucket within a second or two.
BUDGET_BYTES_PER_S = 256 * 1024
BUDGET_BURST_BYTES = 2 * 1024 * 1024
#: Frames: the sampler prints one per interval, and sleeps after its work, so it never
#: prints more than that. Allowed in all since the stream began: half as many again,
#: plus a few (a backlog after a stall arrives at once but is never more than that).
BUDGET_FRAME_FACTOR = 1.5
BUDGET_FRAME_SLACK = 10


class SamplerBudget:
    """Bytes and frames one host may send; the `add_bytes`/`frames_over` answers say by
    how much a host went over, in the words its state shows."""

    def __init__(self, interval: float, rate: float = BUDGET_BYTES_PER_S,
                 burst: float = BUDGET_BURST_BYTES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._start = self._last = clock()
        self._tokens = burst
        self.bytes = 0  # since the stream began

    def add_bytes(self, count: int) -> str | None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        self._tokens -= count
        self.bytes += count
        if self._tokens >= 0:
            return None
        return (f"sent {size_bytes(self.bytes)} in {self._elapsed():.1f} s, over "
                f"the {size_bytes(self.rate)}/s budget")

    def allow_frames(self, parser: FrameParser) -> None:
        """How many more frames the parser may turn into samples now."""
        allowed = (BUDGET_FRAME_FACTOR * (self._clock() - self._start) / self.interval
                   + BUDGET_FRAME_SLACK)
        parser.frame_allowance = max(0, int(allowed) - parser.frames)

    def frames_over(self, parser: FrameParser) -> str | None:
        if not parser.frames_over_allowance:
            return None
        sent = parser.frames + parser.frames_over_allowance
        return (f"sent {sent} frames in {self._elapsed():.1f} s, "
                f"for one every {self.interval:g} s")

    def _elapsed(self) -> float:
        return max(0.1, self._clock() - self._start)


class SamplerStream:
    """One host's sampler output: its parser, its UTF-8 decoder (a character may be
    split between two packets) and where its samples go."""

    def __init__(self, on_sample: Callable[[RawSample], None],
                 budget: SamplerBudget | None = None) -> None:
        self.parser = FrameParser()
        self.budget = budget
        # Set when the link ends (its error, or None) or a frame of it could not be
        # handled (that exception): the transport waits on it.
        self.ended: asyncio.Future[BaseException | None] = (
            asyncio.get_running_loop().create_future())
        self._decode = codecs.getincrementaldecoder("utf-8")(errors="replace").decode
        self._on_sample = on_sample

    def admit(self, data: bytes) -> bool:
        """Count arriving bytes against the budget; False (and the stream ended with
        Flooding) when they are over it."""
        if self.ended.done():
            return False
        budget = self.budget
        if budget is None:
            return True
        why = budget.add_bytes(len(data))
        if why is not None:
            self.ended.set_result(Flooding(why))
            return False
        return True

    def feed(self, data: bytes) -> None:
        if self.budget is not None:
            self.budget.allow_frames(self.parser)
        for raw in self.parser.feed(self._decode(data)):
            self._on_sample(raw)
        if self.budget is not None:
            why = self.budget.frames_over(self.parser)
            if why is not None and not self.ended.done():
                self.ended.set_result(Flooding(why))


class FrameBatch:
    """Shared by every SSH host of a fleet; lives on the event loop that feeds it."""

    def __init__(self, delay: float = BATCH_S) -> None:
        self._delay = delay
        self._pending: list[tuple[SamplerStream, bytes]] = []
        self._timer: asyncio.TimerHandle | None = None

    def add(self, stream: SamplerStream, data: bytes) -> None:
        if not stream.admit(data):
            return  # over its budget, or already ending: dropped before any parsing
        self._pending.append((stream, data))
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._delay, self.flush)

    def flush(self) -> None:
        self._timer = None
        pending, self._pending = self._pending, []
        for stream, data in pending:
            if stream.ended.done():
                continue  # its link is already being torn down
            try:
                stream.feed(data)
            except Exception as exc:  # one host's failure is that host's, not the batch's
                stream.ended.set_result(exc)
