"""The top of the host detail screen: who the host is, its state, and its figures now.

Text is assembled from plain strings in `rich.text.Text` (no markup): a state reason
comes from the network and is shown literally.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.widgets import Static

from console import format as fmt
from console.events import HostState
from console.fleet.model import HostView
from console.fleet.rows import stale_reason, state_text
from console.levels import CRIT, DOWN, MUTED, OK, STALE, WARN
from console.text import sanitize_for_display

_LEVELS = (OK, MUTED, STALE, WARN, CRIT, DOWN)


def state_line(view: HostView, now: float) -> tuple[str, str]:
    """(state with its reason, level): the detail screen has room for the whole why."""
    status = view.status
    text = status.state.value
    reason = stale_reason(view, now) if status.state is HostState.STALE else status.reason
    if reason:
        text += f": {reason}"
    if status.retry_at is not None and status.state is not HostState.UP:
        left = status.retry_at - now
        text += f" (retry in {round(left)}s)" if left >= 0.5 else " (retrying now)"
    if status.state is not HostState.UP or view.sample is None:
        text += f" since {time.strftime('%H:%M:%S', time.localtime(status.since))}"
    return text, state_text(view, now)[2]  # the fleet table's level for the same state


class HostHeader(Static):
    COMPONENT_CLASSES = {f"host-header--{level}" for level in _LEVELS}
    DEFAULT_CSS = """
    HostHeader { height: auto; padding: 0 1; background: $panel; color: $text; }
    HostHeader > .host-header--ok { color: $success; text-style: bold; }
    HostHeader > .host-header--muted { color: $text-muted; }
    HostHeader > .host-header--stale { color: $warning; text-style: italic; }
    HostHeader > .host-header--warn { color: $warning; text-style: bold; }
    HostHeader > .host-header--crit { color: $error; text-style: bold; }
    HostHeader > .host-header--down { color: $error; text-style: bold; }
    """

    def _style(self, level: str) -> object:
        return self.get_component_rich_style(f"host-header--{level}", partial=True)

    def show(self, view: HostView, stale: bool, now: float | None = None) -> None:
        now = time.time() if now is None else now
        host, s = view.host, view.sample
        state, level = state_line(view, now)
        address = host.address if host.port is None else f"{host.address}:{host.port}"
        if host.is_local:
            address = "this machine"
        muted = self._style("muted")
        text = Text()
        text.append(host.name, "bold")
        text.append(f"  {address}  group {host.group}  ", muted)
        text.append("● " + sanitize_for_display(state).replace("\n", " "),
                    self._style(level))
        if stale and s is not None:
            text.append(f"  figures stale: last sample {fmt.duration(view.age_s(now))} ago",
                        self._style("stale"))
        facts = [
            f"uptime {fmt.duration(s.uptime_s) if s else fmt.DASH}",
            f"{s.processes if s and s.processes is not None else fmt.DASH} processes",
            f"RTT {fmt.num(s.rtt_ms, 1) if s else fmt.DASH} ms",
            f"{s.cpu_count if s and s.cpu_count else fmt.DASH} CPUs",
        ]
        text.append("\n" + "  ·  ".join(facts), muted)
        self.update(text)


class HostFigures(Static):
    """CPU split, memory, swap and load: the numbers behind the first two charts."""

    DEFAULT_CSS = """
    HostFigures { height: auto; padding: 0 1; color: $text; }
    HostFigures.-stale { color: $text-disabled; text-style: italic; }
    """

    def show(self, view: HostView, stale: bool) -> None:
        self.set_class(stale, "-stale")
        s = view.sample
        if s is None:
            self.update(Text("no sample yet", style="italic"))
            return

        def pct(value: float | None) -> str:
            text = fmt.pct(value).strip()
            return text if text == fmt.DASH else text + "%"

        text = Text()
        text.append("CPU ", "bold")
        text.append(f"{pct(s.cpu_pct)}  user {pct(s.cpu_user_pct)}  "
                    f"system {pct(s.cpu_system_pct)}  iowait {pct(s.cpu_iowait_pct)}  "
                    f"steal {pct(s.cpu_steal_pct)}\n")
        text.append("Mem ", "bold")
        text.append(f"{pct(s.mem_pct)} ({fmt.compact_size(s.mem_used)} of "
                    f"{fmt.compact_size(s.mem_total)})  ")
        text.append("Swap ", "bold")
        text.append(f"{pct(s.swap_pct)}  ")
        text.append("Load ", "bold")
        text.append(f"{fmt.num(s.load1)} {fmt.num(s.load5)} {fmt.num(s.load15)} "
                    f"({fmt.num(s.load_per_core)}/core)")
        self.update(text)
