"""Performance data: `'label'=value[UOM];[warn];[crit];[min];[max]`, space-separated.

Parsed per the Monitoring Plugins development guidelines (section "Performance data").
A malformed item is reported as a problem and skipped: perfdata is a bonus, and a
plugin with a sloppy perfdata line still has a perfectly valid status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from console.nagios_range import NagiosRange

#: Units the guidelines name; others are kept (newer plugins invent some) but flagged.
KNOWN_UOM = frozenset({"", "s", "ms", "us", "%", "B", "KB", "MB", "GB", "TB", "c",
                       "KiB", "MiB", "GiB", "TiB", "b", "Kb", "Mb", "Gb", "Tb"})
MAX_ITEMS = 64  # beyond this a plugin is printing something else: stop looking

_VALUE = re.compile(r"^(-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)([^\d;][^;]*)?$")


@dataclass(frozen=True, slots=True)
class PerfDatum:
    label: str
    value: float | None  # None: "U", the plugin could not measure it
    uom: str
    warn: NagiosRange | None
    crit: NagiosRange | None
    min: float | None
    max: float | None

    @property
    def state(self) -> str:
        """"crit"/"warn"/"ok" by the datum's own thresholds ("" when it has none)."""
        if self.value is None or (self.warn is None and self.crit is None):
            return ""
        if self.crit is not None and self.crit.alerts(self.value):
            return "crit"
        if self.warn is not None and self.warn.alerts(self.value):
            return "warn"
        return "ok"

    def describe(self) -> str:
        value = "U" if self.value is None else f"{self.value:g}{self.uom}"
        bounds = []
        if self.warn is not None:
            bounds.append(f"warn {self.warn.text}")
        if self.crit is not None:
            bounds.append(f"crit {self.crit.text}")
        if self.min is not None or self.max is not None:
            lo = "" if self.min is None else f"{self.min:g}"
            hi = "" if self.max is None else f"{self.max:g}"
            bounds.append(f"range {lo}..{hi}")
        return f"{self.label}={value}" + (f" ({', '.join(bounds)})" if bounds else "")


def split_items(text: str) -> tuple[list[str], list[str]]:
    """Items separated by spaces; a label in single quotes may hold spaces and `=`,
    and '' inside it is a quote. Returns (items, problems)."""
    items: list[str] = []
    problems: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        if text[i] == "'":
            i += 1
            while True:
                close = text.find("'", i)
                if close < 0:
                    problems.append(f"unterminated quote in {text[start:start + 40]!r}")
                    return items, problems
                if close + 1 < n and text[close + 1] == "'":
                    i = close + 2
                    continue
                i = close + 1
                break
        while i < n and not text[i].isspace():
            i += 1
        items.append(text[start:i])
    return items, problems


def _label(raw: str) -> str:
    if raw.startswith("'") and raw.endswith("'") and len(raw) >= 2:
        return raw[1:-1].replace("''", "'")
    return raw


def _number(text: str) -> float | None:
    if text == "":
        return None
    return float(text)


def _range(text: str) -> NagiosRange | None:
    return None if text == "" else NagiosRange.parse(text)


def parse_item(item: str) -> PerfDatum:
    """One `label=value...` item; ValueError(reason) when malformed."""
    if item.startswith("'"):
        # The label is everything up to the closing quote; the value follows its '='.
        close = _closing_quote(item)
        label_raw, eq, rest = item[:close + 1], item[close + 1:close + 2], item[close + 2:]
    else:
        label_raw, eq, rest = item.partition("=")
    if eq != "=" or not label_raw or _label(label_raw) == "":
        raise ValueError(f"{item[:40]!r} is not label=value")
    fields = rest.split(";")
    if len(fields) > 5:
        raise ValueError(f"{item[:40]!r} has more than value;warn;crit;min;max")
    fields += [""] * (5 - len(fields))
    head = fields[0]
    if head == "U":
        value, uom = None, ""
    else:
        m = _VALUE.match(head)
        if m is None:
            raise ValueError(f"{item[:40]!r}: value {head[:20]!r} is not a number")
        value, uom = float(m.group(1)), (m.group(2) or "")
        if uom not in KNOWN_UOM:
            raise ValueError(f"{item[:40]!r}: unknown unit {uom[:10]!r}")
    try:
        warn, crit = _range(fields[1]), _range(fields[2])
        low, high = _number(fields[3]), _number(fields[4])
    except ValueError as exc:
        raise ValueError(f"{item[:40]!r}: {exc}") from None
    return PerfDatum(_label(label_raw), value, uom, warn, crit, low, high)


def _closing_quote(item: str) -> int:
    i = 1
    while True:
        close = item.find("'", i)
        if close < 0:
            return len(item) - 1
        if close + 1 < len(item) and item[close + 1] == "'":
            i = close + 2
            continue
        return close


def parse_perfdata(text: str) -> tuple[tuple[PerfDatum, ...], tuple[str, ...]]:
    """Every well-formed item, and one problem line per malformed one."""
    items, problems = split_items(text)
    data: list[PerfDatum] = []
    for item in items[:MAX_ITEMS]:
        try:
            data.append(parse_item(item))
        except ValueError as exc:
            problems.append(f"malformed perfdata: {exc}")
    if len(items) > MAX_ITEMS:
        problems.append(f"perfdata: only the first {MAX_ITEMS} of {len(items)} items kept")
    return tuple(data), tuple(problems)
