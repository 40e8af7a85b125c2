"""The fleet's frame batch: bytes from many hosts, parsed together, each host alone."""

from __future__ import annotations

import asyncio
from pathlib import Path

from console.metrics.raw import RawSample
from console.transport.frame_batch import FrameBatch, SamplerStream

FRAME = (Path(__file__).parent / "data" / "proc" / "frame_this_machine.txt").read_bytes()


async def test_frames_wait_for_the_batch_and_survive_any_split() -> None:
    batch = FrameBatch(delay=0.05)
    got: dict[str, list[RawSample]] = {"a": [], "b": []}
    streams = {name: SamplerStream(got[name].append) for name in got}
    # A frame whose bytes include a two-byte character cut between two packets.
    frame = FRAME.replace(b"@@end 1", b"e caf\xc3\xa9\n@@end 1")
    cut = frame.index(b"\xc3") + 1
    batch.add(streams["a"], frame[:cut])
    batch.add(streams["b"], FRAME)
    batch.add(streams["a"], frame[cut:])
    assert got == {"a": [], "b": []}  # nothing is parsed on arrival
    await asyncio.sleep(0.15)
    assert [len(v) for v in got.values()] == [1, 1]
    assert got["a"][0].cpu == got["b"][0].cpu is not None
    assert got["a"][0].filesystems == ()  # the "e" record: df's row could not be read
    assert "df: café" in got["a"][0].problems


async def test_one_hosts_failure_stays_with_that_host() -> None:
    batch = FrameBatch(delay=0.01)

    def explode(raw: RawSample) -> None:
        raise RuntimeError("a bug in the handling of this host")

    bad, good_samples = SamplerStream(explode), []
    good = SamplerStream(good_samples.append)
    for _ in range(2):
        batch.add(bad, FRAME)
        batch.add(good, FRAME)
    await asyncio.sleep(0.05)
    assert isinstance(bad.ended.result(), RuntimeError)
    assert len(good_samples) == 2 and not good.ended.done()
