"""Alert severities and the alert transition event.

Plain objects (no textual): the alerts panel, the summary bar, the store and the notes
timeline all consume `AlertChanged`, so every transition is recorded the same way.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.Enum):
    """Values are the Nagios plugin exit codes; `rank` is the order for "worst first".

    Sorting puts UNKNOWN between CRITICAL and WARNING (as Icinga's severity sort does):
    a host we cannot see may be down, which is worse than a known warning, but a known
    critical value is the surer emergency.
    """

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def is_problem(self) -> bool:
        return self is not Severity.OK


_RANK = {Severity.OK: 0, Severity.WARNING: 1, Severity.UNKNOWN: 2, Severity.CRITICAL: 3}


def worst(a: Severity, b: Severity) -> Severity:
    return a if a.rank >= b.rank else b


@dataclass(frozen=True, slots=True)
class AlertChanged:
    """One alert moved between severities (fired, escalated, eased, cleared, unknown)."""

    host: str
    metric: str  # "cpu", "disk", ... or "host" for the host-level UNKNOWN
    key: str  # "cpu", "disk:/var", "disk_util:sda", "host"
    old: Severity
    new: Severity
    value: float | None
    threshold: str  # "crit 90%", "" when none applies
    at: float  # wall time
    unit: str = ""
    detail: str = ""  # why, for UNKNOWN: "unreachable: connection refused"

    def describe(self) -> str:
        """One line for the notes timeline: `web-1 disk:/var CRITICAL 93.1% (crit 90%)`."""
        parts = [self.host, self.key, self.new.name]
        if self.value is not None:
            parts.append(format_value(self.value, self.unit))
        if self.threshold and self.new in (Severity.WARNING, Severity.CRITICAL):
            parts.append(f"({self.threshold})")
        if self.new is Severity.OK or (self.new is Severity.WARNING
                                       and self.old is Severity.CRITICAL):
            parts.append(f"(was {self.old.name})")
        if self.detail:
            parts.append(f"- {self.detail}")
        return " ".join(parts)


def format_value(value: float, unit: str) -> str:
    """93.1%, 1.25, 240ms: one decimal where it helps, never a misleading long float."""
    if unit in ("%", "/s"):
        text = f"{value:.1f}"
    elif unit == "ms":
        text = f"{value:.0f}"
    else:
        text = f"{value:.2f}"
    return text + unit
