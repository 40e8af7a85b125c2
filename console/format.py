"""Human-readable figures, shared by the UI, the CLI and reports.

Unknown is a dash, never zero: a missing figure must not look like a calm host.
"""

from __future__ import annotations

import math
import re

from console.errors import UserError

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


def compact_size(n: float | None) -> str:
    """1K-based sizes in at most 7 characters ("931.5G"), as `df -h` prints them."""
    if n is None:
        return DASH
    value = float(n)
    for unit in ("B", "K", "M", "G", "T", "P"):
        if abs(value) < 1024 or unit == "P":
            return f"{value:.0f}{unit}" if unit == "B" else f"{value:.1f}{unit}"
        value /= 1024
    return DASH  # unreachable


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


# Durations both ways: `8h` on the command line, `2 h 05 m` in reports.
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")


def parse_duration(text: str) -> float:
    """`30m`, `8h`, `2d`, `1w`, `1h30m`, or plain seconds; anything else is a UserError."""
    raw = text.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", raw):
        seconds = float(raw)
    else:
        pos, seconds = 0, 0.0
        for match in _PART.finditer(raw):
            if match.start() != pos:
                break
            seconds += float(match.group(1)) * _UNITS[match.group(2)]
            pos = match.end()
        if pos != len(raw) or not raw:
            raise UserError(f"bad duration {text!r}: use e.g. 30m, 8h, 2d or 1w")
    if seconds <= 0:
        raise UserError(f"bad duration {text!r}: must be more than zero")
    return seconds


def long_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours:02d} h"
    if hours:
        return f"{hours} h {minutes:02d} m"
    if minutes:
        return f"{minutes} m {secs:02d} s"
    return f"{secs} s"
