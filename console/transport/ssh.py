"""Reaching a remote host over one persistent asyncssh connection.

One connection per host, one long-lived sampler process on it (not an exec per
poll: each exec costs a channel, a fork and one of sshd's MaxSessions slots).
Host keys are always verified against the user's known_hosts; an unknown or changed
key is reported, never accepted here (see `hostkeys.py` for the deliberate act).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from typing import Any

import asyncssh

from console import ssh_config
from console.inventory import Host
from console.metrics.frame import PID_MARKER
from console.metrics.raw import RawSample
from console.transport.base import KEEPALIVE_MISSES, MAX_RUN_OUTPUT, CommandResult
from console.transport.errors import (
    AuthFailed,
    HostKeyChanged,
    HostKeyUnknown,
    HostUnusable,
    KeyFileMissing,
    NoAnswer,
    NotSSH,
    ShellExited,
    TransportError,
)
from console.transport.frame_batch import FrameBatch, SamplerBudget, SamplerStream
from console.transport.framed import frame_command, unframe
from console.transport.hostkeys import has_known_key
from console.transport.jump import JumpPool
from console.transport.log_stream import LogFollower, OnRecords
from console.transport.sampler_script import sampler_command

CONNECT_TIMEOUT_S = 10.0
LOGIN_TIMEOUT_S = 15.0

#: AES-GCM first: with AES-NI it costs the console a fraction of what
#: chacha20-poly1305 does in asyncssh (which builds a cipher context per packet), and
#: with hundreds of hosts streaming frames every two seconds that is most of the CPU
#: the SSH layer uses. The others stay as fallbacks for servers that lack GCM.
ENCRYPTION_ALGS = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
                   "chacha20-poly1305@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr")


def connect_options(host: Host) -> dict[str, Any]:
    """asyncssh.connect keyword arguments for a host.

    Only what the inventory says explicitly is passed; everything else is left to
    asyncssh's defaults, which read ~/.ssh/config (aliases, User, Port, IdentityFile,
    ProxyJump), the agent and ~/.ssh/known_hosts under $HOME.
    """
    options: dict[str, Any] = {
        "connect_timeout": CONNECT_TIMEOUT_S,
        "login_timeout": LOGIN_TIMEOUT_S,
        # No asyncssh keepalive: it re-arms a timer on every packet received, which
        # cost more than the frames' own parsing. The supervisor probes instead, when
        # frames stop (HostSupervisor._watch_link).
        "keepalive_interval": 0,
        "encryption_algs": list(ENCRYPTION_ALGS),
    }
    if host.port is not None:
        options["port"] = host.port
    if host.user:
        options["username"] = host.user
    if host.key_file:
        options["client_keys"] = [host.key_file]
    else:
        # ssh skips an IdentityFile of ~/.ssh/config that does not exist; asyncssh
        # would fail the login on it. Pass the ones that exist (or its defaults).
        target = ssh_config.target(host.address, host.port, host.user)
        if target.missing_identities:
            options["client_keys"] = list(target.existing_identities) or \
                asyncssh.load_default_keypairs()
    return options


def bastion_options(host: Host) -> dict[str, Any]:
    """A bastion carries the tunnels of many hosts and no sampler of its own: asyncssh's
    keepalive notices it dying, so the next host to connect gets a new one."""
    return {**connect_options(host), "keepalive_interval": probe_timeout(host.interval),
            "keepalive_count_max": KEEPALIVE_MISSES}


async def _read_bounded(stream: asyncssh.SSHReader[bytes], into: bytearray,
                        limit: int = MAX_RUN_OUTPUT) -> bool:
    """Read to the end, keeping at most `limit` bytes; False as soon as more came."""
    while True:
        chunk = await stream.read(65536)
        if not chunk:
            return True
        room = limit - len(into)
        into += chunk[:room]
        if len(chunk) > room:
            return False


def probe_timeout(interval: float) -> float:
    """How long a keepalive probe waits for its reply."""
    return max(5.0, interval * 2)


#: How long the "is it SSH at all?" probe waits for a first line, after a failed connect.
BANNER_PROBE_S = 2.0


def missing_key_file(host: Host) -> str | None:
    """The inventory's key file when it does not exist (a typo, a key not yet copied):
    named in the host's state instead of a retried "no such file or directory"."""
    if host.key_file and not os.path.exists(os.path.expanduser(host.key_file)):
        return host.key_file
    return None


async def _not_ssh_reason(address: str, port: int) -> str | None:
    """After a connect that timed out or was reset: connect once more and read what the
    server says first. An SSH server opens with "SSH-"; anything else (an HTTP server,
    a database, a port forward to the wrong place) is named as such. None when nothing
    came back or it looked like SSH: the original reason stands."""
    try:
        async with asyncio.timeout(BANNER_PROBE_S):
            reader, writer = await asyncio.open_connection(address, port)
            try:
                first = await reader.read(200)
            finally:
                writer.close()
    except (OSError, TimeoutError):
        return None
    if not first or first.startswith(b"SSH-"):
        return None
    line = first.split(b"\n", 1)[0].strip().decode("ascii", "replace")
    printable = "".join(ch if ch.isprintable() else "?" for ch in line)[:60]
    return f"not an SSH server: it answered {printable!r}"


def describe_oserror(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return f"no answer within {CONNECT_TIMEOUT_S:.0f} s"
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text.lower() if text[:1].isupper() and not text[:2].isupper() else text


HEAD_BYTES = 256


class _SamplerSession(asyncssh.SSHClientSession[bytes]):
    """The sampler's channel: its bytes are queued for the batch, not read by a task."""

    def __init__(self, batch: FrameBatch, stream: SamplerStream) -> None:
        self._batch = batch
        self._stream = stream
        # The first bytes of each stream: what a shell that ran instead of the sampler
        # (nologin, a ForceCommand) said before it exited.
        self.stdout_head = b""
        self.stderr_head = b""

    def data_received(self, data: bytes, datatype: int | None) -> None:
        if datatype is None:  # stdout; the script sends its stderr to /dev/null itself
            if len(self.stdout_head) < HEAD_BYTES:
                self.stdout_head += data[:HEAD_BYTES]
            self._batch.add(self._stream, data)
        else:
            # Counted against the budget too: a host flooding stderr costs the
            # console the same decryption, even though its bytes are not parsed.
            if len(self.stderr_head) < HEAD_BYTES:
                self.stderr_head += data[:HEAD_BYTES]
            self._stream.admit(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._stream.ended.done():
            self._stream.ended.set_result(exc)


class SSHTransport:
    """`Transport` over asyncssh for one inventory host."""

    def __init__(self, host: Host, jumps: JumpPool | None = None,
                 batch: FrameBatch | None = None,
                 known_hosts: asyncssh.SSHKnownHosts | None = None) -> None:
        self.host = host
        self._jumps = jumps
        # A known_hosts file read once for many connections (headless fan-out): asyncssh
        # otherwise reads and parses it again for every connection.
        self._known_hosts = known_hosts
        self._batch = batch or FrameBatch()
        self._conn: asyncssh.SSHClientConnection | None = None
        self._sampler: asyncssh.SSHClientChannel[bytes] | None = None

    async def connect(self) -> None:
        await self.close()
        if self.host.problem:
            raise HostUnusable(self.host.problem)
        missing = missing_key_file(self.host)
        if missing is not None:
            raise KeyFileMissing(f"key file {missing} does not exist "
                                 "(ansible_ssh_private_key_file)")
        options = connect_options(self.host)
        if self._known_hosts is not None:
            options["known_hosts"] = self._known_hosts
        if self._jumps is not None:
            tunnel = await self._jumps.tunnel_for(self.host)
            if tunnel is not None:
                options["tunnel"] = tunnel
        try:
            self._conn = await asyncssh.connect(self.host.address, **options)
        except asyncssh.HostKeyNotVerifiable as exc:
            # Known under the address and port really connected to, as ssh checks it
            # (HostName and Port from ~/.ssh/config included).
            target = ssh_config.target(self.host.address, self.host.port, self.host.user)
            where = f"{target.hostname}:{target.port}"
            if has_known_key(target.hostname, target.port):
                raise HostKeyChanged(
                    f"host key of {where} does not match known_hosts "
                    "(possible man-in-the-middle, or the host was rebuilt)") from exc
            raise HostKeyUnknown(f"host key of {where} is not in known_hosts") from exc
        except asyncssh.PermissionDenied as exc:
            who = self.host.user or "the default user"
            raise AuthFailed(f"login refused for {who}: {exc.reason}") from exc
        except (asyncssh.ProtocolError, asyncssh.ProtocolNotSupported) as exc:
            raise NotSSH(f"not an SSH server: {exc.reason or exc}") from exc
        except asyncssh.DisconnectError as exc:
            raise TransportError(exc.reason or str(exc)) from exc
        except (TimeoutError, OSError) as exc:
            reason = None
            if not isinstance(exc, ConnectionRefusedError) and "tunnel" not in options:
                reason = await _not_ssh_reason(self.host.address, self.host.port or 22)
            if reason is not None:
                raise NotSSH(reason) from exc
            raise TransportError(describe_oserror(exc)) from exc

    async def stream_samples(self, interval: float,
                             on_sample: Callable[[RawSample], None]) -> None:
        """Until the link or the sampler ends. The channel's bytes go to the fleet's
        FrameBatch, which parses them and calls `on_sample` a moment later. df runs
        every console_disk_interval, not every frame."""
        conn = self._require()
        stream = SamplerStream(on_sample, SamplerBudget(interval))
        batch = self._batch
        command = sampler_command(interval, disk_interval=self.host.disk_interval)
        try:
            self._sampler, session = await conn.create_session(
                lambda: _SamplerSession(batch, stream), command, encoding=None)
        except (asyncssh.Error, OSError) as exc:
            raise TransportError(f"could not start the sampler: {exc}") from exc
        exc = await stream.ended
        if isinstance(exc, TransportError):
            raise exc  # over its budget: Flooding says by how much
        if isinstance(exc, asyncssh.Error | OSError):
            raise TransportError(f"link lost: {exc}") from exc
        if exc is not None:
            raise exc  # a bug while handling this host's frames: the supervisor's to see
        if conn.is_closed():
            raise TransportError("connection closed")
        status = self._sampler.get_exit_status()
        if PID_MARKER.encode() not in session.stdout_head and status is not None:
            # The sampler never started: the account's shell ran instead and ended.
            said = _first_line(session.stdout_head) or _first_line(session.stderr_head)
            raise ShellExited(f"logged in, but the shell exited {status}: "
                              f"{said or '(it printed nothing)'}")
        raise TransportError("sampler exited")

    async def measure_rtt(self) -> float | None:
        """Time one SSH global request: a true round trip, no channel, no fork.

        OpenSSH answers `keepalive@openssh.com` with a failure reply, which is all we
        need; this is the request asyncssh's own keepalive sends.
        """
        conn = self._conn
        if conn is None or conn.is_closed():
            return None
        timeout = probe_timeout(self.host.interval)
        start = time.perf_counter()
        try:
            # asyncio.timeout, not wait_for: no extra task per probe. A private call:
            # asyncssh sends global requests only from its own keepalive timer and
            # exposes no timing (tests/test_private_apis.py fails if it goes away).
            async with asyncio.timeout(timeout):
                await conn._make_global_request(b"keepalive@openssh.com")
        except TimeoutError:
            raise NoAnswer(f"no answer to a keepalive within {timeout:.0f} s") from None
        except (AttributeError, asyncssh.Error, OSError):
            return None
        return (time.perf_counter() - start) * 1000.0

    async def run(self, command: str, timeout: float = 30.0) -> CommandResult:
        """Run `command` under /bin/sh, framed by markers (console/transport/framed.py):
        whatever the login shell prints around it (a .bashrc banner, fish, tcsh) is
        not part of the result, which holds exactly what the command printed.

        Output is read as it comes, at most MAX_RUN_OUTPUT bytes per stream: past
        that the command is killed and the result says `truncated`, so a command that
        prints without end costs a bounded read, never the console's memory."""
        conn = self._require()
        framed = frame_command(command)
        start = time.monotonic()
        try:
            proc = await conn.create_process(framed.line, encoding=None)
            proc.stdin.write_eof()  # a command that reads stdin gets EOF, not a hang
        except (asyncssh.Error, OSError) as exc:
            raise TransportError(f"could not run {command!r}: {exc}") from exc
        out, err = bytearray(), bytearray()
        readers = {asyncio.ensure_future(_read_bounded(proc.stdout, out)),
                   asyncio.ensure_future(_read_bounded(proc.stderr, err))}
        timed_out = truncated = False
        try:
            async with asyncio.timeout(timeout):
                # Either stream past the bound ends the run: the other may never close.
                while readers and not truncated:
                    done, readers = await asyncio.wait(
                        readers, return_when=asyncio.FIRST_COMPLETED)
                    truncated = not all(task.result() for task in done)
                if not truncated:
                    await proc.wait_closed()
        except TimeoutError:
            timed_out = True
        except (asyncssh.Error, OSError) as exc:
            proc.close()
            raise TransportError(f"could not run {command!r}: {exc}") from exc
        finally:
            for task in readers:
                task.cancel()
        if timed_out or truncated:
            with contextlib.suppress(asyncssh.Error, OSError):
                proc.send_signal("KILL")  # no pty: closing alone would not stop it
            proc.close()
        status = None if timed_out or truncated else proc.exit_status
        return unframe(framed, command, status, out.decode("utf-8", "replace"),
                       err.decode("utf-8", "replace"), time.monotonic() - start,
                       timed_out=timed_out, truncated=truncated)

    async def follow_logs(self, on_records: OnRecords) -> LogFollower:
        """The host's log follower, on one more channel of this connection."""
        from console.transport.ssh_logs import open_ssh_follower

        return await open_ssh_follower(self._require(), on_records)

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        sampler, self._sampler = self._sampler, None
        if conn is None:
            return
        if sampler is not None:
            # Without a pty, closing the channel alone would leave the remote loop
            # running until its next write fails (one interval). An SSH "signal"
            # request ends it at once and costs no round trip, unlike running `kill`
            # over a new channel, which made quitting with 50 hosts take seconds.
            with contextlib.suppress(asyncssh.Error, OSError):
                sampler.send_signal("TERM")
            sampler.close()
        conn.close()
        with contextlib.suppress(TimeoutError, OSError, asyncssh.Error):
            await asyncio.wait_for(conn.wait_closed(), 2)

    def _require(self) -> asyncssh.SSHClientConnection:
        if self._conn is None or self._conn.is_closed():
            raise TransportError("not connected")
        return self._conn


def _first_line(data: bytes) -> str:
    for line in data.decode("utf-8", "replace").splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""
