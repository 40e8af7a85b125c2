"""The schedule's spread: deterministic first-run phases by host and check name."""

from __future__ import annotations

from collections import Counter

from console.fleet.checks import SPREAD_S, phase


def test_fifty_hosts_do_not_run_a_check_in_the_same_second() -> None:
    hosts = [f"web-{i}" for i in range(1, 51)]
    phases = [phase(h, "updates", 3600) for h in hosts]
    assert all(0 <= p < SPREAD_S for p in phases)
    per_second = Counter(int(p) for p in phases)
    assert max(per_second.values()) <= 5, per_second  # 50 over 30 s: ~1.7 a second
    assert len(per_second) >= 20
    # Deterministic: a restarted console keeps the same phases.
    assert phases == [phase(h, "updates", 3600) for h in hosts]
    # Different checks on one host start at different moments too.
    assert len({round(phase("web-1", c, 300), 3) for c in "abcdefghij"}) == 10


def test_a_short_interval_bounds_the_spread() -> None:
    assert all(0 <= phase(f"h{i}", "c", 5) < 5 for i in range(100))


def test_a_hosts_checks_of_one_interval_share_a_phase_and_so_a_session() -> None:
    from console.checks.definition import parse_check
    from console.fleet.checks import phase_key

    a = parse_check("a", {"command": "true", "interval": 60})
    b = parse_check("b", {"preset": "failed_units", "interval": 60})
    c = parse_check("c", {"command": "true", "interval": 300})
    clock = parse_check("clock", {"preset": "clock_skew", "interval": 60})
    assert phase_key(a) == phase_key(b) != phase_key(c)
    assert phase_key(clock) == "clock"  # judged on its own round trip: its own session
