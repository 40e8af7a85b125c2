"""Operations from the real Textual app (Pilot) on real sshd hosts: mark hosts, run a
command with a typed confirmation, see grouped output; signal a process picked from
the host screen's process list; read-only refusing through the key and the palette."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import psutil
from textual.widgets import Input

from console.app import OpsConsole
from console.inventory import load_inventory
from console.screens.host_detail import HostDetailScreen
from console.screens.main import MainScreen
from console.screens.modals.confirm import ConfirmModal
from console.screens.operation import OperationScreen
from console.widgets.process_table import ProcessTable
from tests.ops_helpers import set_vars
from tests.sshlab import SshLab, loopback_addresses
from tests.test_host_detail import screen_text, until


def audit_phases(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [row[0] for row in conn.execute("SELECT phase FROM audit ORDER BY id")]
    finally:
        conn.close()


async def test_mark_hosts_run_a_command_and_read_grouped_output(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(3, first=190))
    inventory = load_inventory(ssh_lab.write_inventory(ssh_lab.hosts_of(sshd)))
    db = tmp_path / "team.db"
    app = OpsConsole(inventory, db_path=db)
    async with app.run_test(size=(160, 48)) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        await until(pilot, lambda: app.operations.store is not None, 10, "store open")
        main.table.select_host("host-1")
        await pilot.press("space")
        main.table.select_host("host-3")
        await pilot.press("space")
        assert main.selected_hosts() == ["host-1", "host-3"]
        assert "▶ host-1" in screen_text(app)
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen.focused, Input), 5, "command box")
        await pilot.press(*"echo [b]hi[/b]", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), 5, "confirmation")
        shown = screen_text(app)
        assert "host-1: echo [b]hi[/b]" in shown and "host-3: echo [b]hi[/b]" in shown
        assert "host-2:" not in shown and "Type host-1 to confirm" in shown
        await pilot.press(*"host-1", "enter")
        await until(pilot, lambda: isinstance(app.screen, OperationScreen)
                    and app.screen.report is not None, 20, "the result")
        shown = screen_text(app)
        assert "host-1, host-3 (2) · ok, exit 0" in shown, shown
        assert "[b]hi[/b]" in shown  # output shown literally, never as markup
        await pilot.press("escape")
        assert app.screen is main
        # The audited operation is also a timeline entry, in this console's notes pane.
        await until(pilot, lambda: "run `echo [b]hi[/b]` on 2 hosts: 2 ok" in
                    screen_text(app), 5, "the operation in the notes pane")
    assert audit_phases(db) == ["intent", "result", "result", "finished"]


async def test_read_only_refuses_through_the_key_and_the_palette(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=194))
    inventory = load_inventory(ssh_lab.write_inventory(ssh_lab.hosts_of(sshd)))
    db, marker = tmp_path / "team.db", tmp_path / "ran"
    app = OpsConsole(inventory, db_path=db, read_only=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.operations.store is not None, 10, "store open")
        for opener in (("x",), ("ctrl+p", *"run command", "enter")):
            await pilot.press(*opener)
            await until(pilot, lambda: isinstance(app.screen.focused, Input)
                        and app.screen.focused.id == "command", 5, "command box")
            await pilot.press(*f"touch {marker}", "enter")
            await pilot.pause(0.5)
            assert not isinstance(app.screen, ConfirmModal)
            assert any("read-only (--read-only)" in n.message
                       for n in app._notifications), list(app._notifications)
    assert not marker.exists()
    assert audit_phases(db) == ["refused", "refused"]


async def test_signal_a_process_picked_from_the_process_list(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=196))
    inventory = load_inventory(ssh_lab.write_inventory(ssh_lab.hosts_of(sshd)))
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    app = OpsConsole(inventory, db_path=tmp_path / "team.db")
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await until(pilot, lambda: app.operations.store is not None
                        and app.fleet.model.views["host-1"].sample is not None, 15,
                        "store open and host sampled")
            await pilot.press("enter")
            screen = app.screen
            assert isinstance(screen, HostDetailScreen)
            table = screen.query_one("#procs-cpu", ProcessTable)
            await until(pilot, lambda: any(p.pid == busy.pid for p in table.processes),
                        15, "the busy process in the CPU list")
            table.focus()
            table.move_cursor(row=[p.pid for p in table.processes].index(busy.pid))
            await pilot.press("t")
            await until(pilot, lambda: "Signal process" in screen_text(app), 5, "signals")
            await pilot.press("enter")  # TERM, the first and default choice
            await until(pilot, lambda: isinstance(app.screen, ConfirmModal), 5, "confirm")
            assert f"kill -TERM {busy.pid}" in screen_text(app)
            await pilot.click("#confirm")
            await until(pilot, lambda: isinstance(app.screen, OperationScreen)
                        and app.screen.report is not None, 15, "the result")
            assert busy.wait(10) == -15
            assert "host-1 (1) · ok, exit 0" in screen_text(app)
    finally:
        if psutil.pid_exists(busy.pid):
            busy.kill()
            busy.wait()


async def test_two_consoles_contend_for_one_host_lock(ssh_lab: SshLab,
                                                      tmp_path: Path) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=198))
    inventory = load_inventory(ssh_lab.write_inventory(ssh_lab.hosts_of(sshd)))
    db = tmp_path / "team.db"
    first = OpsConsole(inventory, db_path=db)
    second = OpsConsole(inventory, db_path=db)
    async with first.run_test(size=(160, 48)) as one, \
            second.run_test(size=(160, 48)) as two:
        await until(one, lambda: first.operations.store is not None
                    and second.operations.store is not None, 10, "both stores open")
        for pilot in (one, two):
            await pilot.press("x")
            await pilot.pause(0.3)
        await one.press(*"sleep 3", "enter")
        await until(one, lambda: isinstance(first.screen, ConfirmModal), 5, "confirm 1")
        await one.click("#confirm")
        await until(one, lambda: isinstance(first.screen, OperationScreen), 5, "running")
        await one.pause(0.8)
        await two.press(*"true", "enter")
        await until(two, lambda: any("is held by" in n.message
                                     for n in second._notifications), 10,
                    "the second console told who holds the lock")
        message = next(n.message for n in second._notifications if "is held by" in n.message)
        assert "host:host-1 is held by" in message and "since" in message
        assert not isinstance(second.screen, ConfirmModal)
        await until(one, lambda: first.screen.report is not None, 10, "first done")
    assert audit_phases(db).count("refused") == 1


async def test_inventory_read_only_refuses_the_key_where_it_applies(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(2, first=200))
    path = set_vars(ssh_lab.write_inventory(ssh_lab.hosts_of(sshd),
                                            extra_vars={"console_read_only": True}),
                    host_vars={"host-2": {"console_read_only": False}})
    db, marker = tmp_path / "team.db", tmp_path / "ran"
    app = OpsConsole(load_inventory(path), db_path=db)
    async with app.run_test(size=(160, 48)) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        await until(pilot, lambda: app.operations.store is not None, 10, "store open")
        assert "read-only" in screen_text(app).lower()  # the bar says so
        for host in ("host-1", "host-2"):
            main.table.select_host(host)
            await pilot.press("x")
            await until(pilot, lambda: isinstance(app.screen.focused, Input), 5, "command")
            await pilot.press(*f"touch {marker}-{host}", "enter")
            await pilot.pause(0.5)
            if host == "host-2":  # deeper wins: this host is writable
                await until(pilot, lambda: isinstance(app.screen, ConfirmModal), 5, "ok")
                await pilot.click("#confirm")
                await until(pilot, lambda: isinstance(app.screen, OperationScreen)
                            and app.screen.report is not None, 15, "the result")
    assert not Path(f"{marker}-host-1").exists() and Path(f"{marker}-host-2").exists()
    assert audit_phases(db) == ["refused", "intent", "result", "finished"]
