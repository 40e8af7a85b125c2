"""~/.ssh/config aliases and jump hosts, against real OpenSSH daemons."""

from __future__ import annotations

import asyncio
import time

import pytest
import yaml

from console.events import HostState
from console.fleet.fleet import Fleet
from console.inventory import load_inventory
from tests.sshlab import SshLab, loopback_addresses

pytestmark = pytest.mark.sshd


async def wait_up(fleet: Fleet, names: list[str], timeout: float, lab: SshLab) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(fleet.model.views[n].status.state is HostState.UP for n in names):
            return
        await asyncio.sleep(0.1)
    states = {n: fleet.model.views[n].status for n in names}
    raise AssertionError(f"not all up: {states}\n{lab.log_tails()}")


async def test_host_named_only_in_ssh_config(ssh_lab: SshLab) -> None:
    (address,) = loopback_addresses(1, first=90)
    sshd = ssh_lab.start_daemon([address])
    ssh_lab.ssh_config_path.write_text(
        f"Host db-1\n  HostName {address}\n  Port {sshd.port}\n  User {ssh_lab.user}\n"
        f"  IdentityFile {ssh_lab.client_key_path}\n")
    inv = ssh_lab.root / "inv.yaml"
    inv.write_text("all:\n  vars: {console_interval: 0.5}\n"
                   "  children:\n    db:\n      hosts:\n        db-1:\n")
    fleet = Fleet(load_inventory(inv))
    fleet.start()
    try:
        await wait_up(fleet, ["db-1"], 15, ssh_lab)
    finally:
        await fleet.stop()


async def test_hosts_behind_a_bastion_share_one_connection(ssh_lab: SshLab) -> None:
    bastion_addr, *inner = loopback_addresses(4, first=92)
    bastion = ssh_lab.start_daemon([bastion_addr])
    behind = ssh_lab.start_daemon(inner)
    hosts = {f"app-{i + 1}": {"ansible_host": addr, "ansible_port": behind.port}
             for i, addr in enumerate(inner)}
    common = {"ansible_user": ssh_lab.user,
              "ansible_ssh_private_key_file": str(ssh_lab.client_key_path)}
    inventory = {"all": {"vars": {"console_interval": 0.5, **common}, "children": {
        "edge": {"hosts": {"bastion": {"ansible_host": bastion_addr,
                                       "ansible_port": bastion.port}}},
        "app": {"vars": {"console_jump": "bastion"}, "hosts": hosts}}}}
    path = ssh_lab.root / "inv.yaml"
    path.write_text(yaml.safe_dump(inventory))
    fleet = Fleet(load_inventory(path))
    fleet.start()
    try:
        await wait_up(fleet, ["bastion", *hosts], 20, ssh_lab)
        log = bastion.log_path.read_text()
        # One login for the bastion's own row and one for the tunnel the three hosts
        # behind it share: with the jump ignored there would be one, with a tunnel per
        # host four.
        logins = log.count("Accepted publickey")
        assert logins == 2, f"{logins} logins on the bastion:\n{bastion.log_tail()}"
        assert behind.log_path.read_text().count("Accepted publickey") == 3
    finally:
        await fleet.stop()
