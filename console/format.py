"""Human-readable figures, shared by the UI, the CLI and reports.

Unknown is a dash, never zero: a missing figure must not look like a calm host.
"""

from __future__ import annotations

import math

DASH = "\u2013"  # en dash: reads as "unknown", unlike a minus sign


def pct(value: float | None) -> str:
    if value is None or math.isnan(value):
        return DASH
    return f"{value:5.1f}"


def num(value: float | None, digits: int = 2) -> str:
    if value is None or math.isnan(value):
        return DASH
    return f"{value:.{digits}f}"


def rate(bps: float | None) -> str:
    """Bytes per second, in binary units as ifstat and glances show them."""
    if bps is None or math.isnan(bps):
        return DASH
    value = float(bps)
    for unit in ("B", "K", "M", "G", "T"):
        if abs(value) < 1024 or unit == "T":
            return f"{value:6.1f}{unit}" if unit != "B" else f"{value:6.0f}B"
        value /= 1024
    return DASH  # unreachable


def size(n: float | None) -> str:
    if n is None:
        return DASH
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(value) < 1024 or unit == "PiB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{value:.0f} B"
        value /= 1024
    return DASH


def duration(seconds: float | None) -> str:
    """Compact age: 4s, 3m, 2h, 5d."""
    if seconds is None or math.isnan(seconds):
        return DASH
    s = max(0, int(seconds))
    if s < 120:
        return f"{s}s"
    if s < 7200:
        return f"{s // 60}m"
    if s < 172800:
        return f"{s // 3600}h"
    return f"{s // 86400}d"


def alert_value(value: float, unit: str) -> str:
    """93.1%, 1.25, 240ms: one decimal where it helps, never a misleading long float."""
    if unit in ("%", "/s"):
        text = f"{value:.1f}"
    elif unit == "ms":
        text = f"{value:.0f}"
    else:
        text = f"{value:.2f}"
    return text + unit
