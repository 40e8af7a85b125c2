"""`opsconsole checks -i INVENTORY [PATTERN]` against real sshd hosts, and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from console.cli import main
from tests.checks_lab import script
from tests.sshlab import SshLab, loopback_addresses


def _inventory(lab: SshLab, tmp_path: Path) -> Path:
    ok = script(tmp_path / "check_ok", "echo 'OK - all fine | load=0.5;4;8;0'\n")
    warn = script(tmp_path / "check_warn", "echo 'WARNING - raid degraded'\nexit 1\n")
    crit = script(tmp_path / "check_crit", "echo 'CRITICAL - disk dead'\nexit 2\n")
    sshd = lab.start_daemon(loopback_addresses(3, first=80))
    hosts = lab.hosts_of(sshd)
    path = lab.write_inventory(hosts, extra_vars={"console_checks": {"base": str(ok)}})
    data = yaml.safe_load(path.read_text())
    lab_hosts = data["all"]["children"]["lab"]["hosts"]
    lab_hosts["host-2"]["console_checks"] = {"raid": {"command": str(warn), "timeout": 5}}
    lab_hosts["host-3"]["console_checks"] = {"disk": {"command": str(crit)}}
    data["all"]["children"]["db"] = {"hosts": {"host-2": None, "host-3": None}}
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.sshd
def test_checks_command_prints_a_table_and_exits_with_the_worst_code(
        ssh_lab: SshLab, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inv = _inventory(ssh_lab, tmp_path)
    db = tmp_path / "none.db"  # absent: no baselines needed, and none is created
    assert main(["checks", "-i", str(inv), "--db", str(db)]) == 2
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["HOST", "CHECK", "STATE", "TIME", "STATUS"]
    assert lines[1].split()[:3] == ["host-3", "disk", "CRITICAL"]
    assert lines[1].endswith("CRITICAL - disk dead")
    assert lines[2].split()[:3] == ["host-2", "raid", "WARNING"]
    assert sum("base" in line and "OK - all fine" in line for line in lines) == 3
    assert lines[-1] == "1 CRITICAL, 0 UNKNOWN, 1 WARNING, 3 OK"
    assert not db.exists()

    # An Ansible pattern: the db group without host-3 -> only WARNING and OK.
    assert main(["checks", "-i", str(inv), "--db", str(db), "-v", "db:!host-3"]) == 1
    out = capsys.readouterr().out
    assert "host-3" not in out and "host-1" not in out
    assert "perfdata load=0.5 (warn 4, crit 8, range 0..)" in out

    # A host that cannot be reached: UNKNOWN with the reason, exit 3.
    ssh_lab.daemons[0].stop()
    assert main(["checks", "-i", str(inv), "--db", str(db), "host-1"]) == 3
    out = capsys.readouterr().out
    assert "UNKNOWN" in out and "host not connected" in out


@pytest.mark.parametrize(("checks", "expected"), [
    ({"x": {"preset": "backup_ages"}},
     "all.vars.console_checks.x.preset: unknown preset 'backup_ages'; did you mean "
     "backup_age?"),
    ({"x": {"preset": "backup_age"}},
     "all.vars.console_checks.x: preset backup_age needs the parameter glob (files to "
     "look at)"),
    ({"x": {"preset": "cert_expiry", "file": "/a.pem", "warn_days": 3, "crit_days": 9}},
     "all.vars.console_checks.x.warn_days: warn_days 3 and crit_days 9 are the wrong way "
     "round"),
    ({"x": {"command": "check_x", "intervall": 5}},
     "all.vars.console_checks.x.intervall: unknown key 'intervall' for a command check; "
     "did you mean interval?"),
    ({"x": {"command": "check_x", "timeout": -1}},
     "all.vars.console_checks.x.timeout: must be a positive number of seconds, got -1"),
    ({"x": {"command": "a", "preset": "accounts"}},
     "all.vars.console_checks.x: needs exactly one of command or preset"),
])
def test_a_bad_check_definition_is_one_line_with_file_line_and_key(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], checks: dict,
        expected: str) -> None:
    inv = tmp_path / "inv.yaml"
    inv.write_text(yaml.safe_dump({"all": {"vars": {"console_checks": checks},
                                           "hosts": {"web-1": None}}}, sort_keys=False))
    assert main(["checks", "-i", str(inv)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert err.startswith(f"opsconsole: {inv}:"), err
    assert err.endswith(expected), err
    line = int(err.split(":")[2])
    key = expected.split(":")[0].split(".")[-1]
    assert key in inv.read_text().splitlines()[line - 1], (line, inv.read_text())


@pytest.mark.sshd
def test_checks_command_reads_accepted_baselines_from_the_database(
        ssh_lab: SshLab, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    from console.store import Store

    passwd = tmp_path / "passwd"
    passwd.write_text("root:x:0:0:root:/root:/bin/bash\n")
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=86))
    inv = ssh_lab.write_inventory(ssh_lab.hosts_of(sshd), extra_vars={"console_checks": {
        "accounts": {"preset": "accounts", "passwd": str(passwd)}}})
    db = tmp_path / "team.db"
    assert main(["checks", "-i", str(inv), "--db", str(db)]) == 3  # no database yet
    assert "no accepted baseline yet: 1 login accounts (root)" in capsys.readouterr().out

    async def accept() -> None:
        async with Store.open(db, author="alice") as store:
            await store.accept_check_baseline("host-1", "accounts",
                                              "root:0:0:/root:/bin/bash")

    asyncio.run(accept())
    assert main(["checks", "-i", str(inv), "--db", str(db)]) == 0
    assert "ACCOUNTS OK - 1 login accounts as accepted (UID 0: root)" in \
        capsys.readouterr().out
    passwd.write_text("root:x:0:0:root:/root:/bin/bash\nmallory:x:0:0::/:/bin/sh\n")
    assert main(["checks", "-i", str(inv), "--db", str(db)]) == 2
    assert "new UID 0 account mallory" in capsys.readouterr().out
