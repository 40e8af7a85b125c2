"""Each preset on a real host (loopback sshd) prepared by the test."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from console.checks.accounts import LISTING
from console.severity import Severity
from tests.checks_lab import age, checks_fleet, script
from tests.sshlab import SshLab, find_free_port

pytestmark = pytest.mark.sshd
HOST = "host-1"


async def test_backup_age_fresh_old_small_and_restore_test(ssh_lab: SshLab,
                                                           tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    (backups / "db-1.dump").write_bytes(b"x" * 5000)
    age(backups / "db-1.dump", 80)
    fresh = backups / "db-2.dump"
    fresh.write_bytes(b"y" * 5000)
    age(fresh, 2)
    old_only = tmp_path / "old"
    old_only.mkdir()
    (old_only / "db-9.dump").write_bytes(b"z" * 5000)
    age(old_only / "db-9.dump", 30)
    glob = str(backups / "db-*.dump")
    checks = {
        "fresh": {"preset": "backup_age", "glob": glob, "min_size": 1000},
        "old": {"preset": "backup_age", "glob": str(old_only / "db-*.dump")},
        "none": {"preset": "backup_age", "glob": str(tmp_path / "nothing-*.dump")},
        "small": {"preset": "backup_age", "glob": glob, "min_size": 10_000},
        "restore-ok": {"preset": "backup_age", "glob": glob,
                       "restore_test": f"test -s {fresh}"},
        "restore-bad": {"preset": "backup_age", "glob": glob,
                        "restore_test": "echo 'pg_restore: error: input file is too short'"
                                        "; exit 1"},
    }
    async with checks_fleet(ssh_lab, checks) as fleet:
        run = fleet.checks.run_check
        r = await run(HOST, "fresh")
        assert r.severity is Severity.OK, r
        assert "db-2.dump is 2h0m old, 5000 bytes" in r.status
        assert {p.label: p.value for p in r.perfdata} == {"age": pytest.approx(7200, abs=60),
                                                          "size": 5000}
        r = await run(HOST, "old")
        assert r.severity is Severity.WARNING and "older than 26 h" in r.status, r
        r = await run(HOST, "none")
        assert r.severity is Severity.CRITICAL and "no file matches" in r.status, r
        r = await run(HOST, "small")
        assert r.severity is Severity.CRITICAL and "smaller than 10000 bytes" in r.status
        r = await run(HOST, "restore-ok")
        assert r.severity is Severity.OK and "restore test passed" in r.status, r
        r = await run(HOST, "restore-bad")
        assert r.severity is Severity.CRITICAL, r
        assert "restore test failed (exit 1: pg_restore: error: input file is too short)" \
            in r.status


APT_OUTPUT = """NOTE: This is only a simulation!
Reading package lists...
Inst libssl3 [3.0.11-1~deb12u1] (3.0.13-1~deb12u1 Debian-Security:12/stable-security [amd64])
Inst curl [7.88.1-10] (7.88.1-10+deb12u5 Debian:12.5/stable [amd64])
Inst tzdata [2024a-0] (2024a-0+deb12u1 Debian:12.5/stable [all])
Conf libssl3 (3.0.13-1~deb12u1 Debian-Security:12/stable-security [amd64])
"""

DNF_CHECK_UPDATE = """
bash.x86_64                 5.1.8-9.el9               baseos
openssl.x86_64              1:3.0.7-27.el9            baseos
"""


async def test_pending_updates_apt_and_dnf_with_reboot(ssh_lab: SshLab,
                                                       tmp_path: Path) -> None:
    fake = tmp_path / "bin"
    apt_out = tmp_path / "apt.txt"
    apt_out.write_text(APT_OUTPUT)
    script(fake / "apt-get", f'[ "$1" = -s ] || exit 9\ncat {apt_out}\n')
    dnf_out = tmp_path / "dnf.txt"
    dnf_out.write_text(DNF_CHECK_UPDATE)
    script(fake / "dnf", f'case "$*" in\n'
           f'  *check-update*) cat {dnf_out}; exit 100;;\n'
           '  *updateinfo*) echo "RHSA-2024:1 Important/Sec. openssl-1:3.0.7-27.el9.x86_64";;\n'
           'esac\n')
    reboot = tmp_path / "reboot-required"
    checks = {
        "apt": {"preset": "pending_updates", "path": str(fake), "manager": "apt",
                "reboot_file": str(reboot)},
        "dnf": {"preset": "pending_updates", "path": str(fake), "manager": "dnf",
                "reboot_file": str(reboot), "crit_security": 5},
    }
    async with checks_fleet(ssh_lab, checks) as fleet:
        r = await fleet.checks.run_check(HOST, "apt")
        assert r.severity is Severity.CRITICAL, r
        assert r.status == "UPDATES CRITICAL - apt: 3 pending, 1 security"
        perf = {p.label: p for p in r.perfdata}
        assert perf["pending"].value == 3 and perf["pending"].state == "warn"
        assert perf["security"].value == 1 and perf["security"].state == "crit"
        reboot.write_text("*** System restart required ***\n")
        r = await fleet.checks.run_check(HOST, "dnf")
        assert r.severity is Severity.WARNING, r
        assert r.status == "UPDATES WARNING - dnf: 2 pending, 1 security, reboot required"


def _cert(tmp_path: Path, name: str, days: int) -> Path:
    cert, key = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", str(days), "-subj", f"/CN={name}.example"],
                   check=True, capture_output=True)
    return cert


async def test_cert_expiry_files_and_an_endpoint(ssh_lab: SshLab, tmp_path: Path) -> None:
    soon, later, fine = (_cert(tmp_path, "soon", 3), _cert(tmp_path, "later", 15),
                         _cert(tmp_path, "fine", 200))
    port = find_free_port(["127.0.0.1"])
    server = subprocess.Popen(
        ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", str(soon),
         "-key", str(tmp_path / "soon.key"), "-quiet"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checks = {
        "soon": {"preset": "cert_expiry", "file": str(soon)},
        "later": {"preset": "cert_expiry", "file": str(later)},
        "fine": {"preset": "cert_expiry", "file": str(fine)},
        "missing": {"preset": "cert_expiry", "file": str(tmp_path / "nope.pem")},
        "endpoint": {"preset": "cert_expiry", "endpoint": f"127.0.0.1:{port}",
                     "servername": "soon.example"},
    }
    try:
        async with checks_fleet(ssh_lab, checks) as fleet:
            run = fleet.checks.run_check
            r = await run(HOST, "soon")
            assert r.severity is Severity.CRITICAL and "expires soon" in r.status, r
            # Whole days left, rounded down: 3 within the second it was made, else 2.
            assert r.perfdata[0].value in (2, 3) and "soon.example" in r.status
            assert f"({r.perfdata[0].value:g} days left)" in r.status
            r = await run(HOST, "later")
            assert r.severity is Severity.WARNING, r
            assert [p.label for p in r.perfdata] == ["days"] and r.perfdata[0].value in (14, 15)
            assert r.perfdata[0].warn.text == "21:" and r.perfdata[0].state == "warn"
            r = await run(HOST, "fine")
            assert r.severity is Severity.OK and "valid" in r.status, r
            r = await run(HOST, "missing")
            assert r.severity is Severity.UNKNOWN and "cannot read" in r.status, r
            r = await run(HOST, "endpoint")
            assert r.severity is Severity.CRITICAL, r
            assert f"127.0.0.1:{port} expires soon" in r.status
    finally:
        server.kill()
        server.wait()


async def test_failed_units_and_clock_skew(ssh_lab: SshLab, tmp_path: Path) -> None:
    failing, healthy, skewed = tmp_path / "failing", tmp_path / "healthy", tmp_path / "skew"
    script(failing / "systemctl",
           'echo "backup.service loaded failed failed Nightly backup"\n'
           'echo "certbot.timer loaded failed failed Renew certificates"\n')
    script(healthy / "systemctl", "exit 0\n")
    # A host clock 100 s ahead: `date` on PATH answers with the real time + 100 s.
    script(skewed / "date", 'echo "$(( $(/bin/date +%s) + 100 )).000000000"\n')
    checks = {
        "units-bad": {"preset": "failed_units", "path": str(failing)},
        "units-ok": {"preset": "failed_units", "path": str(healthy)},
        "clock": {"preset": "clock_skew"},
        "clock-off": {"preset": "clock_skew", "path": str(skewed)},
    }
    async with checks_fleet(ssh_lab, checks) as fleet:
        r = await fleet.checks.run_check(HOST, "units-bad")
        assert r.severity is Severity.CRITICAL, r
        assert r.status == "UNITS CRITICAL - 2 failed: backup.service, certbot.timer"
        assert "Nightly backup" in r.long_output
        r = await fleet.checks.run_check(HOST, "units-ok")
        assert r.severity is Severity.OK, r
        r = await fleet.checks.run_check(HOST, "clock")
        assert r.severity is Severity.OK, r  # the lab host is this machine
        assert abs(r.perfdata[0].value) < 1.0
        r = await fleet.checks.run_check(HOST, "clock-off")
        assert r.severity is Severity.CRITICAL, r
        assert "s ahead of the console's" in r.status
        assert 99 < r.perfdata[0].value < 101


async def test_accounts_against_an_accepted_baseline(ssh_lab: SshLab, tmp_path: Path) -> None:
    passwd, shadow = tmp_path / "passwd", tmp_path / "shadow"
    base = ("root:x:0:0:root:/root:/bin/bash\n"
            "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
            "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n")
    passwd.write_text(base)
    today = int(time.time() // 86400)
    shadow.write_text(f"root:*:{today - 10}:0:99999:7:::\nalice:$6$x:{today - 400}:0:99999:7:::\n")
    checks = {"accounts": {"preset": "accounts", "passwd": str(passwd),
                           "shadow": str(shadow), "max_password_age_days": 365}}
    async with checks_fleet(ssh_lab, checks) as fleet:
        sched = fleet.checks
        r = await sched.run_check(HOST, "accounts")
        assert r.severity is Severity.UNKNOWN, r
        assert "no accepted baseline yet: 2 login accounts (alice, root)" in r.status
        assert r.extra[LISTING] == ("alice:1000:1000:/home/alice:/bin/bash\n"
                                    "root:0:0:/root:/bin/bash")
        assert await sched.accept_baseline(HOST, "accounts")
        r = await sched.run_check(HOST, "accounts")
        assert r.severity is Severity.WARNING, r  # the old password
        assert r.status == "ACCOUNTS WARNING - password of alice is 400 days old"
        shadow.write_text(f"alice:$6$x:{today - 3}:0:99999:7:::\n")
        r = await sched.run_check(HOST, "accounts")
        assert r.severity is Severity.OK, r
        assert "2 login accounts as accepted (UID 0: root)" in r.status
        passwd.write_text(base + "bob:x:1001:1001:Bob:/home/bob:/bin/sh\n")
        r = await sched.run_check(HOST, "accounts")
        assert r.severity is Severity.WARNING, r
        assert "new account bob (1001:1001:/home/bob:/bin/sh)" in r.status
        passwd.write_text(base + "toor:x:0:0::/root:/usr/sbin/nologin\n")
        r = await sched.run_check(HOST, "accounts")
        assert r.severity is Severity.CRITICAL, r
        assert "new UID 0 account toor" in r.status
