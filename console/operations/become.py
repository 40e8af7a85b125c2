"""Privilege for operations through Ansible's own variables: `ansible_become: true`,
`ansible_become_method: sudo`, `ansible_become_user`. Always `sudo -n`: a password
prompt on a host would otherwise hang that host's operation until its timeout, so
sudo is told to fail at once instead ("a password is required")."""

from __future__ import annotations

import shlex

from console.inventory import Host
from console.operations.safety import OperationRefused


def become_prefix(host: Host) -> list[str]:
    """The argv that runs a command with the host's become settings ([] without)."""
    if host.vars.get("ansible_become") is not True:
        return []
    method = host.vars.get("ansible_become_method", "sudo")
    if method != "sudo":
        raise OperationRefused(f"{host.name}: ansible_become_method {method!r} is not "
                               "supported (only sudo, run as sudo -n); nothing was run")
    user = host.vars.get("ansible_become_user")
    return ["sudo", "-n", *(["-u", str(user)] if user else []), "--"]


def wrap(host: Host, command: str) -> str:
    """`command` (shell text) as it runs on `host`: through `sudo -n ... sh -c` when the
    host says become, unchanged otherwise."""
    prefix = become_prefix(host)
    if not prefix:
        return command
    return shlex.join([*prefix, "/bin/sh", "-c", command])
