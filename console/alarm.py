"""A flag one task sleeps on, with a time limit: `await alarm.wait(10)` returns True as
soon as someone calls `set()`, or False when the ten seconds are up.

Why not `asyncio.timeout()` around `asyncio.Event.wait()`: when the time runs out,
which is the usual end of a periodic wait, the task is cancelled and a
CancelledError and a TimeoutError unwind through it. Every host's probe loop and the
notes watcher end a wait that way several hundred times a minute; here it is one
timer handle and one future, and nothing is raised.
"""

from __future__ import annotations

import asyncio


def _ring(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(False)


class Alarm:
    """For one waiting task at a time (a second concurrent `wait` is a bug)."""

    def __init__(self) -> None:
        self._set = False
        self._waiter: asyncio.Future[bool] | None = None

    def set(self) -> None:
        self._set = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(True)

    def clear(self) -> None:
        self._set = False

    def is_set(self) -> bool:
        return self._set

    async def wait(self, seconds: float) -> bool:
        """True if set (already, or within `seconds`), False if the time ran out."""
        if self._set:
            return True
        if self._waiter is not None:
            raise RuntimeError("Alarm.wait: another task is already waiting")
        loop = asyncio.get_running_loop()
        waiter = self._waiter = loop.create_future()
        timer = loop.call_later(max(0.0, seconds), _ring, waiter)
        try:
            return await waiter
        finally:
            timer.cancel()
            self._waiter = None
