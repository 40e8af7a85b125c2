"""The fleet's handshake gate: a semaphore whose cancelled waiters leave in O(1)."""

from __future__ import annotations

import asyncio

from console.fleet.gate import Gate


async def test_first_come_first_served_and_slots_handed_on() -> None:
    gate, order = Gate(2), []

    async def worker(n: int) -> None:
        async with gate:
            order.append(n)
            await asyncio.sleep(0.01)

    await asyncio.gather(*(worker(n) for n in range(6)))
    assert order == list(range(6))
    assert not gate.locked()


async def test_a_waiter_cancelled_as_it_gets_the_slot_passes_it_on() -> None:
    gate = Gate(1)
    await gate.acquire()
    first = asyncio.create_task(gate.acquire())
    second = asyncio.create_task(gate.acquire())
    await asyncio.sleep(0)
    gate.release()  # hands the slot to `first`...
    first.cancel()  # ...which is cancelled before it runs: `second` must get it
    await asyncio.wait_for(second, 1)
    assert first.cancelled()


async def test_cancelled_waiters_leave_and_the_gate_still_works() -> None:
    """asyncio.Semaphore scans its deque for each cancelled waiter (quitting with
    100,000 hosts queued took minutes; bench/inventory_bench.py measures the quit)."""
    gate = Gate(1)
    await gate.acquire()
    waiters = [asyncio.create_task(gate.acquire()) for _ in range(10_000)]
    await asyncio.sleep(0)
    for task in waiters[:-1]:
        task.cancel()
    await asyncio.gather(*waiters[:-1], return_exceptions=True)
    assert all(t.cancelled() for t in waiters[:-1])
    gate.release()
    await asyncio.wait_for(waiters[-1], 1)  # the one left gets the slot
    gate.release()
    assert not gate.locked()
