"""A plugin's exit code and output -> `CheckResult`, per the Monitoring Plugins guidelines.

    TEXT OUTPUT | OPTIONAL PERFDATA
    LONG TEXT LINE 1
    LONG TEXT LINE 2 | PERFDATA LINE 2
    PERFDATA LINE 3

Exit 0/1/2/3 is OK/WARNING/CRITICAL/UNKNOWN; anything else, a timeout, no output, too
much output, invalid UTF-8 or terminal control sequences is UNKNOWN with the reason,
so a broken check is never mistaken for a healthy one and never breaks the screen.
"""

from __future__ import annotations

import re

from console.checks.perfdata import PerfDatum, parse_perfdata
from console.checks.result import CheckResult
from console.severity import Severity
from console.text import sanitize_for_display

#: Bytes of standard output read from a check; the remote wrapper stops at one more.
MAX_OUTPUT = 64 * 1024
MAX_STATUS = 300  # characters of the status line kept
MAX_LONG_OUTPUT = 8 * 1024  # characters of long output kept per result
MAX_STDERR = 2 * 1024

#: Exit codes the remote wrapper gives when coreutils `timeout` ended the command.
TIMEOUT_EXITS = (124, 137)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

_SPECIAL_EXITS = {
    126: "command found but not executable (exit 126)",
    127: "command not found (exit 127)",
}


def one_line(text: str, limit: int = MAX_STATUS) -> str:
    """Safe for one table cell: sanitized, newlines folded, bounded."""
    safe = sanitize_for_display(text).replace("\n", " ").replace("\t", " ").strip()
    return safe if len(safe) <= limit else safe[:limit - 1] + "…"


def _bounded(text: str, limit: int) -> str:
    safe = sanitize_for_display(text)
    return safe if len(safe) <= limit else safe[:limit] + "\n… (cut)"


def split_output(stdout: str) -> tuple[str, str, str]:
    """(status text, long output, perfdata text) per the guidelines' layout."""
    lines = stdout.replace("\r\n", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return "", "", ""
    first, _, perf = lines[0].partition("|")
    long_lines: list[str] = []
    perf_parts = [perf]
    rest = lines[1:]
    for i, line in enumerate(rest):
        text, bar, more = line.partition("|")
        if bar:
            long_lines.append(text.rstrip())
            perf_parts.append(more)
            perf_parts.extend(rest[i + 1:])
            break
        long_lines.append(line)
    return first.strip(), "\n".join(long_lines).strip("\n"), " ".join(perf_parts).strip()


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def interpret(host: str, check: str, exit_code: int | None, stdout: str, stderr: str = "",
              *, timed_out: bool = False, timeout_s: float = 0.0, duration_s: float = 0.0,
              at: float = 0.0) -> CheckResult:
    """Everything a run can end with, made into one result (never raises)."""
    status_raw, long_raw, perf_raw = split_output(stdout)
    perfdata: tuple[PerfDatum, ...] = ()
    problems: list[str] = []
    if perf_raw:
        perfdata, perf_problems = parse_perfdata(perf_raw)
        problems.extend(perf_problems)
    err_line = one_line(_first_line(stderr), 200)
    base = dict(host=host, check=check, long_output=_bounded(long_raw, MAX_LONG_OUTPUT),
                perfdata=perfdata, exit_code=exit_code, duration_s=duration_s, at=at,
                stderr=_bounded(stderr, MAX_STDERR))

    def unknown(reason: str) -> CheckResult:
        shown = one_line(status_raw, 160)
        text = f"{reason}: {shown}" if shown else reason
        return CheckResult(severity=Severity.UNKNOWN, status=one_line(text),
                           problems=tuple(problems), **base)  # type: ignore[arg-type]

    if timed_out or (exit_code in TIMEOUT_EXITS and timeout_s and duration_s >= timeout_s - 1):
        return unknown(f"timed out after {timeout_s:g} s (the command was killed)")
    if exit_code is None:
        return unknown("ended without an exit status (killed by a signal?)"
                       + (f"; stderr: {err_line}" if err_line else ""))
    if exit_code in _SPECIAL_EXITS:
        reason = _SPECIAL_EXITS[exit_code]
        return unknown(f"{reason}: {err_line}" if err_line else reason)
    if "\ufffd" in stdout:
        return unknown("output is not valid UTF-8 (bad bytes shown as \ufffd)")
    size = len(stdout.encode("utf-8"))
    if size > MAX_OUTPUT:
        return unknown(f"output larger than {MAX_OUTPUT // 1024} KiB (cut)")
    if not status_raw:
        why = f"printed nothing (exit {exit_code})"
        return unknown(f"{why}; stderr: {err_line}" if err_line else why)
    if _CONTROL.search(status_raw) or "\x1b" in stdout:
        return unknown("output holds terminal control sequences (shown escaped)")
    if exit_code not in (0, 1, 2, 3):
        return unknown(f"exit {exit_code} is not a Nagios status (0-3)")
    return CheckResult(severity=Severity(exit_code), status=one_line(status_raw),
                       problems=tuple(problems), **base)  # type: ignore[arg-type]
