"""Service actions as shell commands: systemd units through systemctl, the rest through
the commands the inventory gives (`console_services` name -> {status, restart, start,
stop}). Names are checked and quoted before anything runs."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from console.inventory import Host
from console.operations.safety import OperationRefused, plain_name

ACTIONS = ("status", "restart", "start", "stop")
#: After a restart, the status is re-checked this often until healthy or timed out.
VERIFY_EVERY_S = 0.25
VERIFY_TIMEOUT_S = 30.0


def services_of(host: Host) -> Mapping[str, Any]:
    return host.vars.get("console_services") or {}


def service_command(host: Host, service: str, action: str) -> str:
    """The command for `action` on `service` of `host`; OperationRefused when the name
    is not plain, the host does not list the service or has no such command."""
    plain_name(service, "service name")
    if action not in ACTIONS:
        raise OperationRefused(f"unknown service action {action!r}; expected "
                               f"{', '.join(ACTIONS)}")
    entries = services_of(host)
    if service not in entries:
        raise OperationRefused(f"{host.name} has no service {service!r} in "
                               "console_services; nothing was run")
    entry = entries[service]
    if isinstance(entry, Mapping):
        command = entry.get(action)
        if command is None:
            raise OperationRefused(f"{host.name}: service {service} has no {action} "
                                   "command in console_services; nothing was run")
        return str(command)
    if action == "status":
        if entry is not None:
            return str(entry)
        return f"systemctl is-active -- {shlex.quote(service)}"
    return f"systemctl {action} -- {shlex.quote(service)}"


def signal_command(pid: int, signal: str) -> str:
    """`kill -TERM 1234`: pid and signal already checked by safety."""
    return f"kill -{signal} {int(pid)}"
