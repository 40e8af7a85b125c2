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
"""

from __future__ import annotations

import asyncio
import codecs
from collections.abc import Callable

from console.metrics.frame import FrameParser
from console.metrics.raw import RawSample

BATCH_S = 0.25


class SamplerStream:
    """One host's sampler output: its parser, its UTF-8 decoder (a character may be
    split between two packets) and where its samples go."""

    def __init__(self, on_sample: Callable[[RawSample], None]) -> None:
        self.parser = FrameParser()
        # Set when the link ends (its error, or None) or a frame of it could not be
        # handled (that exception): the transport waits on it.
        self.ended: asyncio.Future[BaseException | None] = (
            asyncio.get_running_loop().create_future())
        self._decode = codecs.getincrementaldecoder("utf-8")(errors="replace").decode
        self._on_sample = on_sample

    def feed(self, data: bytes) -> None:
        for raw in self.parser.feed(self._decode(data)):
            self._on_sample(raw)


class FrameBatch:
    """Shared by every SSH host of a fleet; lives on the event loop that feeds it."""

    def __init__(self, delay: float = BATCH_S) -> None:
        self._delay = delay
        self._pending: list[tuple[SamplerStream, bytes]] = []
        self._timer: asyncio.TimerHandle | None = None

    def add(self, stream: SamplerStream, data: bytes) -> None:
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
