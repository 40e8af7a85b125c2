"""Per-process CPU% as top computes it: the CPU time a process used over the last
interval, from two readings of /proc/PID/stat (utime + stime, in clock ticks) and of
/proc/uptime, not ps's %CPU, which is CPU time divided by the process's whole life
(a daemon that spins now after idling for a month shows 0.0 there).

Like top (Irix mode), 100 % is one full core, so a multi-threaded process can exceed
it. A process absent from the first reading started during the interval: all its
CPU time counts. A pid whose counter went backwards was reused: it counts from 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from console.metrics.parsers.errors import ParseError

CPU_MARKER = "@@cpu"
READING_MARKER = "@@reading"


@dataclass(frozen=True)
class CpuReading:
    uptime_s: float
    ticks: dict[int, int] = field(default_factory=dict)  # pid -> utime + stime


def parse_stat_line(line: str) -> tuple[int, int] | None:
    """(pid, utime + stime) from one /proc/PID/stat line; the command name (between
    the first '(' and the LAST ')') may hold spaces and parentheses."""
    close = line.rfind(")")
    if close < 0:
        return None
    head, rest = line[:close], line[close + 1:].split()
    pid_text = head.split("(", 1)[0].strip()
    # After ')': state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
    # cmajflt utime stime -> utime is field 14 of the line, index 11 after ')'.
    if not pid_text.isdigit() or len(rest) < 13:
        return None
    try:
        return int(pid_text), int(rest[11]) + int(rest[12])
    except ValueError:
        return None


def parse_cpu_section(text: str) -> tuple[int, list[CpuReading]]:
    """The part after CPU_MARKER: clock ticks per second, then one or more readings."""
    hz = 100
    readings: list[CpuReading] = []
    for line in text.splitlines():
        if line.startswith(CPU_MARKER):
            word = line[len(CPU_MARKER):].strip()
            hz = int(word) if word.isdigit() and int(word) > 0 else 100
        elif line.startswith(READING_MARKER):
            readings.append(CpuReading(-1.0))
        elif readings and readings[-1].uptime_s < 0:
            try:
                readings[-1] = CpuReading(float(line.split()[0]))
            except (IndexError, ValueError):
                raise ParseError(f"/proc/uptime: {line[:40]!r}") from None
        elif readings:
            parsed = parse_stat_line(line)
            if parsed is not None:
                readings[-1].ticks[parsed[0]] = parsed[1]
    return hz, [r for r in readings if r.uptime_s >= 0 and r.ticks]


def interval_cpu(before: CpuReading, after: CpuReading, hz: int) -> dict[int, float]:
    """pid -> CPU% over the interval between two readings (empty when not usable)."""
    elapsed = after.uptime_s - before.uptime_s
    if elapsed <= 0:
        return {}  # same instant, or the host rebooted in between
    out = {}
    for pid, ticks in after.ticks.items():
        used = ticks - before.ticks.get(pid, 0)
        if used < 0:
            used = ticks
        out[pid] = 100.0 * used / hz / elapsed
    return out
