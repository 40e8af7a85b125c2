"""Severities: the Nagios plugin exit codes every capability speaks.

Metrics, log rates, maintenance checks, the store, the alerts panel and the handoff all
rank and name problems the same way, so the codes live once, at the base of the stack.
"""

from __future__ import annotations

import enum


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
