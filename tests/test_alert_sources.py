"""The alert engine's open entry points, proved with a source that is neither a resource
sample, a log nor a check: a replication-lag reading and a backup robot's verdicts.

Whatever the source, the same rules hold: `for:` before firing, hysteresis before
clearing, UNKNOWN while the host cannot be seen, one `AlertChanged` per transition on
the bus, and the timeline recorder writes it like any CPU alert."""

from __future__ import annotations

from console.bus import EventBus
from console.events import AlertChanged
from console.fleet.fleet import Fleet
from console.inventory import Inventory
from console.metrics.alerts import AlertEngine
from console.metrics.thresholds import MetricThreshold
from console.nagios_range import parse_threshold
from console.severity import Severity
from console.wiring.timeline import TimelineRecorder

OK, WARNING, CRITICAL, UNKNOWN = (Severity.OK, Severity.WARNING, Severity.CRITICAL,
                                  Severity.UNKNOWN)

LAG = MetricThreshold("replication_lag", "s", parse_threshold(30), parse_threshold(120),
                      for_samples=2, clear_for=2, hysteresis=5.0)


def feed(engine: AlertEngine, values: list[float], start: float = 0.0
         ) -> list[tuple[int, Severity, Severity]]:
    out = []
    for i, v in enumerate(values):
        for ev in engine.observe_value("db-2", "replication_lag", "lag:db-2", v, LAG,
                                       start + i):
            out.append((i, ev.old, ev.new))
    return out


def test_a_value_source_gets_for_samples_and_hysteresis() -> None:
    engine = AlertEngine()
    # One spike is not a page; two in a row are. 27 s is inside the 5 s margin of the
    # 30 s line, so the alert holds; two readings under 25 s clear it.
    assert feed(engine, [10, 200, 10, 150, 150, 27, 27, 20, 20]) == [
        (4, OK, CRITICAL), (6, CRITICAL, WARNING), (8, WARNING, OK)]
    assert engine.active_alerts() == []


def test_a_value_source_is_unknown_while_its_host_cannot_be_seen() -> None:
    engine = AlertEngine()
    feed(engine, [200, 200])
    events = engine.host_unknown("db-2", "unreachable: connection refused", 10.0)
    assert [(e.key, e.new) for e in events] == [("host", UNKNOWN), ("lag:db-2", UNKNOWN)]
    assert {a.key: a.severity for a in engine.active_alerts()} == {
        "host": UNKNOWN, "lag:db-2": UNKNOWN}
    engine.host_known("db-2", 11.0)
    # The first reading after the outage settles the alert on what it holds now.
    assert feed(engine, [200], start=12.0) == [(0, UNKNOWN, CRITICAL)]


def test_a_severity_source_applies_at_once_and_remembers_through_unknown() -> None:
    engine = AlertEngine()
    ev = engine.observe_severity("db-2", "backup", "robot:nightly", OK, 1.0)
    assert ev == []  # OK for a key never seen: nothing to say
    (ev,) = engine.observe_severity("db-2", "backup", "robot:nightly", CRITICAL, 2.0,
                                    detail="last backup 3 days old")
    assert (ev.old, ev.new, ev.detail) == (OK, CRITICAL, "last backup 3 days old")
    assert engine.observe_severity("db-2", "backup", "robot:nightly", CRITICAL, 3.0,
                                   detail="still 3 days old") == []
    (alert,) = engine.active_alerts()
    assert (alert.severity, alert.detail, alert.opened) == (CRITICAL, "still 3 days old", 2.0)
    (ev,) = engine.observe_severity("db-2", "backup", "robot:nightly", UNKNOWN, 4.0,
                                    detail="robot unreachable")
    assert (ev.old, ev.new) == (CRITICAL, UNKNOWN)
    (ev,) = engine.observe_severity("db-2", "backup", "robot:nightly", OK, 5.0)
    assert (ev.old, ev.new) == (UNKNOWN, OK)
    assert engine.active_alerts() == []


class _Outbox:
    """The recorder's only dependency, kept in memory: the store's own outbox is
    proved against SQLite in tests/test_store_*.py."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, dict[str, object]]] = []

    def submit(self, body: str, **fields: object) -> None:
        self.entries.append((body, fields))


def test_fleet_reports_reach_the_bus_and_the_timeline() -> None:
    bus = EventBus()
    fleet = Fleet(Inventory.local_only(), bus)
    host = fleet.inventory.hosts[0].name
    seen: list[AlertChanged] = []
    bus.subscribe(AlertChanged, seen.append)
    outbox = _Outbox()
    bus.subscribe(AlertChanged, TimelineRecorder(outbox).on_event)  # type: ignore[arg-type]

    fleet.report_severity(host, "backup", "robot:nightly", WARNING, detail="26 h old",
                          now=100.0)
    fleet.report_severity(host, "backup", "robot:nightly", OK, now=200.0)
    assert [(e.key, e.old, e.new) for e in seen] == [
        ("robot:nightly", OK, WARNING), ("robot:nightly", WARNING, OK)]
    assert [fields["meta"]["state"] for _, fields in outbox.entries] == [  # type: ignore[index]
        "firing", "resolved"]
    assert "robot:nightly WARNING - 26 h old" in outbox.entries[0][0]
