"""`opsconsole check [-i INVENTORY]... [--limit PATTERN]`: validate an inventory and show
what it resolves to.

Meant to be run before an outage, not during one: it shows exactly which address, port,
user, key file and jump chain each host will get after Ansible-style inheritance and
~/.ssh/config (values from there are marked `*`), so a wrong guess about precedence
surfaces here and not as an unreachable host on the fleet screen. Hosts the console
cannot reach as written are listed with the reason (exit status 1), and ssh options it
does not use are named. It only reads files (no SSH, no database), so it stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence

from console import ssh_config
from console.cli.inventory_args import inventory_from
from console.inventory import Host, Inventory

_SHOWN_MEMBERS = 6  # direct hosts listed per group in the tree before "+N more"


def add_parser(sub: argparse._SubParsersAction,
               add_common: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser(
        "check", help="validate an inventory and print the hosts and groups it defines",
        description="Validate an inventory and print each host as the console will "
                    "reach it (with --limit: the hosts a pattern selects), then the group "
                    "tree. Exit status 2 on bad input, 1 when some hosts cannot be "
                    "reached as written.")
    add_common(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    inventory = inventory_from(args)
    if inventory.path is None:
        print("no inventory given (-i): checking the local-only default, which watches "
              "this machine directly (no SSH)")
    else:
        shown = ", ".join(str(s) for s in inventory.sources)
        print(f"{shown}: valid inventory" + (f" (--limit {inventory.limit})"
                                              if inventory.limit else ""))
    print(render(inventory))
    for warning in warnings(inventory):
        print(f"warning: {warning}", file=sys.stderr)
    return 1 if inventory.unusable else 0


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
    rows = [_row(h) for h in inventory.hosts]
    lines += _table(["HOST", "ADDRESS", "PORT", "USER", "KEY FILE", "JUMP", "GROUPS"], rows)
    lines += ["", "(- : not set; ssh's default applies.  * : from ~/.ssh/config)"]
    lines += _problems(inventory)
    lines += ["", "groups:"]
    lines += _tree(inventory, "all", "", set())
    return "\n".join(lines)


def _row(host: Host) -> list[str]:
    if host.is_local:
        return [host.name, "(local)", "-", "-", "-", "-", ", ".join(host.groups)]
    target = ssh_config.target(host.address, host.port, host.user)
    address = host.address if target.hostname == host.address \
        else f"{target.hostname}*"
    port = str(host.port) if host.port else (f"{target.port}*" if target.port != 22
                                             else "-")
    user = host.user or (f"{target.user}*" if target.user else "-")
    key = host.key_file or (", ".join(target.existing_identities) + "*"
                            if target.existing_identities else "-")
    if host.hops:
        jump = " > ".join(str(hop) if hop.name == str(hop) else f"{hop.name}={hop}"
                          for hop in host.hops)
    elif host.jump:
        jump = host.jump
    else:
        jump = " > ".join(target.proxy_jump.split(",")) + "*" if target.proxy_jump else "-"
    return [host.name, address, port, user, key, jump, ", ".join(host.groups)]


def _problems(inventory: Inventory) -> list[str]:
    """Hosts that cannot be reached as written, and ssh options the console ignores
    (each distinct text once, with the hosts it concerns)."""
    lines: list[str] = []
    unusable = inventory.unusable
    if unusable:
        lines += ["", f"{len(unusable)} host{'s' * (len(unusable) != 1)} cannot be reached "
                      "as written:"]
        lines += [f"  {h.name}: {h.problem}" for h in unusable[:50]]
        if len(unusable) > 50:
            lines.append(f"  ... and {len(unusable) - 50} more")
    notes: dict[str, list[str]] = {}
    for host in inventory.hosts:
        for note in host.notes:
            notes.setdefault(note, []).append(host.name)
    if notes:
        lines += ["", "not used by the console (it verifies host keys and watches links "
                      "itself):"]
        for note, names in notes.items():
            more = f" +{len(names) - 3}" if len(names) > 3 else ""
            lines.append(f"  {note} ({', '.join(names[:3])}{more})")
    return lines


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
