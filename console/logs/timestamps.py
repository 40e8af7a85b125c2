"""When a log line says it happened, as a Unix time, so views can interleave hosts.

`parse_timestamp(line, year_hint=..., tz=...)` reads the usual formats at the head of a
line and returns seconds since the epoch, or None. Being unsure is cheap (the view
falls back to arrival order) and being wrong is not (a line sorted an hour away from
its neighbours), so every format is anchored where loggers put it and every field is
range-checked: a number in the message is never taken for a time.

Formats (first match wins):
- ISO 8601 / RFC 3339, `T` or space, `.` or `,` fractions, `Z`, `+01:00`, `+0100`,
  `UTC`/`GMT` (Python, log4j, PostgreSQL, Go, journalctl -o short-iso, Docker);
- `[03/Dec/2026:19:34:55 +0000]` (Apache/nginx access logs; the zone is in the line);
- `[Thu Dec 03 19:34:55 2026]` and `[Thu Dec 03 19:34:55.123456 2026]` (Apache error);
- `2026/12/03 19:34:55` (nginx error log, Go's log package);
- `Dec  3 19:34:55` (BSD syslog, journalctl short: no year, so `year_hint`);
- `081109 203615` (yymmdd hhmmss, Hadoop/HDFS) and `17/06/09 20:10:40` (yy/mm/dd,
  Spark), only at the very start of the line;
- a Unix epoch in seconds or milliseconds at the very start (`1733254495.123 ...`),
  only when it falls between 2000 and 2100.
The ISO, access-log and Apache forms are also found after a short prefix (a file name,
a `<pri>`, a host tag: the first 80 characters); the others only at the start, after an
optional syslog `<pri>`.

A time without a zone is read in `tz` (the host's zone when the caller knows it, UTC by
default). A format without a year takes `year_hint`; with no hint it gives None.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache

__all__ = ["parse_timestamp"]

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_MON = r"(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
_DOW = r"(?i:mon|tue|wed|thu|fri|sat|sun)"
_FRAC = r"(?:[.,](\d{1,9}))?"
_ZONE = r"(?:\s?(Z|[+-]\d\d:?\d\d|UTC|GMT)(?![\w]))?"

HEAD = 80  # the searchable formats are looked for in this many leading characters

_ISO = re.compile(
    r"(?<![\d])(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)" + _FRAC + _ZONE + r"(?![\d:])")
_ACCESS = re.compile(
    r"\[(\d\d)/(" + _MON + r")/(\d{4}):(\d\d):(\d\d):(\d\d)" + _FRAC + r" ([+-]\d{4})\]")
_APACHE = re.compile(
    r"\[" + _DOW + r" (" + _MON + r") {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)" + _FRAC
    + r" (\d{4})\]")
_SLASHED = re.compile(r"(\d{4})/(\d\d)/(\d\d)[ T](\d\d):(\d\d):(\d\d)" + _FRAC + r"(?![\d:])")
_SYSLOG = re.compile(
    r"(?:" + _DOW + r",? )?(" + _MON + r") {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)" + _FRAC
    + r"(?![\d:])")
_COMPACT = re.compile(r"(\d\d)(\d\d)(\d\d) (\d\d)(\d\d)(\d\d)(?![\d:.])")
_YYMMDD = re.compile(r"(\d\d)/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d)" + _FRAC + r"(?![\d:])")
_EPOCH = re.compile(r"(\d{10}|\d{13})(?:\.(\d{1,9}))?(?![\w:/.-])")
_PRI = re.compile(r"<\d{1,3}>(?:1 )?")

_EPOCH_MIN = 946684800.0    # 2000-01-01
_EPOCH_MAX = 4102444800.0   # 2100-01-01


@lru_cache(maxsize=64)
def _offset(zone: str) -> tzinfo:
    if zone in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


@lru_cache(maxsize=4096)
def _day_start(year: int, month: int, day: int, tz: tzinfo) -> float | None:
    """Epoch of local midnight; cached because a stream's lines share a handful of days."""
    try:
        return datetime(year, month, day, tzinfo=tz).timestamp()
    except ValueError:  # 31 February, month 13
        return None


def _at(year: int, month: int, day: int, hour: int, minute: int, second: int,
        frac: str | None, tz: tzinfo) -> float | None:
    if hour > 23 or minute > 59 or second > 60:
        return None
    if not isinstance(tz, timezone) and tz is not UTC:
        # A zone with daylight saving: the offset depends on the hour itself.
        try:
            base = datetime(year, month, day, hour, minute, min(second, 59),
                            tzinfo=tz).timestamp()
        except ValueError:
            return None
    else:
        start = _day_start(year, month, day, tz)
        if start is None:
            return None
        base = start + hour * 3600 + minute * 60 + min(second, 59)
    if frac:
        base += int(frac) / 10 ** len(frac)
    return base


def _iso(m: re.Match[str], tz: tzinfo) -> float | None:
    y, mo, d, h, mi, s, frac, zone = m.groups()
    return _at(int(y), int(mo), int(d), int(h), int(mi), int(s), frac,
               _offset(zone) if zone else tz)


def _searchable(head: str, tz: tzinfo) -> float | None:
    m = _ISO.search(head)
    if m is not None:
        return _iso(m, tz)
    if "[" in head:
        m = _ACCESS.search(head)
        if m is not None:
            d, mon, y, h, mi, s, frac, zone = m.groups()
            return _at(int(y), _MONTHS[mon.lower()], int(d), int(h), int(mi), int(s), frac,
                       _offset(zone))
        m = _APACHE.search(head)
        if m is not None:
            mon, d, h, mi, s, frac, y = m.groups()
            return _at(int(y), _MONTHS[mon.lower()], int(d), int(h), int(mi), int(s), frac,
                       tz)
    return None


def _anchored(line: str, year_hint: int | None, tz: tzinfo) -> float | None:
    m = _SLASHED.match(line)
    if m is not None:
        y, mo, d, h, mi, s, frac = m.groups()
        return _at(int(y), int(mo), int(d), int(h), int(mi), int(s), frac, tz)
    m = _SYSLOG.match(line)
    if m is not None:
        if year_hint is None:
            return None
        mon, d, h, mi, s, frac = m.groups()
        return _at(year_hint, _MONTHS[mon.lower()], int(d), int(h), int(mi), int(s), frac, tz)
    m = _YYMMDD.match(line)
    if m is not None:
        y, mo, d, h, mi, s, frac = m.groups()
        if 1 <= int(mo) <= 12 and 1 <= int(d) <= 31:
            return _at(2000 + int(y), int(mo), int(d), int(h), int(mi), int(s), frac, tz)
        return None
    m = _COMPACT.match(line)
    if m is not None:
        y, mo, d, h, mi, s = (int(g) for g in m.groups())
        if 1 <= mo <= 12 and 1 <= d <= 31:
            return _at(2000 + y, mo, d, h, mi, s, None, tz)
        return None
    m = _EPOCH.match(line)
    if m is not None:
        whole, frac = m.groups()
        value = int(whole) / 1000 if len(whole) == 13 else float(whole)
        if frac and len(whole) == 10:
            value += int(frac) / 10 ** len(frac)
        if _EPOCH_MIN <= value < _EPOCH_MAX:
            return value
    return None


def parse_timestamp(line: str, *, year_hint: int | None = None,
                    tz: tzinfo = UTC) -> float | None:
    """Unix time of the timestamp at the head of `line`, or None when unsure.

    `year_hint`: the year for formats that print none (syslog); None refuses them.
    `tz`: the zone of times that carry none.
    """
    if not line:
        return None
    m = _PRI.match(line)
    if m is not None:
        line = line[m.end():]
    head = line[:HEAD]
    first = head[:1]
    if first.isdigit() or first.isalpha():
        value = _anchored(head, year_hint, tz)
        if value is not None:
            return value
    return _searchable(head, tz)
