"""The jump host itself, read through psutil: no SSH, no sshd needed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from console.metrics.raw import RawSample
from console.transport.base import CommandResult
from console.transport.local_sample import read_local_raw
from console.transport.log_stream import LogFollower, OnRecords


class LocalTransport:
    async def connect(self) -> None:
        return None

    async def stream_samples(self, interval: float,
                             on_sample: Callable[[RawSample], None]) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            # psutil blocks (it reads /proc): keep it off the event loop.
            on_sample(await asyncio.to_thread(read_local_raw))
            next_at += interval
            delay = next_at - loop.time()
            if delay < 0:  # fell behind (suspend, overload): do not burst to catch up
                next_at, delay = loop.time(), 0.0
            await asyncio.sleep(delay)

    async def measure_rtt(self) -> float | None:
        return None

    async def run(self, command: str, timeout: float = 30.0) -> CommandResult:
        start = time.monotonic()
        proc = await asyncio.create_subprocess_shell(
            command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            start_new_session=True)
        try:
            out, err = await asyncio.wait_for(proc.communicate(), timeout)
        except TimeoutError:
            proc.kill()
            out, err = await proc.communicate()
            return CommandResult(command, None, out.decode(errors="replace"),
                                 err.decode(errors="replace"), time.monotonic() - start,
                                 timed_out=True)
        return CommandResult(command, proc.returncode, out.decode(errors="replace"),
                             err.decode(errors="replace"), time.monotonic() - start)

    async def follow_logs(self, on_records: OnRecords) -> LogFollower:
        """Local logs, through the same follower script as on a remote host."""
        from console.transport.local_logs import open_local_follower

        return await open_local_follower(on_records)

    async def close(self) -> None:
        return None
