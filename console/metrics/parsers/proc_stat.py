"""The `c` record: /proc/stat's aggregate cpu line, as the kernel printed it.

The sampler's awk passes that one line through with its name replaced by `c`; the
per-CPU lines are only counted there (the `k` record), and the huge intr/softirq
lines never leave the host.
"""

from __future__ import annotations

from console.metrics.parsers.errors import ParseError, check_counters
from console.metrics.raw import CpuTimes

_CPU_FIELDS = 8  # user nice system idle iowait irq softirq steal


def parse_cpu_line(fields: list[str]) -> CpuTimes:
    # Kernels before 2.6 have 4 values, 2.6.11+ have 8; guest and guest_nice
    # (fields 9-10) are already counted in user and nice, so they are ignored.
    values = fields[1:]
    if len(values) < 4:
        raise ParseError(f"stat: cpu line has {len(values)} values, need at least 4")
    values = values[:_CPU_FIELDS]
    check_counters(values, "stat cpu")
    return CpuTimes(*map(float, values))
