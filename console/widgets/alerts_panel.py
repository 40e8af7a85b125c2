"""Active alerts, worst and oldest first: host, metric, value, threshold, since when."""

from __future__ import annotations

import time

from console import format as fmt
from console.levels import CRIT, SEVERITY_LEVEL, UNKNOWN, WARN
from console.metrics.alerts import Alert
from console.severity import Severity
from console.table_columns import Column
from console.widgets.line_table import LineTable

COLUMNS = (Column("sev", "Sev", 5, False), Column("host", "Host", 18, False),
           Column("key", "Metric", 18, False), Column("value", "Value", 9),
           Column("threshold", "Threshold", 14, False), Column("since", "Since", 8, False),
           Column("detail", "Detail", 40, False))


def alert_key(alert: Alert) -> str:
    return f"{alert.host}\0{alert.key}"


class AlertsPanel(LineTable):
    LEVELS = (WARN, CRIT, UNKNOWN)
    CSS_NAME = "alerts-panel"
    COMPONENT_CLASSES = {"alerts-panel--header", "alerts-panel--cursor",
                         *(f"alerts-panel--{level}" for level in LEVELS)}
    DEFAULT_CSS = """
    AlertsPanel { height: 10; max-height: 35%; border-top: tall $panel; }
    AlertsPanel > .alerts-panel--header { background: $panel; text-style: bold; }
    AlertsPanel > .alerts-panel--cursor { background: $accent 50%; }
    AlertsPanel > .alerts-panel--crit { color: $error; text-style: bold; }
    AlertsPanel > .alerts-panel--warn { color: $warning; }
    AlertsPanel > .alerts-panel--unknown { color: $text-muted; text-style: bold; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(COLUMNS, **kwargs)
        self._alerts: dict[str, Alert] = {}

    def show(self, alerts: list[Alert]) -> None:
        """The engine's active alerts, in its order (worst, then oldest). Only the rows
        on screen are built; a 500-host outage can have hundreds."""
        self._alerts = {alert_key(alert): alert for alert in alerts}
        order = list(self._alerts)
        shown = self.visible_range()
        on_screen = set(self.order[shown.start:shown.stop])
        for key, alert in self._alerts.items():
            if key not in on_screen:
                self.forget(key)  # built by provide_cells if it scrolls into view
            else:
                self.set_cells(key, alert_cells(alert), shown)
        for gone in set(self.order) - set(order):
            self.forget(gone)
        self.set_order(order)
        if self.display != bool(order):
            self.display = bool(order)

    def provide_cells(self, key: str) -> dict[str, tuple[str, str]] | None:
        alert = self._alerts.get(key)
        return None if alert is None else alert_cells(alert)


def alert_cells(alert: Alert) -> dict[str, tuple[str, str]]:
    # An UNKNOWN alert has no current value: its last figure would look live.
    value = (None if alert.severity is Severity.UNKNOWN
             else alert.last_value if alert.last_value is not None else alert.value)
    level = SEVERITY_LEVEL[alert.severity] if alert.severity.is_problem else WARN
    return {
        "sev": (alert.severity.name[:4], level),
        "host": (alert.host, level),
        "key": (alert.key, level),
        "value": (fmt.alert_value(value, alert.unit) if value is not None else fmt.DASH, level),
        "threshold": (alert.threshold or fmt.DASH, level),
        # A clock time, not an age: it changes only when the alert does.
        "since": (time.strftime("%H:%M:%S", time.localtime(alert.opened)), level),
        "detail": (alert.detail, level),
    }
