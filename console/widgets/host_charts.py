"""Ten minutes of history for one host: CPU, memory, load, network and disk I/O.

One labelled sparkline per series, fed from the fleet model's ring buffers (no I/O):
the label says the current value and the window's peak, the line shows the shape.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from console import format as fmt
from console.fleet.model import HISTORY_SECONDS, HostView
from console.widgets.history_sparkline import HistorySparkline


@dataclass(frozen=True, slots=True)
class Series:
    key: str  # the fleet model's history series
    label: str
    show: Callable[[float | None], str]
    ceiling: float  # 100 for percentages; 0 scales to the window's own peak


def _pct(value: float | None) -> str:
    return f"{fmt.pct(value).strip()}%" if fmt.pct(value) != fmt.DASH else fmt.DASH


def _rate(value: float | None) -> str:
    text = fmt.rate(value).strip()
    return text if text == fmt.DASH else text + "/s"


SERIES: tuple[Series, ...] = (
    Series("cpu", "CPU", _pct, 100.0),
    Series("mem", "Memory", _pct, 100.0),
    Series("load1", "Load 1m", fmt.num, 0.0),
    Series("net_bps", "Network", _rate, 0.0),
    Series("disk_bps", "Disk I/O", _rate, 0.0),
)


def window_points(view: HostView) -> int:
    """Points in the history window: the model keeps exactly this many per series."""
    return max(2, int(HISTORY_SECONDS / max(view.host.interval, 0.1)))


def padded(values: Sequence[float], points: int) -> list[float]:
    """Right-align the known history in the full window, so each column of every
    chart is the same slice of time, whatever the age of the console."""
    tail = list(values[-points:])
    return [math.nan] * (points - len(tail)) + tail


def _last_known(values: Sequence[float]) -> float | None:
    return next((v for v in reversed(values) if not math.isnan(v)), None) if values \
        else None


def _latest(values: Sequence[float]) -> float | None:
    """The newest point, or None when it is unknown: never an older value as if now."""
    return None if not values or math.isnan(values[-1]) else values[-1]


class HostCharts(Vertical):
    DEFAULT_CSS = """
    HostCharts { height: auto; padding: 0 1; }
    HostCharts > .chart-row { height: 1; }
    HostCharts .chart-label { width: 34; color: $text; }
    HostCharts .chart-line { width: 1fr; }
    HostCharts.-stale .chart-label { color: $text-disabled; text-style: italic; }
    """

    def compose(self) -> ComposeResult:
        for s in SERIES:
            with Horizontal(classes="chart-row"):
                yield Static(s.label, classes="chart-label", id=f"chart-label-{s.key}")
                yield HistorySparkline(ceiling=s.ceiling, classes="chart-line",
                                       id=f"chart-{s.key}")

    def show(self, view: HostView, stale: bool) -> None:
        self.set_class(stale, "-stale")
        points = window_points(view)
        for s in SERIES:
            values = view.history[s.key].values()
            known = [v for v in values if not math.isnan(v)]
            peak = max(known) if known else None
            ceiling = s.ceiling
            if s.key == "load1" and view.sample and view.sample.cpu_count:
                ceiling = float(view.sample.cpu_count)  # a full bar = every core busy
            current = _latest(values)
            label = Text(f"{s.label:<9}", style="bold")
            label.append(f"{s.show(current):>9}")
            if current is None and _last_known(values) is not None:
                label.append(" (was " + s.show(_last_known(values)) + ")")
            else:
                label.append(f"  max {s.show(peak):>9}")
            self.query_one(f"#chart-label-{s.key}", Static).update(label)
            line = self.query_one(f"#chart-{s.key}", HistorySparkline)
            line.ceiling = ceiling
            line.set_class(stale, "-stale")
            line.data = padded(values, points)
