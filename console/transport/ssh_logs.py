"""The log follower over SSH: one session channel per host for all its sources.

Like the sampler, the channel's bytes are handled in `data_received` (no task per
host reading a stream): split into records and handed over in one batch per chunk.
"""

from __future__ import annotations

import asyncio
import contextlib

import asyncssh

from console.transport.errors import TransportError
from console.transport.follower_script import follower_command
from console.transport.log_stream import OnRecords, RecordParser, WritableFollower


class _FollowerSession(asyncssh.SSHClientSession[bytes]):
    def __init__(self, follower: SSHLogFollower) -> None:
        self._follower = follower
        self._parser = RecordParser()

    def data_received(self, data: bytes, datatype: int | None) -> None:
        if datatype is None:
            records = self._parser.feed(data)
            if records:
                self._follower.on_records(records)

    def connection_lost(self, exc: Exception | None) -> None:
        self._follower._end(exc)


class SSHLogFollower(WritableFollower):
    def __init__(self, on_records: OnRecords) -> None:
        super().__init__()
        self.on_records = on_records
        self._channel: asyncssh.SSHClientChannel[bytes] | None = None

    def _write(self, data: bytes) -> None:
        if self._channel is None or self.ended.done():
            raise TransportError("the log follower is not running")
        try:
            self._channel.write(data)
        except (asyncssh.Error, OSError, BrokenPipeError) as exc:
            raise TransportError(f"log follower: {exc}") from exc

    async def close(self) -> None:
        channel, self._channel = self._channel, None
        if channel is None:
            return
        # End of input makes the follower kill every source and exit; the signal
        # makes sure of it; closing the channel would do it too (sshd closes stdin).
        with contextlib.suppress(asyncssh.Error, OSError):
            channel.write_eof()
        with contextlib.suppress(asyncssh.Error, OSError):
            channel.send_signal("TERM")
        channel.close()
        with contextlib.suppress(TimeoutError, asyncssh.Error, OSError):
            async with asyncio.timeout(2):
                await channel.wait_closed()


async def open_ssh_follower(conn: asyncssh.SSHClientConnection,
                            on_records: OnRecords) -> SSHLogFollower:
    follower = SSHLogFollower(on_records)
    try:
        channel, _ = await conn.create_session(lambda: _FollowerSession(follower),
                                               follower_command(), encoding=None)
    except (asyncssh.Error, OSError) as exc:
        raise TransportError(f"could not start the log follower: {exc}") from exc
    follower._channel = channel
    return follower
