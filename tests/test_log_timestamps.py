"""Timestamps at the head of log lines -> Unix time; None whenever it is not sure."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from console.logs.timestamps import parse_timestamp


def utc(*args: int, us: int = 0) -> float:
    return datetime(*args, microsecond=us, tzinfo=UTC).timestamp()


CASES = [
    ("2026-12-03T19:34:55Z GET /", utc(2026, 12, 3, 19, 34, 55)),
    ("2026-12-03T19:34:55.250+01:00 x", utc(2026, 12, 3, 18, 34, 55, us=250000)),
    ("2026-12-03T19:34:55.123456789-0500 x", utc(2026, 12, 4, 0, 34, 55, us=123457)),
    ("2026-12-03 19:34:55,978 INFO [main] x", utc(2026, 12, 3, 19, 34, 55, us=978000)),
    ("2026-12-03 19:34:55.123 UTC [1234] LOG:  checkpoint", utc(2026, 12, 3, 19, 34, 55,
                                                               us=123000)),
    ("2015-07-29 17:41:44,747 - INFO  [main] - x", utc(2015, 7, 29, 17, 41, 44, us=747000)),
    ("Dec  3 19:34:55 web-1 sshd[12]: Accepted", utc(2026, 12, 3, 19, 34, 55)),
    ("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: x", utc(2026, 6, 14, 15, 16, 1)),
    ("<13>Dec  3 19:34:55 web-1 app: x", utc(2026, 12, 3, 19, 34, 55)),
    ("<34>1 2026-12-03T19:34:55.003Z web-1 app - - x", utc(2026, 12, 3, 19, 34, 55,
                                                           us=3000)),
    ('10.0.0.1 - - [03/Dec/2026:19:34:55 +0200] "GET / HTTP/1.1" 200 1',
     utc(2026, 12, 3, 17, 34, 55)),
    ("[Thu Dec 03 19:34:55 2026] [error] x", utc(2026, 12, 3, 19, 34, 55)),
    ("[Thu Dec 03 19:34:55.500000 2026] [core:error] x", utc(2026, 12, 3, 19, 34, 55,
                                                           us=500000)),
    ("2026/12/03 19:34:55 [error] 12#12: *1 open() failed", utc(2026, 12, 3, 19, 34, 55)),
    ("081109 203615 148 INFO dfs.DataNode: x", utc(2008, 11, 9, 20, 36, 15)),
    ("17/06/09 20:10:40 INFO spark.SecurityManager: x", utc(2017, 6, 9, 20, 10, 40)),
    ("1733254495.5 worker started", 1733254495.5),
    ("1733254495123 worker started", 1733254495.123),
    ("nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO x",
     utc(2017, 5, 16, 0, 0, 0, us=8000)),
]

NOT_TIMES = [
    "",
    "12345 items processed",
    "processed 1733254495 bytes at 10:00:00",  # an epoch-sized number mid-line
    "99999999999 is too far in the future? no: 11 digits is not an epoch",
    "2026-13-03 19:34:55 month 13",
    "2026-02-30 19:34:55 February 30",
    "2026-12-03 25:00:00 hour 25",
    "990101 256199 not a time",
    "081309 203615 month 13",
    "10.0.0.1 GET /2026-12-03/report",
    "version 2026-12-03 released",
    "call 555-1234 between 10:00:00 and 11",
]


@pytest.mark.parametrize(("line", "expected"), CASES)
def test_common_formats(line: str, expected: float) -> None:
    got = parse_timestamp(line, year_hint=2026)
    assert got is not None
    assert got == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("line", NOT_TIMES)
def test_numbers_that_are_not_times_give_none(line: str) -> None:
    assert parse_timestamp(line, year_hint=2026) is None


def test_a_yearless_format_needs_a_year_hint() -> None:
    assert parse_timestamp("Dec  3 19:34:55 web-1 x") is None
    assert parse_timestamp("Dec  3 19:34:55 web-1 x", year_hint=2025) == utc(2025, 12, 3, 19,
                                                                             34, 55)


def test_zone_less_times_are_read_in_the_given_zone() -> None:
    paris = ZoneInfo("Europe/Paris")
    # winter: UTC+1, summer: UTC+2 (the offset depends on the date itself)
    assert parse_timestamp("2026-12-03 19:34:55 x", tz=paris) == utc(2026, 12, 3, 18, 34, 55)
    assert parse_timestamp("2026-07-03 19:34:55 x", tz=paris) == utc(2026, 7, 3, 17, 34, 55)
    # a zone in the line wins over tz
    assert parse_timestamp("2026-07-03T19:34:55Z x", tz=paris) == utc(2026, 7, 3, 19, 34, 55)


def test_lines_interleave_in_time_order_across_formats() -> None:
    lines = [
        "Dec  3 19:34:57 web-1 app: third",
        "2026-12-03T19:34:55Z first",
        '10.0.0.1 - - [03/Dec/2026:19:34:56 +0000] "GET / HTTP/1.1" 200 1',
    ]
    ordered = sorted(lines, key=lambda line: parse_timestamp(line, year_hint=2026) or 0)
    assert [line.split()[-1] for line in ordered] == ["first", "1", "third"]


def test_hostile_input_is_cheap_and_safe() -> None:
    assert parse_timestamp("\x00" * 1_000_000) is None
    assert parse_timestamp("[" * 1_000_000) is None
    assert parse_timestamp("2026-12-03T19:34:55Z" + "\ufffd" * 100) is not None
