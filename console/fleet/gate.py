"""A semaphore for the fleet's handshakes whose waiters leave in O(1).

asyncio.Semaphore keeps its waiters in a deque and removes a cancelled one with
`deque.remove`, a linear scan. With 100,000 hosts queued for one of 8 handshake slots,
quitting cancels every waiter: n scans of n entries, minutes of CPU before the console
exits. Here the waiters are an OrderedDict: first come first served, and a cancelled
waiter is dropped by key.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from types import TracebackType


class Gate:
    def __init__(self, value: int) -> None:
        self._value = value
        self._waiters: OrderedDict[asyncio.Future[None], None] = OrderedDict()

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self.release()

    def locked(self) -> bool:
        return self._value == 0

    async def acquire(self) -> None:
        if self._value > 0 and not self._waiters:
            self._value -= 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters[future] = None
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # the slot was handed to us as we were cancelled: pass it on
            else:
                self._waiters.pop(future, None)
            raise

    def release(self) -> None:
        while self._waiters:
            future, _ = self._waiters.popitem(last=False)
            if not future.done():
                future.set_result(None)  # the slot goes straight to the next waiter
                return
        self._value += 1
