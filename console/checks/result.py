"""What one run of a check gave: the Nagios verdict, its text, perfdata and timing."""

from __future__ import annotations

from dataclasses import dataclass, field

from console.checks.perfdata import PerfDatum
from console.severity import Severity


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One run, already made safe for display (text sanitized and bounded)."""

    host: str
    check: str
    severity: Severity
    status: str  # the first line (or the reason for UNKNOWN), one line
    long_output: str = ""  # the lines after the first, bounded
    perfdata: tuple[PerfDatum, ...] = ()
    problems: tuple[str, ...] = ()  # malformed perfdata, truncation, ...
    exit_code: int | None = None
    duration_s: float = 0.0
    at: float = 0.0  # wall time the run ended
    stderr: str = ""  # bounded; shown when a command fails to start
    extra: dict[str, str] = field(default_factory=dict)  # e.g. accounts: the listing

    @property
    def summary(self) -> str:
        return f"{self.severity.name} {self.status}"


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """A past run, as the history keeps it: small, so it can be kept for many runs."""

    at: float
    severity: Severity
    status: str
    duration_s: float

    @classmethod
    def of(cls, result: CheckResult) -> HistoryEntry:
        return cls(result.at, result.severity, result.status[:200], result.duration_s)
