"""Check states summed up per host, for one fleet-table cell: "1C 2W" (one
CRITICAL, two WARNING), "5 ok", "ok 3/5" (two not run yet), "…" (none run yet)."""

from __future__ import annotations

from collections.abc import Iterable

from console.severity import Severity

_MARK = {Severity.CRITICAL: "C", Severity.UNKNOWN: "U", Severity.WARNING: "W"}


def summarize(states: Iterable[Severity | None]) -> tuple[str, Severity | None]:
    """(cell text, worst severity); None severities are checks that have not run."""
    counts = {s: 0 for s in Severity}
    pending = 0
    for state in states:
        if state is None:
            pending += 1
        else:
            counts[state] += 1
    total = sum(counts.values()) + pending
    if total == 0:
        return "", None
    problems = [f"{counts[s]}{_MARK[s]}" for s in
                (Severity.CRITICAL, Severity.UNKNOWN, Severity.WARNING) if counts[s]]
    worst = max((s for s in Severity if counts[s]), key=lambda s: s.rank, default=None)
    if problems:
        return " ".join(problems), worst
    if pending == total:
        return "…", None  # none has run yet
    if pending:
        return f"ok {counts[Severity.OK]}/{total}", worst
    return f"{total} ok", worst
