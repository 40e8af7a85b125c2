"""Levels as real servers print them, and the lines that must NOT get a level."""

from __future__ import annotations

import pytest

from console.logs.levels import Level, classify, level_from_word

CASES = [
    # syslog priority prefix and klog (Go)
    ("<3>Dec  3 19:34:55 web-1 app[12]: disk full", Level.ERROR),
    ("<12>1 2026-12-03T19:34:55Z web-1 app - - - slow", Level.WARN),
    ("<0>kernel: Kernel panic", Level.FATAL),
    ("<14>Dec  3 19:34:55 web-1 cron[3]: job done", Level.INFO),
    ("E1203 19:34:55.123456   12345 reflector.go:138] failed to list", Level.ERROR),
    ("W1203 19:34:55.123456   12345 warnings.go:70] deprecated", Level.WARN),
    ("I1203 19:34:55.123456   12345 server.go:12] started", Level.INFO),
    # access logs: status field
    ('10.0.0.1 - - [03/Dec/2026:19:34:55 +0000] "GET /api HTTP/1.1" 502 157 "-" "curl/8"',
     Level.ERROR),
    ('10.0.0.1 - bob [03/Dec/2026:19:34:55 +0000] "POST /x HTTP/1.1" 503 0', Level.ERROR),
    ('10.0.0.1 - - [03/Dec/2026:19:34:55 +0000] "GET /missing HTTP/1.1" 404 12 "-" "-"',
     Level.INFO),
    ('10.0.0.1 - - [03/Dec/2026:19:34:55 +0000] "GET /ERROR HTTP/1.1" 200 12', Level.INFO),
    # level fields
    ('time="2026-12-03T19:34:55Z" level=error msg="dial tcp: refused"', Level.ERROR),
    ('t=2026-12-03T19:34:55+0000 lvl=eror msg="db down"', Level.ERROR),
    ('{"ts":1733254495.1,"level":"warn","msg":"retrying"}', Level.WARN),
    ('{"severity":"CRITICAL","message":"out of memory"}', Level.FATAL),
    ('{"level":50,"time":1733254495123,"msg":"pino error"}', Level.ERROR),
    ('{"level":30,"msg":"pino info"}', Level.INFO),
    ('{"PRIORITY":"3","MESSAGE":"journal error"}', Level.ERROR),
    ('{"PRIORITY":"6","MESSAGE":"journal info"}', Level.INFO),
    # bracketed words
    ("[Thu Dec 03 19:34:55 2026] [error] [client 10.0.0.1] File does not exist", Level.ERROR),
    ("[Thu Dec 03 19:34:55.123 2026] [proxy:crit] [pid 12] AH00898", Level.FATAL),
    ("[Thu Dec 03 19:34:55 2026] [notice] Apache configured", Level.NOTICE),
    ("2026/12/03 19:34:55 [emerg] 1#1: bind() to 0.0.0.0:80 failed", Level.FATAL),
    ("2026/12/03 19:34:55 [warn] 1#1: conflicting server name", Level.WARN),
    ("2026-12-03T19:34:55.1Z 0 [Warning] [MY-010068] [Server] CA certificate", Level.WARN),
    ("2026-12-03T19:34:55.1Z 0 [Note] [MY-010051] [Server] Event Scheduler", Level.NOTICE),
    ("[19:34:55 ERR] Serilog failure", Level.ERROR),
    # bare words
    ("2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.MRAppMaster: Created", Level.INFO),
    ("2015-10-18 18:06:26,029 FATAL [IPC Server handler 13] Task: exited", Level.FATAL),
    ("2015-07-29 19:04:29,071 - WARN  [SendWorker:1:QuorumCnxManager@688] - leaving",
     Level.WARN),
    ("ERROR:root:could not connect", Level.ERROR),
    ("WARNING:urllib3:retrying", Level.WARN),
    ("ERRO[0001] container exited", Level.ERROR),
    ("2026-12-03 19:34:55.123 UTC [1234] ERROR:  relation \"users\" does not exist",
     Level.ERROR),
    ("2026-12-03 19:34:55.123 UTC [1234] FATAL:  password authentication failed",
     Level.FATAL),
    ("2026-12-03 19:34:55.123 UTC [1234] PANIC:  could not write to file", Level.FATAL),
    ("2026-12-03 19:34:55.123 UTC [1234] LOG:  checkpoint starting: time", Level.INFO),
    ("Dec 10 09:11:22 gw sshd[24439]: error: Received disconnect from 10.0.0.2", Level.ERROR),
    ("Dec 10 11:03:53 gw sshd[25457]: fatal: Write failed: Connection reset", Level.FATAL),
    ("Dec 10 11:03:53 gw sshd[25457]: debug1: kex: algorithm", Level.DEBUG),
    ("PHP Fatal error:  Uncaught Exception: boom in /var/www/x.php:3", Level.FATAL),
    ("PHP Warning:  Undefined variable $x", Level.WARN),
    ("Jul 14 06:42:01 db1 kernel: SEVERE memory pressure", Level.ERROR),
    # exceptions with no level word
    ("Traceback (most recent call last):", Level.ERROR),
    ('Exception in thread "main" java.lang.NullPointerException', Level.ERROR),
    ("java.lang.IllegalStateException: queue full", Level.ERROR),
    ("ValueError: invalid literal for int() with base 10: 'x'", Level.ERROR),
    ("panic: runtime error: index out of range [3] with length 3", Level.FATAL),
]

NO_LEVEL = [
    "just some text that mentions an error in passing",
    "GET /errors 200",
    "Dec 10 06:55:46 gw sshd[24200]: Invalid user admin from 10.0.0.9",
    "processed 12 items, 0 failures",
    "",
    "user=ERRORS_TABLE updated",
    "the terror of information overload",
]


@pytest.mark.parametrize(("line", "level"), CASES)
def test_classify_recognises_the_common_formats(line: str, level: Level) -> None:
    assert classify(line) is level


@pytest.mark.parametrize("line", NO_LEVEL)
def test_lines_without_a_level_get_none(line: str) -> None:
    assert classify(line) is None


def test_the_first_level_in_the_header_wins_over_words_in_the_message() -> None:
    assert classify("2026-12-03 19:34:55 INFO retried after ERROR from upstream") is Level.INFO
    assert classify("2026-12-03 19:34:55 [warn] upstream said [error]") is Level.WARN


def test_level_words_deep_in_a_long_message_are_ignored() -> None:
    line = "2026-12-03 19:34:55 app: " + "x" * 400 + " ERROR"
    assert classify(line) is None


def test_coloured_output_is_read_through_its_colour_codes() -> None:
    assert classify("\x1b[31mERROR\x1b[0m boom") is Level.ERROR
    assert classify("2026-12-03 19:34:55 \x1b[33mWARN\x1b[0m slow") is Level.WARN


def test_levels_are_ordered_for_worst_of() -> None:
    assert max(Level.WARN, Level.ERROR, Level.INFO) is Level.ERROR
    assert Level.FATAL > Level.ERROR > Level.WARN > Level.NOTICE > Level.INFO > Level.DEBUG
    assert level_from_word("EMERG") is Level.FATAL
    assert level_from_word("warning") is Level.WARN
    assert level_from_word("debug3") is Level.DEBUG
    assert level_from_word("banana") is None


def test_hostile_lines_do_not_crash_and_stay_bounded() -> None:
    assert classify("\x00" * 10_000 + "ERROR") is None
    assert classify("[" * 100_000) is None
    assert classify('] "' * 50_000) is None
