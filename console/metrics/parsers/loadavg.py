"""/proc/loadavg -> Load, e.g. `0.17 0.19 0.09 3/100 4911`."""

from __future__ import annotations

from console.metrics.parsers.errors import ParseError, to_float, to_int
from console.metrics.raw import Load


def parse_loadavg(text: str) -> Load:
    fields = text.split()
    if len(fields) < 3:
        raise ParseError(f"loadavg: {len(fields)} fields, need at least 3")
    load1, load5, load15 = (to_float(f, "loadavg") for f in fields[:3])
    running = entities = None
    if len(fields) >= 4:
        left, sep, right = fields[3].partition("/")
        if not sep:
            raise ParseError(f"loadavg: bad running/total field {fields[3][:20]!r}")
        # `total` counts threads (scheduling entities), not processes.
        running, entities = to_int(left, "loadavg running"), to_int(right, "loadavg total")
    return Load(load1=load1, load5=load5, load15=load15, running=running, processes=entities)
