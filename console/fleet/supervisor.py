"""One supervisor per host: connect, stream samples, notice silence, reconnect.

The host's state is explicit and published on every change, so the table can say
exactly why a host shows no figures (and never shows old figures as live). A slow or
dead host only ever blocks its own supervisor task.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable

from console.alarm import Alarm
from console.bus import EventBus
from console.events import HostState, HostStateChanged, HostStatus, is_stale_age
from console.fleet.backoff import reconnect_delay
from console.fleet.events import SampleArrived
from console.fleet.gate import Gate
from console.inventory import Host
from console.metrics.rates import RateCalculator
from console.metrics.raw import RawSample
from console.transport.base import KEEPALIVE_MISSES, Transport
from console.transport.errors import (
    AuthFailed,
    Flooding,
    HostKeyChanged,
    HostUnusable,
    NeedsUser,
    NoAnswer,
    ShellExited,
    TransportError,
)

#: Consecutive failed attempts after which "reconnecting" becomes "unreachable".
UNREACHABLE_AFTER = 3
#: How long a host that needs a person waits before checking again by itself.
NEEDS_USER_RECHECK_S = 300.0
#: Response time is measured this often (at most once per interval). Each probe
#: costs the console about as much as receiving a frame; every 2 s per host would
#: be 250 probes a second for a 500-host fleet, for a figure that moves slowly and
#: alerts only after several samples anyway.
RTT_EVERY_S = 10.0

log = logging.getLogger(__name__)

#: A host cut off for flooding waits this long before its first retry, doubling up
#: to FLOOD_BACKOFF_CAP_S: a reconnect costs a handshake and another budget's worth
#: of output, and a flooding host rarely stops by itself within seconds.
FLOOD_BACKOFF_S = 30.0
FLOOD_BACKOFF_CAP_S = 600.0

_NEEDS_USER_STATE = (
    (AuthFailed, HostState.AUTH_FAILED),  # KeyFileMissing too: the reason names the file
    (HostKeyChanged, HostState.HOSTKEY_CHANGED),
    (ShellExited, HostState.SHELL_EXITED),
    (HostUnusable, HostState.UNUSABLE),
)


def needs_user_state(exc: NeedsUser) -> HostState:
    for kind, state in _NEEDS_USER_STATE:
        if isinstance(exc, kind):
            return state
    return HostState.HOSTKEY_UNKNOWN


class HostSupervisor:
    def __init__(self, host: Host, transport: Transport | Callable[[], Transport],
                 bus: EventBus, handshakes: Gate | asyncio.Semaphore) -> None:
        self.host = host
        self._transport = transport
        self._bus = bus
        self._handshakes = handshakes
        self._rates = RateCalculator()
        self._rtt_ms: float | None = None
        self._rtt_used = True  # the last reading has gone out with a sample already
        self._last_sample_at: float | None = None  # monotonic
        self._wake = Alarm()
        self._probe_now = Alarm()
        self.status = HostStatus(HostState.CONNECTING, since=time.time())

    @property
    def transport(self) -> Transport:
        """Built on first use, so constructing a fleet loads no SSH library."""
        if callable(self._transport):
            self._transport = self._transport()
        return self._transport

    # -- state ---------------------------------------------------------------------
    def _set(self, state: HostState, reason: str = "", retry_in: float | None = None) -> None:
        now = time.time()
        retry_at = now + retry_in if retry_in is not None else None
        old = self.status
        if old.state is state and old.reason == reason and retry_at is None:
            return
        since = old.since if old.state is state else now
        self.status = HostStatus(state, reason, since, retry_at)
        if old.state is not state:
            log.info("%s: %s -> %s%s", self.host.name, old.state.value, state.value,
                     f" ({reason})" if reason else "")
        self._bus.publish(HostStateChanged(self.host.name, old, self.status))

    def request_reconnect(self) -> None:
        """Cut any wait short: the user fixed a key or a login, or wants to retry now."""
        self._wake.set()

    # -- main loop -------------------------------------------------------------------
    async def run(self) -> None:
        attempt = 0
        floods = 0  # cut-offs in a row for flooding: their own, longer backoff
        if self.host.problem:  # the inventory must change first: never connect
            self._set(HostState.UNUSABLE, self.host.problem)
            await asyncio.Event().wait()
        # Spread the first handshakes of a large fleet over a moment.
        await asyncio.sleep(random.uniform(0, min(1.0, self.host.interval / 2)))
        try:
            while True:
                try:
                    async with self._handshakes:
                        await self.transport.connect()
                    await self._stream()
                except NeedsUser as exc:
                    self._set(needs_user_state(exc), str(exc))
                    await self.transport.close()
                    await self._wait(NEEDS_USER_RECHECK_S)
                    attempt = 0
                    self._set(HostState.CONNECTING, "rechecking")
                    continue
                except Flooding as exc:
                    await self.transport.close()
                    floods += 1
                    delay = reconnect_delay(floods, base=FLOOD_BACKOFF_S,
                                            cap=FLOOD_BACKOFF_CAP_S)
                    self._set(HostState.FLOODING, str(exc), retry_in=delay)
                    await self._wait(delay)
                    continue
                except TransportError as exc:
                    reason = str(exc)
                await self.transport.close()
                if self._last_sample_at is not None and self.status.state in (
                        HostState.UP, HostState.STALE):
                    attempt = 0  # it had been working: start the backoff afresh
                    floods = 0
                attempt += 1
                delay = reconnect_delay(attempt)
                state = (HostState.UNREACHABLE if attempt >= UNREACHABLE_AFTER
                         else HostState.RECONNECTING)
                self._set(state, reason, retry_in=delay)
                await self._wait(delay)
        finally:
            if not callable(self._transport):  # only a transport that was built
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._transport.close())

    async def _wait(self, seconds: float) -> None:
        self._wake.clear()
        await self._wake.wait(seconds)

    async def _stream(self) -> None:
        self._rates = RateCalculator()  # counters from a previous link are not comparable
        tasks = {asyncio.ensure_future(self.transport.stream_samples(self.host.interval,
                                                                     self._on_raw)),
                 asyncio.ensure_future(self._watch_link())}
        try:
            # Both run until the link fails; whichever notices first says why.
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _on_raw(self, raw: RawSample) -> None:
        self._last_sample_at = raw.taken_at
        sample = self._rates.update(raw, rtt_ms=self._rtt_ms, rtt_repeated=self._rtt_used)
        self._rtt_used = True
        if self.status.state is not HostState.UP:
            self._set(HostState.UP)
        self._bus.publish(SampleArrived(self.host.name, sample))

    def check_staleness(self, now: float) -> None:
        """Called by the fleet once a second for every host (one timer, not one per
        host): a link that is up but silent for two intervals is STALE, and is probed
        at once to learn whether it is still there."""
        last = self._last_sample_at
        if self.status.state is HostState.UP and last is not None:
            age = now - last
            if is_stale_age(age, self.host.interval):
                self._set(HostState.STALE, f"no data for {age:.0f} s")
                self._probe_now.set()

    async def _watch_link(self) -> None:
        """Response time every RTT_EVERY_S, and the keepalive.

        While frames flow the link is plainly alive. When they stop (STALE), probes
        follow one another; KEEPALIVE_MISSES unanswered in a row give the link up, so
        a frozen host or a silently dropped connection is reconnected. A link that
        answers but sends no frames stays connected and STALE."""
        misses = 0
        while True:
            self._probe_now.clear()
            sample_before = self._last_sample_at
            try:
                self._rtt_ms = await self.transport.measure_rtt()
                self._rtt_used = False
            except NoAnswer as exc:
                self._rtt_ms = None
                if self._last_sample_at == sample_before:  # nothing came back at all
                    misses += 1
                    if misses >= KEEPALIVE_MISSES:
                        raise TransportError(f"{exc} ({misses} in a row)") from exc
                    continue  # probe again at once: the probe's timeout was the wait
            misses = 0  # an answer, or a frame while waiting for one: the link lives
            await self._probe_now.wait(max(self.host.interval, RTT_EVERY_S))
