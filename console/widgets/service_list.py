"""The services a host's inventory lists (`console_services`) and their state."""

from __future__ import annotations

from collections.abc import Sequence

from console.fleet.host_probe import ServiceState
from console.levels import SEVERITY_LEVEL
from console.widgets.detail_table import MUTED, STALE, Cell, Column, DetailTable


class ServiceList(DetailTable):
    COLUMNS = (
        Column("service", "Service", None, numeric=False),
        Column("state", "State", None, numeric=False),
        Column("detail", "Detail", None, numeric=False, max_chars=80),
    )

    def show(self, states: Sequence[ServiceState], stale: bool) -> None:
        rows: dict[str, list[Cell]] = {}
        for s in states:
            level = STALE if stale else SEVERITY_LEVEL.get(s.severity, MUTED)
            detail = s.detail or (s.command or "systemctl is-active")
            rows[s.name] = [(s.name, STALE if stale else "ok"), (s.state, level),
                            (detail, STALE if stale else MUTED)]
        self.sync(rows)
