"""The checks view with Pilot, on real sshd hosts: matrix, details, run now, baseline,
and the fleet table's Checks column."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from console.app import OpsConsole
from console.inventory import load_inventory
from console.screens.check_detail import CheckDetailScreen
from console.screens.checks import ChecksScreen
from console.widgets.checks_matrix import ChecksMatrix
from console.widgets.fleet_table import FleetTable
from tests.checks_lab import script
from tests.sshlab import SshLab, loopback_addresses
from tests.waiting import eventually

pytestmark = pytest.mark.sshd


async def until(pilot, predicate, timeout: float, what: str) -> None:
    await eventually(predicate, timeout, what, pilot=pilot, period=0.2)


def matrix_lines(app: OpsConsole) -> list[str]:
    matrix = app.screen.query_one(ChecksMatrix)
    return [matrix.render_line(y).text for y in range(min(matrix.size.height,
                                                          len(matrix.order) + 1))]


def _inventory(lab: SshLab, tmp_path: Path) -> Path:
    flag = tmp_path / "flag"
    ok = script(tmp_path / "check_ok", "echo 'OK - fine | load=0.5;4;8;0'\n")
    flaky = script(tmp_path / "check_flag",
                   f'if [ -e {flag} ]; then echo "CRITICAL - flag raised";'
                   f" exit 2; fi\necho 'OK - flag down'\n")
    passwd = tmp_path / "passwd"
    passwd.write_text("root:x:0:0:root:/root:/bin/bash\n")
    sshd = lab.start_daemon(loopback_addresses(3, first=90))
    path = lab.write_inventory(lab.hosts_of(sshd), extra_vars={"console_checks": {
        "base": {"command": str(ok), "interval": 3600},
        "accounts": {"preset": "accounts", "passwd": str(passwd), "interval": 3600}}})
    data = yaml.safe_load(path.read_text())
    data["all"]["children"]["lab"]["hosts"]["host-2"]["console_checks"] = {
        "flag": {"command": str(flaky), "interval": 3600}}
    path.write_text(yaml.safe_dump(data))
    return path


async def test_checks_view_matrix_details_run_now_and_baseline(ssh_lab: SshLab,
                                                               tmp_path: Path) -> None:
    inventory = load_inventory(_inventory(ssh_lab, tmp_path))
    (tmp_path / "flag").write_text("")
    app = OpsConsole(inventory, db_path=tmp_path / "notes.db")
    async with app.run_test(size=(120, 30)) as pilot:
        sched = app.fleet.checks
        # Hourly checks start within 30 s of each other; the test does not wait for
        # that: once the hosts are up, run them all now.
        await until(pilot, lambda: all(v.status.state.value == "up"
                                       for v in app.fleet.model.views.values()), 20, "up")
        sched.run_now(["host-1", "host-2", "host-3"])
        await until(pilot, lambda: len(sched.results) == 7, 20, "every check ran once")
        # The fleet table's Checks column sums each host up.
        table = app.main_screen.query_one(FleetTable)
        await until(pilot, lambda: table.cells_of("host-2")["checks"] == "1C 1U", 5,
                    "checks column")
        assert table.cells_of("host-1")["checks"] == "1U"  # accounts: no baseline yet
        assert app.main_screen.query_one(FleetTable).columns[10].label == "Checks"

        await pilot.press("c")
        assert isinstance(app.screen, ChecksScreen)
        await pilot.pause(0.6)
        lines = matrix_lines(app)
        assert lines[0].split()[:4] == ["Host", "▸accounts", "base", "flag"]
        assert lines[1].split() == ["host-2", "UNKN", "OK", "CRIT"]  # worst first
        assert lines[2].split() == ["host-1", "UNKN", "OK"]

        # Enter on host-2 / flag: the last output, made safe, and the history.
        await pilot.press("right", "right", "enter")
        assert isinstance(app.screen, CheckDetailScreen)
        await pilot.pause(0.6)
        text = app.screen.render_text().plain
        assert "host-2 / flag" in text and "CRITICAL   exit 2" in text
        assert "CRITICAL - flag raised" in text
        assert "History (last 1, newest first)" in text

        # Run now after the flag is gone: the cell turns OK.
        (tmp_path / "flag").unlink()
        await pilot.press("r")
        await until(pilot, lambda: sched.results[("host-2", "flag")].status ==
                    "OK - flag down", 10, "run now")
        await until(pilot, lambda: "History (last 2" in app.screen.render_text().plain,
                    3, "history grows")
        await pilot.press("escape")
        assert isinstance(app.screen, ChecksScreen)

        # Accept the accounts baseline of host-1 from the matrix.
        matrix = app.screen.query_one(ChecksMatrix)
        # host-2 is all OK but accounts now, level with host-1: ties go by name.
        await until(pilot, lambda: [line.split()[0] for line in matrix_lines(app)[1:]] == [
            "host-1", "host-2", "host-3"], 3, "host-2 no longer first")
        await pilot.press("up", "left", "left")
        assert (matrix.selected_key(), matrix.selected_check()) == ("host-1", "accounts")
        await pilot.press("A")
        await until(pilot, lambda: sched.results[("host-1", "accounts")].status.startswith(
            "ACCOUNTS OK - 1 login accounts as accepted"), 10, "baseline accepted")
        await until(pilot, lambda: matrix_lines(app)[3].split() == ["host-1", "OK", "OK"],
                    3, "host-1 all OK, now last")
        assert matrix_lines(app)[1].split() == ["host-2", "UNKN", "OK", "OK"]
        assert await app.store.check_baseline("host-1", "accounts") is not None
        await pilot.press("escape")
        assert app.screen is app.main_screen
