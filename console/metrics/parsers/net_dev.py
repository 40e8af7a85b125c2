"""The `n` records: per-interface counters from /proc/net/dev.

Every interface is kept, loopback included, so the raw sample is the truth;
`is_loopback` lets the rate layer leave `lo` out of the host totals (traffic to
yourself is not network load).
"""

from __future__ import annotations

from console.metrics.parsers.errors import ParseError, check_counters
from console.metrics.raw import NetCounters


def is_loopback(interface: str) -> bool:
    return interface == "lo" or interface.startswith("lo:")


def parse_net_record(fields: list[str]) -> NetCounters:
    """`n <name> <rx bytes> <rx packets> <rx errs> <rx drop> <tx bytes> <tx packets>
    <tx errs> <tx drop>`: the sampler's awk picks these columns of /proc/net/dev."""
    if len(fields) != 10:
        raise ParseError(f"netdev: {' '.join(fields[1:2])[:20]}: {len(fields) - 2} values, "
                         "need 8")
    name = fields[1]
    values = fields[2:]
    check_counters(values, f"netdev {name[:20]}")
    return NetCounters(name, int(values[0]), int(values[4]), int(values[1]), int(values[5]),
                       int(values[2]), int(values[6]), int(values[3]), int(values[7]))
