"""Writes the automatic timeline: core events become system entries in the notes store.

Subscribed to the fleet's bus, it turns alert transitions and host up/down changes into
system entries written through the outbox, so a locked database never blocks sampling.
While exactly one incident is open, entries attach to it: its timeline then shows
what the machines did next to what people wrote.

Several consoles on one jump host watch the same hosts and would each record the same
"web-1 went down". Every entry gets a client_uuid derived from the event itself (host,
key, transition, a two-minute bucket), so the database stores it once whichever console
writes first. Consoles whose clocks put the same event in neighbouring buckets can
still both write it; that rare duplicate is preferred to a lost entry.
"""

from __future__ import annotations

import hashlib

from console.events import AlertChanged, HostState, HostStateChanged
from console.severity import Severity
from console.store.outbox import PendingWriter

DEDUPE_BUCKET_S = 120.0

#: States that make a host "down" in the timeline; flapping between them is not news.
_DOWN = frozenset({HostState.UNREACHABLE, HostState.AUTH_FAILED,
                   HostState.HOSTKEY_UNKNOWN, HostState.HOSTKEY_CHANGED,
                   HostState.SHELL_EXITED, HostState.FLOODING})


def _uuid(*parts: object) -> str:
    return "event:" + hashlib.sha1(
        "\0".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


class TimelineRecorder:
    def __init__(self, outbox: PendingWriter) -> None:
        self._outbox = outbox
        self._down: set[str] = set()

    def on_event(self, event: object) -> None:
        if isinstance(event, AlertChanged):
            self._alert(event)
        elif isinstance(event, HostStateChanged):
            self._host(event)

    def _alert(self, ev: AlertChanged) -> None:
        if ev.key == "host":
            return  # the host entry below says it better
        if ev.new is Severity.UNKNOWN or (ev.old is Severity.UNKNOWN
                                          and ev.new is Severity.OK):
            return  # follows from the host going down / coming back: no extra line
        state = "resolved" if ev.new is Severity.OK else "firing"
        bucket = int(ev.at // DEDUPE_BUCKET_S)
        self._outbox.submit(
            ev.describe(), kind="system", category="alert", host=ev.host,
            meta={"key": f"{ev.host}/{ev.key}", "state": state,
                  "severity": ev.new.name.lower(), "value": ev.value,
                  "threshold": ev.threshold},
            created_at=ev.at,
            client_uuid=_uuid("alert", ev.host, ev.key, ev.old.name, ev.new.name, bucket))

    def _host(self, ev: HostStateChanged) -> None:
        state = ev.new.state
        was_down = ev.host in self._down
        if state in _DOWN and not was_down:
            self._down.add(ev.host)
            body = f"{ev.host} {state.value}: {ev.new.reason}".rstrip(": ")
            meta_state = "down"
        elif state is HostState.UP and was_down:
            self._down.discard(ev.host)
            body, meta_state = f"{ev.host} is back up", "up"
        else:
            return
        bucket = int(ev.new.since // DEDUPE_BUCKET_S)
        self._outbox.submit(
            body, kind="system", category="host", host=ev.host,
            meta={"state": meta_state, "detail": state.value}, created_at=ev.new.since,
            client_uuid=_uuid("host", ev.host, meta_state, bucket))
