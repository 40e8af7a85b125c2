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
import math
import time
from collections.abc import Callable

from console.format import size as size_bytes
from console.metrics.frame import FrameParser
from console.metrics.raw import RawSample
from console.transport.errors import Flooding

BATCH_S = 0.25
#: The budget's window, and what a host may send in it. A frame is a few hundred
#: bytes, a df frame of a container host with hundreds of mounts some tens of KB:
#: 512 KiB in 2 s is ten times what a busy real host sends, and a flood passes it in
#: a moment.
BUDGET_WINDOW_S = 2.0
BUDGET_BYTES = 512 * 1024
#: Frames per window: the sampler prints one per interval; a few more are allowed
#: (a delayed packet can bring two at once).
BUDGET_FRAME_FACTOR = 3
BUDGET_MIN_FRAMES = 8


class SamplerBudget:
    """Bytes and frames one host may send per window; `over()` says why it is over."""

    def __init__(self, interval: float, window: float = BUDGET_WINDOW_S,
                 max_bytes: int = BUDGET_BYTES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.window = max(window, 2 * interval)
        self.max_bytes = max_bytes
        self.max_frames = max(BUDGET_MIN_FRAMES,
                              BUDGET_FRAME_FACTOR * math.ceil(self.window / interval))
        self._clock = clock
        self._start = clock()
        self.bytes = 0

    def roll(self, parser: FrameParser) -> None:
        """Start a new window when the current one is over."""
        now = self._clock()
        if now - self._start >= self.window:
            self._start, self.bytes = now, 0
            parser.frame_allowance = self.max_frames
            parser.frames_over_allowance = 0

    def add_bytes(self, count: int) -> str | None:
        self.bytes += count
        if self.bytes <= self.max_bytes:
            return None
        return (f"flooding: {size_bytes(self.bytes)} in {self._elapsed():.1f} s, "
                f"over the {size_bytes(self.max_bytes)} budget per {self.window:g} s")

    def frames_over(self, parser: FrameParser) -> str | None:
        if not parser.frames_over_allowance:
            return None
        sent = self.max_frames + parser.frames_over_allowance
        return (f"flooding: {sent} frames in {self._elapsed():.1f} s, over the budget of "
                f"{self.max_frames} per {self.window:g} s")

    def _elapsed(self) -> float:
        return max(0.1, self._clock() - self._start)


class SamplerStream:
    """One host's sampler output: its parser, its UTF-8 decoder (a character may be
    split between two packets) and where its samples go."""

    def __init__(self, on_sample: Callable[[RawSample], None],
                 budget: SamplerBudget | None = None) -> None:
        self.parser = FrameParser()
        self.budget = budget
        if budget is not None:
            self.parser.frame_allowance = budget.max_frames
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
        budget.roll(self.parser)
        why = budget.add_bytes(len(data))
        if why is not None:
            self.ended.set_result(Flooding(why))
            return False
        return True

    def feed(self, data: bytes) -> None:
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
