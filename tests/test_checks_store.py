"""Checks and the shared database: baselines, timeline entries, the handoff section."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import UTC
from pathlib import Path

import pytest

from console.severity import Severity
from console.store import Store
from console.store.handoff import CheckLine, build_handoff
from console.store.schema import SCHEMA_VERSION
from console.wiring.checks import StoreBaselines, attach_checks_store
from console.wiring.notes import open_console_store
from tests.checks_lab import checks_fleet, script
from tests.sshlab import SshLab
from tests.waiting import eventually


async def test_baselines_are_shared_through_the_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    async with Store.open(path, author="alice") as store:
        baselines = StoreBaselines(store)
        assert await baselines.get("web-1", "accounts") is None
        await baselines.accept("web-1", "accounts", "root:0:0:/root:/bin/bash")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        row = conn.execute("SELECT host, check_name, body, accepted_by FROM "
                           "check_baselines").fetchone()
    assert row == ("web-1", "accounts", "root:0:0:/root:/bin/bash", "alice")
    # Another console on the same file sees it, and the timeline says who accepted it.
    async with Store.open(path, author="bob") as other:
        assert await StoreBaselines(other).get("web-1", "accounts") == \
            "root:0:0:/root:/bin/bash"
        notes = await other.recent_notes()
    assert [n.body for n in notes if n.category == "check"] == [
        "web-1 accounts: baseline accepted by alice (1 accounts)"]


async def test_handoff_lists_the_checks_that_are_not_ok(tmp_path: Path) -> None:
    async with Store.open(tmp_path / "notes.db", author="alice") as store:
        now = time.time()
        report = await build_handoff(store, 3600, now=now, tz=UTC, active_alerts=[],
                                     checks=[CheckLine("db-1", "db-backup", "critical", now,
                                                       "BACKUP CRITICAL - no file matches "
                                                       "/var/backups/*.dump")])
        empty = await build_handoff(store, 3600, now=now, tz=UTC, active_alerts=[],
                                    checks=[])
    section = report.split("## Checks not OK (1)")[1].split("##")[0]
    assert "**db-1** db-backup (critical, last run" in section
    assert "BACKUP CRITICAL - no file matches /var/backups/\\*.dump" in section
    assert "## Checks not OK (0)\n\nNone." in empty


@pytest.mark.sshd
async def test_a_check_state_change_is_an_alert_and_a_timeline_entry(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    flag = tmp_path / "broken"
    plugin = script(tmp_path / "check_flag",
                    f'if [ -e {flag} ]; then echo "CRITICAL - {flag.name} is there"; exit 2; fi\n'
                    'echo "OK - clean"\n')
    async with checks_fleet(ssh_lab, {"flag": {"command": str(plugin)}}) as fleet:
        store = await open_console_store(tmp_path / "notes.db", ["host-1"], fleet.bus,
                                         author="alice")
        try:
            await fleet.checks.run_check("host-1", "flag")
            flag.write_text("")
            await fleet.checks.run_check("host-1", "flag")
            flag.unlink()
            await fleet.checks.run_check("host-1", "flag")

            # The recorder writes through the outbox: wait for both entries to land.
            deadline = time.monotonic() + 10
            found: list[str] = []
            while len(found) < 2 and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
                found = [n.body for n in await store.recent_notes() if n.category == "alert"]
        finally:
            await store.close()
    assert found == ["host-1 check:flag CRITICAL - CRITICAL - broken is there",
                     "host-1 check:flag OK (was CRITICAL) - OK - clean"], found


@pytest.mark.sshd
async def test_a_check_of_its_own_unknown_is_in_the_timeline_a_down_host_is_not(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    """UNKNOWN because the check hung: news. UNKNOWN because the host is down: the host
    entry says it already."""
    flag = tmp_path / "hang"
    plugin = script(tmp_path / "check_maybe_hang",
                    f'if [ -e {flag} ]; then sleep 60; fi\necho "OK - quick"\n')
    async with checks_fleet(ssh_lab, {"maybe": {"command": str(plugin), "timeout": 1}}) \
            as fleet:
        store = await open_console_store(tmp_path / "notes.db", ["host-1"], fleet.bus,
                                         author="alice")
        attach_checks_store(fleet, store)
        try:
            await fleet.checks.run_check("host-1", "maybe")
            flag.write_text("")
            assert (await fleet.checks.run_check("host-1", "maybe")).severity \
                is Severity.UNKNOWN
            flag.unlink()
            await fleet.checks.run_check("host-1", "maybe")
            ssh_lab.daemons[0].stop()
            await eventually(lambda: fleet.supervisors["host-1"].status.state.value
                             in ("reconnecting", "unreachable"), 15, "host down")
            assert (await fleet.checks.run_check("host-1", "maybe")).severity \
                is Severity.UNKNOWN
            deadline = time.monotonic() + 10
            found: list[str] = []
            while len(found) < 2 and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
                found = [n.body for n in await store.recent_notes() if n.category == "alert"]
            await asyncio.sleep(0.5)
            found = [n.body for n in await store.recent_notes() if n.category == "alert"]
        finally:
            await store.close()
    assert found == [
        "host-1 check:maybe UNKNOWN - timed out after 1 s (the command was killed)",
        "host-1 check:maybe OK (was UNKNOWN) - OK - quick"], found
