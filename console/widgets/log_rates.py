"""Errors per minute of each followed log of a host, as sparklines (host screen).

Reads the tailer's buffers (no I/O): one line per source with its state, a 30-minute
sparkline of error entries per minute and the last minute's figure, which is also the
`log_errors_per_min` value the alert engine sees.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from console.fleet.log_buffer import HISTORY_MINUTES, SourceBuffer
from console.text import sanitize_for_display

_BARS = " ▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float]) -> str:
    top = max(values, default=0.0)
    if top <= 0:
        return "·" * len(values)
    return "".join(_BARS[min(8, max(1, round(v / top * 8)))] if v > 0 else "·"
                   for v in values)


class LogRates(Static):
    DEFAULT_CSS = "LogRates { height: auto; padding: 0 1; }"

    def show(self, buffers: Sequence[SourceBuffer], now: float | None = None) -> None:
        now = time.time() if now is None else now
        text = Text()
        width = max((len(b.name) for b in buffers), default=0)
        for buf in buffers:
            minutes = buf.errors_by_minute(now, HISTORY_MINUTES)
            text.append(sanitize_for_display(buf.name).ljust(width) + "  ", style="bold")
            text.append(sparkline(minutes))
            text.append(f"  {buf.errors_per_min(now):>5.0f} errors/min  ")
            text.append(buf.state.value, style="" if buf.state.readable else "bold")
            if buf.spec.watch == "on_screen" and buf.state.value == "stopped":
                text.append(" (followed while a log view shows it: press l)")
            text.append("\n")
        self.update(text)
