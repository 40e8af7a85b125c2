"""Drafts -> Inventory: Ansible's variable precedence, then what each host's variables
mean for reaching it (address, port, user, key, connection, jump chain).

Precedence as Ansible applies it: groups ordered by depth (the longest path from `all`),
then `ansible_group_priority`, then name; the host's own variables last. Where two names
mean one thing, Ansible's own order wins: `ansible_ssh_host` over `ansible_host`,
`ansible_ssh_port` over `ansible_port` and so on (its MAGIC_VARIABLE_MAPPING and the
ssh plugin both read the `ssh` name first).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from console import settings, ssh_args
from console.inventory.draft import Drafts, HostDraft, Origin, Unusable, Vars
from console.inventory.model import Group, Hop, Host, Inventory

# Ansible's names for one connection setting, the winning one first.
_ADDRESS = ("ansible_ssh_host", "ansible_host")
_PORT = ("ansible_ssh_port", "ansible_port")
_USER = ("ansible_ssh_user", "ansible_user")
_KEY = ("ansible_ssh_private_key_file", "ansible_private_key_file")
_SSH_ARGS = ("ansible_ssh_common_args", "ansible_ssh_extra_args")


class _Resolver:
    def __init__(self, drafts: Drafts) -> None:
        self.drafts = drafts
        self.depth: dict[str, int] = {"all": 0}
        self.merged_groups: dict[tuple[str, ...], Vars] = {}
        self.checked: set[tuple[str, str]] = set()
        self.jump_origins: dict[str, Origin] = {}
        self.jump_keys: dict[str, str] = {}

    def depth_of(self, name: str) -> int:
        """Ansible's group depth: the longest path from `all` (iteratively: an
        inventory may nest deeper than Python's recursion limit)."""
        if name in self.depth:
            return self.depth[name]
        stack = [name]
        while stack:
            top = stack[-1]
            parents = self.drafts.groups[top].parents
            missing = [p for p in parents if p not in self.depth]
            if missing:
                stack.extend(missing)
                continue
            self.depth[top] = 1 + max((self.depth[p] for p in parents), default=-1)
            stack.pop()
        return self.depth[name]

    def priority(self, group: str) -> int:
        value = self.drafts.groups[group].vars.values.get("ansible_group_priority", 1)
        return value if isinstance(value, int) and not isinstance(value, bool) else 1

    def group_vars(self, order: tuple[str, ...]) -> Vars:
        """The groups' vars combined in precedence order: computed once per distinct
        set of groups (most hosts share theirs), copied for each host to build on."""
        if order not in self.merged_groups:
            merged = Vars()
            for group in order:
                own = self.drafts.groups[group].vars
                for var, value in own.values.items():
                    merged.add(var, value, own.origins[var])
            self.merged_groups[order] = merged
        return self.merged_groups[order].copy()

    def nearest(self, draft: HostDraft) -> tuple[list[str], tuple[str, ...]]:
        """(groups nearest first with `all` last, groups in precedence order)."""
        groups = self.drafts.groups
        distance: dict[str, int] = {}
        frontier, step = [g for g in draft.groups if g != "all"], 1
        while frontier:
            nxt = []
            for group in frontier:
                if group not in distance:
                    distance[group] = step
                    nxt.extend(p for p in groups[group].parents if p != "all")
            frontier, step = nxt, step + 1
        distance["all"] = step + 1
        nearest = sorted(distance, key=lambda g: (distance[g], groups[g].index))
        order = tuple(sorted(distance, key=lambda g: (self.depth_of(g), self.priority(g),
                                                       g)))
        return nearest, order

    def host(self, name: str, draft: HostDraft) -> Host:
        nearest, order = self.nearest(draft)
        merged = self.group_vars(order)
        for var, value in draft.vars.values.items():
            merged.add(var, value, draft.vars.origins[var])
        v = merged.values
        problems: list[str] = []
        for var in [k for k, x in v.items() if isinstance(x, Unusable)
                    and settings.is_setting(k)]:
            problems.append(v[var].origin.describe(v[var].problem))
            del v[var]  # the host is unusable anyway; its default keeps the rest sane
        for var, value in v.items():
            if settings.is_setting(var):
                checked = (var, repr(value))  # hosts of one group share a value
                if checked not in self.checked:
                    try:
                        settings.check_merged(var, value)
                    except ValueError as exc:
                        raise merged.origins[var].error(f"for host {name}: {exc}") from None
                    self.checked.add(checked)

        def first(names: tuple[str, ...]) -> Any:
            for n in names:
                if n in v:
                    value = v[n]
                    if isinstance(value, Unusable):
                        problems.append(value.origin.describe(value.problem))
                        return None
                    return value
            return None

        address = first(_ADDRESS) or name
        port, user, key_file = first(_PORT), first(_USER), first(_KEY)
        connection = first(("ansible_connection",)) or "ssh"
        jump, notes = self.jump(name, merged, problems)
        return Host(
            name=name, groups=tuple(nearest), address=address, port=port, user=user,
            key_file=key_file, connection="local" if connection == "local" else "ssh",
            jump=jump, interval=settings.value(v, "console_interval"),
            disk_interval=settings.value(v, "console_disk_interval"),
            vars=MappingProxyType({k: x.raw if isinstance(x, Unusable) else x
                                   for k, x in v.items()}),
            problem="; ".join(problems) or None, notes=tuple(notes))

    def jump(self, host: str, merged: Vars, problems: list[str]
             ) -> tuple[str | None, list[str]]:
        """console_jump, else a ProxyJump or ProxyCommand in the ssh arguments."""
        notes: list[str] = []
        found: str | None = None
        if "console_jump" in merged.values:
            self.jump_origins[host] = merged.origins["console_jump"]
            found = str(merged.values["console_jump"])
        for var in _SSH_ARGS:
            value = merged.values.get(var)
            if value is None:
                continue
            if isinstance(value, Unusable):
                problems.append(value.origin.describe(value.problem))
                continue
            parsed = ssh_args.parse(value)
            notes += [f"{var}: {option} is not used by the console" for option in
                      parsed.ignored]
            if found is not None:
                if parsed.jump is not None or parsed.problem:
                    notes.append(f"{var}: its jump is not used: console_jump "
                                 f"({found or 'above'}) wins")
                continue
            if parsed.problem:
                problems.append(merged.origins[var].describe(parsed.problem))
                found = ""
            elif parsed.jump is not None:
                try:
                    found = str(settings.normalise("console_jump", parsed.jump))
                except ValueError as exc:
                    problems.append(merged.origins[var].describe(str(exc)))
                    found = ""
                    continue
                self.jump_origins[host] = merged.origins[var]
                if parsed.jump_key:
                    self.jump_keys[host] = parsed.jump_key
        return found or None, notes


def resolve(drafts: Drafts, sources: tuple[Path, ...],
            progress: Callable[[str], None] | None = None) -> Inventory:
    """The inventory as the console uses it; InventoryError for what Ansible refuses."""
    resolver = _Resolver(drafts)
    hosts: dict[str, Host] = {}
    total = len(drafts.hosts)
    for name, draft in drafts.hosts.items():
        hosts[name] = resolver.host(name, draft)
        if progress is not None and len(hosts) % 10_000 == 0:
            progress(f"resolving hosts: {len(hosts):,} of {total:,}")
    hosts = _with_hops(hosts, resolver.jump_origins, resolver.jump_keys)
    groups = {name: Group(name, tuple(d.parents), tuple(d.children), tuple(d.hosts),
                          MappingProxyType(d.vars.values))
              for name, d in drafts.groups.items()}
    return Inventory(path=sources[0] if sources else None, hosts=tuple(hosts.values()),
                     groups=MappingProxyType(groups), sources=sources)


def _with_hops(hosts: dict[str, Host], origins: Mapping[str, Origin],
               jump_keys: Mapping[str, str]) -> dict[str, Host]:
    """Each host's jump chain resolved to hops. An inventory host named as a hop brings
    its address, port, user, key and its own jumps first; a hop written as an address
    uses the inventory host at that address, when there is one. A chain that loops is
    an error: such a host could never connect."""
    by_address: dict[str, Host] = {}
    for h in hosts.values():
        by_address.setdefault(h.address, h)
    chains: dict[str, tuple[Hop, ...]] = {}
    problems: dict[str, str] = {}

    def chain_of(name: str, trail: list[str]) -> tuple[Hop, ...]:
        if name in chains:
            return chains[name]
        host = hosts[name]
        hops: list[Hop] = []
        specs = host.jump_hops
        for index, spec in enumerate(specs):
            user, address, port = settings.ssh_destination(spec)
            known = hosts.get(spec)
            if known is None:
                candidate = by_address.get(address)
                if candidate is not None and (port is None or candidate.port in (None, port)):
                    known = candidate
            if known is not None and known.name != name:
                if known.name in trail:
                    loop = " -> ".join([*trail[trail.index(known.name):], known.name])
                    raise origins[trail[0]].error(f"jump hosts loop: {loop}")
                # ssh -J a,b: b is reached through a, whatever b's own jump says; only
                # the first hop brings the jumps it needs itself.
                own = chain_of(known.name, [*trail, known.name])
                if index == 0:
                    hops.extend(own)
                if known.problem:
                    problems.setdefault(name, f"jump host {known.name}: {known.problem}")
                hops.append(Hop(known.name, known.address, port or known.port,
                                user or known.user, known.key_file))
            elif known is not None:
                raise origins[name].error(f"jump hosts loop: {name} -> {name}")
            else:
                key = jump_keys.get(name) if index == len(specs) - 1 else None
                hops.append(Hop(spec, address, port, user, key))
        chains[name] = tuple(hops)
        return chains[name]

    out: dict[str, Host] = {}
    for name, host in hosts.items():
        hops = chain_of(name, [name]) if host.jump else ()
        problem = host.problem
        if name in problems:
            problem = f"{problem}; {problems[name]}" if problem else problems[name]
        out[name] = host if not hops and problem == host.problem else \
            replace(host, hops=hops, problem=problem)
    return out
