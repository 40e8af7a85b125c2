"""Helpers for the checks tests: a fleet on real sshd hosts with given checks."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

from console.events import HostState
from console.fleet.fleet import Fleet
from console.inventory import load_inventory
from tests.sshlab import SshLab, loopback_addresses
from tests.waiting import eventually


def script(path: Path, body: str) -> Path:
    """An executable shell script (a plugin, a fake package manager)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@contextlib.asynccontextmanager
async def checks_fleet(lab: SshLab, checks: Mapping[str, Any], *, hosts: int = 1,
                       first: int = 60, start: bool = False) -> AsyncIterator[Fleet]:
    """A fleet of `hosts` lab hosts with `checks` on all of them, connected. With
    start=False the check scheduler is not started: tests call run_check themselves."""
    sshd = lab.start_daemon(loopback_addresses(hosts, first=first))
    inventory = load_inventory(lab.write_inventory(
        lab.hosts_of(sshd), extra_vars={"console_checks": dict(checks)}, interval=1.0))
    fleet = Fleet(inventory)
    fleet.start()
    if not start:
        await fleet.checks.stop()  # the links only: checks run when the test says
    try:
        await eventually(lambda: all(s.status.state is HostState.UP
                                     for s in fleet.supervisors.values()), 20,
                         "every host up", evidence=lab.log_tails)
        yield fleet
    finally:
        await fleet.stop()


def age(path: Path, hours: float) -> None:
    """Make a file look `hours` old."""
    import time

    then = time.time() - hours * 3600
    os.utime(path, (then, then))
