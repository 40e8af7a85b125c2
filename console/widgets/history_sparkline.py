"""A Textual Sparkline with a fixed time axis, a zero baseline and visible gaps.

Textual's own renderable scales each line between the series' min and max (a host
idling between 1.9 % and 2.1 % CPU would draw full-height spikes), stretches three
points across the whole width, and cannot show "unknown". On-call eyes read the
shape as the size, so here: the bar height starts at zero, percentages top out at
100, every column is the same slice of time (the window is right-aligned, newest on
the right), and a column with no known value is a dim dot, never a zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual.app import RenderResult as TextualRenderResult
from textual.widgets import Sparkline

BARS = "▁▂▃▄▅▆▇█"
GAP = "·"


def _blend(low: Color, high: Color, ratio: float) -> Style:
    a, b = low.get_truecolor(), high.get_truecolor()
    r = min(1.0, max(0.0, ratio))
    return Style(color=Color.from_rgb(a.red + (b.red - a.red) * r,
                                      a.green + (b.green - a.green) * r,
                                      a.blue + (b.blue - a.blue) * r))


def column_values(data: Sequence[float], width: int) -> list[float]:
    """The max known value of each column's slice of time; NaN where none is known."""
    n = len(data)
    out: list[float] = []
    for col in range(width):
        start = col * n // width
        end = max(start + 1, (col + 1) * n // width)
        known = [v for v in data[start:end] if not math.isnan(v)]
        out.append(max(known) if known else math.nan)
    return out


class _Bars:
    def __init__(self, data: Sequence[float], width: int, height: int, ceiling: float,
                 low: Color, high: Color, gap: Style) -> None:
        self.data, self.width, self.height = data, max(1, width), max(1, height)
        self.ceiling, self.low, self.high, self.gap = ceiling, low, high, gap

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        columns = column_values(self.data, self.width) if self.data else \
            [math.nan] * self.width
        known = [v for v in columns if not math.isnan(v)]
        top = max([self.ceiling, *known]) if known else self.ceiling
        top = top if top > 0 else 1.0
        steps = len(BARS) * self.height
        for line in reversed(range(self.height)):
            low_step, high_step = line * len(BARS), (line + 1) * len(BARS)
            for value in columns:
                if math.isnan(value):
                    yield Segment(GAP if line == 0 else " ", self.gap)
                    continue
                ratio = max(0.0, value) / top
                # Any non-zero value shows at least the lowest bar.
                level = min(steps - 1, int(ratio * steps)) if value > 0 else 0
                if level < low_step:
                    yield Segment(" ")
                elif level >= high_step:
                    yield Segment("█", _blend(self.low, self.high, ratio))
                else:
                    yield Segment(BARS[level - low_step], _blend(self.low, self.high, ratio))
            if line:
                yield Segment.line()


class HistorySparkline(Sparkline):
    """`data` holds the whole window (NaN-padded on the left when history is short).

    `ceiling` is the least the top of the chart stands for: 100 for percentages, so
    5 % CPU draws low; 0 for rates and load, which scale to their own maximum.
    """

    COMPONENT_CLASSES = Sparkline.COMPONENT_CLASSES | {"history-sparkline--gap"}
    DEFAULT_CSS = """
    HistorySparkline > .history-sparkline--gap { color: $text-disabled; }
    HistorySparkline.-stale > .sparkline--max-color { color: $text-disabled; }
    HistorySparkline.-stale > .sparkline--min-color { color: $text-disabled; }
    """

    def __init__(self, ceiling: float = 0.0, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.ceiling = ceiling

    def render(self) -> TextualRenderResult:
        _, base = self.background_colors
        low = base + self.get_component_styles("sparkline--min-color").color
        high = base + self.get_component_styles("sparkline--max-color").color
        gap = self.get_component_rich_style("history-sparkline--gap", partial=True)
        return _Bars(list(self.data or ()), self.size.width, self.size.height,
                     self.ceiling, low.rich_color, high.rich_color, gap)
