"""The fleet's alert state machine: samples in, `AlertChanged` transitions out.

Per alert key (a metric, or a metric on one mount or device) it keeps a tiny state:

- An alert FIRES (or escalates WARNING -> CRITICAL) only after `for` consecutive
  samples inside the level's zone, so one noisy sample is not a page.
- It CLEARS (or eases CRITICAL -> WARNING) only after `clear_for` consecutive samples
  outside the zone widened by `hysteresis`: a value oscillating around the line keeps
  the alert it has instead of flapping.
- A host that is unreachable or stale is UNKNOWN, never OK: its active alerts turn
  UNKNOWN and one host-level UNKNOWN alert stands for the metrics we cannot see. When
  the host is back, the first value of each metric settles its alert again.
- A value of None (not known in this sample) changes nothing.

Resource samples come in through `observe()`. Every other source (a log's errors per
minute, a maintenance check's result, anything added later) comes in through one of two
entry points, with the same states, events and UNKNOWN-when-unseen:

- `observe_value(host, metric, key, value, threshold, now)`: a reading judged against
  warn/crit zones with `for:`, `clear_for` and hysteresis, like a CPU figure;
- `observe_severity(host, metric, key, severity, now, detail=...)`: a verdict already
  made (a Nagios plugin's exit code); it takes effect at once, UNKNOWN included, and
  a later value or verdict settles it again.

`observe()` runs for every host every interval (500 hosts at 2 s), so the hot path
allocates nothing for a metric whose alert does not change: states are created once
per key, and only transitions build objects.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from console.events import AlertChanged
from console.metrics.sample import Sample
from console.metrics.thresholds import METRICS, MetricThreshold, ThresholdSet
from console.severity import Severity

OK, WARNING, CRITICAL, UNKNOWN = (Severity.OK, Severity.WARNING, Severity.CRITICAL,
                                  Severity.UNKNOWN)
HOST_KEY = "host"


@dataclass(frozen=True, slots=True)
class Alert:
    """An active alert, as the alerts panel lists it."""

    host: str
    metric: str
    key: str
    severity: Severity
    value: float | None  # the value when it reached this severity
    threshold: str  # "crit 90%"
    since: float  # wall time it reached this severity
    last_value: float | None  # the latest value seen
    opened: float  # wall time it left OK (a WARNING that escalated keeps this)
    unit: str = ""
    detail: str = ""


class _KeyState:
    """Mutable per-key state; slots keep 500 hosts x dozens of keys small and fast."""

    __slots__ = ("clear_crit", "clear_warn", "crit_streak", "detail", "key", "last_value",
                 "metric", "opened", "prior", "seen", "severity", "since", "threshold",
                 "unit", "value", "warn_streak")

    def __init__(self, metric: str, key: str, unit: str) -> None:
        self.metric = metric
        self.key = key
        self.unit = unit
        self.severity = OK
        self.prior = OK  # the severity before the host went UNKNOWN
        self.warn_streak = 0
        self.crit_streak = 0
        self.clear_warn = 0
        self.clear_crit = 0
        self.value: float | None = None
        self.last_value: float | None = None
        self.since = 0.0
        self.opened = 0.0
        self.threshold = ""
        self.detail = ""
        self.seen = 0


class _HostAlerts:
    __slots__ = ("active", "devices", "generation", "mounts", "states", "unknown")

    def __init__(self) -> None:
        self.states: dict[str, _KeyState] = {}  # host-wide metrics by key
        self.mounts: dict[str, tuple[_KeyState, _KeyState]] = {}  # mount -> disk, inodes
        self.devices: dict[str, _KeyState] = {}  # disk_util per block device
        self.active: dict[str, _KeyState] = {}  # non-OK states by key
        self.unknown: _KeyState | None = None  # the host-level UNKNOWN alert
        self.generation = 0


# Sample attribute -> metric name, for the host-wide metrics.
_HOST_METRICS: tuple[tuple[str, str], ...] = (
    ("cpu_pct", "cpu"),
    ("mem_pct", "memory"),
    ("swap_pct", "swap"),
    ("load_per_core", "load_per_core"),
    ("rtt_ms", "response_ms"),
    ("net_errors_ps", "net_errors"),
    ("cpu_iowait_pct", "iowait"),
    ("cpu_steal_pct", "steal"),
)


class AlertEngine:
    """One for the fleet. Not thread-safe: call it from the event loop only."""

    def __init__(self) -> None:
        self._hosts: dict[str, _HostAlerts] = {}

    # ------------------------------------------------------------ inputs

    def observe(self, host: str, sample: Sample, thresholds: ThresholdSet,
                now: float) -> list[AlertChanged]:
        """Evaluate every metric of one sample. `now` is wall time (time.time())."""
        h = self._host(host)
        events: list[AlertChanged] = []
        if h.unknown is not None:
            events.extend(self.host_known(host, now))
        metrics = thresholds.metrics
        states = h.states
        step = self._step
        for attr, metric in _HOST_METRICS:
            v = getattr(sample, attr)
            if v is None or (metric == "response_ms" and sample.rtt_repeated):
                continue  # one response-time reading counts once, however many samples
            st = states.get(metric)
            t = metrics[metric]
            if st is None:
                if not t.active:
                    continue
                st = states[metric] = _KeyState(metric, metric, t.unit)
            step(host, h, st, v, t, now, events)

        if sample.filesystems and not sample.filesystems_repeated:
            h.generation += 1
            gen = h.generation
            mounts = h.mounts
            per_mount = thresholds.mounts
            disk_t, inode_t = metrics["disk"], metrics["inodes"]
            seen = 0
            for fs in sample.filesystems:
                pair = mounts.get(fs.mount)
                if pair is None:
                    pair = mounts[fs.mount] = (
                        _KeyState("disk", "disk:" + fs.mount, disk_t.unit),
                        _KeyState("inodes", "inodes:" + fs.mount, inode_t.unit))
                d_st, i_st = pair
                if d_st.seen == gen:  # listed twice (bind mount): count it once
                    continue
                d_st.seen = gen
                seen += 1
                dt, it = disk_t, inode_t
                if per_mount:
                    dt = thresholds.for_mount("disk", fs.mount)
                    it = thresholds.for_mount("inodes", fs.mount)
                v = fs.used_pct
                if v is not None:
                    step(host, h, d_st, v, dt, now, events)
                v = fs.inodes_pct
                if v is not None:
                    step(host, h, i_st, v, it, now, events)
            if seen != len(mounts):
                self._drop_gone_mounts(host, h, gen, now, events, sample.mounted)

        util_t = metrics["disk_util"]
        if sample.disks and (util_t.active or h.devices):
            for d in sample.disks:
                if d.util_pct is None:
                    continue
                st = h.devices.get(d.device)
                if st is None:
                    st = h.devices[d.device] = _KeyState(
                        "disk_util", "disk_util:" + d.device, util_t.unit)
                step(host, h, st, d.util_pct, util_t, now, events)
        return events

    def observe_value(self, host: str, metric: str, key: str, value: float,
                      threshold: MetricThreshold, now: float) -> list[AlertChanged]:
        """One reading of any named source, e.g. ("log_errors_per_min", "log:app")."""
        h = self._host(host)
        st = h.states.get(key)
        if st is None:
            if not threshold.active:
                return []
            st = h.states[key] = _KeyState(metric, key, threshold.unit)
        events: list[AlertChanged] = []
        self._step(host, h, st, value, threshold, now, events)
        return events

    def observe_severity(self, host: str, metric: str, key: str, severity: Severity,
                         now: float, *, detail: str = "", value: float | None = None,
                         unit: str = "") -> list[AlertChanged]:
        """A verdict of any named source, e.g. ("check", "check:db-backup", CRITICAL).

        It applies at once: whoever judged it (a plugin) has had its own `for:`. UNKNOWN
        remembers the severity it replaced, as for a host that cannot be seen."""
        h = self._host(host)
        st = h.states.get(key)
        if st is None:
            if severity is OK:
                return []
            st = h.states[key] = _KeyState(metric, key, unit)
        st.last_value = value
        old = st.severity
        if old is severity:
            if st.detail != detail:
                st.detail = detail  # the newest reason, without a new event
            return []
        if severity is UNKNOWN:
            st.prior = old
        st.warn_streak = st.crit_streak = st.clear_warn = st.clear_crit = 0
        if severity is OK:
            h.active.pop(key, None)
        else:
            if old is OK:
                st.opened = now
            h.active[key] = st
        st.severity, st.value, st.since, st.detail = severity, value, now, detail
        return [AlertChanged(host, metric, key, old, severity, value, "", now, unit, detail)]

    def _host(self, host: str) -> _HostAlerts:
        h = self._hosts.get(host)
        if h is None:
            h = self._hosts[host] = _HostAlerts()
        return h

    def host_unknown(self, host: str, reason: str, now: float) -> list[AlertChanged]:
        """The host is unreachable or its data stale: nothing about it may read OK."""
        h = self._host(host)
        if h.unknown is not None:  # already UNKNOWN: keep the alerts, newest reason
            for st in h.active.values():
                st.detail = reason
            return []
        events: list[AlertChanged] = []
        u = _KeyState(HOST_KEY, HOST_KEY, "")
        u.severity, u.since, u.opened, u.detail = UNKNOWN, now, now, reason
        h.unknown = u
        h.active[HOST_KEY] = u
        events.append(AlertChanged(host, HOST_KEY, HOST_KEY, OK, UNKNOWN, None, "", now,
                                   detail=reason))
        for st in self._all_states(h):
            # Samples before and after an outage are not consecutive.
            st.warn_streak = st.crit_streak = st.clear_warn = st.clear_crit = 0
            if st.severity is OK or st.severity is UNKNOWN:
                continue
            old = st.severity
            # value None: the last figure is kept in last_value, never shown as current.
            st.prior, st.severity, st.since, st.detail = old, UNKNOWN, now, reason
            st.value = None
            h.active[st.key] = st
            events.append(AlertChanged(host, st.metric, st.key, old, UNKNOWN, None,
                                       st.threshold, now, st.unit, reason))
        return events

    def host_known(self, host: str, now: float | None = None) -> list[AlertChanged]:
        """The host answers again: drop the host-level UNKNOWN. Metric alerts that went
        UNKNOWN stay so until their next value arrives (then `observe` settles them)."""
        h = self._hosts.get(host)
        if h is None or h.unknown is None:
            return []
        at = time.time() if now is None else now
        u, h.unknown = h.unknown, None
        h.active.pop(HOST_KEY, None)
        return [AlertChanged(host, HOST_KEY, HOST_KEY, UNKNOWN, OK, None, "", at,
                             detail=u.detail)]

    def forget(self, host: str) -> None:
        """The host left the inventory: its alerts go with it (no events)."""
        self._hosts.pop(host, None)

    # ------------------------------------------------------------ outputs

    def active_alerts(self) -> list[Alert]:
        """Every non-OK alert, worst first, then oldest first."""
        out = [
            Alert(host, st.metric, st.key, st.severity, st.value, st.threshold, st.since,
                  st.last_value, st.opened, st.unit, st.detail)
            for host, h in self._hosts.items() for st in h.active.values()
        ]
        out.sort(key=lambda a: (-a.severity.rank, a.since, a.host, a.key))
        return out

    def host_severity(self, host: str) -> Severity:
        """The worst active alert of a host (OK when none): the summary bar counts it."""
        h = self._hosts.get(host)
        if h is None or not h.active:
            return OK
        worst = OK
        for st in h.active.values():
            if st.severity.rank > worst.rank:
                worst = st.severity
        return worst

    def metric_severity(self, host: str, metric: str) -> Severity:
        """The worst active alert of one metric on a host (any mount), for cell colour."""
        h = self._hosts.get(host)
        worst = OK
        if h is not None:
            for st in h.active.values():
                if st.metric == metric and st.severity.rank > worst.rank:
                    worst = st.severity
        return worst

    def severity_counts(self) -> dict[Severity, int]:
        """Hosts per worst severity, for hosts the engine has seen."""
        counts = dict.fromkeys(Severity, 0)
        for host in self._hosts:
            counts[self.host_severity(host)] += 1
        return counts

    # ------------------------------------------------------------ the state machine

    @staticmethod
    def _step(host: str, h: _HostAlerts, st: _KeyState, v: float, t: MetricThreshold,
              now: float, events: list[AlertChanged]) -> None:
        warn, crit = t.warn, t.crit
        in_crit = crit is not None and crit.alerts(v)
        in_warn = in_crit or (warn is not None and warn.alerts(v))
        st.last_value = v
        sev = st.severity
        if sev is OK:
            if not in_warn:
                if st.warn_streak:
                    st.warn_streak = st.crit_streak = 0
                return
            st.warn_streak += 1
            st.crit_streak = st.crit_streak + 1 if in_crit else 0
            if st.crit_streak >= t.for_samples:
                new = CRITICAL
            elif st.warn_streak >= t.for_samples:
                new = WARNING
            else:
                return
        else:
            st.warn_streak = st.warn_streak + 1 if in_warn else 0
            st.crit_streak = st.crit_streak + 1 if in_crit else 0
            m = t.hysteresis
            hold_crit = crit is not None and crit.holds(v, m)
            hold_warn = hold_crit or (warn is not None and warn.holds(v, m))
            st.clear_crit = 0 if hold_crit else st.clear_crit + 1
            st.clear_warn = 0 if hold_warn else st.clear_warn + 1
            if sev is CRITICAL:
                if st.clear_crit < t.clear_for:
                    return
                new = OK if st.clear_warn >= t.clear_for else WARNING
            elif sev is WARNING:
                if st.crit_streak >= t.for_samples:
                    new = CRITICAL
                elif st.clear_warn >= t.clear_for:
                    new = OK
                else:
                    return
            else:  # UNKNOWN, and now a value again: settle on what it held before
                if st.prior is CRITICAL and hold_crit:
                    new = CRITICAL
                elif hold_warn:
                    new = WARNING
                else:
                    new = OK
                st.detail = ""
        _transition(host, h, st, new, v, t, now, events)

    def _drop_gone_mounts(self, host: str, h: _HostAlerts, gen: int, now: float,
                          events: list[AlertChanged],
                          mounted: frozenset[str] | None = None) -> None:
        """A mount missing from a full df listing is unmounted: its alerts are moot.

        Unless the host still lists it as mounted: then df could not read it (a stale
        NFS handle, a `timeout 5` cut-off) and a full disk we cannot see is UNKNOWN,
        never OK."""
        for mount in [m for m, (d, _) in h.mounts.items() if d.seen != gen]:
            if mounted is not None and mount in mounted:
                for st in h.mounts[mount]:
                    if st.severity is OK or st.severity is UNKNOWN:
                        continue
                    old, why = st.severity, "df did not report it"
                    st.prior, st.severity, st.since, st.detail = old, UNKNOWN, now, why
                    st.value = None
                    st.warn_streak = st.crit_streak = st.clear_warn = st.clear_crit = 0
                    h.active[st.key] = st
                    events.append(AlertChanged(host, st.metric, st.key, old, UNKNOWN, None,
                                               st.threshold, now, st.unit, why))
                continue
            for st in h.mounts.pop(mount):
                if st.severity is not OK:
                    old = st.severity
                    h.active.pop(st.key, None)
                    st.severity = OK
                    events.append(AlertChanged(host, st.metric, st.key, old, OK, None,
                                               st.threshold, now, st.unit, "not mounted"))

    @staticmethod
    def _all_states(h: _HostAlerts) -> list[_KeyState]:
        out = list(h.states.values())
        for pair in h.mounts.values():
            out.extend(pair)
        out.extend(h.devices.values())
        return out


def _transition(host: str, h: _HostAlerts, st: _KeyState, new: Severity, v: float,
                t: MetricThreshold, now: float, events: list[AlertChanged]) -> None:
    old = st.severity
    if old is new:
        return
    if new is OK:
        threshold = st.threshold  # what it was past, for "cleared (was crit 90%)"
        h.active.pop(st.key, None)
        st.warn_streak = st.crit_streak = 0
    else:
        threshold = t.text("crit" if new is CRITICAL else "warn")
        if old is OK:
            st.opened = now
        h.active[st.key] = st
    st.clear_warn = st.clear_crit = 0
    st.severity, st.value, st.since, st.threshold = new, v, now, threshold
    events.append(AlertChanged(host, st.metric, st.key, old, new, v, threshold, now,
                               st.unit))


__all__ = ["METRICS", "Alert", "AlertEngine", "Severity"]
