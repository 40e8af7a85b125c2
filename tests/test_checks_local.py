"""Checks on the console's own machine (ansible_connection: local), no SSH at all."""

from __future__ import annotations

from pathlib import Path

import yaml

from console.events import HostState
from console.fleet.fleet import Fleet
from console.inventory import load_inventory
from console.severity import Severity
from tests.waiting import eventually


async def test_checks_run_on_a_local_host_too(tmp_path: Path) -> None:
    inv = tmp_path / "inv.yaml"
    inv.write_text(yaml.safe_dump({"all": {"hosts": {"here": {
        "ansible_connection": "local",
        "console_checks": {
            "clock": {"preset": "clock_skew"},
            "plugin": {"command": "echo 'WARNING - local | x=3;2;5'; exit 1"},
            "units": {"preset": "failed_units", "path": str(tmp_path)},
        }}}}}))
    (tmp_path / "systemctl").write_text("#!/bin/sh\necho 'a.service loaded failed failed A'\n")
    (tmp_path / "systemctl").chmod(0o755)
    fleet = Fleet(load_inventory(inv))
    fleet.start()
    await fleet.checks.stop()
    try:
        await eventually(lambda: fleet.supervisors["here"].status.state is HostState.UP, 10,
                         "local host up")
        results = {r.check: r for r in await fleet.checks.run_all_once()}
    finally:
        await fleet.stop()
    assert results["clock"].severity is Severity.OK
    assert abs(results["clock"].perfdata[0].value) < 0.5
    assert (results["plugin"].severity, results["plugin"].status) == (
        Severity.WARNING, "WARNING - local")
    assert results["plugin"].perfdata[0].state == "warn"
    assert results["units"].status == "UNITS CRITICAL - 1 failed: a.service"
