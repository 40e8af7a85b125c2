"""What the checks view shows: a matrix of hosts x checks, worst first (pure, no UI)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from console.checks.result import CheckResult
from console.severity import Severity

#: Cell text and level per state; the widget styles levels through the theme.
STATE_CELL = {Severity.OK: ("OK", "ok"), Severity.WARNING: ("WARN", "warn"),
              Severity.CRITICAL: ("CRIT", "crit"), Severity.UNKNOWN: ("UNKN", "down")}
NOT_DEFINED = ("", "muted")
PENDING = ("·", "muted")
RUNNING = ("…", "muted")


def cell(result: CheckResult | None, defined: bool, running: bool) -> tuple[str, str]:
    if not defined:
        return NOT_DEFINED
    if result is None:
        return RUNNING if running else PENDING
    text, level = STATE_CELL[result.severity]
    return (text + " …", level) if running else (text, level)


def worst_first(hosts: Sequence[str], worst: Mapping[str, Severity | None],
                problems: Mapping[str, int] | None = None) -> list[str]:
    """Hosts with the worst check state first (CRITICAL, UNKNOWN, WARNING, OK, none),
    then the most checks not OK, then by name."""
    def key(host: str) -> tuple[int, int, str]:
        state = worst.get(host)
        return (-(state.rank + 1) if state is not None else 0,
                -(problems or {}).get(host, 0), host)

    return sorted(hosts, key=key)
