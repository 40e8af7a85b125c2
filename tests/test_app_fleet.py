"""The real Textual app, driven by Pilot, against real sshd hosts on loopback."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widget import Widget

from console.app import OpsConsole
from console.fleet.events import SampleArrived
from console.fleet.model import FleetModel
from console.fleet.rows import COLUMNS
from console.format import DASH
from console.inventory import Host, Inventory, load_inventory
from console.metrics.alerts import AlertEngine
from console.metrics.sample import Sample
from console.metrics.thresholds import thresholds_for_host
from console.screens.help import HelpScreen
from console.screens.modals.confirm import ConfirmModal
from console.widgets.alerts_panel import AlertsPanel
from console.widgets.fleet_table import FleetTable
from console.widgets.summary_bar import SummaryBar
from tests.sshlab import SshLab, loopback_addresses
from tests.waiting import eventually


def cells(app: OpsConsole, host: str) -> dict[str, str]:
    return app.main_screen.query_one(FleetTable).cells_of(host)


def screen_line(app: OpsConsole, host: str) -> str:
    """The host's line as drawn on the terminal (the table's line API output)."""
    table = app.main_screen.query_one(FleetTable)
    y = table.order.index(host) - table.scroll_offset.y + 1
    return table.render_line(y).text


async def until(pilot, predicate, timeout: float, what: str) -> None:
    await eventually(predicate, timeout, what, pilot=pilot, period=0.2)


class WidgetApp(App[None]):
    """One widget alone in an app: the widget tests below drive the real widget."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


def model_of(names: list[str]) -> FleetModel:
    hosts = tuple(Host(name=n, groups=("all",), address="127.0.0.1") for n in names)
    return FleetModel(Inventory(path=None, hosts=hosts, groups={}))


def cpu_sample(cpu: float) -> Sample:
    return Sample(wall_time=0.0, taken_at=0.0, cpu_pct=cpu)


@pytest.mark.sshd
async def test_fleet_table_shows_live_hosts_and_a_host_going_down(ssh_lab: SshLab) -> None:
    sshd_a = ssh_lab.start_daemon(loopback_addresses(2, first=70))
    sshd_b = ssh_lab.start_daemon(loopback_addresses(1, first=72))
    inventory = load_inventory(ssh_lab.write_inventory(ssh_lab.hosts_of(sshd_a, sshd_b)))
    app = OpsConsole(inventory)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: all(cells(app, h)["cpu"].strip() not in (DASH, "")
                                       for h in ("host-1", "host-2", "host-3")),
                    15, "cpu figures on every row")
        row = cells(app, "host-1")
        assert row["state"] == "up"
        assert row["group"] == "lab"
        assert 0 <= float(row["cpu"]) <= 100
        assert 0 < float(row["mem"]) < 100
        assert float(row["rtt"]) > 0
        assert "3 up" in str(app.screen.query_one(SummaryBar).render())
        drawn = screen_line(app, "host-1")
        assert drawn.startswith("host-1") and " up " in drawn and row["cpu"] in drawn

        sshd_b.stop()
        await until(pilot, lambda: cells(app, "host-3")["state"].startswith(
            ("retry in", "unreachable")), 15, "host-3 shown down")
        # First the broken link, then each retry's own reason.
        await until(pilot, lambda: "connection refused" in cells(app, "host-3")["detail"],
                    15, "the retry's reason on screen")
        # Its old figures are not presented as live: the age keeps growing, and the
        # row is styled stale; the other hosts keep updating.
        assert cells(app, "host-1")["state"] == "up"
        summary = str(app.screen.query_one(SummaryBar).render())
        assert "1 down" in summary and "2 up" in summary


@pytest.mark.sshd
async def test_unknown_host_key_is_trusted_only_through_the_dialog(ssh_lab: SshLab) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=74), trust=False)
    inventory = load_inventory(ssh_lab.write_inventory(ssh_lab.hosts_of(sshd)))
    app = OpsConsole(inventory)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: cells(app, "host-1")["state"] == "key unknown",
                    15, "host key unknown shown")
        await pilot.press("k")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), 10, "the dialog")
        body = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "SHA256:" in body
        await pilot.press("escape")  # declined: nothing trusted
        await pilot.pause(0.5)
        assert cells(app, "host-1")["state"] == "key unknown"
        assert "not in known_hosts" in cells(app, "host-1")["detail"]
        assert ssh_lab.known_hosts_path.read_text().strip() == ""
        await pilot.press("k")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), 10, "the dialog")
        await pilot.click("#confirm")
        await until(pilot, lambda: cells(app, "host-1")["state"] == "up", 15, "host up")
        assert str(sshd.port) in ssh_lab.known_hosts_path.read_text()


async def test_local_machine_help_and_palette() -> None:
    app = OpsConsole(Inventory.local_only())
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: cells(app, "localhost")["mem"].strip() not in (DASH, ""),
                    10, "local figures")
        assert "this machine" in str(app.screen.query_one(SummaryBar).render())
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.press(*"Filter")
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.screen.query_one("#filter").has_focus
        await pilot.press(*"nomatch")
        await pilot.pause(0.3)
        assert app.screen.query_one(FleetTable).row_count == 0
        await pilot.press("escape")
        await pilot.pause(0.3)
        assert app.screen.query_one(FleetTable).row_count == 1


async def test_sorting_reorders_rows_and_marks_the_header() -> None:
    """`s` cycles the sort column (figures highest first), `S` reverses, a click on a
    header sorts by it; the header shows the column and direction in the same repaint."""
    model = model_of(["a", "b", "c"])
    for name, cpu in (("a", 10.0), ("b", 90.0), ("c", 50.0)):
        model.on_event(SampleArrived(name, cpu_sample(cpu)))
    table = FleetTable(model)
    async with WidgetApp(table).run_test(size=(120, 10)) as pilot:
        table.focus()
        header = lambda: table.render_line(0).text  # noqa: E731
        assert "State▼" in header()
        await pilot.press("s")  # state -> cpu
        assert table.order == ["b", "c", "a"]
        assert "CPU%▼" in header() and "State▼" not in header()
        await pilot.press("S")
        assert table.order == ["a", "c", "b"] and "CPU%▲" in header()
        await pilot.click(FleetTable, offset=(2, 0))  # the Host header
        assert table.order == ["a", "b", "c"] and "Host▲" in header()
        # A sample newer than the last tick: the re-sort and the figures shown agree.
        model.on_event(SampleArrived("a", cpu_sample(95.0)))
        for _ in range(len(COLUMNS) + 2):  # once round the columns, from host to cpu
            await pilot.press("s")
        assert "CPU%▼" in header() and table.order == ["a", "b", "c"]
        assert table.cells_of("a")["cpu"].strip() == "95.0"
        assert "95.0" in table.render_line(1).text


async def test_a_long_table_scrolls_and_its_scrollbar_follows_the_rows() -> None:
    """The scrollable height follows the row count without a screen layout each time
    (LineTable._set_virtual_size): the cursor still scrolls into view, the scrollbar
    still appears and goes."""
    table = FleetTable(model_of([f"h{i:02d}" for i in range(30)]))
    async with WidgetApp(table).run_test(size=(120, 10)) as pilot:
        table.focus()
        await pilot.pause()
        assert table.virtual_size.height == 31 and table.show_vertical_scrollbar
        await pilot.press("end")
        await pilot.pause()
        assert table.selected_key() == table.order[-1]
        assert table.order[-1] in table.visible_keys() and table.scroll_offset.y > 0
        table.set_filter("h0")  # h00..h09
        await pilot.pause()
        assert table.row_count == 10 and table.virtual_size.height == 11
        assert table.scroll_offset.y <= 11 - table.size.height + 1
        table.set_filter("h01")
        await pilot.pause()
        assert table.row_count == 1 and not table.show_vertical_scrollbar
        assert table.scroll_offset.y == 0 and "h01" in table.render_line(1).text


async def test_alerts_panel_lists_worst_and_oldest_first_and_scrolls() -> None:
    """Real alert engine, real panel: crit before warn, oldest first; host, metric,
    value, threshold and since on each line; rows below the fold are drawn right when
    they scroll into view (they are built only then)."""
    engine = AlertEngine()
    limits = thresholds_for_host({"console_thresholds": {"cpu": {"warn": 80, "crit": 90,
                                                                   "for": 1}}})
    for i in range(20):  # warn, opened one second apart
        engine.observe(f"w{i:02d}", cpu_sample(85.0), limits, 1000.0 + i)
    for i in range(3):
        engine.observe(f"c{i}", cpu_sample(97.0), limits, 2000.0 + i)

    panel = AlertsPanel()
    async with WidgetApp(panel).run_test(size=(140, 14)) as pilot:
        panel.show(engine.active_alerts())
        panel.focus()
        await pilot.pause()
        assert [k.split("\0")[0] for k in panel.order[:4]] == ["c0", "c1", "c2", "w00"]
        first = panel.render_line(1).text
        assert first.split()[:3] == ["CRIT", "c0", "cpu"] and "97.0%" in first
        assert "crit 90%" in first
        await pilot.press("end")
        await pilot.pause()
        last = panel.render_line(panel.cursor - panel.scroll_offset.y + 1).text
        assert last.split()[:3] == ["WARN", "w19", "cpu"] and "85.0%" in last
        # A new figure for an alert off screen shows when it is drawn, not the old one.
        engine.observe("w19", cpu_sample(88.0), limits, 3000.0)
        await pilot.press("home")
        panel.show(engine.active_alerts())
        await pilot.press("end")
        await pilot.pause()
        last = panel.render_line(panel.cursor - panel.scroll_offset.y + 1).text
        assert "88.0%" in last
