"""The latest known state of every host, fed by core events, read by the UI.

The UI never receives one message per sample: it asks, on its own timer, which hosts
changed since it last looked (`take_dirty`) and redraws only those, in one batch.
That coalescing keeps 500 hosts x one sample per 2 s cheap to display.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from console.events import HostState, HostStateChanged, HostStatus, is_stale_age
from console.fleet.events import SampleArrived
from console.fleet.history import Ring
from console.inventory import Host, Inventory
from console.metrics.sample import Sample

HISTORY_SECONDS = 600.0
SERIES = ("cpu", "mem", "load1", "net_bps", "disk_bps")


@dataclass
class HostView:
    host: Host
    status: HostStatus
    sample: Sample | None = None
    history: dict[str, Ring] = field(default_factory=dict)

    def age_s(self, now_wall: float | None = None) -> float | None:
        if self.sample is None:
            return None
        return max(0.0, (now_wall or time.time()) - self.sample.wall_time)

    def is_stale(self, now_wall: float | None = None) -> bool:
        """Stale data is never shown as live: older than two intervals, or not UP."""
        age = self.age_s(now_wall)
        if age is None:
            return False
        return self.status.state is not HostState.UP or is_stale_age(age, self.host.interval)


def _sum(a: float | None, b: float | None) -> float | None:
    if a is None and b is None:
        return None
    return (a or 0.0) + (b or 0.0)


class FleetModel:
    def __init__(self, inventory: Inventory) -> None:
        now = time.time()
        self.views: dict[str, HostView] = {}
        for host in inventory.hosts:
            points = max(2, int(HISTORY_SECONDS / max(host.interval, 0.1)))
            self.views[host.name] = HostView(
                host, HostStatus(HostState.CONNECTING, since=now),
                history={name: Ring(points) for name in SERIES})
        self._dirty: set[str] = set(self.views)

    def on_event(self, event: object) -> None:
        if isinstance(event, SampleArrived):
            view = self.views.get(event.host)
            if view is None:
                return
            s = event.sample
            view.sample = s
            h = view.history
            h["cpu"].append(s.cpu_pct)
            h["mem"].append(s.mem_pct)
            h["load1"].append(s.load1)
            h["net_bps"].append(_sum(s.net_rx_bps, s.net_tx_bps))
            h["disk_bps"].append(_sum(s.disk_read_bps, s.disk_write_bps))
            self._dirty.add(event.host)
        elif isinstance(event, HostStateChanged):
            view = self.views.get(event.host)
            if view is not None:
                view.status = event.new
                self._dirty.add(event.host)

    def take_dirty(self) -> set[str]:
        dirty, self._dirty = self._dirty, set()
        return dirty

    def counts(self) -> dict[HostState, int]:
        result: dict[HostState, int] = {}
        for view in self.views.values():
            result[view.status.state] = result.get(view.status.state, 0) + 1
        return result
