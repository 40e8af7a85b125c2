"""Active alerts, worst and oldest first: host, metric, value, threshold, since when."""

from __future__ import annotations

import time

from rich.text import Text
from textual.widgets import DataTable

from console import format as fmt
from console.fleet.alert_events import Severity, format_value
from console.metrics.alerts import Alert

_LEVEL = {Severity.CRITICAL: "crit", Severity.UNKNOWN: "unknown", Severity.WARNING: "warn"}
_COLUMNS = (("sev", "Sev", 5), ("host", "Host", 18), ("key", "Metric", 16),
            ("value", "Value", 9), ("threshold", "Threshold", 14), ("since", "Since", 7),
            ("detail", "Detail", 30))


class AlertsPanel(DataTable[Text]):
    COMPONENT_CLASSES = {"alerts-panel--crit", "alerts-panel--warn", "alerts-panel--unknown"}
    DEFAULT_CSS = """
    AlertsPanel { height: auto; max-height: 12; }
    AlertsPanel > .alerts-panel--crit { color: $error; text-style: bold; }
    AlertsPanel > .alerts-panel--warn { color: $warning; }
    AlertsPanel > .alerts-panel--unknown { color: $text-muted; text-style: bold; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", **kwargs)  # type: ignore[arg-type]
        self._rows: dict[str, tuple[str, ...]] = {}
        self._order: list[str] = []
        self.border_title = "Alerts"

    def on_mount(self) -> None:
        for key, label, width in _COLUMNS:
            self.add_column(label, width=width, key=key)

    def show(self, alerts: list[Alert], now: float | None = None) -> None:
        """Reconcile rows with the active alerts: add, drop, update changed cells."""
        now = time.time() if now is None else now
        wanted: dict[str, tuple[str, ...]] = {}
        levels: dict[str, str] = {}
        for alert in alerts:
            row_key = f"{alert.host}\0{alert.key}"
            # An UNKNOWN alert has no current value: its last figure would look live.
            value = (None if alert.severity is Severity.UNKNOWN
                     else alert.last_value if alert.last_value is not None else alert.value)
            wanted[row_key] = (
                alert.severity.name[:4], alert.host, alert.key,
                format_value(value, alert.unit) if value is not None else fmt.DASH,
                alert.threshold or fmt.DASH, fmt.duration(now - alert.opened),
                alert.detail)
            levels[row_key] = _LEVEL.get(alert.severity, "warn")
        for gone in set(self._rows) - set(wanted):
            self.remove_row(gone)
            del self._rows[gone]
        for row_key, cells in wanted.items():
            style = self.get_component_rich_style(f"alerts-panel--{levels[row_key]}",
                                                  partial=True)
            old = self._rows.get(row_key)
            if old is None:
                self.add_row(*(Text(c, style=style, no_wrap=True) for c in cells),
                             key=row_key)
            elif old != cells:
                for (col, _, _), new, was in zip(_COLUMNS, cells, old, strict=True):
                    if new != was or col == "sev":
                        self.update_cell(row_key, col, Text(new, style=style, no_wrap=True))
            self._rows[row_key] = cells
        order = list(wanted)  # the engine's order: worst, then oldest
        if order != self._order:
            self._order = order
            rank = {k: i for i, k in enumerate(order)}
            self.sort("host", "key", key=lambda hk: rank.get(f"{hk[0].plain}\0{hk[1].plain}", 0))
        self.display = bool(wanted)
