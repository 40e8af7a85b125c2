"""The `m` record: seven /proc/meminfo values (kB) -> Memory (bytes).

The sampler prints `m MemTotal MemFree MemAvailable Buffers Cached SwapTotal SwapFree`
with `-` for a key the host's kernel lacks. Each value is validated strictly, so a
corrupt MemAvailable never silently turns into the fallback estimate.
"""

from __future__ import annotations

from console.metrics.parsers.errors import ParseError, check_counters
from console.metrics.raw import Memory

KEYS = ("MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapTotal", "SwapFree")


def parse_meminfo(fields: list[str]) -> Memory:
    """`fields`: the record's values, in KEYS order."""
    if len(fields) != len(KEYS):
        raise ParseError(f"meminfo: {len(fields)} values, need {len(KEYS)}")
    check_counters([value for value in fields if value != "-"], "meminfo")
    values = {key: int(value) * 1024 for key, value in zip(KEYS, fields, strict=True)
              if value != "-"}
    total = values.get("MemTotal")
    if not total:
        raise ParseError("meminfo: no MemTotal")
    available = values.get("MemAvailable")
    if available is None:
        # Kernels before 3.14 have no MemAvailable: the classic estimate.
        if "MemFree" not in values:
            raise ParseError("meminfo: neither MemAvailable nor MemFree")
        available = values["MemFree"] + values.get("Buffers", 0) + values.get("Cached", 0)
    swap_total = values.get("SwapTotal", 0)
    return Memory(
        total=total,
        available=min(available, total),
        swap_total=swap_total,
        swap_free=min(values.get("SwapFree", 0), swap_total),
    )
