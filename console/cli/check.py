"""`opsconsole check [-i INVENTORY]`: validate an inventory and show what it resolves to.

Meant to be run before an outage, not during one: it shows exactly which address, user,
connection and bastion each host will get after Ansible-style inheritance, so a wrong
guess about precedence surfaces here and not as an unreachable host on the fleet
screen. It only reads the file (no SSH, no database), so it stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence

from console.inventory import Host, Inventory, load_inventory

_SHOWN_MEMBERS = 6  # direct hosts listed per group in the tree before "+N more"


def add_parser(sub: argparse._SubParsersAction,
               add_common: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser(
        "check", help="validate an inventory and print the hosts and groups it defines",
        description="Validate an inventory and print each host as the console will "
                    "reach it, then the group tree. Exit status 2 on bad input.")
    add_common(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path = getattr(args, "inventory", None)
    if path is None:
        inventory = Inventory.local_only()
        print("no inventory given (-i): checking the local-only default, which watches "
              "this machine directly (no SSH)")
    else:
        inventory = load_inventory(path)
        print(f"{path}: valid inventory")
    print(render(inventory))
    for warning in warnings(inventory):
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def warnings(inventory: Inventory) -> list[str]:
    """What is valid YAML and valid Ansible, yet cannot work: said before the outage.
    A key file that does not exist would make the host "auth failed" in the console."""
    out = []
    for host in inventory.hosts:
        key = host.key_file
        if key and not host.is_local and not os.path.exists(os.path.expanduser(key)):
            out.append(f"{host.name}: key file {key} does not exist "
                       "(ansible_ssh_private_key_file)")
    return out


def render(inventory: Inventory) -> str:
    """The whole report as text (kept separate from printing so it is easy to test)."""
    hosts, groups = len(inventory.hosts), len(inventory.groups)
    lines = [f"{hosts} host{'s' * (hosts != 1)}, {groups} group{'s' * (groups != 1)}", ""]
    lines += _table(["HOST", "ADDRESS", "USER", "CONNECTION", "JUMP", "GROUPS"],
                    [_row(h) for h in inventory.hosts])
    lines += ["", "(- : not set here; ~/.ssh/config or the ssh default applies)", "", "groups:"]
    lines += _tree(inventory, "all", "", set())
    return "\n".join(lines)


def _row(host: Host) -> list[str]:
    address = f"[{host.address}]" if ":" in host.address and host.port else host.address
    return [host.name,
            f"{address}:{host.port}" if host.port else address,
            "(local)" if host.is_local else host.user or "-",
            host.connection,
            host.jump or "-",
            ", ".join(host.groups)]


def _table(header: list[str], rows: Sequence[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
            for r in [header, *rows]]


def _tree(inventory: Inventory, name: str, prefix: str, shown: set[str]) -> Iterator[str]:
    """`all` and its descendants; a group under several parents is expanded once and
    referred to afterwards, so a shared group does not repeat its whole subtree."""
    if name == "all":
        yield _label(inventory, name)
    group = inventory.groups[name]
    shown.add(name)
    for index, child in enumerate(group.children):
        last = index == len(group.children) - 1
        branch, indent = ("└── ", "    ") if last else ("├── ", "│   ")
        if child in shown:
            yield f"{prefix}{branch}{child} (shown above)"
            continue
        yield f"{prefix}{branch}{_label(inventory, child)}"
        yield from _tree(inventory, child, prefix + indent, shown)


def _label(inventory: Inventory, name: str) -> str:
    members = inventory.groups[name].hosts
    if not members:
        return name
    listed = ", ".join(members[:_SHOWN_MEMBERS])
    more = len(members) - _SHOWN_MEMBERS
    return f"{name}: {listed}" + (f" (+{more} more)" if more > 0 else "")
