"""/proc/meminfo -> Memory (bytes).

Only the lines we use are read (str.find per key, no loop over ~55 lines); each of
those is validated strictly, so a corrupt MemAvailable never silently turns
into the fallback estimate.
"""

from __future__ import annotations

from console.metrics.parsers.errors import ParseError, to_int
from console.metrics.raw import Memory

_KEYS = ("MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapTotal", "SwapFree")


def _value(key: str, rest: str) -> int:
    if not rest.startswith(":"):
        raise ParseError(f"meminfo: bad line for {key}: {rest[:30]!r}")
    parts = rest[1:].split()
    if len(parts) == 2 and parts[1] == "kB":
        return to_int(parts[0], f"meminfo {key}") * 1024
    if len(parts) == 1:
        return to_int(parts[0], f"meminfo {key}")
    raise ParseError(f"meminfo: bad value for {key}: {rest[1:30]!r}")


def parse_meminfo(text: str) -> Memory:
    text = "\n" + text
    values: dict[str, int] = {}
    for key in _KEYS:
        at = text.find(f"\n{key}")
        while at >= 0:
            rest_at = at + 1 + len(key)
            end = text.find("\n", rest_at)
            rest = text[rest_at:] if end < 0 else text[rest_at:end]
            if rest[:1] in (":", " ", "\t", ""):  # this key, not a longer one
                values[key] = _value(key, rest)
                break
            at = text.find(f"\n{key}", rest_at)
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
