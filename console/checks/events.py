"""Bus events of the checks capability (plain frozen dataclasses, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass

from console.checks.result import CheckResult


@dataclass(frozen=True, slots=True)
class CheckRan:
    """A check finished on a host (whatever its verdict): the checks view refreshes."""

    result: CheckResult
