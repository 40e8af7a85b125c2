"""/proc/net/dev -> per-interface counters.

Every interface is kept, loopback included, so the raw sample is the truth;
`is_loopback` lets the rate layer leave `lo` out of the host totals (traffic to
yourself is not network load).
"""

from __future__ import annotations

from console.metrics.parsers.errors import ParseError, check_counters
from console.metrics.raw import NetCounters

# Receive: bytes packets errs drop fifo frame compressed multicast
# Transmit: bytes packets errs drop fifo colls carrier compressed
_MIN_VALUES = 12  # up to tx drop; very old kernels print fewer trailing columns


def is_loopback(interface: str) -> bool:
    return interface == "lo" or interface.startswith("lo:")


def parse_net_dev(text: str) -> tuple[NetCounters, ...]:
    counters: dict[str, NetCounters] = {}
    for line in text.splitlines():
        if "|" in line or not line.strip():
            continue  # the two header lines
        # Counters never contain ':', names may (aliases): split on the last one.
        name, sep, rest = line.rpartition(":")
        name = name.strip()
        if not sep or not name:
            raise ParseError(f"netdev: bad line {line[:60]!r}")
        values = rest.split()
        if len(values) < _MIN_VALUES:
            raise ParseError(f"netdev: {name[:20]}: {len(values)} values, need {_MIN_VALUES}")
        check_counters(values, f"netdev {name[:20]}")
        counters[name] = NetCounters(
            interface=name,
            rx_bytes=int(values[0]), rx_packets=int(values[1]),
            rx_errors=int(values[2]), rx_drops=int(values[3]),
            tx_bytes=int(values[8]), tx_packets=int(values[9]),
            tx_errors=int(values[10]), tx_drops=int(values[11]),
        )
    if not counters:
        raise ParseError("netdev: no interfaces")
    return tuple(counters.values())
