"""One line at the top: how many hosts are up, down, warn, crit, at a glance."""

from __future__ import annotations

import time

from rich.text import Text
from textual.widgets import Static

from console.events import HostState
from console.fleet.model import FleetModel

_DOWN = (HostState.UNREACHABLE, HostState.RECONNECTING, HostState.AUTH_FAILED,
         HostState.HOSTKEY_UNKNOWN, HostState.HOSTKEY_CHANGED,
         HostState.SHELL_EXITED, HostState.FLOODING, HostState.UNUSABLE)


class SummaryBar(Static):
    COMPONENT_CLASSES = {"summary-bar--up", "summary-bar--down", "summary-bar--warn",
                         "summary-bar--crit", "summary-bar--muted"}
    DEFAULT_CSS = """
    SummaryBar > .summary-bar--up { color: $success; text-style: bold; }
    SummaryBar > .summary-bar--down { color: $error; text-style: bold; }
    SummaryBar > .summary-bar--warn { color: $warning; text-style: bold; }
    SummaryBar > .summary-bar--crit { color: $error; text-style: bold reverse; }
    SummaryBar > .summary-bar--muted { color: $text-muted; }
    """

    def __init__(self, model: FleetModel, *, read_only: bool = False,
                 source: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.model = model
        self.read_only = read_only
        self.source = source
        self.warn = 0
        self.crit = 0
        self._last = ""

    def on_mount(self) -> None:
        self.refresh_summary()

    def refresh_summary(self, warn: int | None = None, crit: int | None = None) -> None:
        if warn is not None:
            self.warn = warn
        if crit is not None:
            self.crit = crit
        counts = self.model.counts()
        total = sum(counts.values())
        up = counts.get(HostState.UP, 0)
        # A retry whose time has come is a connect under way, as its row says.
        retrying = sum(1 for v in self.model.views.values()
                       if v.status.state is HostState.RECONNECTING
                       and v.status.retry_at is not None and v.status.retry_at <= time.time())
        down = sum(counts.get(s, 0) for s in _DOWN) - retrying
        stale = counts.get(HostState.STALE, 0)
        connecting = counts.get(HostState.CONNECTING, 0) + retrying

        def style(name: str) -> object:
            return self.get_component_rich_style(f"summary-bar--{name}", partial=True)

        text = Text.assemble(
            ("opsconsole ", "bold"), (f"{total} hosts  ", ""),
            (f"▲ {up} up", style("up")), "  ",
            (f"▼ {down} down", style("down") if down else style("muted")), "  ",
            (f"{stale} stale", style("warn") if stale else style("muted")), "  ",
            (f"{connecting} connecting", style("muted")), "  │  ",
            (f"warn {self.warn}", style("warn") if self.warn else style("muted")), "  ",
            (f"crit {self.crit}", style("crit") if self.crit else style("muted")),
        )
        if self.read_only:
            text.append("  │  READ-ONLY", style("warn"))
        if self.source:
            text.append(f"  │  {self.source}", style("muted"))
        if text.plain != self._last:  # repaint only when something changed
            self._last = text.plain
            self.update(text, layout=False)  # one line, fixed height: no layout
