"""`opsconsole run` and `opsconsole runbook` as a user types them, against real sshd:
grouped output, exit status, read-only from the flag and from the inventory, audit."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.ops_helpers import set_vars
from tests.sshlab import SshLab, loopback_addresses


def opsconsole(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "console", *args], capture_output=True,
                          text=True, timeout=120)


def audit(db: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT phase, outcome, command FROM audit ORDER BY id").fetchall()
    finally:
        conn.close()


def test_headless_run_groups_outputs_and_fails_when_a_host_is_down(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    up = ssh_lab.start_daemon(loopback_addresses(3, first=180))
    down = ssh_lab.start_daemon(loopback_addresses(1, first=184))
    hosts = {**ssh_lab.hosts_of(up), "gone": down.endpoints()[0]}
    inventory = str(ssh_lab.write_inventory(hosts))
    db = tmp_path / "team.db"
    ok = opsconsole("run", "-i", inventory, "--db", str(db), "lab:!gone", "--",
                    "echo", "hello")
    assert ok.returncode == 0, ok.stderr
    assert "== host-1, host-2, host-3 (3) · ok, exit 0 ==\nhello\n" in ok.stdout
    down.stop()
    failed = opsconsole("run", "-i", inventory, "--db", str(db), "lab", "--", "echo hi")
    assert failed.returncode == 1
    assert "== gone (1) · unreachable ==" in failed.stdout
    assert "3 ok, 1 not (gone)" in failed.stderr
    bad = opsconsole("run", "-i", inventory, "--db", str(db), "web[", "--", "true")
    assert bad.returncode == 3 and "host pattern 'web['" in bad.stderr
    phases = [row[0] for row in audit(db)]
    assert phases.count("intent") == 2 and phases.count("refused") == 1


def test_headless_runbook_dry_run_and_read_only(ssh_lab: SshLab, tmp_path: Path) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(2, first=186))
    marker = tmp_path / "ran"
    runbooks = {"touch": {"steps": [{"hosts": "host-1", "run": f"touch {marker}"},
                                    {"kind": "verify", "hosts": "host-2",
                                     "run": f"test -f {marker}"}]}}
    path = ssh_lab.write_inventory(ssh_lab.hosts_of(sshd),
                                   extra_vars={"console_runbooks": runbooks})
    db = tmp_path / "team.db"
    dry = opsconsole("runbook", "-i", str(path), "--db", str(db), "touch", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"[1 run] host-1: touch {marker}" in dry.stdout
    assert f"[2 verify] host-2: test -f {marker}" in dry.stdout and not marker.exists()
    flagged = opsconsole("runbook", "-i", str(path), "--db", str(db), "--read-only", "touch")
    assert flagged.returncode == 3 and "--read-only" in flagged.stderr
    run = opsconsole("run", "-i", str(path), "--db", str(db), "--read-only", "all", "--",
                     f"touch {marker}")
    assert run.returncode == 3 and not marker.exists()
    set_vars(path, {"console_read_only": True})
    inventory_says = opsconsole("runbook", "-i", str(path), "--db", str(db), "touch")
    assert inventory_says.returncode == 3 and "console_read_only" in inventory_says.stderr
    assert not marker.exists()
    set_vars(path, {"console_read_only": False})
    done = opsconsole("runbook", "-i", str(path), "--db", str(db), "touch")
    assert done.returncode == 0, done.stdout + done.stderr
    assert marker.exists()
    assert [row[:2] for row in audit(db)] == [
        ("dry-run", ""), ("refused", "refused"), ("refused", "refused"),
        ("refused", "refused"), ("intent", ""), ("result", "ok"), ("result", "ok"),
        ("finished", "ok")]
