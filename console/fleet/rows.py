"""What each fleet-table cell says, and how alarming it is: pure, testable, no UI.

The widget maps a cell's `level` to a theme-driven style; this module decides the
text and the level, including the rule that stale data is never shown as live.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from console import format as fmt
from console.events import HostState
from console.fleet.model import HostView
from console.levels import CRIT, DOWN, MUTED, OK, STALE, WARN
from console.severity import Severity
from console.table_columns import Column

# Figures first and the reason last, so an 80-column terminal still shows what matters.
COLUMNS: tuple[Column, ...] = (
    Column("host", "Host", 16, numeric=False),
    Column("state", "State", 12, numeric=False),
    Column("cpu", "CPU%", 6),
    Column("mem", "Mem%", 6),
    Column("load", "Load1", 6),
    Column("disk", "Disk%", 6),
    Column("rx", "Net rx/s", 8),
    Column("tx", "Net tx/s", 8),
    Column("rtt", "RTT ms", 7),
    Column("age", "Age", 5),
    Column("checks", "Checks", 7, numeric=False),
    Column("group", "Group", 10, numeric=False),
    Column("detail", "Detail", 48, numeric=False),
)

# Sorted alphabetically; every other column sorts worst (highest) first.
NAME_COLUMNS = frozenset({"host", "group", "detail"})

# Which alert metric colours which column.
COLUMN_METRIC = {"cpu": "cpu", "mem": "memory", "load": "load_per_core", "disk": "disk",
                 "rtt": "response_ms"}

SeverityLookup = Callable[[str, str], str | None]  # (host, metric) -> "warn"/"crit"/None
#: host -> (cell text, worst check severity): CheckScheduler.summary, cached there.
ChecksLookup = Callable[[str], tuple[str, Severity | None]]
_CHECK_LEVEL = {Severity.OK: OK, Severity.WARNING: WARN, Severity.UNKNOWN: DOWN,
                Severity.CRITICAL: CRIT}


def state_text(view: HostView, now: float) -> tuple[str, str, str]:
    """(short state, why, level): the short label fits a narrow column, the reason
    goes to the detail column. Each says what is true at `now`: a stale host's age
    grows with the clock, and a retry whose time has come is a connect under way."""
    status = view.status
    state = status.state
    if state is HostState.UP:
        if view.is_stale(now):
            return f"stale {fmt.duration(view.age_s(now))}", "no recent sample", STALE
        return "up", "", OK
    if state is HostState.STALE:
        return "stale", stale_reason(view, now), STALE
    if state is HostState.CONNECTING:
        return "connecting…", status.reason, MUTED
    retry = ""
    due = status.retry_at is not None and status.retry_at - now < 0.5
    if status.retry_at is not None and not due:
        retry = f"{round(status.retry_at - now)}s"
    if state is HostState.RECONNECTING:
        if due:
            return "connecting…", status.reason, WARN
        return f"retry in {retry}" if retry else "reconnecting", status.reason, WARN
    if state in (HostState.UNREACHABLE, HostState.FLOODING):
        if due:
            reason = f"{status.reason} (retrying now)"
        else:
            reason = f"{status.reason} (retry in {retry})" if retry else status.reason
        return _SHORT.get(state, state.value), reason, DOWN
    return _SHORT.get(state, state.value), status.reason, DOWN


def stale_reason(view: HostView, now: float) -> str:
    """"no data for 37s", from the last sample's age now (not when it went stale)."""
    age = view.age_s(now)
    if age is None:
        return view.status.reason
    return f"no data for {fmt.duration(age)}"


_SHORT = {HostState.AUTH_FAILED: "auth failed", HostState.HOSTKEY_UNKNOWN: "key unknown",
          HostState.HOSTKEY_CHANGED: "KEY CHANGED", HostState.SHELL_EXITED: "no shell",
          HostState.FLOODING: "FLOODING",
          HostState.UNUSABLE: "unusable"}


def row_cells(view: HostView, now: float | None = None,
              severity: SeverityLookup | None = None,
              checks: ChecksLookup | None = None) -> dict[str, tuple[str, str]]:
    """Column key -> (text, level) for one host."""
    now = time.time() if now is None else now
    state, reason, state_level = state_text(view, now)
    cells = {"host": (view.host.name, OK), "group": (view.host.group, MUTED),
             "state": (state, state_level), "detail": (reason, state_level)}
    s = view.sample
    stale = s is None or view.is_stale(now)
    values = {
        "cpu": fmt.pct(s.cpu_pct) if s else fmt.DASH,
        "mem": fmt.pct(s.mem_pct) if s else fmt.DASH,
        "load": fmt.num(s.load1) if s else fmt.DASH,
        "disk": fmt.pct(s.disk_max_pct) if s else fmt.DASH,
        "rx": fmt.rate(s.net_rx_bps) if s else fmt.DASH,
        "tx": fmt.rate(s.net_tx_bps) if s else fmt.DASH,
        "rtt": fmt.num(s.rtt_ms, 1) if s else fmt.DASH,
    }
    for key, text in values.items():
        level = STALE if stale else OK
        if not stale and severity is not None and key in COLUMN_METRIC:
            level = severity(view.host.name, COLUMN_METRIC[key]) or OK
        cells[key] = (text, level)
    cells["age"] = (_age_text(view, now), STALE if stale else MUTED)
    text, worst = checks(view.host.name) if checks is not None else ("", None)
    cells["checks"] = (text, MUTED if worst is None else _CHECK_LEVEL[worst])
    return cells


def _age_text(view: HostView, now: float) -> str:
    """Within one interval the figures are as fresh as they can be: say so once
    ("<2s") rather than tick 0s, 1s, 0s, which redraws every row every second for no
    news. Older than that, the age counts up."""
    age = view.age_s(now)
    if age is not None and age < view.host.interval:
        return f"<{view.host.interval:g}s"
    return fmt.duration(age)


def sort_value(view: HostView, column: str, now: float,
               checks: ChecksLookup | None = None) -> tuple[int, float | str]:
    """Sort key: unknown values sort last whatever the direction."""
    s = view.sample
    if column in ("host", "group", "detail"):
        text = {"host": view.host.name, "group": view.host.group,
                "detail": view.status.reason}[column]
        return (0, text)
    if column == "state":
        return (0, _STATE_RANK.get(view.status.state, 0))
    if column == "checks":
        worst = checks(view.host.name)[1] if checks is not None else None
        return (0, worst.rank) if worst is not None else (1, 0.0)
    attr = {"cpu": "cpu_pct", "mem": "mem_pct", "load": "load1", "disk": "disk_max_pct",
            "rx": "net_rx_bps", "tx": "net_tx_bps", "rtt": "rtt_ms"}.get(column)
    if column == "age":
        age = view.age_s(now)
        return (0, age) if age is not None else (1, 0.0)
    value = getattr(s, attr, None) if s is not None and attr else None
    return (0, value) if value is not None else (1, 0.0)


_STATE_RANK = {HostState.UP: 0, HostState.CONNECTING: 1, HostState.STALE: 2,
               HostState.RECONNECTING: 3, HostState.UNREACHABLE: 4,
               HostState.AUTH_FAILED: 5, HostState.HOSTKEY_UNKNOWN: 5,
               HostState.HOSTKEY_CHANGED: 6, HostState.SHELL_EXITED: 5,
               HostState.FLOODING: 4, HostState.UNUSABLE: 5}
