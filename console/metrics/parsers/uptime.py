"""/proc/uptime -> seconds since boot (first field; the second is idle time)."""

from __future__ import annotations

from console.metrics.parsers.errors import ParseError, to_float


def parse_uptime(text: str) -> float:
    fields = text.split()
    if not fields:
        raise ParseError("uptime: empty")
    return to_float(fields[0], "uptime")
