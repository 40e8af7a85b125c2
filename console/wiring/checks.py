"""Checks meet the shared database: accepted baselines (the `accounts` preset) are
read from and written to the store, so every console on the file agrees on them; and a
check's own UNKNOWN becomes a timeline entry."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from console.events import AlertChanged, HostState
from console.fleet.checks import METRIC
from console.fleet.fleet import Fleet
from console.severity import Severity
from console.store.outbox import PendingWriter
from console.store.store import Store
from console.wiring.timeline import DEDUPE_BUCKET_S


class StoreBaselines:
    """`console.fleet.checks.Baselines` over the notes database."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def get(self, host: str, check: str) -> str | None:
        row = await self._store.check_baseline(host, check)
        return row.body if row is not None else None

    async def accept(self, host: str, check: str, body: str) -> None:
        await self._store.accept_check_baseline(host, check, body)
        await self._store.record_event(
            "check", f"{host} {check}: baseline accepted by {self._store.author} "
                     f"({len(body.splitlines())} accounts)", host=host,
            meta={"key": f"{host}/check:{check}", "check": check})


class CheckTimeline:
    """Timeline entries for a check that becomes UNKNOWN on a connected host (it timed
    out, printed garbage, was not found) and for its return to OK.

    The general recorder (console/wiring/timeline.py) leaves every UNKNOWN out, because
    for metrics it only repeats "host down". For a check on a host that is up, UNKNOWN is
    news of its own: the backup check that hangs is what the next shift must read."""

    def __init__(self, outbox: PendingWriter,
                 host_state: Callable[[str], HostState]) -> None:
        self._outbox = outbox
        self._host_state = host_state
        self._unknown: set[tuple[str, str]] = set()  # keys whose UNKNOWN we recorded

    def on_event(self, event: object) -> None:
        if not isinstance(event, AlertChanged) or event.metric != METRIC:
            return
        key = (event.host, event.key)
        if event.new is Severity.UNKNOWN and event.old is not Severity.UNKNOWN:
            if self._host_state(event.host) not in (HostState.UP, HostState.STALE):
                return  # the host entry says it
            self._unknown.add(key)
            self._submit(event, "firing")
        elif event.old is Severity.UNKNOWN and key in self._unknown:
            self._unknown.discard(key)
            if event.new is Severity.OK:  # WARNING/CRITICAL: the recorder writes those
                self._submit(event, "resolved")

    def _submit(self, ev: AlertChanged, state: str) -> None:
        digest = hashlib.sha1("\0".join(map(str, (
            "check", ev.host, ev.key, ev.old.name, ev.new.name,
            int(ev.at // DEDUPE_BUCKET_S)))).encode(), usedforsecurity=False).hexdigest()
        self._outbox.submit(
            ev.describe(), kind="system", category="alert", host=ev.host,
            meta={"key": f"{ev.host}/{ev.key}", "state": state,
                  "severity": ev.new.name.lower(), "value": ev.value,
                  "threshold": ev.threshold},
            created_at=ev.at, client_uuid=f"event:{digest}")


def attach_checks_store(fleet: Fleet, store: Store) -> None:
    """A console's checks and its notes database: accepted baselines come from the
    database, and a check's own UNKNOWN goes to the timeline."""
    fleet.checks.baselines = StoreBaselines(store)
    supervisors = fleet.supervisors
    timeline = CheckTimeline(store.outbox, lambda host: supervisors[host].status.state)
    fleet.bus.subscribe(AlertChanged, timeline.on_event)
