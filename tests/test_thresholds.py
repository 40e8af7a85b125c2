"""Thresholds: Nagios ranges, the issue's contract block, validation messages, merging."""

from __future__ import annotations

import math

import pytest
import yaml

from console.metrics.thresholds import (
    METRICS,
    merge_thresholds,
    resolve_thresholds,
    thresholds_for_host,
    validate_thresholds,
)
from console.nagios_range import NagiosRange, parse_threshold

# The block from issue 3, verbatim: it is the inventory contract.
ISSUE_EXAMPLE = """
console_thresholds:                # at all, group or host level; deeper wins per metric
  cpu: {warn: 80, crit: 90, for: 3}      # for: samples past the threshold before alerting
  memory: {warn: 85, crit: 95}
  swap: {warn: 50, crit: 80}
  load_per_core: {warn: 1.0, crit: 2.0}
  disk: {warn: 80, crit: 90}             # every mount; per-mount overrides welcome
  inodes: {warn: 80, crit: 90}
  response_ms: {warn: 200, crit: 1000}
  net_errors: {warn: "1:", crit: "10:"}  # Nagios range syntax accepted
"""


# ---------------------------------------------------------------- standard Nagios ranges

@pytest.mark.parametrize(("text", "alerting", "quiet"), [
    ("10", [-0.1, 10.1, 50], [0, 5, 10]),  # outside 0..10
    ("10:", [9.9, -5], [10, 11, 1e9]),  # below 10
    ("~:10", [10.1, 1e9], [-1e9, 0, 10]),  # above 10
    ("10:20", [9.9, 20.1], [10, 15, 20]),  # outside 10..20
    ("@10:20", [10, 15, 20], [9.9, 20.1]),  # inside 10..20, inclusive
    ("-5:-1", [0, -6], [-5, -3, -1]),
    ("@~:0", [-3, 0], [0.01]),
])
def test_nagios_range_follows_the_guidelines(text: str, alerting: list[float],
                                             quiet: list[float]) -> None:
    r = NagiosRange.parse(text)
    assert [v for v in alerting if not r.alerts(v)] == []
    assert [v for v in quiet if r.alerts(v)] == []


def test_nagios_range_bounds() -> None:
    r = NagiosRange.parse("~:90")
    assert (r.start, r.end, r.inside) == (-math.inf, 90.0, False)
    r = NagiosRange.parse("@10:")
    assert (r.start, r.end, r.inside) == (10.0, math.inf, True)


@pytest.mark.parametrize(("text", "needle"), [
    ("", "empty"),
    ("@", "empty"),
    ("abc", "'abc' is not a number"),
    ("20:10", "start 20 is above end 10"),
    ("1:2:3", "more than one ':'"),
    ("~", "'~' is not a number"),
    ("nan:", "not a finite number"),
    ("10:x", "'x' is not a number"),
])
def test_nagios_range_errors(text: str, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        NagiosRange.parse(text)


# ---------------------------------------------------------------- our reading: alert zones

@pytest.mark.parametrize(("value", "alerting", "quiet"), [
    (80, [80, 80.1, 100], [79.9, 0]),  # plain number: from 80 up
    ("80", [80, 100], [79.9]),  # quoting changes nothing
    (1.5, [1.5, 2], [1.49]),
    ("1:", [1, 3], [0, 0.99]),  # the issue's net_errors warn: 1 error/s and up
    ("10:", [10, 50], [9.99]),
    ("~:10", [10, -1], [10.01]),  # zone from -inf to 10
    ("10:20", [10, 20], [9.9, 20.1]),  # zone inside
    ("@10:20", [10, 20], [9.9, 20.1]),  # @ means what Nagios means
    ("@10", [0, 10], [-0.1, 10.1]),
])
def test_config_thresholds_name_the_alert_zone(value: object, alerting: list[float],
                                               quiet: list[float]) -> None:
    zone = parse_threshold(value)
    assert zone is not None
    assert [v for v in alerting if not zone.alerts(v)] == []
    assert [v for v in quiet if zone.alerts(v)] == []


def test_null_switches_a_level_off() -> None:
    assert parse_threshold(None) is None
    ts = resolve_thresholds({"cpu": {"warn": None}})
    assert ts.get("cpu").warn is None
    assert ts.get("cpu").crit is not None and ts.get("cpu").crit.start == 90


def test_issue_example_validates_and_means_what_it_says() -> None:
    config = yaml.safe_load(ISSUE_EXAMPLE)["console_thresholds"]
    validate_thresholds(config)
    ts = thresholds_for_host({"console_thresholds": config})
    net = ts.get("net_errors")
    assert net.warn is not None and net.crit is not None
    assert not net.warn.alerts(0.0)  # a healthy host with no errors is not alerting
    assert net.warn.alerts(1.0) and not net.crit.alerts(9.0) and net.crit.alerts(10.0)
    assert ts.get("cpu").for_samples == 3
    mem = ts.get("memory")
    assert mem.warn is not None and mem.crit is not None
    assert (mem.warn.start, mem.crit.start) == (85, 95)
    assert ts.get("net_errors").text("crit") == "crit 10/s"
    assert ts.get("disk").text("warn") == "warn 80%"


def test_defaults_follow_the_issue() -> None:
    ts = thresholds_for_host({})
    levels = {name: (t.warn.start if t.warn else None, t.crit.start if t.crit else None)
              for name, t in ts.metrics.items()}
    assert levels["cpu"] == (80, 90)
    assert levels["memory"] == (80, 90)
    assert levels["disk"] == (80, 90)
    assert levels["inodes"] == (80, 90)
    assert levels["load_per_core"] == (1.0, 2.0)
    assert levels["iowait"] == (None, None)  # optional metric: silent until configured
    assert not ts.get("iowait").active
    assert ts.get("cpu").clear_for == ts.get("cpu").for_samples == 3
    assert ts.get("disk").for_samples == 1


# ---------------------------------------------------------------- validation messages

@pytest.mark.parametrize(("config", "message"), [
    ({"cpu": {"warn": "abc"}},
     "cpu.warn: 'abc' is not a number or Nagios range (e.g. 80, '10:', '@10:20')"),
    ({"cpu": {"warn": 95, "crit": 90}},
     "cpu: warn 95 is above crit 90 (higher is worse here: warn must be <= crit)"),
    ({"disk": {"crit": "20:10"}}, "disk.crit: '20:10' is not a number or Nagios range"),
    ({"memory": {"crit": True}}, "memory.crit: True is not a number or Nagios range"),
    ({"memory": {"crit": [1, 2]}}, "memory.crit: [1, 2] is not a number or Nagios range"),
    ({"cpus": {"warn": 1}}, "unknown metric 'cpus' (did you mean 'cpu'?); known: cpu, "),
    ({"load": {"warn": 1}}, "unknown metric 'load' (did you mean 'load_per_core'?)"),
    ({"zzz": {}}, "unknown metric 'zzz'; known: cpu"),
    ({"cpu": {"warning": 70}}, "cpu: unknown field 'warning' (did you mean 'warn'?)"),
    ({"cpu": {"mounts": {}}}, "cpu: unknown field 'mounts'"),
    ({"cpu": 80}, "cpu: expected a mapping like {warn: 80, crit: 90}, got 80"),
    ({"cpu": {"for": 0}}, "cpu.for: 0 is not a whole number of samples (1 or more)"),
    ({"cpu": {"for": 2.5}}, "cpu.for: 2.5 is not a whole number"),
    ({"cpu": {"clear_for": "3"}}, "cpu.clear_for: '3' is not a whole number"),
    ({"cpu": {"hysteresis": -1}}, "cpu.hysteresis: -1 is not a number >= 0"),
    ({"disk": {"mounts": {"var": {"warn": 1}}}},
     "disk.mounts: 'var' is not a mount point (must start with /)"),
    ({"disk": {"mounts": {"/var": {"warn": "x"}}}},
     "disk.mounts./var.warn: 'x' is not a number or Nagios range"),
    ({"disk": {"mounts": {"/var": {"warn": 95, "crit": 90}}}},
     "disk.mounts./var: warn 95 is above crit 90"),
    ({"disk": {"mounts": {"/var": {"mounts": {}}}}}, "disk.mounts./var: unknown field 'mounts'"),
    ([1, 2], "expected a mapping of metric -> {warn, crit}, got [1, 2]"),
])
def test_validation_names_metric_and_field(config: object, message: str) -> None:
    with pytest.raises(ValueError) as info:
        validate_thresholds(config)
    assert str(info.value).startswith(message), str(info.value)


def test_every_metric_accepts_its_defaults_and_ranges() -> None:
    config = {name: {"warn": "@10:20", "crit": "30:", "for": 2, "clear_for": 4,
                     "hysteresis": 0.5} for name in METRICS}
    validate_thresholds(config)
    validate_thresholds(None)
    validate_thresholds({})


def test_inherited_crit_below_host_warn_is_caught_after_merge() -> None:
    # Each level alone is fine; merged with the default crit (90) it is contradictory.
    validate_thresholds({"cpu": {"warn": 95}})
    with pytest.raises(ValueError, match=r"cpu: warn 95 is above crit 90 once merged"):
        thresholds_for_host({"console_thresholds": {"cpu": {"warn": 95}}})


# ---------------------------------------------------------------- merging and mounts

def test_merge_is_per_metric_and_per_field() -> None:
    all_level = {"cpu": {"warn": 70, "crit": 85, "for": 5}, "disk": {"warn": 75},
                 "memory": {"warn": 60, "crit": 70}}
    group = {"cpu": {"warn": 60}, "disk": {"mounts": {"/var/log": {"warn": 70, "crit": 85}}}}
    host = {"disk": {"mounts": {"/var/log": {"crit": 95}, "/srv": {"warn": 50}}},
            "memory": {"crit": None}}
    merged = merge_thresholds(merge_thresholds(all_level, group), host)
    assert merged["cpu"] == {"warn": 60, "crit": 85, "for": 5}
    assert merged["disk"] == {"warn": 75, "mounts": {"/var/log": {"warn": 70, "crit": 95},
                                                     "/srv": {"warn": 50}}}
    assert merged["memory"] == {"warn": 60, "crit": None}  # explicit null wins
    assert all_level["cpu"] == {"warn": 70, "crit": 85, "for": 5}  # inputs untouched
    assert group["disk"] == {"mounts": {"/var/log": {"warn": 70, "crit": 85}}}
    validate_thresholds(merged)
    assert merge_thresholds(None, None) == {}
    assert merge_thresholds({"cpu": {"warn": 1}}, None) == {"cpu": {"warn": 1}}


def test_per_mount_overrides_inherit_the_metric_then_the_defaults() -> None:
    ts = resolve_thresholds({"disk": {"warn": 75, "for": 2, "hysteresis": 1,
                                      "mounts": {"/var/log": {"warn": 70, "crit": 85},
                                                 "/srv": {"for": 4}}}})
    root = ts.for_mount("disk", "/")
    assert root.warn is not None and root.crit is not None
    assert (root.warn.start, root.crit.start, root.for_samples) == (75, 90, 2)
    log = ts.for_mount("disk", "/var/log")
    assert log.warn is not None and log.crit is not None
    assert (log.warn.start, log.crit.start, log.for_samples, log.hysteresis) == (70, 85, 2, 1)
    srv = ts.for_mount("disk", "/srv")
    assert (srv.for_samples, srv.clear_for) == (4, 4)
    inodes = ts.for_mount("inodes", "/var/log")  # disk overrides are disk-only
    assert inodes.warn is not None and inodes.warn.start == 80
