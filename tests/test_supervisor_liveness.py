"""The supervisor's keepalive: what counts as a dead link and what does not.

The transport here is a small scripted implementation of the Transport protocol: a
real sshd cannot be made to answer frames but not keepalive probes, or to stop both
on cue, and these rules are the supervisor's own. tests/test_fleet_ssh.py proves the
frozen-host case against real sshd.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from console.bus import EventBus
from console.events import HostState
from console.fleet import supervisor
from console.fleet.events import SampleArrived
from console.fleet.supervisor import HostSupervisor
from console.inventory import Host
from console.metrics.raw import RawSample
from console.transport.base import CommandResult
from console.transport.errors import NoAnswer
from tests.waiting import eventually


class ScriptedLink:
    """Frames every 50 ms while `frames` is set; probes never answered."""

    def __init__(self) -> None:
        self.frames = asyncio.Event()
        self.frames.set()
        self.connects = 0
        self.probes = 0

    async def connect(self) -> None:
        self.connects += 1

    async def stream_samples(self, interval: float,
                             on_sample: Callable[[RawSample], None]) -> None:
        while True:
            await self.frames.wait()
            on_sample(RawSample(taken_at=time.monotonic(), wall_time=time.time()))
            await asyncio.sleep(0.05)

    async def measure_rtt(self) -> float | None:
        self.probes += 1
        await asyncio.sleep(0.2)  # the probe's timeout
        raise NoAnswer("no answer to a keepalive within 0.2 s")

    async def run(self, command: str, timeout: float = 30.0) -> CommandResult:
        raise AssertionError("not used")

    async def close(self) -> None:
        pass


async def supervise(link: ScriptedLink) -> tuple[HostSupervisor, asyncio.Task[None]]:
    host = Host(name="h", groups=("all",), address="127.0.0.1", interval=0.1)
    sup = HostSupervisor(host, link, EventBus(), asyncio.Semaphore(1))
    task = asyncio.create_task(sup.run())
    await eventually(lambda: sup.status.state is HostState.UP, 5, "up")
    return sup, task


async def staleness_ticks(sup: HostSupervisor) -> None:
    while True:  # what Fleet's single staleness timer does
        sup.check_staleness(time.monotonic())
        await asyncio.sleep(0.05)


async def test_frames_keep_a_link_whose_probes_go_unanswered(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(supervisor, "RTT_EVERY_S", 0.1)  # probe often
    link = ScriptedLink()
    sup, task = await supervise(link)
    ticks = asyncio.create_task(staleness_ticks(sup))
    try:
        await eventually(lambda: link.probes >= 4, 5, "four unanswered probes")
        assert sup.status.state is HostState.UP and link.connects == 1
    finally:
        ticks.cancel()
        task.cancel()
        await asyncio.gather(task, ticks, return_exceptions=True)


async def test_a_silent_link_is_given_up_after_three_unanswered_probes() -> None:
    link = ScriptedLink()
    sup, task = await supervise(link)
    ticks = asyncio.create_task(staleness_ticks(sup))
    try:
        link.frames.clear()
        await eventually(lambda: sup.status.state is HostState.STALE, 5, "stale")
        probes = link.probes
        await eventually(lambda: sup.status.state is HostState.RECONNECTING, 5, "given up")
        assert link.probes - probes >= 2  # probed back to back once silent
        assert "3 in a row" in sup.status.reason
    finally:
        ticks.cancel()
        task.cancel()
        await asyncio.gather(task, ticks, return_exceptions=True)


async def test_each_response_time_reading_goes_out_as_new_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Frames come every 50 ms, probes every 0.3 s: one sample per probe says its
    rtt_ms is new, the others say it repeats (the alert engine counts it once)."""
    monkeypatch.setattr(supervisor, "RTT_EVERY_S", 0.3)

    class Answering(ScriptedLink):
        async def measure_rtt(self) -> float | None:
            self.probes += 1
            return 5.0

    link = Answering()
    bus = EventBus()
    samples: list[SampleArrived] = []
    bus.subscribe(SampleArrived, samples.append)
    host = Host(name="h", groups=("all",), address="127.0.0.1", interval=0.1)
    sup = HostSupervisor(host, link, bus, asyncio.Semaphore(1))
    task = asyncio.create_task(sup.run())
    try:
        await eventually(lambda: link.probes >= 4, 5, "four probes")
        await asyncio.sleep(0.1)  # the last reading goes out with the next frame
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    new = [e for e in samples if e.sample.rtt_ms is not None and not e.sample.rtt_repeated]
    assert len(samples) > 2 * link.probes
    assert link.probes - 1 <= len(new) <= link.probes
