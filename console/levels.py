"""Display levels: how alarming a cell, a line or a badge is, named once.

The core decides the level (pure, testable); a widget maps each name to a style from
theme variables. Severity maps onto levels here and nowhere else.
"""

from __future__ import annotations

from console.severity import Severity

# Mildest first.
OK, MUTED, STALE, WARN, CRIT, UNKNOWN, DOWN = (
    "ok", "muted", "stale", "warn", "crit", "unknown", "down")

SEVERITY_LEVEL: dict[Severity, str] = {
    Severity.OK: OK, Severity.WARNING: WARN, Severity.CRITICAL: CRIT,
    Severity.UNKNOWN: UNKNOWN}
