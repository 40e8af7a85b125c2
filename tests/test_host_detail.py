"""The host detail screen in the real Textual app, driven by Pilot: real figures from
the local machine and from real sshd hosts, asserted on what the screen shows."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Static

from console.app import OpsConsole
from console.inventory import Inventory, load_inventory
from console.screens.host_detail import PROCESSES_EVERY_S, HostDetailScreen
from console.widgets.detail_table import DetailTable
from console.widgets.history_sparkline import HistorySparkline
from console.widgets.host_header import HostHeader
from console.widgets.mount_table import MountTable
from console.widgets.process_table import ProcessTable
from console.widgets.rates_tables import InterfaceTable
from console.widgets.service_list import ServiceList
from tests.sshlab import SshLab, loopback_addresses
from tests.waiting import eventually


async def until(pilot: Pilot, predicate: Callable[[], bool], timeout: float,
                what: str) -> None:
    await eventually(predicate, timeout, what, pilot=pilot, period=0.2)


def rows(table: DetailTable) -> list[list[str]]:
    """Every row as the table renders it (plain text of each cell)."""
    return [[cell.plain for cell in table.get_row(key)] for key in table.rows]


def text_of(widget: Static) -> str:
    return str(widget.render())


def comm(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/comm").read_text().rstrip("\n")
    except OSError:
        return None


def same_process_name(kernel: str | None, shown: str) -> bool:
    if kernel is not None and kernel.startswith("kworker/"):
        return kernel.split("-")[0] == shown.split("-")[0]
    return kernel == shown


def plain(renderable: object, width: int) -> str:
    """A renderable as the terminal would show it, without colours."""
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(renderable)
    return console.export_text().rstrip("\n")


def rendered(widget: HistorySparkline) -> str:
    return plain(widget.render(), widget.size.width)


def screen_text(app: OpsConsole) -> str:
    """The whole visible screen as plain text, as the compositor draws it."""
    return plain(app.screen._compositor.render_update(full=True), app.size.width)


async def test_local_host_detail_shows_live_figures_and_probes_only_while_open() -> None:
    app = OpsConsole(Inventory.local_only())
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.fleet.model.views["localhost"].sample is not None
                    and app.fleet.model.views["localhost"].sample.cpu_pct is not None,
                    10, "two local samples")
        await app.push_screen(HostDetailScreen(app.fleet, "localhost"))
        screen = app.screen
        assert isinstance(screen, HostDetailScreen)
        cpu_table = screen.query_one("#procs-cpu", ProcessTable)
        await until(pilot, lambda: cpu_table.row_count > 0, 10, "top processes")
        await pilot.pause(1.2)  # one view refresh after the samples

        header = text_of(screen.query_one(HostHeader))
        assert "localhost" in header and "up" in header and "processes" in header
        mounts = rows(screen.query_one(MountTable))
        assert "/" in [row[0] for row in mounts]
        root = next(row for row in mounts if row[0] == "/")
        assert 0 <= float(root[1]) <= 100  # Use%

        # The commands shown are the kernel's names of those very processes.
        shown = [(int(r[0]), r[5]) for r in rows(cpu_table)]
        # (kernel workers rename themselves as they take work: compare those by prefix)
        live = [(pid, name) for pid, name in shown if comm(pid) is not None]
        assert live and all(same_process_name(comm(pid), name) for pid, name in live), \
            [(p, n, comm(p)) for p, n in live if not same_process_name(comm(p), n)]
        assert rows(screen.query_one("#procs-mem", ProcessTable))

        cpu_line = screen.query_one("#chart-cpu", HistorySparkline)
        assert cpu_line.data and len(cpu_line.data) == 300  # 10 min at 2 s
        assert any(v == v for v in cpu_line.data)  # some known (not NaN) points
        drawn = rendered(cpu_line)
        assert len(drawn) == cpu_line.size.width
        # A console younger than 10 minutes: unknown history is dots, never zeros.
        assert drawn.startswith("·") and drawn[-1] in "▁▂▃▄▅▆▇█"
        label = text_of(screen.query_one("#chart-label-cpu", Static))
        assert label.startswith("CPU") and "%" in label
        assert "no services listed" in text_of(screen.query_one("#services-message",
                                                                Static))
        assert "Top processes by CPU" in screen_text(app)

        # Refreshed while open ...
        runs = screen.probe_runs["processes"]
        await until(pilot, lambda: screen.probe_runs["processes"] > runs,
                    PROCESSES_EVERY_S + 3, "a second ps run")
        await pilot.press("escape")
        assert not isinstance(app.screen, HostDetailScreen)
        # ... and never once closed.
        closed_at = screen.probe_runs["processes"]
        await pilot.pause(PROCESSES_EVERY_S + 0.5)
        assert screen.probe_runs["processes"] == closed_at


async def test_detail_screen_fits_80x24_and_scrolls() -> None:
    app = OpsConsole(Inventory.local_only())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("enter")  # on the fleet table's only row: the user's way in
        await until(pilot, lambda: isinstance(app.screen, HostDetailScreen), 5,
                    "the detail screen opened by Enter")
        # Every table filled (rates need a second sample), so the page has its height.
        await until(pilot, lambda: any(t.row_count for t in app.screen.query(ProcessTable))
                    and any(t.row_count for t in app.screen.query(InterfaceTable)),
                    10, "top processes and interface rates")
        screen = app.screen
        assert screen.has_class("-narrow")
        top = screen_text(app)
        assert "localhost" in top and "CPU" in top and "Memory" in top
        body = screen.query_one("#detail-body")
        assert body.max_scroll_y > 0, "more than 24 lines of detail: the page scrolls"
        assert "no services listed" not in top
        await pilot.press("end")
        await until(pilot, lambda: "no services listed" in screen_text(app), 5,
                    "the bottom of the page")
        assert body.scroll_y > 0
        assert "localhost" in screen_text(app)  # the header stays put
        await pilot.press("q")
        assert not isinstance(app.screen, HostDetailScreen)


@pytest.mark.sshd
async def test_ssh_host_detail_services_untrusted_text_and_going_down(
        ssh_lab: SshLab) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=132))
    services = {
        "fake": "true",
        "broken": "exit 3",
        # Rich markup and a terminal escape in a check's output: shown literally.
        "markup": "printf '[bold red]boom[/bold red] \\033[2J'; exit 1",
    }
    # Any real filesystem is past 0.001 % used: "/" goes CRITICAL for real on the
    # first sample, and the mount table must say so in the theme's error colour.
    thresholds = {"disk": {"warn": 0.0005, "crit": 0.001, "for": 1}}
    inventory = load_inventory(ssh_lab.write_inventory(
        ssh_lab.hosts_of(sshd), extra_vars={"console_services": services,
                                            "console_thresholds": thresholds}))
    app = OpsConsole(inventory)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.fleet.model.views["host-1"].sample is not None, 15,
                    "host-1 sampled")
        await app.push_screen(HostDetailScreen(app.fleet, "host-1"))
        screen = app.screen
        service_list = screen.query_one(ServiceList)
        cpu_table = screen.query_one("#procs-cpu", ProcessTable)
        await until(pilot, lambda: service_list.row_count == 3 and cpu_table.row_count > 0,
                    10, "services and processes")
        await pilot.pause(1.2)

        by_name = {row[0]: row for row in rows(service_list)}
        assert by_name["fake"][1] == "active"
        assert by_name["broken"][1] == "failed (exit 3)"
        assert by_name["markup"][1] == "failed (exit 1)"
        assert by_name["markup"][2] == "[bold red]boom[/bold red] ␛[2J"
        assert "[bold red]boom" in screen_text(app)
        mounts = screen.query_one(MountTable)
        assert "/" in mounts.cell_texts("mount")
        await until(pilot, lambda: mounts.cell_level("/", "use") == "crit", 5,
                    "the / mount coloured by its CRITICAL disk alert")
        crit_style = mounts.get_component_rich_style("detail-table--crit", partial=True)
        assert mounts.get_cell("/", "use").style == crit_style
        assert mounts.cell_level("/", "size") == "ok"
        header = text_of(screen.query_one(HostHeader))
        assert "host-1" in header and "group lab" in header and "RTT" in header

        sshd.stop()
        await until(pilot, lambda: "host-1" in text_of(screen.query_one(HostHeader))
                    and "figures stale" in text_of(screen.query_one(HostHeader)), 15,
                    "stale marked in the header")
        message = screen.query_one("#procs-message", Static)
        await until(pilot, lambda: "not refreshed" in text_of(message)
                    or "top processes:" in text_of(message), PROCESSES_EVERY_S + 3,
                    "the probe's failure in place")
        assert "\n" not in text_of(message)
        # Old figures stay readable, never styled as live.
        assert mounts.cell_level("/", "use") == "stale"
        assert service_list.cell_level("fake", "state") == "stale"
        assert cpu_table.cell_level("0", "command") == "stale"
        assert "not checked" in text_of(screen.query_one("#services-message", Static))
        await pilot.press("escape")
        assert not isinstance(app.screen, HostDetailScreen)
