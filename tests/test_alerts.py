"""The alert engine: `for` samples, hysteresis, UNKNOWN, per-mount keys, sorting, cost."""

from __future__ import annotations

import random
import sys
import timeit
from typing import Any

import yaml

from console.events import AlertChanged
from console.metrics.alerts import AlertEngine
from console.metrics.raw import Filesystem
from console.metrics.sample import DiskRates, Sample
from console.metrics.thresholds import ThresholdSet, resolve_thresholds, thresholds_for_host
from console.severity import Severity
from tests.test_thresholds import ISSUE_EXAMPLE

OK, WARNING, CRITICAL, UNKNOWN = (Severity.OK, Severity.WARNING, Severity.CRITICAL,
                                  Severity.UNKNOWN)
GiB = 1 << 30


def fs(mount: str, used_pct: float, inodes_pct: float = 10.0) -> Filesystem:
    total = 100 * GiB
    used = int(total * used_pct / 100)
    return Filesystem(device="/dev/sda1", mount=mount, total=total, used=used,
                      available=total - used, fstype="ext4", inodes_total=1000,
                      inodes_used=int(10 * inodes_pct))


def sample(t: float = 0.0, **kw: Any) -> Sample:
    return Sample(wall_time=t, taken_at=t, **kw)


def feed(engine: AlertEngine, ts: ThresholdSet, values: list[float | None],
         metric: str = "cpu_pct", host: str = "web-1", start: float = 0.0
         ) -> list[list[AlertChanged]]:
    """One observe per value; returns the events of each step."""
    return [engine.observe(host, sample(start + i, **{metric: v}), ts, start + i)
            for i, v in enumerate(values)]


def transitions(steps: list[list[AlertChanged]]) -> list[tuple[int, Severity, Severity]]:
    return [(i, e.old, e.new) for i, evs in enumerate(steps) for e in evs]


# ---------------------------------------------------------------- for: samples

def test_alert_fires_only_after_for_samples_past_the_threshold() -> None:
    engine, ts = AlertEngine(), thresholds_for_host({})  # cpu: 80/90, for 3
    steps = feed(engine, ts, [95, 95, 50, 85, 85, 85, 95, 95, 95])
    assert transitions(steps) == [(5, OK, WARNING), (8, WARNING, CRITICAL)]
    ev = steps[8][0]
    assert (ev.host, ev.metric, ev.key, ev.value, ev.threshold) == (
        "web-1", "cpu", "cpu", 95, "crit 90%")
    assert engine.host_severity("web-1") is CRITICAL


def test_straight_to_critical_when_every_sample_is_past_crit() -> None:
    engine, ts = AlertEngine(), thresholds_for_host({})
    assert transitions(feed(engine, ts, [99, 99, 99])) == [(2, OK, CRITICAL)]


def test_for_is_configurable() -> None:
    engine = AlertEngine()
    ts = resolve_thresholds({"cpu": {"for": 1}})
    assert transitions(feed(engine, ts, [85])) == [(0, OK, WARNING)]


# ---------------------------------------------------------------- hysteresis

def test_value_oscillating_around_the_threshold_does_not_flap() -> None:
    wobble = [79, 81, 78, 82, 77, 81, 79.5, 80.5, 76, 83] * 3
    calm = resolve_thresholds({"cpu": {"for": 1, "hysteresis": 5}})
    steps = feed(AlertEngine(), calm, [*wobble, 70])
    assert transitions(steps) == [(1, OK, WARNING), (len(wobble), WARNING, OK)]
    # The same signal without hysteresis flaps on almost every sample: the margin is
    # what keeps it quiet.
    jumpy = resolve_thresholds({"cpu": {"for": 1, "hysteresis": 0}})
    assert len(transitions(feed(AlertEngine(), jumpy, wobble))) > 20


def test_noisy_cpu_with_defaults_raises_one_alert() -> None:
    rng = random.Random(7)
    values = [80 + rng.uniform(-3, 3) for _ in range(300)]
    steps = feed(AlertEngine(), thresholds_for_host({}), values)
    assert transitions(steps)[:1] and [t[1:] for t in transitions(steps)] == [(OK, WARNING)]


def test_clear_for_and_de_escalation() -> None:
    engine, ts = AlertEngine(), thresholds_for_host({})  # cpu hysteresis 5, clear_for 3
    steps = feed(engine, ts, [95, 95, 95,  # CRITICAL
                              86, 86, 86, 86,  # within 5 of crit: stays CRITICAL
                              84, 84, 84,  # eases to WARNING after 3
                              76, 76, 76, 76,  # within 5 of warn: stays WARNING
                              74, 60, 60])  # cleared after 3
    assert transitions(steps) == [(2, OK, CRITICAL), (9, CRITICAL, WARNING),
                                  (16, WARNING, OK)]
    assert steps[9][0].describe() == "web-1 cpu WARNING 84.0% (warn 80%) (was CRITICAL)"
    assert steps[16][0].describe() == "web-1 cpu OK 60.0% (was WARNING)"
    assert engine.active_alerts() == []


def test_none_value_changes_nothing() -> None:
    engine, ts = AlertEngine(), thresholds_for_host({})
    feed(engine, ts, [95, 95, 95])
    assert feed(engine, ts, [None] * 10, start=10) == [[]] * 10
    assert engine.host_severity("web-1") is CRITICAL
    (alert,) = engine.active_alerts()
    assert alert.last_value == 95


# ---------------------------------------------------------------- UNKNOWN

def test_unreachable_host_is_unknown_never_ok() -> None:
    engine, ts = AlertEngine(), thresholds_for_host({})
    feed(engine, ts, [95, 95, 95], start=100)
    engine.observe("web-1", sample(103, mem_pct=20.0), ts, 103)  # memory is fine
    events = engine.host_unknown("web-1", "unreachable: connection refused", 200)
    assert {(e.key, e.old, e.new) for e in events} == {("host", OK, UNKNOWN),
                                                       ("cpu", CRITICAL, UNKNOWN)}
    assert engine.host_severity("web-1") is UNKNOWN
    assert all(a.severity is UNKNOWN for a in engine.active_alerts())
    assert {a.key for a in engine.active_alerts()} == {"host", "cpu"}
    host_event = next(e for e in events if e.key == "host")
    assert host_event.describe() == "web-1 host UNKNOWN - unreachable: connection refused"
    assert engine.host_unknown("web-1", "stale: no sample for 10 s", 210) == []
    assert [a.detail[:5] for a in engine.active_alerts()] == ["stale", "stale"]
    cpu = next(a for a in engine.active_alerts() if a.key == "cpu")
    assert (cpu.value, cpu.last_value) == (None, 95)  # no stale figure shown as current

    back = engine.observe("web-1", sample(300, cpu_pct=95.0, mem_pct=20.0), ts, 300)
    assert {(e.key, e.old, e.new) for e in back} == {("host", UNKNOWN, OK),
                                                     ("cpu", UNKNOWN, CRITICAL)}
    steps = feed(engine, ts, [10, 10, 10], start=302)  # clear_for 3, as always
    assert transitions(steps) == [(2, CRITICAL, OK)]
    assert engine.host_severity("web-1") is OK


def test_metric_alert_settles_on_first_value_after_outage() -> None:
    engine, ts = AlertEngine(), thresholds_for_host({})
    feed(engine, ts, [85, 85, 85])
    engine.host_unknown("web-1", "stale", 10)
    assert engine.host_known("web-1", 11)[0].new is OK
    assert engine.host_known("web-1", 12) == []  # idempotent
    assert engine.host_severity("web-1") is UNKNOWN  # cpu stays UNKNOWN until a value
    steps = feed(engine, ts, [40], start=13)
    assert transitions(steps) == [(0, UNKNOWN, OK)]
    assert engine.host_severity("web-1") is OK


def test_host_never_seen_can_be_unknown() -> None:
    engine = AlertEngine()
    (ev,) = engine.host_unknown("db-9", "host key changed", 5)
    assert (ev.key, ev.new) == ("host", UNKNOWN)
    assert engine.host_severity("db-9") is UNKNOWN
    assert engine.host_severity("nobody") is OK


def test_streaks_do_not_span_an_outage() -> None:
    engine, ts = AlertEngine(), thresholds_for_host({})
    feed(engine, ts, [85, 85])
    engine.host_unknown("web-1", "stale", 3)
    steps = feed(engine, ts, [85, 85, 85], start=4)
    assert transitions(steps) == [(0, UNKNOWN, OK), (2, OK, WARNING)]


# ---------------------------------------------------------------- per mount, per device

def test_each_mount_is_its_own_alert_with_its_overrides() -> None:
    engine = AlertEngine()
    ts = resolve_thresholds({"disk": {"mounts": {"/var/log": {"warn": 70, "crit": 85}}}})
    events = engine.observe("web-1", sample(1, filesystems=(
        fs("/", 75), fs("/var/log", 75), fs("/mnt/backup disk", 93.1, inodes_pct=91))),
        ts, 1)
    got = {(e.key, e.new, e.threshold) for e in events}
    assert got == {("disk:/var/log", WARNING, "warn 70%"),
                   ("disk:/mnt/backup disk", CRITICAL, "crit 90%"),
                   ("inodes:/mnt/backup disk", CRITICAL, "crit 90%")}
    ev = next(e for e in events if e.key == "disk:/mnt/backup disk")
    assert ev.describe() == "web-1 disk:/mnt/backup disk CRITICAL 93.1% (crit 90%)"


def test_unmounted_filesystem_drops_its_alert_but_a_missing_listing_does_not() -> None:
    engine, ts = AlertEngine(), thresholds_for_host({})
    engine.observe("web-1", sample(1, filesystems=(fs("/", 50), fs("/data", 95))), ts, 1)
    assert engine.observe("web-1", sample(2, filesystems=()), ts, 2) == []  # df failed
    assert engine.host_severity("web-1") is CRITICAL
    # A bind mount listed twice counts once and does not hide the missing /data.
    events = engine.observe("web-1", sample(3, filesystems=(fs("/", 50), fs("/", 50))),
                            ts, 3)
    assert [(e.key, e.old, e.new, e.detail) for e in events] == [
        ("disk:/data", CRITICAL, OK, "not mounted")]
    assert engine.active_alerts() == []


def test_optional_metrics_alert_only_when_configured() -> None:
    busy = sample(1, cpu_iowait_pct=60.0, cpu_steal_pct=60.0,
                  disks=(DiskRates("sda", 0.0, 0.0, 99.0), DiskRates("sdb", 0.0, 0.0, None)))
    quiet = AlertEngine()
    assert quiet.observe("h", busy, thresholds_for_host({}), 1) == []
    engine = AlertEngine()
    ts = resolve_thresholds({"iowait": {"warn": 20, "for": 1},
                             "disk_util": {"warn": 80, "crit": 95, "for": 1}})
    got = {(e.key, e.new) for e in engine.observe("h", busy, ts, 1)}
    assert got == {("iowait", WARNING), ("disk_util:sda", CRITICAL)}


def test_issue_example_net_errors_and_response_time() -> None:
    config = yaml.safe_load(ISSUE_EXAMPLE)["console_thresholds"]
    ts = thresholds_for_host({"console_thresholds": config})
    engine = AlertEngine()
    assert feed(engine, ts, [0.0] * 5, metric="net_errors_ps") == [[]] * 5
    steps = feed(engine, ts, [2.0, 2.0, 12.0, 12.0], metric="net_errors_ps", start=5)
    assert transitions(steps) == [(1, OK, WARNING), (3, WARNING, CRITICAL)]
    assert steps[3][0].describe() == "web-1 net_errors CRITICAL 12.0/s (crit 10/s)"
    steps = feed(engine, ts, [250.0, 260.0, 1500.0], metric="rtt_ms", host="db-1")
    assert transitions(steps) == [(2, OK, WARNING)]
    assert steps[2][0].key == "response_ms"
    assert steps[2][0].describe() == "db-1 response_ms WARNING 1500ms (warn 200ms)"


def test_a_response_time_reading_counts_once_however_many_samples_carry_it() -> None:
    """RTT is probed every few samples; the samples in between repeat the last reading.
    `for: 3` must mean three slow probes, not one slow probe seen in three samples."""
    ts = thresholds_for_host({"console_thresholds": {"response_ms": {"for": 3}}})
    engine = AlertEngine()
    slow_once = [engine.observe("db-1", sample(i, rtt_ms=1500.0, rtt_repeated=i > 0), ts, i)
                 for i in range(6)]
    assert transitions(slow_once) == []
    slow_thrice = [engine.observe("db-2", sample(10 + i, rtt_ms=1500.0,
                                                 rtt_repeated=i % 2 == 1), ts, 10 + i)
                   for i in range(6)]
    assert transitions(slow_thrice) == [(4, OK, CRITICAL)]  # the third new reading


def test_a_df_reading_counts_once_however_many_samples_repeat_it() -> None:
    """df runs every few frames (console_disk_interval); the frames between carry its
    figures again. They are no new readings: `for: 2` needs two df runs past the line,
    and a repeat that lists fewer mounts (it never does) could not close an alert."""
    ts = resolve_thresholds({"disk": {"for": 2, "clear_for": 1}})
    engine = AlertEngine()
    full = (fs("/", 50), fs("/data", 95))

    def df(t: int, repeated: bool, filesystems: tuple[Filesystem, ...] = full
           ) -> list[AlertChanged]:
        return engine.observe("db-1", sample(t, filesystems=filesystems,
                                             filesystems_repeated=repeated), ts, t)

    steps = [df(0, False), df(1, True), df(2, True), df(3, True)]
    assert transitions(steps) == []  # one df run past the line, seen in four samples
    assert transitions([df(4, False)]) == [(0, OK, CRITICAL)]  # the second df run
    assert df(5, True, (fs("/", 50),)) == []  # a repeat decides nothing about /data
    assert [a.key for a in engine.active_alerts()] == ["disk:/data"]
    steps = [df(6, False, (fs("/", 50), fs("/data", 40)))]
    assert transitions(steps) == [(0, CRITICAL, OK)]


# ---------------------------------------------------------------- panel and summary

def test_active_alerts_are_sorted_worst_then_oldest() -> None:
    engine = AlertEngine()
    ts = resolve_thresholds({name: {"for": 1} for name in ("cpu", "memory", "disk")})
    engine.observe("a", sample(1, cpu_pct=85.0), ts, 1)  # WARNING, oldest
    engine.observe("b", sample(2, mem_pct=95.0), ts, 2)  # CRITICAL
    engine.observe("c", sample(3, cpu_pct=99.0), ts, 3)  # CRITICAL, newer
    engine.host_unknown("d", "unreachable", 4)  # UNKNOWN
    engine.observe("e", sample(5, filesystems=(fs("/", 85),)), ts, 5)  # WARNING, newest
    order = [(a.host, a.severity) for a in engine.active_alerts()]
    assert order == [("b", CRITICAL), ("c", CRITICAL), ("d", UNKNOWN), ("a", WARNING),
                     ("e", WARNING)]
    alert = engine.active_alerts()[0]
    assert (alert.metric, alert.key, alert.value, alert.threshold, alert.since) == (
        "memory", "memory", 95.0, "crit 90%", 2)
    counts = engine.severity_counts()
    assert (counts[CRITICAL], counts[UNKNOWN], counts[WARNING], counts[OK]) == (2, 1, 2, 0)


def test_escalation_keeps_when_the_alert_opened() -> None:
    engine = AlertEngine()
    ts = resolve_thresholds({"cpu": {"for": 1}})
    engine.observe("a", sample(1, cpu_pct=85.0), ts, 1)
    engine.observe("a", sample(2, cpu_pct=95.0), ts, 2)
    (alert,) = engine.active_alerts()
    assert (alert.severity, alert.opened, alert.since) == (CRITICAL, 1, 2)


def test_forget_drops_a_host() -> None:
    engine = AlertEngine()
    engine.host_unknown("gone", "unreachable", 1)
    engine.forget("gone")
    assert engine.active_alerts() == [] and engine.host_severity("gone") is OK


# ---------------------------------------------------------------- cost

def test_observe_is_cheap_and_allocates_nothing_in_steady_state() -> None:
    engine, ts = AlertEngine(), resolve_thresholds(
        {"disk": {"mounts": {"/var/log": {"warn": 70}}}})
    s = sample(1, cpu_pct=50.0, mem_pct=60.0, swap_pct=5.0, load_per_core=0.5,
               rtt_ms=20.0, net_errors_ps=0.0, cpu_iowait_pct=1.0, cpu_steal_pct=0.0,
               filesystems=tuple(fs(m, 50) for m in ("/", "/var", "/var/log", "/srv",
                                                       "/home")))
    for i in range(100):
        engine.observe("web-1", s, ts, i)
    blocks = sys.getallocatedblocks()
    for i in range(2000):
        engine.observe("web-1", s, ts, i)
    assert sys.getallocatedblocks() - blocks < 50  # no per-sample growth
    n = 2000
    per_call = timeit.timeit(lambda: engine.observe("web-1", s, ts, 1.0), number=n) / n
    print(f"\nobserve(): {per_call * 1e6:.1f} us per host with 5 mounts")
    assert per_call < 500e-6  # 500 hosts every 2 s must stay far below one core


def test_mount_missing_from_df_but_still_mounted_is_unknown_not_ok() -> None:
    """df can skip a mount (stale NFS handle, timeout): a full disk we cannot see is
    UNKNOWN; only a mount the host no longer lists is really gone."""
    engine = AlertEngine()
    ts = thresholds_for_host({})
    nfs = Filesystem("srv:/x", "/mnt/nfs", total=100, used=95, available=5)
    root = Filesystem("/dev/vda", "/", total=100, used=10, available=90)
    mounted = frozenset({"/", "/mnt/nfs"})

    def sample(*fss: Filesystem, mounted: frozenset[str] | None) -> Sample:
        return Sample(wall_time=0.0, taken_at=0.0, filesystems=fss, mounted=mounted)

    engine.observe("h", sample(root, nfs, mounted=mounted), ts, 1.0)
    assert engine.metric_severity("h", "disk").name == "CRITICAL"
    changes = engine.observe("h", sample(root, mounted=mounted), ts, 2.0)
    assert [(c.key, c.new.name, c.detail) for c in changes] == [
        ("disk:/mnt/nfs", "UNKNOWN", "df did not report it")]
    # df sees it again: it settles back to what it was.
    engine.observe("h", sample(root, nfs, mounted=mounted), ts, 3.0)
    assert engine.metric_severity("h", "disk").name == "CRITICAL"
    # Unmounted for real: the alert is moot.
    changes = engine.observe("h", sample(root, mounted=frozenset({"/"})), ts, 4.0)
    assert [(c.key, c.new.name) for c in changes] == [("disk:/mnt/nfs", "OK")]
