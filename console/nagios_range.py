"""Nagios threshold ranges (`10`, `10:`, `~:10`, `10:20`, `@10:20`), as the Monitoring
Plugins guidelines define them.

One parser for every capability: resource thresholds read a range as an alert zone
(`parse_threshold`, see console/metrics/thresholds.py for why), plugin perfdata and
maintenance checks read it with Nagios's own meaning (`NagiosRange.parse`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

INF = math.inf


@dataclass(frozen=True, slots=True)
class NagiosRange:
    """A Nagios threshold range: alert outside start..end, or inside with `@`."""

    start: float
    end: float
    inside: bool  # True: alert when start <= v <= end (`@`); False: alert outside
    text: str

    @classmethod
    def parse(cls, text: str) -> NagiosRange:
        """Parse `10`, `10:`, `~:10`, `10:20`, `@10:20` per the Nagios guidelines."""
        raw = text
        s = text.strip()
        inside = s.startswith("@")
        if inside:
            s = s[1:]
        if not s:
            raise ValueError(f"{raw!r} is an empty range")
        if ":" in s:
            lo, _, hi = s.partition(":")
            if ":" in hi:
                raise ValueError(f"{raw!r} has more than one ':'")
            start = -INF if lo.strip() == "~" else _number(lo, raw, default=0.0)
            end = _number(hi, raw, default=INF)
        else:
            start, end = 0.0, _number(s, raw, default=None)
        if start > end:
            raise ValueError(f"{raw!r}: start {_fmt(start)} is above end {_fmt(end)}")
        return cls(start, end, inside, raw.strip())

    def alerts(self, value: float) -> bool:
        if self.inside:
            return self.start <= value <= self.end
        return value < self.start or value > self.end

    def holds(self, value: float, margin: float) -> bool:
        """Still alerting, allowing `margin` of hysteresis on the way back to OK."""
        if self.inside:
            return self.start - margin <= value <= self.end + margin
        return value < self.start + margin or value > self.end - margin

    def as_zone(self) -> NagiosRange:
        """The same bounds read as an alert zone: how console_thresholds reads them."""
        if self.inside:
            return self
        return NagiosRange(self.start, self.end, True, self.text)

    @property
    def is_upward(self) -> bool:
        """An alert zone of the form "N and above": the usual higher-is-worse level."""
        return self.inside and self.end == INF and self.start != -INF

    def describe(self, unit: str = "") -> str:
        """Short human text for the alerts panel: `90%`, `<=10ms`, `10..20%`."""
        if self.inside:
            if self.end == INF and self.start == -INF:
                return "any"
            if self.end == INF:
                return f"{_fmt(self.start)}{unit}"
            if self.start == -INF:
                return f"<={_fmt(self.end)}{unit}"
            return f"{_fmt(self.start)}..{_fmt(self.end)}{unit}"
        return f"outside {_fmt(self.start)}..{_fmt(self.end)}{unit}"


def _number(part: str, raw: str, default: float | None) -> float:
    p = part.strip()
    if not p:
        if default is None:
            raise ValueError(f"{raw!r} is missing a number")
        return default
    try:
        v = float(p)
    except ValueError:
        raise ValueError(f"{raw!r}: {p!r} is not a number") from None
    if not math.isfinite(v):
        raise ValueError(f"{raw!r}: {p!r} is not a finite number")
    return v


def _fmt(v: float) -> str:
    if v == INF:
        return "inf"
    if v == -INF:
        return "~"
    return f"{v:g}"


def parse_threshold(value: object) -> NagiosRange | None:
    """One `warn:`/`crit:` value -> its alert zone (None: level switched off).

    Raises ValueError with a message that does not yet name the metric; callers add it.
    """
    if value is None:
        return None
    if isinstance(value, bool):  # YAML `yes`/`no` are bools, and bool is an int
        raise ValueError(f"{value!r} is not a number or Nagios range")
    if isinstance(value, int | float):
        v = float(value)
        if not math.isfinite(v):
            raise ValueError(f"{value!r} is not a finite number")
        return NagiosRange(v, INF, True, f"{value:g}")
    if isinstance(value, str):
        s = value.strip()
        try:
            v = float(s)
        except ValueError:
            pass
        else:
            if math.isfinite(v):
                return NagiosRange(v, INF, True, s)
        try:
            return NagiosRange.parse(s).as_zone()
        except ValueError:
            raise ValueError(
                f"{value!r} is not a number or Nagios range (e.g. 80, '10:', '@10:20')"
            ) from None
    raise ValueError(f"{value!r} is not a number or Nagios range")
