"""Per-interface and per-disk rates of one host: compact, one row per device."""

from __future__ import annotations

from collections.abc import Sequence

from console import format as fmt
from console.metrics.sample import DiskRates, InterfaceRates
from console.widgets.detail_table import OK, STALE, WARN, Cell, Column, DetailTable


def _rate(value: float | None) -> str:
    return fmt.rate(value).strip()


def _per_s(value: float | None) -> str:
    return fmt.num(value, 1)


class InterfaceTable(DetailTable):
    COLUMNS = (
        Column("iface", "Interface", None, numeric=False),
        Column("rx", "Rx/s", 7),
        Column("tx", "Tx/s", 7),
        Column("errors", "Err/s", 6),
        Column("drops", "Drop/s", 6),
    )

    def show(self, interfaces: Sequence[InterfaceRates], stale: bool) -> None:
        rows: dict[str, list[Cell]] = {}
        for i in sorted(interfaces, key=lambda i: i.interface):
            plain = STALE if stale else OK
            # Any error or drop is worth a look; the alert engine owns the thresholds.
            errs = STALE if stale else WARN if (i.errors_ps or 0) > 0 else OK
            drops = STALE if stale else WARN if (i.drops_ps or 0) > 0 else OK
            rows[i.interface] = [(i.interface, plain), (_rate(i.rx_bps), plain),
                                 (_rate(i.tx_bps), plain), (_per_s(i.errors_ps), errs),
                                 (_per_s(i.drops_ps), drops)]
        self.sync(rows)


class DiskTable(DetailTable):
    COLUMNS = (
        Column("device", "Disk", None, numeric=False),
        Column("read", "Read/s", 7),
        Column("write", "Write/s", 7),
        Column("util", "Util%", 5),
    )

    def show(self, disks: Sequence[DiskRates], level_of: dict[str, str],
             stale: bool) -> None:
        """`level_of` maps a device to its disk_util alert level ("warn"/"crit")."""
        rows: dict[str, list[Cell]] = {}
        for d in sorted(disks, key=lambda d: d.device):
            plain = STALE if stale else OK
            util = STALE if stale else level_of.get(d.device, OK)
            rows[d.device] = [(d.device, plain), (_rate(d.read_bps), plain),
                              (_rate(d.write_bps), plain), (fmt.pct(d.util_pct).strip(), util)]
        self.sync(rows)
