"""The log tailer: which sources run on which host, their buffers, their error rates.

One follower per host (one SSH channel, one remote process) carries all the host's
followed sources. A source runs while it is wanted: `watch: always` sources from
start-up, `on_screen` ones while at least one view holds them (`hold()` counts
references). When nothing on a host is wanted its follower is closed, so nothing is
left running there.

The UI never gets one message per line: lines wait in each source's ring buffer
(`SourceBuffer`), views pull them on a timer. The bus only carries coarse events
(a source's state, lines dropped). Once every REPORT_S the error rate of each
followed source goes to the alert engine as `log_errors_per_min` (alert key
`log:NAME`), or UNKNOWN while the source cannot be read.

After a reconnect a source restarts at the end of its log (no backlog, so no line is
shown twice) and a gap entry says from when to when nothing could be read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from console import settings
from console.events import HostState, HostStateChanged
from console.fleet.log_buffer import DROPPED, GAP, HISTORY, LOG, NOTICE, SourceBuffer
from console.fleet.log_events import LogLinesDropped, LogSourceChanged, SourceState
from console.logs.levels import Level
from console.severity import Severity
from console.transport.errors import TransportError
from console.transport.log_stream import LogFollower, Record, SourceSpec, share_of_budget

if TYPE_CHECKING:
    from console.fleet.fleet import Fleet

log = logging.getLogger(__name__)

TICK_S = 0.5
#: Digesting records (entries, levels, timestamps, templates) runs in slices of at
#: most SLICE_S, one host's batch at a time in turn, with a pause of PAUSE_S between
#: slices: a key press takes several turns of the event loop to reach the screen
#: (driver, app queue, binding, action, repaint), and a digest that took every turn
#: made each of them wait a slice (measured: p50 160 ms while 20,000 lines/s stream).
SLICE_S = 0.004
PAUSE_S = 0.004
#: Records of one host read but not yet digested, at most: past this the oldest
#: batches are dropped by the console itself, counted and shown like host drops.
MAX_PENDING = 50_000
REPORT_S = 10.0
#: Lines of history shown when a source is first followed.
BACKLOG_LINES = 200
#: Wait between two attempts to start a host's follower that failed.
RETRY_S = 5.0
METRIC = "log_errors_per_min"

#: What tail says about rotation and truncation: news, not a failure.
_BENIGN = ("has appeared", "following new file", "file truncated", "has been replaced")

Key = tuple[str, str]  # (host, source name)


def _clock(wall: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(wall))


class _HostLogs:
    def __init__(self, host: str) -> None:
        self.host = host
        self.sources: dict[str, SourceBuffer] = {}  # by name
        self.by_sid: dict[bytes, SourceBuffer] = {}
        self.follower: LogFollower | None = None
        self.opening: asyncio.Task[None] | None = None
        self.watcher: asyncio.Task[None] | None = None
        self.retry_at = 0.0
        self.pending: deque[tuple[float, list[Record]]] = deque()  # read, not digested
        self.pending_records = 0


class LogTailer:
    def __init__(self, fleet: Fleet) -> None:
        self._fleet = fleet
        self._bus = fleet.bus
        self.hosts: dict[str, _HostLogs] = {}
        for host in fleet.inventory.hosts:
            logs = settings.value(host.vars, "console_logs")
            if not logs:
                continue
            size = settings.value(host.vars, "console_log_buffer")
            entry = _HostLogs(host.name)
            for i, spec in enumerate(logs.values()):
                sid = f"s{i}"
                buf = SourceBuffer(host.name, spec, sid, size)
                entry.sources[spec.name] = buf
                entry.by_sid[sid.encode()] = buf
            self.hosts[host.name] = entry
        self._tick: asyncio.Task[None] | None = None
        self._digester: asyncio.Task[None] | None = None
        self._closing: set[asyncio.Task[None]] = set()  # followers being closed
        self._work = asyncio.Event()
        self._unsubscribe: Callable[[], None] | None = None
        self._last_report = 0.0
        self.started = False

    # -- what views use ---------------------------------------------------------------
    def sources(self, host: str) -> list[SourceBuffer]:
        entry = self.hosts.get(host)
        return list(entry.sources.values()) if entry else []

    def source(self, host: str, name: str) -> SourceBuffer:
        return self.hosts[host].sources[name]

    def hold(self, keys: Iterable[Key]) -> Callable[[], None]:
        """A view shows these sources: follow them until the returned release runs."""
        held = [self.source(host, name) for host, name in keys]
        for buf in held:
            buf.refs += 1
        for host in {buf.host for buf in held}:
            self._sync(host)
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            for buf in held:
                buf.refs -= 1
            for host in {buf.host for buf in held}:
                self._sync(host)
        return release

    # -- life cycle ------------------------------------------------------------------
    def start(self) -> None:
        if self.started or not self.hosts:
            return
        self.started = True
        self._unsubscribe = self._bus.subscribe(HostStateChanged, self._host_changed)
        self._tick = asyncio.create_task(self._run_tick(), name="log-tailer")
        self._digester = asyncio.create_task(self._digest(), name="log-digest")
        for host in self.hosts:
            self._sync(host)

    async def stop(self) -> None:
        """Close every follower: no tail or journalctl is left on any host."""
        self.started = False
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        tasks = [t for t in (self._tick, self._digester) if t is not None]
        for entry in self.hosts.values():
            tasks += [t for t in (entry.opening, entry.watcher) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*(self._close(entry) for entry in self.hosts.values()),
                             *self._closing, return_exceptions=True)
        for entry in self.hosts.values():
            for buf in entry.sources.values():
                if buf.ever_started:
                    log.info("%s/%s: %d lines received, %d dropped on the host, "
                             "%d entries kept", buf.host, buf.name, buf.lines_in,
                             buf.dropped_total, len(buf.entries))

    # -- keeping followers in line with what is wanted -------------------------------
    def _host_usable(self, host: str) -> bool:
        supervisor = self._fleet.supervisors[host]
        return supervisor.host.is_local or supervisor.status.state in (
            HostState.UP, HostState.STALE)

    def _host_changed(self, event: object) -> None:
        assert isinstance(event, HostStateChanged)
        if event.host in self.hosts:
            self._sync(event.host)

    def _sync(self, host: str) -> None:
        if not self.started:
            return
        entry = self.hosts[host]
        wanted = [buf for buf in entry.sources.values() if buf.wanted]
        if not wanted:
            if entry.follower is not None or entry.opening is not None:
                if entry.opening is not None:
                    entry.opening.cancel()
                    entry.opening = None
                follower = self._detach(entry)
                task = asyncio.get_running_loop().create_task(
                    self._close_follower(entry.host, follower))
                self._closing.add(task)  # held: the loop keeps only a weak reference
                task.add_done_callback(self._closing.discard)
            return
        for buf in entry.sources.values():
            if not buf.wanted and buf.state is not SourceState.STOPPED:
                self._stop_source(entry, buf)
        if entry.follower is None:
            for buf in wanted:
                if buf.state is SourceState.STOPPED:
                    self._set(buf, SourceState.STARTING, "")
            if entry.opening is None and self._host_usable(host) \
                    and time.monotonic() >= entry.retry_at:
                entry.opening = asyncio.get_running_loop().create_task(
                    self._open(entry), name=f"log-follower:{host}")
            return
        for buf in wanted:
            if buf.state in (SourceState.STOPPED, SourceState.DISCONNECTED) or (
                    buf.state is SourceState.STARTING and buf.sid not in
                    getattr(entry.follower, "started", ())):
                self._start_source(entry, buf)

    async def _open(self, entry: _HostLogs) -> None:
        transport = self._fleet.supervisors[entry.host].transport
        try:
            follower = await transport.follow_logs(
                lambda records: self._on_records(entry, records))
        except (TransportError, AttributeError) as exc:
            log.warning("%s: log follower did not start: %s", entry.host, exc)
            entry.retry_at = time.monotonic() + RETRY_S
            for buf in entry.sources.values():
                if buf.wanted:
                    self._set(buf, SourceState.DISCONNECTED, str(exc))
            entry.opening = None
            return
        entry.follower = follower
        entry.opening = None
        entry.watcher = asyncio.get_running_loop().create_task(self._watch(entry, follower))
        log.info("%s: log follower started", entry.host)
        self._sync(entry.host)

    async def _watch(self, entry: _HostLogs, follower: LogFollower) -> None:
        exc = await follower.ended
        if entry.follower is not follower:
            return  # closed on purpose
        entry.follower = None
        entry.watcher = None
        reason = f"link lost: {exc}" if exc else "log follower ended"
        log.info("%s: %s", entry.host, reason)
        now = time.time()
        for buf in entry.sources.values():
            if buf.state is not SourceState.STOPPED:
                buf.flush()
                if buf.gap_since is None:
                    buf.gap_since = now
                self._set(buf, SourceState.DISCONNECTED, reason)
        entry.retry_at = time.monotonic() + 1.0
        self._sync(entry.host)

    def _detach(self, entry: _HostLogs) -> LogFollower | None:
        """Take the follower away from the host at once (a view opened a moment later
        must start a new one, not use this one while it closes); its sources stop."""
        follower, entry.follower = entry.follower, None
        watcher, entry.watcher = entry.watcher, None
        if watcher is not None:
            watcher.cancel()
        for buf in entry.sources.values():
            if buf.state is not SourceState.STOPPED:
                self._stopped(buf)
        return follower

    async def _close(self, entry: _HostLogs) -> None:
        await self._close_follower(entry.host, self._detach(entry))

    async def _close_follower(self, host: str, follower: LogFollower | None) -> None:
        if follower is not None:
            with contextlib.suppress(TransportError, OSError):
                await follower.close()
            log.info("%s: log follower closed", host)

    def _start_source(self, entry: _HostLogs, buf: SourceBuffer) -> None:
        assert entry.follower is not None
        lines, per_s = share_of_budget(len(entry.sources))
        backlog = 0 if buf.ever_started else min(BACKLOG_LINES, buf.entries.maxlen or 0)
        spec = SourceSpec(buf.sid, buf.spec.kind, buf.spec.target, backlog, lines, per_s)
        try:
            entry.follower.start(spec)
        except TransportError as exc:
            self._set(buf, SourceState.DISCONNECTED, str(exc))
            return
        buf.ever_started = True
        self._set(buf, SourceState.STARTING, "")

    def _stop_source(self, entry: _HostLogs, buf: SourceBuffer) -> None:
        if entry.follower is not None:
            with contextlib.suppress(TransportError):
                entry.follower.stop(buf.sid)
        self._stopped(buf)

    def _stopped(self, buf: SourceBuffer) -> None:
        buf.flush()
        buf.pid = None
        if buf.gap_since is None and buf.ever_started:
            buf.gap_since = time.time()
        self._set(buf, SourceState.STOPPED, "")

    def _set(self, buf: SourceBuffer, state: SourceState, detail: str) -> None:
        if buf.state is state and buf.detail == detail:
            return
        buf.state, buf.detail = state, detail
        self._bus.publish(LogSourceChanged(buf.host, buf.name, state, detail, time.time()))

    # -- records from a host ---------------------------------------------------------
    def _on_records(self, entry: _HostLogs, records: list[Record]) -> None:
        """The hot path, called for every chunk a host sends: queue it, nothing more."""
        entry.pending.append((time.time(), records))
        entry.pending_records += len(records)
        if entry.pending_records > MAX_PENDING:
            self._shed(entry)
        self._work.set()

    def _shed(self, entry: _HostLogs) -> None:
        """The console cannot keep up with this host: drop its oldest batches, counted."""
        while entry.pending and entry.pending_records > MAX_PENDING // 2:
            _, records = entry.pending.popleft()
            entry.pending_records -= len(records)
            for sid, kind, _ in records:
                buf = entry.by_sid.get(sid)
                if buf is not None and kind in (b"L", b"C"):
                    buf.dropped_total += 1
                    buf.dropped_pending += 1

    async def _digest(self) -> None:
        loop_time = time.perf_counter
        while True:
            await self._work.wait()
            self._work.clear()
            started = loop_time()
            busy = True
            while busy:
                busy = False
                for entry in self.hosts.values():
                    if not entry.pending:
                        continue
                    busy = True
                    now, records = entry.pending.popleft()
                    entry.pending_records -= len(records)
                    try:
                        self._apply(entry, records, now)
                    except Exception:  # one bad batch must not stop every log
                        log.exception("%s: log records not digested", entry.host)
                    if loop_time() - started > SLICE_S:
                        await asyncio.sleep(PAUSE_S)
                        started = loop_time()

    def _apply(self, entry: _HostLogs, records: list[Record], now: float) -> None:
        by_sid = entry.by_sid
        for sid, kind, payload in records:
            buf = by_sid.get(sid)
            if buf is None or buf.state is SourceState.STOPPED:
                continue
            if kind == b"L" or kind == b"H":
                if buf.state is not SourceState.FOLLOWING:
                    self._set(buf, SourceState.FOLLOWING, "")
                buf.add_line(payload.decode("utf-8", "replace"), now,
                             LOG if kind == b"L" else HISTORY)
            elif kind == b"C":
                size, _, text = payload.partition(b" ")
                cut = int(size) - len(text) if size.isdigit() else 0
                buf.add_line(f"{text.decode('utf-8', 'replace')} … [{cut:,} more bytes "
                             "cut on the host]", now)
            elif kind == b"E":
                self._stderr(buf, payload.decode("utf-8", "replace"), now)
            elif kind == b"D":
                lines, _, _ = payload.partition(b" ")
                if lines.isdigit():
                    buf.dropped_total += int(lines)
                    buf.dropped_pending += int(lines)
            elif kind == b"S":
                buf.pid = int(payload) if payload.isdigit() else None
                if buf.gap_since is not None:
                    buf.note(f"— gap: not followed from {_clock(buf.gap_since)} to "
                             f"{_clock(now)}; lines written meanwhile are not shown —",
                             now, GAP)
                    buf.gap_since = None
                if buf.state in (SourceState.STARTING, SourceState.DISCONNECTED):
                    # Running on the host: a quiet log is followed, not "starting".
                    self._set(buf, SourceState.FOLLOWING, "")
            elif kind == b"X":
                buf.pid = None
                buf.flush()
                if buf.state is not SourceState.UNREADABLE:  # it ended as it could not read
                    self._set(buf, SourceState.ENDED, buf.detail or "the source ended")

    def _stderr(self, buf: SourceBuffer, text: str, now: float) -> None:
        benign = any(word in text for word in _BENIGN)
        buf.note(text, now, NOTICE, None if benign else Level.WARN)
        if benign:
            self._set(buf, SourceState.FOLLOWING, "")
        elif "exited with status" not in text:
            self._set(buf, SourceState.UNREADABLE, text)
        elif buf.state is not SourceState.UNREADABLE:
            buf.detail = text

    # -- once a tick -------------------------------------------------------------------
    async def _run_tick(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            try:
                self.tick(time.time())
            except Exception:  # a bug here must not stop the logs for good
                log.exception("log tailer tick failed")

    def tick(self, now: float) -> None:
        report = now - self._last_report >= REPORT_S
        if report:
            self._last_report = now
        for entry in self.hosts.values():
            if entry.follower is None and entry.opening is None:
                self._sync(entry.host)
            for buf in entry.sources.values():
                buf.flush_idle(now)
                if buf.dropped_pending:
                    count, buf.dropped_pending = buf.dropped_pending, 0
                    buf.note(f"— {count:,} lines dropped (over the host's budget of lines "
                             "a second, or the console fell behind); "
                             f"{buf.dropped_total:,} in all —", now, DROPPED, Level.WARN)
                    self._bus.publish(LogLinesDropped(buf.host, buf.name, count,
                                                      buf.dropped_total, now))
                if report and buf.state is not SourceState.STOPPED:
                    self._report(buf, now)

    def _report(self, buf: SourceBuffer, now: float) -> None:
        if not self._fleet.thresholds[buf.host].get(METRIC).active:
            return  # no level set for this host: nothing to alert on, not even UNKNOWN
        key = f"log:{buf.name}"
        if buf.state.readable:
            self._fleet.report_value(buf.host, METRIC, key, buf.errors_per_min(now),
                                     now=now)
        else:
            self._fleet.report_severity(
                buf.host, METRIC, key, Severity.UNKNOWN,
                detail=f"{buf.name}: {buf.state.value} {buf.detail}".strip(), now=now)
