"""Alarm: a flag waited on with a time limit, without cancelling anything."""

from __future__ import annotations

import asyncio
import time

import pytest

from console.alarm import Alarm


async def test_the_time_running_out_returns_false_and_raises_nothing() -> None:
    alarm = Alarm()
    start = time.monotonic()
    assert await alarm.wait(0.05) is False
    assert 0.04 <= time.monotonic() - start < 1.0
    assert not alarm.is_set()


async def test_set_wakes_the_waiter_at_once() -> None:
    alarm = Alarm()
    loop = asyncio.get_running_loop()
    loop.call_later(0.02, alarm.set)
    start = time.monotonic()
    assert await alarm.wait(30) is True
    assert time.monotonic() - start < 1.0


async def test_a_set_before_the_wait_is_kept_until_cleared() -> None:
    alarm = Alarm()
    alarm.set()
    assert await alarm.wait(30) is True
    assert await alarm.wait(30) is True
    alarm.clear()
    assert await alarm.wait(0.01) is False


async def test_one_waiter_at_a_time() -> None:
    alarm = Alarm()
    first = asyncio.ensure_future(alarm.wait(30))
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="already waiting"):
        await alarm.wait(30)
    alarm.set()
    assert await first is True


async def test_a_cancelled_waiter_leaves_the_alarm_usable() -> None:
    alarm = Alarm()
    task = asyncio.ensure_future(alarm.wait(30))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await alarm.wait(0.01) is False  # no stale waiter, no error
