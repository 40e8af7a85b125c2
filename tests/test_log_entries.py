"""Multi-line events (tracebacks, stack traces, panics) become one entry each."""

from __future__ import annotations

from console.logs.entries import Entry, EntryAssembler
from console.logs.levels import Level


def assemble(text: str, assembler: EntryAssembler | None = None) -> list[Entry]:
    assembler = assembler or EntryAssembler()
    out: list[Entry] = []
    for i, line in enumerate(text.split("\n")):
        out += assembler.feed(line, float(i))
    return out + assembler.flush()


PYTHON = """\
2026-12-03 19:34:55,001 INFO worker started
2026-12-03 19:34:55,002 ERROR request failed
Traceback (most recent call last):
  File "/srv/app/handler.py", line 31, in handle
    return int(body)
ValueError: invalid literal for int() with base 10: 'x'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/srv/app/handler.py", line 33, in handle
    raise RuntimeError("bad request") from None
RuntimeError: bad request
2026-12-03 19:34:56,000 INFO next request"""


def test_a_python_traceback_with_its_chained_exception_is_one_entry() -> None:
    entries = assemble(PYTHON)
    assert [len(e.lines) for e in entries] == [1, 12, 1]
    tb = entries[1]
    assert tb.first_line.endswith("ERROR request failed")
    assert tb.lines[-1] == "RuntimeError: bad request"
    assert tb.level is Level.ERROR
    assert entries[2].first_line.endswith("INFO next request")


def test_an_uncaught_python_traceback_is_its_own_entry_and_an_error() -> None:
    text = ("plain output line\nTraceback (most recent call last):\n"
            '  File "x.py", line 1, in <module>\nKeyError: \'k\'\nafter')
    entries = assemble(text)
    assert [e.lines[0] for e in entries] == ["plain output line",
                                             "Traceback (most recent call last):", "after"]
    assert entries[1].level is Level.ERROR
    assert entries[1].lines[-1] == "KeyError: 'k'"
    assert entries[0].level is None


JAVA = """\
2026-12-03 19:34:57,100 ERROR [main] com.example.Queue - enqueue failed
java.lang.IllegalStateException: queue full
\tat com.example.Queue.add(Queue.java:10)
\tat com.example.Main.main(Main.java:3)
Caused by: java.io.IOException: disk full
\tat com.example.Disk.write(Disk.java:1)
\t... 2 more
Exception in thread "main" java.lang.NullPointerException
\tat com.example.Main.main(Main.java:9)
2026-12-03 19:34:58,000 WARN [main] com.example.Queue - slow"""


def test_java_stack_traces_and_caused_by_fold_into_their_entry() -> None:
    entries = assemble(JAVA)
    assert [len(e.lines) for e in entries] == [7, 2, 1]
    assert entries[0].lines[1].startswith("java.lang.IllegalStateException")
    assert entries[0].lines[-1] == "\t... 2 more"
    assert entries[1].first_line.startswith("Exception in thread")
    assert [e.level for e in entries] == [Level.ERROR, Level.ERROR, Level.WARN]


def test_an_exception_line_after_an_info_line_is_not_folded_into_it() -> None:
    text = "2026-12-03 INFO all good\njava.lang.IllegalStateException: unrelated"
    assert [len(e.lines) for e in assemble(text)] == [1, 1]


GO = """\
panic: runtime error: index out of range [3] with length 3

goroutine 1 [running]:
main.main()
\t/tmp/x.go:5 +0x1d
exit status 2
2026/12/03 19:35:00 restarted"""


def test_a_go_panic_with_its_goroutine_dump_is_one_fatal_entry() -> None:
    entries = assemble(GO)
    assert [len(e.lines) for e in entries] == [6, 1]
    assert entries[0].level is Level.FATAL
    assert entries[0].lines[-1] == "exit status 2"


def test_indented_continuations_and_trailing_blank_lines() -> None:
    text = "config loaded:\n  port: 80\n  workers: 4\n\n\nnext"
    entries = assemble(text)
    assert [e.lines for e in entries] == [("config loaded:", "  port: 80", "  workers: 4"),
                                          ("next",)]


def test_bounds_split_an_entry_and_mark_the_rest_continued() -> None:
    assembler = EntryAssembler(max_lines=3, max_bytes=10_000)
    text = "head\n" + "\n".join(f"  frame {i}" for i in range(7))
    entries = assemble(text, assembler)
    assert [len(e.lines) for e in entries] == [3, 3, 2]
    assert [e.continued for e in entries] == [False, True, True]
    assert sum(len(e.lines) for e in entries) == 8  # nothing lost


def test_byte_bound() -> None:
    assembler = EntryAssembler(max_lines=1000, max_bytes=100)
    text = "head\n" + "\n".join("  " + "x" * 40 for _ in range(5))
    entries = assemble(text, assembler)
    assert all(sum(len(line) + 1 for line in e.lines) <= 100 for e in entries)
    assert sum(len(e.lines) for e in entries) == 6


def test_idle_flush_uses_the_callers_clock() -> None:
    assembler = EntryAssembler(idle=0.5)
    assert assembler.feed("ERROR boom", 10.0) == []
    assert assembler.feed("  detail", 10.1) == []
    assert assembler.flush_idle(10.5) == []  # 0.4 s since the last line
    (entry,) = assembler.flush_idle(10.6)
    assert entry.lines == ("ERROR boom", "  detail")
    assert entry.at == 10.0
    assert assembler.pending == 0
    assert assembler.flush_idle(99.0) == []
    assert assembler.flush() == []


def test_a_new_line_closes_the_open_entry_immediately() -> None:
    assembler = EntryAssembler()
    assert assembler.feed("first", 1.0) == []
    (closed,) = assembler.feed("second", 2.0)
    assert closed.lines == ("first",)
    assert closed.text == "first"
    assert assembler.pending == 1


def test_carriage_returns_are_dropped() -> None:
    entries = assemble("a\r\n  b\r")
    assert entries[0].lines == ("a", "  b")
