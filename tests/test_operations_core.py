"""Operations through the core API on real sshd hosts and a real SQLite audit:
fan-out with a host dying mid-run, a real service restarted and verified, a failover
runbook whose verify fails so rollback runs, read-only, refusals, locks, become."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import time
from pathlib import Path

import pytest

from console.bus import EventBus
from console.inventory import load_inventory
from console.operations.become import wrap
from console.operations.core import Operations
from console.operations.events import OperationProgress
from console.operations.executors import DirectExecutor
from console.operations.fanout import FAILED, OK, UNREACHABLE
from console.store.handoff import build_handoff
from console.store.locks import LEASE_S
from console.store.schema import SCHEMA_VERSION
from console.store.store import Store
from tests.ops_helpers import http_service, kill_pidfile, operations, set_vars
from tests.sshlab import SshLab, loopback_addresses


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_fan_out_groups_outputs_and_reports_a_host_dying_mid_run(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    steady = ssh_lab.start_daemon(loopback_addresses(3, first=150))
    doomed = ssh_lab.start_daemon(loopback_addresses(1, first=160))
    hosts = {**ssh_lab.hosts_of(steady), "dies": doomed.endpoints()[0]}
    inventory = load_inventory(ssh_lab.write_inventory(hosts))
    async with operations(inventory, tmp_path / "team.db") as ops:
        progress: list[OperationProgress] = []
        ops.bus = EventBus()
        ops.bus.subscribe(OperationProgress, progress.append)
        run = asyncio.create_task(ops.run_command(list(hosts), "sleep 1.5; echo same"))
        await asyncio.sleep(0.8)
        doomed.stop()  # the host goes down while the command runs on it
        report = await run
        by_host = {r.host: r for r in report.results}
        assert [by_host[h].outcome for h in ("host-1", "host-2", "host-3")] == [OK] * 3, \
            ssh_lab.log_tails()
        assert by_host["dies"].outcome in (FAILED, UNREACHABLE) and by_host["dies"].error
        groups = report.groups()
        assert groups[0].hosts == ("host-1", "host-2", "host-3")
        assert groups[0].output == "same\n" and groups[0].exit_status == 0
        assert groups[1].hosts == ("dies",)
        assert report.outcome == "failed" and report.exit_status == 1
        assert progress[-1].done == 4 and progress[-1].failed == 1
        rows = await ops.store.audit_entries(report.op_id)  # type: ignore[union-attr]
        assert [r.phase for r in rows] == ["intent"] + ["result"] * 4 + ["finished"]
        assert rows[0].author == "alice" and rows[0].tty
        assert {r.host: r.outcome for r in rows[1:5]}["dies"] == by_host["dies"].outcome


@pytest.mark.sshd
async def test_restart_a_real_service_and_verify_it_is_healthy(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=161))
    state = tmp_path / "svc"
    state.mkdir()
    service = http_service(state, free_port())
    inventory = load_inventory(ssh_lab.write_inventory(
        ssh_lab.hosts_of(sshd), extra_vars={"console_services": {"web": service}}))
    try:
        async with operations(inventory, tmp_path / "team.db") as ops:
            started = await ops.service(["host-1"], "web", "start")
            assert started.outcome == OK, started.results
            first_pid = (state / "http.pid").read_text().strip()
            report = await ops.service(["host-1"], "web", "restart")
            assert report.outcome == OK, report.results
            took = report.healthy_after["host-1"]
            assert took is not None and took < 30
            assert (state / "http.pid").read_text().strip() != first_pid
            status = await ops.service(["host-1"], "web", "status")
            assert status.outcome == OK
            assert "host-1 healthy " in ops.summary(report) and "after the restart" in \
                ops.summary(report)
            rows = await ops.store.audit_entries(report.op_id)  # type: ignore[union-attr]
            assert [r.phase for r in rows] == ["intent", "result", "verify", "finished"]
            assert rows[1].command == service["restart"]
            assert rows[2].detail.startswith("healthy after")
    finally:
        kill_pidfile(state / "http.pid")


@pytest.mark.sshd
async def test_failover_runbook_verify_fails_so_rollback_runs(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(3, first=165))
    d = tmp_path / "state"
    d.mkdir()
    runbook = {
        "description": "promote db-2",
        "steps": [
            {"kind": "check", "hosts": "db-2", "run": f"echo standby > {d}/db-2"},
            {"kind": "run", "hosts": "db-1", "run": f"echo stopped > {d}/db-1"},
            {"kind": "run", "hosts": "db-2", "run": f"echo primary > {d}/db-2"},
            {"kind": "run", "hosts": "db-3", "run": f"echo follows-db-2 > {d}/db-3"},
            {"kind": "verify", "hosts": "db-2", "run": f"grep -q healthy {d}/db-2",
             "timeout": 5},
        ],
        "rollback": [
            {"hosts": "db-1", "run": f"echo primary > {d}/db-1"},
            {"hosts": "db-2:db-3", "run": f"echo rolled-back > {d}/$(hostname)-unused; "
             "true"},
        ],
    }
    inventory = load_inventory(ssh_lab.write_inventory(
        ssh_lab.hosts_of(sshd, prefix="db"), extra_vars={"console_runbooks":
                                                         {"failover": runbook}}))
    async with operations(inventory, tmp_path / "team.db") as ops:
        dry = await ops.runbook("failover", dry_run=True)
        assert dry.outcome == "dry run" and not list(d.iterdir())
        text = dry.plan.describe()  # type: ignore[union-attr]
        assert text.index("[1 check] db-2") < text.index("[5 verify] db-2") \
            < text.index("[rollback 1] db-1")
        report = await ops.runbook("failover")
        assert report.outcome == "failed" and report.message == \
            "step 5 verify failed; rollback ran"
        assert (d / "db-1").read_text() == "primary\n"
        assert (d / "db-3").read_text() == "follows-db-2\n"
        assert [label for label, _ in report.steps] == [
            "1 check", "2 run", "3 run", "4 run", "5 verify", "rollback 1", "rollback 2"]
        rows = await ops.store.audit_entries(report.op_id)  # type: ignore[union-attr]
        assert rows[0].phase == "intent" and "[rollback 2] db-3" in rows[0].detail
        steps = [(r.step, r.host, r.outcome) for r in rows if r.phase == "result"]
        assert steps == [("1 check", "db-2", OK), ("2 run", "db-1", OK),
                         ("3 run", "db-2", OK), ("4 run", "db-3", OK),
                         ("5 verify", "db-2", "failed"), ("rollback 1", "db-1", OK),
                         ("rollback 2", "db-2", OK), ("rollback 2", "db-3", OK)]
        assert rows[-1].phase == "finished" and rows[-1].outcome == "failed"
        assert await ops.store.outbox.flush(5)  # type: ignore[union-attr]
        handoff = await build_handoff(ops.store, 3600)  # type: ignore[arg-type]
        assert "runbook failover" in handoff and "→ failed" in handoff
        # A failed precondition: nothing ran, so nothing is rolled back.
        (d / "db-1").unlink()
        (d / "db-2").write_text("healthy\n")
        ops.inventory = load_inventory(ssh_lab.write_inventory(
            ssh_lab.hosts_of(sshd, prefix="db"), extra_vars={"console_runbooks": {
                "failover": {**runbook, "steps": [
                    {"kind": "check", "hosts": "db-2", "run": "false"},
                    *runbook["steps"][1:]]}}}))
        early = await ops.runbook("failover")
        assert early.message == "step 1 check failed; nothing had changed, so no rollback"
        assert [label for label, _ in early.steps] == ["1 check"]
        assert not (d / "db-1").exists()


@pytest.mark.sshd
async def test_read_only_and_bad_names_refuse_before_anything_runs(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(2, first=170))
    marker = tmp_path / "ran"
    path = ssh_lab.write_inventory(ssh_lab.hosts_of(sshd), extra_vars={
        "console_services": [f"evil;id>{marker}", "ok"]})
    inventory = load_inventory(set_vars(path, {"console_read_only": True},
                                        {"host-2": {"console_read_only": False}}))
    async with operations(inventory, tmp_path / "team.db") as ops:
        # The group says read-only; host-2 says otherwise, and deeper wins.
        refused = await ops.run_command(["host-1"], f"touch {marker}")
        assert refused.outcome == "refused" and "console_read_only" in refused.message
        allowed = await ops.run_command(["host-2"], "true")
        assert allowed.outcome == OK
        bad = await ops.service(["host-2"], f"evil;id>{marker}", "restart")
        assert bad.outcome == "refused" and "not a plain name" in bad.message
        assert (await ops.signal("host-2", 1234, "TERM; reboot")).outcome == "refused"
        assert not marker.exists()
        rows = await ops.store.audit_entries()  # type: ignore[union-attr]
        assert [r.phase for r in rows].count("refused") == 3
    async with operations(inventory, tmp_path / "team.db", read_only=True) as ops:
        everywhere = await ops.run_command(["host-2"], f"touch {marker}")
        assert everywhere.outcome == "refused" and "--read-only" in everywhere.message
        assert everywhere.exit_status == 3 and not marker.exists()


@pytest.mark.sshd
async def test_two_consoles_contend_for_a_host_lock(ssh_lab: SshLab,
                                                    tmp_path: Path) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=175))
    inventory = load_inventory(ssh_lab.write_inventory(ssh_lab.hosts_of(sshd)))
    db = tmp_path / "team.db"
    async with operations(inventory, db, author="alice") as first, \
            operations(inventory, db, author="bob") as second:
        long = asyncio.create_task(first.run_command(["host-1"], "sleep 1.5"))
        await asyncio.sleep(0.7)
        held = await second.run_command(["host-1"], "true")
        assert held.outcome == "refused"
        assert "host:host-1 is held by alice on" in held.message and "since" in held.message
        assert (await long).outcome == OK
        assert (await second.run_command(["host-1"], "true")).outcome == OK  # released


async def test_a_dead_consoles_lock_expires(tmp_path: Path) -> None:
    db = tmp_path / "team.db"
    dead = await Store.connect(db, author="alice")
    await dead.acquire_locks(["runbook:failover"], "/dev/pts/3", "runbook failover")
    await dead.close()  # killed: it never releases nor renews
    async with Store.open(db, author="bob") as other:
        (lock,) = await other.locks_held()
        assert lock.owner == "alice" and lock.tty == "/dev/pts/3"
        with pytest.raises(Exception, match="held by alice on /dev/pts/3"):
            await other.acquire_locks(["runbook:failover"], "/dev/pts/4", "x")
        later = time.time() + LEASE_S + 1
        await other.acquire_locks(["runbook:failover"], "/dev/pts/4", "x", now=later)
        assert [lk.owner for lk in await other.locks_held(now=later)] == ["bob"]


async def test_audit_rows_cannot_be_changed_or_deleted(tmp_path: Path) -> None:
    db = tmp_path / "team.db"
    async with Store.open(db) as store:
        from console.store.audit import AuditEntry

        await store.audit(AuditEntry("op1", "alice", "tty1", "c1", "command", "intent",
                                     command="uptime"))
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    for sql in ("UPDATE audit SET command = 'ls'", "DELETE FROM audit"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(sql)
    assert conn.execute("SELECT command FROM audit").fetchall() == [("uptime",)]
    conn.close()


@pytest.mark.sshd
async def test_become_runs_through_sudo_n(ssh_lab: SshLab, tmp_path: Path) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(2, first=178))
    path = ssh_lab.write_inventory(ssh_lab.hosts_of(sshd), extra_vars={
        "ansible_become": True, "ansible_become_user": "nobody"})
    inventory = load_inventory(set_vars(path, host_vars={
        "host-2": {"ansible_become_method": "su"}}))
    host = inventory.host("host-1")
    assert wrap(host, "id -un; echo $0") == \
        "sudo -n -u nobody -- /bin/sh -c 'id -un; echo $0'"
    async with operations(inventory, tmp_path / "team.db") as ops:
        report = await ops.run_command(["host-1"], "id -un")
        assert report.outcome == OK and report.results[0].stdout == "nobody\n", \
            report.results
        su = await ops.run_command(["host-2"], "id -un")
        assert su.outcome == "refused" and "ansible_become_method 'su'" in su.message


async def test_presence_heartbeat_renews_the_locks_of_a_live_console(tmp_path: Path) -> None:
    async with Store.open(tmp_path / "team.db", author="alice") as store:
        await store.acquire_locks(["host:web-1"], "/dev/pts/1", "restart nginx")
        (before,) = await store.locks_held()
        await store.start_presence(interval=0.2)
        await asyncio.sleep(0.7)
        (after,) = await store.locks_held()
        assert after.expires_at > before.expires_at
        assert after.acquired_at == before.acquired_at  # "since" stays the first take


async def test_without_an_audit_database_nothing_runs(tmp_path: Path) -> None:
    path = tmp_path / "inv.yaml"
    path.write_text("all:\n  hosts:\n    here: {ansible_connection: local}\n")
    marker = tmp_path / "ran"
    inventory = load_inventory(path)
    executor = DirectExecutor(inventory)
    ops = Operations(inventory, executor, None)  # the notes database could not open
    report = await ops.run_command(["here"], f"touch {marker}")
    await executor.close()
    assert report.outcome == "refused" and "no audit database" in report.message
    assert report.exit_status == 3 and not marker.exists()


def test_which_operations_need_a_typed_name(tmp_path: Path) -> None:
    path = tmp_path / "inv.yaml"
    path.write_text(
        "all:\n  vars:\n    console_services: [nginx]\n    console_runbooks:\n"
        "      drill: {steps: [{hosts: all, run: 'true'}]}\n"
        "  hosts:\n    a: {ansible_connection: local}\n    b: {ansible_connection: local}\n")
    inventory = load_inventory(path)
    ops = Operations(inventory, DirectExecutor(inventory), None)
    kill, term = ops.plan_signal("a", 1234, "KILL", "nginx"), ops.plan_signal("a", 1234, "TERM")
    assert (kill.dangerous, kill.confirm_word) == (True, "a") and not term.dangerous
    assert kill.steps[0].commands[0][1] == "kill -KILL 1234"
    assert ops.plan_command(["a", "b"], "uptime").dangerous
    assert not ops.plan_command(["a"], "uptime").dangerous
    assert ops.plan_service(["a", "b"], "nginx", "restart").dangerous
    assert not ops.plan_service(["a", "b"], "nginx", "status").dangerous
    drill = ops.plan_runbook("drill")
    assert (drill.dangerous, drill.confirm_word) == (True, "drill")
    assert drill.steps[0].hosts == ("a", "b")
