"""The templates panel of a log view: what the lines of the last minutes say, grouped.

Each source's `TemplateIndex` (console/logs/templates.py) groups its lines by message
template (numbers, ids, addresses, paths masked); the panel lists the most frequent
templates of the last WINDOW_S across the view's sources, with counts, first and last
seen: "what are the top errors of the last 15 minutes, and since when".
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from console.fleet.log_buffer import SourceBuffer
from console.logs.levels import Level
from console.text import sanitize_for_display

WINDOW_S = 15 * 60
ROWS = 12
#: Redrawn at most this often (mining is in the core; this only reads the index).
REFRESH_S = 2.0


def _clock(wall: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(wall))


class TemplatesPanel(Static):
    DEFAULT_CSS = """
    TemplatesPanel { background: $panel; padding: 0 1; overflow-y: auto; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self._drawn_at = 0.0

    def refresh_from(self, buffers: Sequence[SourceBuffer], now: float,
                     force: bool = False) -> None:
        if not force and now - self._drawn_at < REFRESH_S:
            return
        self._drawn_at = now
        since = now - WINDOW_S
        rows = []
        for buf in buffers:
            for top in buf.templates.top(ROWS, since=since):
                rows.append((top, buf))
        rows.sort(key=lambda r: -r[0].count)
        text = Text()
        text.append("Top templates, last 15 minutes", style="bold")
        text.append("   count  first     last      source / template\n")
        for top, buf in rows[:ROWS]:
            worst = max(top.levels, default=None)
            style = "bold" if worst is not None and worst >= Level.ERROR else ""
            text.append(f"{top.count:>7,}  {_clock(top.first_seen)}  "
                        f"{_clock(top.last_seen)}  ", style=style)
            label = f"{buf.host}/{buf.name}" if len(buffers) > 1 else buf.name
            text.append(label + "  ", style="italic")
            text.append(sanitize_for_display(top.template).replace("\n", " ")[:300],
                        style=style)
            text.append("\n")
        if not rows:
            text.append("no lines in the last 15 minutes\n")
        skipped = sum(buf.not_mined for buf in buffers)
        if skipped:
            text.append(f"({skipped:,} lines left out of the grouping: over "
                        "the sampling budget of a flooding source)", style="italic")
        self.update(text)
