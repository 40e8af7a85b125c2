"""The lab itself, proven with asyncssh: if these fail, every SSH test after them lies."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import asyncssh
import psutil
import pytest
import yaml

from tests import sshlab
from tests.sshlab import Sshd, SshLab, loopback_addresses


async def run_echo(lab: SshLab, address: str, port: int) -> str:
    """Connect the way the console will: keys and known_hosts found under $HOME."""
    async with asyncssh.connect(address, port=port, username=lab.user, connect_timeout=5) as conn:
        result = await conn.run("echo ok", check=True, timeout=5)
        return str(result.stdout)


def refuses(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


async def test_home_is_the_labs(ssh_lab: SshLab) -> None:
    home = Path(os.environ["HOME"])
    assert home == ssh_lab.home
    assert (home / ".ssh" / "id_ed25519").stat().st_mode & 0o077 == 0
    assert (home / ".ssh" / "id_ed25519.pub").read_text().startswith("ssh-ed25519 ")
    assert (home / ".ssh" / "config").read_text() == ""
    assert "SSH_AUTH_SOCK" not in os.environ


async def test_echo_on_two_addresses_of_one_daemon(ssh_lab: SshLab) -> None:
    sshd = ssh_lab.start_daemon(["127.0.0.2", "127.0.0.3"])
    assert sshd.running and sshd.port >= 1024
    known = ssh_lab.known_hosts_path.read_text()
    assert f"[127.0.0.2]:{sshd.port} ssh-ed25519 " in known
    assert f"[127.0.0.3]:{sshd.port} ssh-ed25519 " in known
    outputs = await asyncio.gather(
        *(run_echo(ssh_lab, address, sshd.port) for address in sshd.addresses)
    )
    assert outputs == ["ok\n", "ok\n"], sshd.log_tail()


async def test_sixteen_addresses_and_a_second_daemon(ssh_lab: SshLab) -> None:
    first = ssh_lab.start_daemon(loopback_addresses(16, first=10))
    second = ssh_lab.start_daemon(["127.0.0.10"])  # same address, its own port
    assert first.port != second.port
    endpoints = [*first.endpoints(), *second.endpoints()]
    outputs = await asyncio.gather(*(run_echo(ssh_lab, a, p) for a, p in endpoints))
    assert outputs == ["ok\n"] * 17, ssh_lab.log_tails()


async def test_address_rules(ssh_lab: SshLab) -> None:
    with pytest.raises(ValueError, match="at most 16"):
        ssh_lab.start_daemon(loopback_addresses(17))
    with pytest.raises(ValueError, match=r"127\.0\.0\.0/8"):
        ssh_lab.start_daemon(["10.0.0.1"])
    assert ssh_lab.daemons == []


async def test_stop_refuses_and_drops_connections_start_recovers(ssh_lab: SshLab) -> None:
    sshd = ssh_lab.start_daemon(["127.0.0.2"])
    port = sshd.port
    conn = await asyncssh.connect("127.0.0.2", port=port, username=ssh_lab.user)
    try:
        sshd.stop()
        assert not sshd.running
        assert refuses("127.0.0.2", port)
        with pytest.raises(OSError):
            await run_echo(ssh_lab, "127.0.0.2", port)
        # A host that goes down takes its open connections with it.
        await asyncio.wait_for(conn.wait_closed(), timeout=5)
    finally:
        conn.close()
    sshd.start()
    assert sshd.running and sshd.port == port
    assert await run_echo(ssh_lab, "127.0.0.2", port) == "ok\n", sshd.log_tail()


async def test_changed_host_key_is_not_verifiable(ssh_lab: SshLab) -> None:
    sshd = ssh_lab.start_daemon(["127.0.0.2"])
    old_key = sshd.host_public_key
    sshd.regenerate_host_key()
    assert sshd.running and sshd.host_public_key != old_key
    assert old_key in ssh_lab.known_hosts_path.read_text()
    with pytest.raises(asyncssh.HostKeyNotVerifiable):
        await run_echo(ssh_lab, "127.0.0.2", sshd.port)
    ssh_lab.trust(sshd)  # the user accepts the new key deliberately
    assert await run_echo(ssh_lab, "127.0.0.2", sshd.port) == "ok\n"


async def test_untrusted_daemon_is_unknown(ssh_lab: SshLab) -> None:
    sshd = ssh_lab.start_daemon(["127.0.0.2"], trust=False)
    assert f":{sshd.port} " not in ssh_lab.known_hosts_path.read_text()
    with pytest.raises(asyncssh.HostKeyNotVerifiable):
        await run_echo(ssh_lab, "127.0.0.2", sshd.port)


async def test_revoked_client_key_is_denied(ssh_lab: SshLab) -> None:
    sshd = ssh_lab.start_daemon(["127.0.0.2"])
    ssh_lab.revoke_client_key()
    with pytest.raises(asyncssh.PermissionDenied):
        await run_echo(ssh_lab, "127.0.0.2", sshd.port)
    ssh_lab.authorize_client_key()
    assert await run_echo(ssh_lab, "127.0.0.2", sshd.port) == "ok\n"


async def test_explicit_port_and_restart_keep_the_host_key(ssh_lab: SshLab) -> None:
    port = sshlab.find_free_port(["127.0.0.4"])
    sshd = ssh_lab.start_daemon(["127.0.0.4"], port=port)
    assert sshd.port == port
    sshd.restart()
    assert await run_echo(ssh_lab, "127.0.0.4", port) == "ok\n"  # known_hosts still matches


@pytest.mark.sshd  # its own lab, not the fixture, so it can call close() itself
async def test_close_leaves_no_sshd_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lab = SshLab(tmp_path / "lab", monkeypatch)
    daemons: list[Sshd] = [lab.start_daemon(["127.0.0.2"]), lab.start_daemon(["127.0.0.3"])]
    conns = [
        await asyncssh.connect(a, port=p, username=lab.user)
        for sshd in daemons
        for a, p in sshd.endpoints()
    ]
    # Open sessions so each daemon has per-connection children and a shell under it.
    procs = [await conn.create_process("sleep 60") for conn in conns]
    await asyncio.sleep(0.2)
    started = [p for sshd in daemons for p in sshd.descendants()]
    assert len(started) >= 2 * 3, [p.cmdline() for p in started]
    assert any("sleep" in p.name() for p in started)
    lab.close()
    still_alive = [p for p in started if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert still_alive == []
    assert lab.leftover_processes() == []
    assert all(refuses(a, p) for sshd in daemons for a, p in sshd.endpoints())
    for proc in procs:
        proc.close()
    for conn in conns:
        conn.close()


def test_missing_sshd_fails_never_skips(ssh_lab: SshLab, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sshlab, "SSHD", "/nonexistent/sbin/sshd")
    with pytest.raises(pytest.fail.Exception, match="run scripts/test"):
        ssh_lab.start_daemon(["127.0.0.2"])


def test_inventory_points_at_the_lab(ssh_lab: SshLab) -> None:
    path = ssh_lab.write_inventory(
        {"web-1": ("127.0.0.2", 20022), "web-2": ("127.0.0.3", 20022)},
        extra_vars={"console_x": 1},
        interval=0.5,
    )
    data = yaml.safe_load(path.read_text())
    assert data["all"]["vars"] == {"console_interval": 0.5, "console_x": 1}
    hosts = data["all"]["children"]["lab"]["hosts"]
    assert hosts["web-2"] == {
        "ansible_host": "127.0.0.3",
        "ansible_port": 20022,
        "ansible_user": ssh_lab.user,
        "ansible_ssh_private_key_file": str(ssh_lab.client_key_path),
    }
    assert list(hosts) == ["web-1", "web-2"]
