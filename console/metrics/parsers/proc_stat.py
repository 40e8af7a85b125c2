"""/proc/stat: aggregate CPU times and the scheduler counters.

The sampler filters out the `intr` and `softirq` lines (thousands of numbers on
big machines) and the per-CPU lines (the CPU count comes from nproc) before they
reach us; this parser ignores the former and counts the latter if present.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.metrics.parsers.errors import ParseError, to_float, to_int
from console.metrics.raw import CpuTimes

_CPU_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")


@dataclass(slots=True)
class ProcStat:
    cpu: CpuTimes
    cpu_lines: int  # cpuN lines: the CPUs online when the file was read
    forks: int | None  # `processes`: forks since boot, NOT the process count
    procs_running: int | None
    procs_blocked: int | None
    boot_time: int | None  # `btime`, epoch seconds


def parse_cpu_line(fields: list[str]) -> CpuTimes:
    # Kernels before 2.6 have 4 values, 2.6.11+ have 8; guest and guest_nice
    # (fields 9-10) are already counted in user and nice, so they are ignored.
    values = fields[1:]
    if len(values) < 4:
        raise ParseError(f"stat: cpu line has {len(values)} values, need at least 4")
    numbers = [to_float(v, "stat cpu") for v in values[: len(_CPU_FIELDS)]]
    return CpuTimes(**dict(zip(_CPU_FIELDS, numbers, strict=False)))


def parse_proc_stat(text: str) -> ProcStat:
    cpu: CpuTimes | None = None
    cpu_lines = 0
    scalars: dict[str, int | None] = {}
    for line in text.splitlines():
        fields = line.split()
        if not fields:
            continue
        key = fields[0]
        if key == "cpu":
            if cpu is not None:
                raise ParseError("stat: two aggregate cpu lines")
            cpu = parse_cpu_line(fields)
        elif key.startswith("cpu") and key[3:].isdigit():
            cpu_lines += 1
        elif key in ("processes", "procs_running", "procs_blocked", "btime"):
            scalars[key] = to_int(fields[1], f"stat {key}") if len(fields) == 2 else None
    if cpu is None:
        raise ParseError("stat: no aggregate cpu line")
    return ProcStat(
        cpu=cpu,
        cpu_lines=cpu_lines,
        forks=scalars.get("processes"),
        procs_running=scalars.get("procs_running"),
        procs_blocked=scalars.get("procs_blocked"),
        boot_time=scalars.get("btime"),
    )
