"""A log view's rows without a screen: time interleave, the bound, filters, finding."""

from __future__ import annotations

from console.fleet.log_buffer import LogEntry
from console.logs.levels import Level
from console.widgets.log_rows import LogRows, compile_pattern

_seq = iter(range(1, 10_000))


def entry(text: str, at: float, host: str = "h1", level: Level | None = None) -> LogEntry:
    return LogEntry(next(_seq), host, "app", at, None, text, level, parse=True)


def test_entries_interleave_by_their_own_time_else_arrival() -> None:
    rows = LogRows(limit=100)
    rows.add([entry("2026-12-03T10:00:03Z third", 100.0),
              entry("2026-12-03T10:00:01Z first", 100.0, "h2")])
    rows.add([entry("2026-12-03T10:00:02Z second", 101.0)])
    assert [e.text.split()[-1] for e in rows.visible] == ["first", "second", "third"]
    untimed = entry("no timestamp here", 2_000_000_000.0)
    rows.add([untimed])
    assert rows.visible[-1] is untimed  # arrival time: after the 2026 lines


def test_the_bound_drops_the_oldest_rows_and_filters_apply_to_new_ones() -> None:
    rows = LogRows(limit=5)
    rows.only = compile_pattern("error")
    rows.add([entry(f"{'ERROR' if i % 2 else 'INFO'} {i}", float(i)) for i in range(10)])
    assert len(rows.rows) == 5 and rows.rows[0].text == "ERROR 5"
    assert [e.text for e in rows.visible] == ["ERROR 5", "ERROR 7", "ERROR 9"]
    rows.only, rows.hide = None, compile_pattern("INFO")
    rows.refilter()
    assert [e.text for e in rows.visible] == ["ERROR 5", "ERROR 7", "ERROR 9"]


def test_find_errors_and_matches_in_both_directions() -> None:
    rows = LogRows(limit=50)
    rows.add([entry("a", 1), entry("boom", 2, level=Level.ERROR), entry("b", 3),
              entry("crash", 4, level=Level.FATAL), entry("warned", 5, level=Level.WARN)])
    assert rows.find(-1, 1, errors=True) == 1
    assert rows.find(1, 1, errors=True) == 3
    assert rows.find(3, 1, errors=True) is None
    assert rows.find(5, -1, errors=True) == 3
    assert rows.find(0, 1, pattern=compile_pattern("WARN")) is None  # smart case
    assert rows.find(0, 1, pattern=compile_pattern("warn")) == 4


def test_a_bad_regex_is_matched_literally() -> None:
    pattern = compile_pattern("[unclosed")
    assert pattern is not None and pattern.search("x [unclosed y")


def test_a_buffer_is_bounded_by_entries_and_by_characters() -> None:
    from console.fleet.log_buffer import CHARS_PER_ENTRY, SourceBuffer
    from console.settings import LogSource

    buf = SourceBuffer("h", LogSource("app", "path", "/x"), "s0", 100)
    for i in range(300):
        buf.add_line(f"short {i}", float(i))
    buf.flush()
    assert len(buf.entries) == 100 and buf.entries[-1].text == "short 299"
    for i in range(50):
        buf.add_line("x" * 4000 + f" long {i}", 400.0 + i)
    buf.flush()
    assert sum(len(e.text) for e in buf.entries) <= 100 * CHARS_PER_ENTRY
    assert buf.entries[-1].text.endswith("long 49")
