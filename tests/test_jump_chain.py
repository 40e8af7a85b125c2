"""Chains of jump hosts (`-J a,b` semantics) and ~/.ssh/config items, on real sshd.

The chain's proof does not rely on the console's word: bastion-1 may only forward to
bastion-2 (PermitOpen) and bastion-2 only to the targets, so a console that skipped a
hop would be refused; and while the hosts are up, the kernel's socket table must show
every TCP connection to bastion-2 owned by bastion-1's sshd and every connection to a
target owned by bastion-2's sshd, none by the console itself.
"""

from __future__ import annotations

import asyncio
import os
import time

import psutil
import pytest

from console.events import HostState
from console.fleet.fleet import Fleet
from console.inventory import load_inventory
from tests.sshlab import Sshd, SshLab, loopback_addresses

pytestmark = pytest.mark.sshd


def restrict(sshd: Sshd, extra: str) -> None:
    """Add sshd_config lines (PermitOpen ...) and restart the daemon with them."""
    sshd.config_path.write_text(sshd.config_path.read_text() + extra)
    sshd.restart()


async def wait_states(fleet: Fleet, names: list[str], state: HostState, timeout: float,
                      lab: SshLab) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(fleet.model.views[n].status.state is state for n in names):
            return
        await asyncio.sleep(0.1)
    states = {n: fleet.model.views[n].status for n in names}
    raise AssertionError(f"not all {state.value}: {states}\n{lab.log_tails()}")


def owners_of_connections_to(address: str, port: int) -> set[int]:
    """Pids owning an established TCP connection to address:port."""
    return {c.pid for c in psutil.net_connections("tcp")
            if c.raddr and c.raddr.ip == address and c.raddr.port == port
            and c.status == psutil.CONN_ESTABLISHED and c.pid is not None}


async def test_two_bastion_chain_goes_through_every_hop(ssh_lab: SshLab) -> None:
    b1_addr, b2_addr, t1, t2 = loopback_addresses(4, first=110)
    targets = ssh_lab.start_daemon([t1, t2])
    bastion2 = ssh_lab.start_daemon([b2_addr])
    bastion1 = ssh_lab.start_daemon([b1_addr])
    restrict(bastion1, f"PermitOpen {b2_addr}:{bastion2.port}\n")
    restrict(bastion2, f"PermitOpen {t1}:{targets.port} {t2}:{targets.port}\n")
    user, key = ssh_lab.user, ssh_lab.client_key_path
    inventory = ssh_lab.root / "hosts.ini"
    # INI, as many teams write it; the second hop written as user@address:port is the
    # inventory host at that address (its key comes from there).
    inventory.write_text(f"""\
[all:vars]
console_interval=0.5
ansible_user={user}
ansible_ssh_private_key_file={key}

[edge]
bastion-1 ansible_host={b1_addr} ansible_port={bastion1.port}
bastion-2 ansible_host={b2_addr} ansible_port={bastion2.port} console_jump=bastion-1

[app]
app-1 ansible_host={t1}
app-2 ansible_host={t2}

[app:vars]
ansible_port={targets.port}
console_jump=bastion-1,{user}@{b2_addr}:{bastion2.port}
""")
    inv = load_inventory(inventory)
    app1 = inv.host("app-1")
    assert [(h.name, h.address, h.port, h.key_file) for h in app1.hops] == [
        ("bastion-1", b1_addr, bastion1.port, str(key)),
        ("bastion-2", b2_addr, bastion2.port, str(key))]
    fleet = Fleet(inv)
    fleet.start()
    try:
        await wait_states(fleet, ["bastion-1", "bastion-2", "app-1", "app-2"],
                          HostState.UP, 25, ssh_lab)
        b1_procs = {p.pid for p in bastion1.descendants()}
        b2_procs = {p.pid for p in bastion2.descendants()}
        me = os.getpid()
        to_b2 = owners_of_connections_to(b2_addr, bastion2.port)
        to_targets = owners_of_connections_to(t1, targets.port) | \
            owners_of_connections_to(t2, targets.port)
        assert to_b2 and to_b2 <= b1_procs, (to_b2, b1_procs)
        assert to_targets and to_targets <= b2_procs, (to_targets, b2_procs)
        assert me not in to_b2 | to_targets
        # Shared hops: bastion-1 logs in its own row and one tunnel (used by bastion-2's
        # row and by the chain); bastion-2 its own row and one tunnel for both apps.
        b1_logins = bastion1.log_path.read_text().count("Accepted publickey")
        b2_logins = bastion2.log_path.read_text().count("Accepted publickey")
        assert (b1_logins, b2_logins) == (2, 2), ssh_lab.log_tails()
    finally:
        await fleet.stop()


async def test_a_broken_second_hop_names_the_hop(ssh_lab: SshLab) -> None:
    b1_addr, t1, b2_addr = loopback_addresses(3, first=116)
    bastion1 = ssh_lab.start_daemon([b1_addr])
    target = ssh_lab.start_daemon([t1, b2_addr])  # bastion-2 is the same daemon
    restrict(bastion1, "PermitOpen none\n")  # bastion-1 forwards nowhere
    inventory = ssh_lab.root / "inv.yaml"
    inventory.write_text(
        "all:\n  vars:\n    console_interval: 0.5\n"
        f"    ansible_user: {ssh_lab.user}\n"
        f"    ansible_ssh_private_key_file: {ssh_lab.client_key_path}\n"
        "  hosts:\n"
        f"    app-1: {{ansible_host: {t1}, ansible_port: {target.port},\n"
        f"            console_jump: '{ssh_lab.user}@{b1_addr}:{bastion1.port},"
        f"{b2_addr}:{target.port}'}}\n")
    fleet = Fleet(load_inventory(inventory))
    fleet.start()
    try:
        deadline = time.monotonic() + 20
        status = fleet.model.views["app-1"].status
        while time.monotonic() < deadline:
            status = fleet.model.views["app-1"].status
            if "jump host" in status.reason:
                break
            await asyncio.sleep(0.1)
        assert f"jump host {b2_addr}:{target.port} (through " in status.reason, status
        assert status.state is not HostState.UP
    finally:
        await fleet.stop()


async def test_jump_only_in_ssh_config_shares_its_bastion(ssh_lab: SshLab) -> None:
    b_addr, t1, t2 = loopback_addresses(3, first=120)
    bastion = ssh_lab.start_daemon([b_addr])
    targets = ssh_lab.start_daemon([t1, t2])
    restrict(bastion, f"PermitOpen {t1}:{targets.port} {t2}:{targets.port}\n")
    ssh_lab.ssh_config_path.write_text(
        f"Host app-*\n  ProxyJump {ssh_lab.user}@{b_addr}:{bastion.port}\n"
        f"  Port {targets.port}\n  User {ssh_lab.user}\n"
        f"  IdentityFile {ssh_lab.ssh_dir / 'id_missing'}\n"  # skipped, as ssh skips it
        f"  IdentityFile {ssh_lab.client_key_path}\n"
        f"Host app-1\n  HostName {t1}\nHost app-2\n  HostName {t2}\n"
        f"Host {b_addr}\n  IdentityFile {ssh_lab.client_key_path}\n")
    inventory = ssh_lab.root / "inv.yaml"
    inventory.write_text("all:\n  vars: {console_interval: 0.5}\n"
                         "  hosts:\n    app-1:\n    app-2:\n")
    fleet = Fleet(load_inventory(inventory))
    fleet.start()
    try:
        await wait_states(fleet, ["app-1", "app-2"], HostState.UP, 20, ssh_lab)
        logins = bastion.log_path.read_text().count("Accepted publickey")
        assert logins == 1, f"{logins} logins on the bastion\n{bastion.log_tail()}"
    finally:
        await fleet.stop()


async def test_host_key_trusted_under_the_address_really_connected(ssh_lab: SshLab) -> None:
    (address,) = loopback_addresses(1, first=124)
    sshd = ssh_lab.start_daemon([address], trust=False)
    ssh_lab.ssh_config_path.write_text(
        f"Host db-1\n  HostName {address}\n  Port {sshd.port}\n  User {ssh_lab.user}\n"
        f"  IdentityFile {ssh_lab.client_key_path}\n")
    inventory = ssh_lab.root / "inv.yaml"
    inventory.write_text("all:\n  vars: {console_interval: 0.5}\n  hosts:\n    db-1:\n")
    fleet = Fleet(load_inventory(inventory))
    fleet.start()
    try:
        await wait_states(fleet, ["db-1"], HostState.HOSTKEY_UNKNOWN, 15, ssh_lab)
        reason = fleet.model.views["db-1"].status.reason
        assert f"{address}:{sshd.port}" in reason, reason
        key = await fleet.fetch_host_key("db-1")
        line = fleet.accept_host_key("db-1", key)
        assert line.startswith(f"[{address}]:{sshd.port} "), line
        await wait_states(fleet, ["db-1"], HostState.UP, 15, ssh_lab)
    finally:
        await fleet.stop()


async def test_an_unusable_host_says_why_and_is_never_dialled(ssh_lab: SshLab) -> None:
    good, odd = loopback_addresses(2, first=126)
    sshd = ssh_lab.start_daemon([good, odd])
    inventory = ssh_lab.root / "hosts.ini"
    inventory.write_text(
        f"[all:vars]\nconsole_interval=0.5\nansible_user={ssh_lab.user}\n"
        f"ansible_ssh_private_key_file={ssh_lab.client_key_path}\n"
        f"ansible_port={sshd.port}\n\n[app]\nfine ansible_host={good}\n"
        f"odd ansible_host={odd} ansible_ssh_common_args='-o ProxyCommand=\"nc %h %p\"'\n")
    fleet = Fleet(load_inventory(inventory))
    fleet.start()
    try:
        await wait_states(fleet, ["fine"], HostState.UP, 15, ssh_lab)
        await wait_states(fleet, ["odd"], HostState.UNUSABLE, 5, ssh_lab)
        reason = fleet.model.views["odd"].status.reason
        assert reason.startswith(f"{inventory}:9: app.odd.ansible_ssh_common_args: "
                                 "ProxyCommand 'nc %h %p' is not supported"), reason
        assert sshd.log_path.read_text().count("Accepted publickey") == 1  # `fine` only
    finally:
        await fleet.stop()
