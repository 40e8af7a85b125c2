"""What Ansible's inventory names mean to the console: the `ansible_*` variables it
uses (each checked and normalised as it is read) and host ranges like `web[01:03]`.

Split from inventory.py, which walks the YAML; these are the rules for single values.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

from console import settings, ssh_args

# --- ansible_* variables the console uses ---------------------------------------------

TEMPLATE_HINT = ("a Jinja template, which only Ansible evaluates: install ansible-core "
                 "(pip install 'opsconsole[ansible]') and the console reads this "
                 "inventory through Ansible, or write the value itself")


def is_template(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def _no_template(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def checked(value: Any) -> Any:
        if is_template(value):
            raise ValueError(f"is {TEMPLATE_HINT}")
        return check(value)
    return checked


def _address(value: Any) -> str:
    return settings.plain_text(value, "a host name or IP address")


def _connection(value: Any) -> str:
    if value in ("ssh", "smart", "paramiko", "paramiko_ssh", "local",
                 "ansible.builtin.ssh", "ansible.builtin.local",
                 "ansible.builtin.paramiko_ssh"):
        return str(value).rpartition(".")[2]
    raise ValueError(f"is {settings.shown(value)}: the console speaks only ssh and local")


def _ssh_args(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string of ssh arguments, got {settings.shown(value)}")
    ssh_args.split(value)
    return value


def _key_file(value: Any) -> str:
    return os.path.expanduser(settings.line_text(value, "a file path"))


def _user(value: Any) -> str:
    return settings.plain_text(value, "a user name")


def _become_method(value: Any) -> str:
    return settings.plain_text(value, "a privilege escalation method (sudo)")


ANSIBLE_VARS: dict[str, Callable[[Any], Any]] = {
    name: _no_template(check) for name, check in {
        "ansible_host": _address,
        "ansible_ssh_host": _address,
        "ansible_port": settings.port_number,
        "ansible_ssh_port": settings.port_number,
        "ansible_user": _user,
        "ansible_ssh_user": _user,
        "ansible_ssh_private_key_file": _key_file,
        "ansible_private_key_file": _key_file,
        "ansible_connection": _connection,
        "ansible_ssh_common_args": _ssh_args,
        "ansible_ssh_extra_args": _ssh_args,
        # Privilege for operations (console/operations/become.py): sudo -n only, so a
        # password prompt can never hang the console.
        "ansible_become": settings.boolean,
        "ansible_become_method": _become_method,
        "ansible_become_user": _user,
    }.items()}


# --- host:port in a host's name -----------------------------------------------------------

_BRACKETED_HOSTPORT = re.compile(r"^\[(.+)\]:([0-9]+)$")
_HOSTPORT = re.compile(r"^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$")


def split_host_port(text: str) -> tuple[str, int | None]:
    """Ansible's `web-1:2222`, `[fe80::1]:2222`, `10.0.0.1:22` -> (name, port); a bare
    IPv6 address keeps its colons. Ansible's parse_address, for host keys."""
    for pattern in (_BRACKETED_HOSTPORT, _HOSTPORT):
        match = pattern.match(text)
        if match and match.group(1):
            return match.group(1), settings.port_number(int(match.group(2)))
    return text, None


# --- host ranges: web[01:03] ------------------------------------------------------------

_RANGE = re.compile(r"^(.*?)\[([^\[\]:]*):([^\[\]:]*)(?::([^\[\]:]*))?\](.*)$")
_MAX_RANGE = 100_000


def expand_host_range(name: str) -> list[str]:
    """Ansible's `web[01:03]`, `db-[a:c]`, `n[0:10:2]`; ValueError when malformed."""
    if "[" not in name and "]" not in name:
        return [name]
    match = _RANGE.match(name)
    if not match:
        raise ValueError("is not a host range like web[01:03]")
    head, start, end, step, tail = match.groups()
    if step is not None and (not step.isdigit() or int(step) == 0):
        raise ValueError(f"has a range step that is not a positive integer: {step!r}")
    stride = int(step) if step else 1
    if start.isdigit() and end.isdigit():
        width = len(start) if start.startswith("0") and len(start) > 1 else 0
        if width and len(end) != width:
            raise ValueError("has a zero-padded range whose ends differ in length")
        items = [str(n).zfill(width) for n in range(int(start), int(end) + 1, stride)]
    elif len(start) == len(end) == 1 and start.isalpha() and end.isalpha():
        items = [chr(c) for c in range(ord(start), ord(end) + 1, stride)]
    else:
        raise ValueError(f"has a range [{start}:{end}] that is neither numbers nor letters")
    if not items:
        raise ValueError(f"has an empty range [{start}:{end}]")
    tails = expand_host_range(tail)
    if len(items) * len(tails) > _MAX_RANGE:
        raise ValueError(f"expands to more than {_MAX_RANGE} hosts")
    return [f"{head}{item}{rest}" for item in items for rest in tails]
