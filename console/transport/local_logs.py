"""The log follower on this machine: the same sh script, run as a local process.

Same semantics as over SSH (tail -F, journalctl, commands, budgets, cut lines) because
it is the same program. It runs in its own session, so closing also kills its whole
process group, whatever the script managed to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal

from console.transport.errors import TransportError
from console.transport.follower_script import follower_script
from console.transport.log_stream import OnRecords, RecordParser, WritableFollower


class LocalLogFollower(WritableFollower):
    def __init__(self, on_records: OnRecords) -> None:
        super().__init__()
        self.on_records = on_records
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def _open(self) -> None:
        try:
            self._proc = await asyncio.create_subprocess_exec(
                "sh", "-c", follower_script(), stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
                start_new_session=True)
        except OSError as exc:
            raise TransportError(f"could not start the log follower: {exc}") from exc
        self._reader = asyncio.create_task(self._read(), name="local-log-follower")

    async def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        parser = RecordParser()
        try:
            while data := await self._proc.stdout.read(65536):
                records = parser.feed(data)
                if records:
                    self.on_records(records)
        except Exception as exc:  # a bug in a consumer: the follower's owner sees it
            self._end(exc)
            return
        self._end(None)

    def _write(self, data: bytes) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None or self.ended.done():
            raise TransportError("the log follower is not running")
        proc.stdin.write(data)

    async def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2):
                await proc.wait()
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        self._end(None)


async def open_local_follower(on_records: OnRecords) -> LocalLogFollower:
    follower = LocalLogFollower(on_records)
    await follower._open()
    return follower
