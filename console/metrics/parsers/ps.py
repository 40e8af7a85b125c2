"""`ps` output -> the top processes by CPU and by memory.

procps prints the columns we ask for, sorted; busybox ps knows neither `-e`
nor `--sort` nor `pcpu`, so the command falls back to whatever busybox prints
and we map columns by header name and sort here. %CPU is ps's own figure: CPU
time over the process lifetime, not an instantaneous rate.

Lines are split on "\n" only: a process may put a carriage return (or any other
character) in its name, and str.splitlines() would cut its row in two. A row that
still does not parse is skipped and counted (`TopProcesses.skipped`): one odd
process must not hide the whole list.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.metrics.parsers.errors import ParseError, to_float, to_int

BY_MEM_MARKER = "@@bymem"
_HEADER_KEYS = {
    "PID": "pid", "USER": "user", "%CPU": "cpu", "%MEM": "mem", "RSS": "rss",
    "VSZ": "vsz", "COMMAND": "command", "COMM": "command", "CMD": "command",
}
_SUFFIX_KIB = {"k": 1, "m": 1024, "g": 1024**2, "t": 1024**3}


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    pid: int
    user: str
    command: str
    cpu_pct: float | None = None
    mem_pct: float | None = None
    rss: int | None = None  # bytes


@dataclass(frozen=True, slots=True)
class TopProcesses:
    by_cpu: tuple[ProcessInfo, ...]
    by_mem: tuple[ProcessInfo, ...]
    skipped: int = 0  # rows that could not be read
    #: Seconds CPU% was measured over (as top does); None: ps's lifetime average.
    cpu_window_s: float | None = None
    #: The last /proc reading, for the next probe to compare with.
    reading: object = None


def _kib(token: str) -> int:
    # busybox abbreviates big sizes: "12m", "1.2g".
    suffix = token[-1:].lower()
    if suffix in _SUFFIX_KIB:
        return int(to_float(token[:-1], "ps size") * _SUFFIX_KIB[suffix])
    return to_int(token, "ps size")


def _parse_row(keys: list[str], line: str) -> ProcessInfo:
    values = line.split(None, len(keys) - 1)
    if len(values) < len(keys):
        if len(values) == len(keys) - 1 and keys[-1] == "command":
            values.append("")  # kernel threads may print an empty name
        else:
            raise ParseError(f"ps: short row {line[:60]!r}")
    row = dict(zip(keys, values, strict=True))
    return ProcessInfo(
        pid=to_int(row["pid"], "ps pid"),
        user=row.get("user", ""),
        command=row.get("command", "").rstrip(),
        cpu_pct=to_float(row["cpu"], "ps %cpu") if "cpu" in row else None,
        mem_pct=to_float(row["mem"], "ps %mem") if "mem" in row else None,
        rss=_kib(row["rss"]) * 1024 if "rss" in row else None,
    )


def _parse_block(lines: list[str]) -> tuple[list[ProcessInfo], int]:
    """(the rows that parse, how many did not)."""
    header = lines[0].split()
    keys = [_HEADER_KEYS.get(h.upper(), h.lower()) for h in header]
    if "pid" not in keys:
        raise ParseError(f"ps: header without PID: {lines[0][:60]!r}")
    out: list[ProcessInfo] = []
    skipped = 0
    for line in lines[1:]:
        try:
            out.append(_parse_row(keys, line))
        except ParseError:
            skipped += 1
    return out, skipped


def parse_ps(text: str, n: int = 10) -> TopProcesses:
    blocks: list[list[str]] = [[]]
    for line in text.split("\n"):
        if line.strip() == BY_MEM_MARKER:
            blocks.append([])
        elif line.strip():
            blocks[-1].append(line)
    processes: dict[int, ProcessInfo] = {}
    skipped = 0
    for block in blocks:
        if block:
            rows, bad = _parse_block(block)
            skipped += bad
            for p in rows:
                processes.setdefault(p.pid, p)
    if not processes:
        raise ParseError("ps: no processes")
    everyone = list(processes.values())
    by_cpu = sorted(everyone, key=lambda p: (p.cpu_pct is None, -(p.cpu_pct or 0.0), p.pid))
    by_mem = sorted(everyone, key=lambda p: (p.rss is None, -(p.rss or 0), p.pid))
    return TopProcesses(by_cpu=tuple(by_cpu[:n]), by_mem=tuple(by_mem[:n]), skipped=skipped)
