"""The `k` record: CPU lines of /proc/stat, online CPUs (getconf) and processes.

The sampler prints `k <cpu lines> <nproc> <processes>`; a count the host could not
give is 0 there, and None here.
"""

from __future__ import annotations

from console.metrics.parsers.errors import ParseError, to_ints


def parse_counts(fields: list[str]) -> tuple[int | None, int | None]:
    """(CPU count, process count). The CPU count is nproc, else the cpuN lines."""
    if len(fields) != 4:
        raise ParseError(f"nproc: expected 3 numbers, got {len(fields) - 1}")
    cpu_lines, nproc, procs = to_ints(fields[1:], "nproc")
    return nproc or cpu_lines or None, procs or None
