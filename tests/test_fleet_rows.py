"""What the fleet table says for each host state: pure, no terminal needed."""

from __future__ import annotations

from console.events import HostState, HostStatus
from console.fleet.model import HostView
from console.fleet.rows import DOWN, OK, STALE, WARN, row_cells, sort_value
from console.format import DASH
from console.inventory import Host
from console.metrics.sample import Sample

NOW = 1_000_000.0


def view(state: HostState, reason: str = "", age: float | None = 0.5,
         retry_in: float | None = None, interval: float = 2.0) -> HostView:
    host = Host(name="web-1", groups=("web", "all"), address="10.0.0.1", interval=interval)
    status = HostStatus(state, reason, since=NOW - 10,
                        retry_at=None if retry_in is None else NOW + retry_in)
    sample = None if age is None else Sample(wall_time=NOW - age, taken_at=0.0,
                                             cpu_pct=42.0, mem_pct=50.0, load1=0.5)
    return HostView(host, status, sample)


def test_live_host_shows_its_figures_as_live() -> None:
    cells = row_cells(view(HostState.UP), NOW)
    assert cells["state"] == ("up", OK)
    assert cells["cpu"] == (" 42.0", OK)
    assert cells["age"][0] == "<2s"  # fresh: within one interval


def test_old_data_is_marked_stale_even_while_the_link_says_up() -> None:
    cells = row_cells(view(HostState.UP, age=5.0), NOW)  # 2.5 intervals old
    assert cells["state"][0].startswith("stale") and cells["state"][1] == STALE
    assert cells["cpu"] == (" 42.0", STALE)


def test_down_host_keeps_last_figures_only_as_stale_and_says_why() -> None:
    cells = row_cells(view(HostState.UNREACHABLE, "connection refused", retry_in=12), NOW)
    assert cells["state"] == ("unreachable", DOWN)
    assert cells["detail"][0] == "connection refused (retry in 12s)"
    assert cells["cpu"][1] == STALE


def test_reconnecting_shows_the_countdown() -> None:
    cells = row_cells(view(HostState.RECONNECTING, "link lost", retry_in=3.4), NOW)
    assert cells["state"] == ("retry in 3s", WARN)


def test_never_sampled_host_shows_dashes_not_zeros() -> None:
    cells = row_cells(view(HostState.HOSTKEY_CHANGED, "does not match", age=None), NOW)
    assert cells["state"] == ("KEY CHANGED", DOWN)
    assert cells["cpu"][0] == cells["mem"][0] == cells["age"][0] == DASH


def test_alerting_metric_takes_the_alert_level() -> None:
    cells = row_cells(view(HostState.UP), NOW,
                      severity=lambda host, metric: "crit" if metric == "cpu" else None)
    assert cells["cpu"][1] == "crit"
    assert cells["mem"][1] == OK


def test_unknown_values_sort_last() -> None:
    known, unknown = view(HostState.UP), view(HostState.UP, age=None)
    assert sort_value(known, "cpu", NOW) < sort_value(unknown, "cpu", NOW)


def test_a_stale_hosts_reason_follows_its_age() -> None:
    stale = view(HostState.STALE, "no data for 2 s", age=47.0)
    assert row_cells(stale, NOW)["detail"][0].startswith("no data for 47s")
    assert row_cells(stale, NOW + 60)["detail"][0].startswith("no data for 107s")


def test_a_retry_whose_time_has_come_is_a_connect_under_way_not_retry_in_0s() -> None:
    waiting = view(HostState.RECONNECTING, "connection refused", retry_in=5)
    assert row_cells(waiting, NOW)["state"][0] == "retry in 5s"
    assert row_cells(waiting, NOW + 5)["state"][0] == "connecting…"
    down = view(HostState.UNREACHABLE, "connection refused", retry_in=5)
    assert row_cells(down, NOW + 6)["detail"][0].startswith(
        "connection refused (retrying now)")


def test_new_states_say_what_the_user_must_know() -> None:
    shell = view(HostState.SHELL_EXITED, "logged in, but the shell exited 1: nope")
    assert row_cells(shell, NOW)["state"] == ("no shell", DOWN)
    flood = view(HostState.FLOODING, "sent 2.1M in 0.8 s, over the 256.0K/s "
                 "budget", retry_in=30)
    state, level = row_cells(flood, NOW)["state"]
    assert (state, level) == ("FLOODING", DOWN)
    assert row_cells(flood, NOW)["detail"][0].endswith("budget (retry in 30s)")
