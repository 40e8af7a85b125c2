"""What an inventory resolves to: frozen hosts and groups, whatever format it came from.

Every reader (YAML, INI, script, Ansible itself) ends in these classes, so the rest of
the console never knows which format a team uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

from console import settings
from console.errors import UserError

DEFAULT_INTERVAL = 2.0
DEFAULT_DISK_INTERVAL = 10.0


@dataclass(frozen=True)
class Hop:
    """One bastion on the way to a host, as the console will connect to it."""

    name: str  # the inventory host it is, else the hop as written
    address: str
    port: int | None = None
    user: str | None = None
    key_file: str | None = None

    def __str__(self) -> str:
        where = f"[{self.address}]" if ":" in self.address and self.port else self.address
        text = f"{self.user}@{where}" if self.user else where
        return f"{text}:{self.port}" if self.port else text


@dataclass(frozen=True)
class Host:
    name: str
    groups: tuple[str, ...]  # every group the host belongs to, nearest first, "all" last
    address: str  # ansible_ssh_host / ansible_host, else the name (~/.ssh/config applies)
    port: int | None = None  # None: ~/.ssh/config or 22
    user: str | None = None  # None: ~/.ssh/config or the local user
    key_file: str | None = None  # ansible_ssh_private_key_file, ~ expanded
    connection: str = "ssh"  # "ssh" | "local"
    # Bastions, first hop first, comma-separated as ssh's -J writes them: each hop an
    # inventory host name or an ssh destination [user@]host[:port].
    jump: str | None = None
    interval: float = DEFAULT_INTERVAL  # console_interval
    disk_interval: float = DEFAULT_DISK_INTERVAL  # console_disk_interval
    vars: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    # Why the console cannot reach this host as written (a ProxyCommand it cannot
    # reproduce, an unresolved template, a value Ansible would also fail on): shown as
    # the host's state instead of refusing the whole inventory. None: usable.
    problem: str | None = None
    # The jump chain resolved: each hop's address, port, user and key (an inventory
    # host used as a bastion brings its own settings and its own jumps).
    hops: tuple[Hop, ...] = ()
    # Options written for ssh that the console does not use (shown by `check`).
    notes: tuple[str, ...] = ()

    @property
    def group(self) -> str:
        """The group shown in the fleet table: the nearest one that is not `all`."""
        return self.groups[0] if self.groups else "all"

    @property
    def is_local(self) -> bool:
        return self.connection == "local"

    @property
    def jump_hops(self) -> tuple[str, ...]:
        """The jump chain, first hop first (empty: a direct connection)."""
        return tuple(h.strip() for h in self.jump.split(",")) if self.jump else ()


@dataclass(frozen=True)
class Group:
    name: str
    parents: tuple[str, ...]
    children: tuple[str, ...]
    hosts: tuple[str, ...]  # direct members
    vars: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))  # own only


@dataclass(frozen=True)
class Inventory:
    path: Path | None  # the first source: console_notes_db is relative to it
    hosts: tuple[Host, ...]
    groups: Mapping[str, Group]
    sources: tuple[Path, ...] = ()  # every -i given, in order
    limit: str | None = None  # the --limit pattern that selected these hosts

    @cached_property
    def _by_name(self) -> Mapping[str, Host]:
        return {h.name: h for h in self.hosts}

    def host(self, name: str) -> Host:
        return self._by_name[name]

    def has_host(self, name: str) -> bool:
        return name in self._by_name

    def setting(self, name: str) -> Any:
        """A console-wide setting (console_notes_db, console_read_only): set on `all`."""
        top = self.groups.get("all")
        return settings.value(top.vars if top else {}, name)

    def describe(self) -> str:
        """Where the hosts come from, for a header: sources and limit."""
        if self.path is None:
            return "this machine"
        text = str(self.path) + (f" +{len(self.sources) - 1}" if len(self.sources) > 1
                                 else "")
        return f"{text} --limit {self.limit}" if self.limit else text

    @property
    def unusable(self) -> tuple[Host, ...]:
        """Hosts the console cannot reach as written (each says why in `problem`)."""
        return tuple(h for h in self.hosts if h.problem)

    def limited(self, pattern: str | None) -> Inventory:
        """Only the hosts an Ansible pattern selects (`--limit`), in inventory order;
        groups keep their shape with the other hosts left out. PatternError (a
        ValueError) when the pattern is malformed or selects nothing."""
        if not pattern:
            return self
        from console.patterns import select_names

        chosen = set(select_names(self, pattern))
        groups = {name: replace(g, hosts=tuple(h for h in g.hosts if h in chosen))
                  for name, g in self.groups.items()}
        return replace(self, hosts=tuple(h for h in self.hosts if h.name in chosen),
                       groups=MappingProxyType(groups), limit=pattern)

    @classmethod
    def local_only(cls) -> Inventory:
        """What the console watches when no inventory is given: this machine."""
        host = Host(name="localhost", groups=("local", "all"), address="localhost",
                    connection="local")
        return cls(path=None, hosts=(host,),
                   groups=MappingProxyType({"all": Group("all", (), ("local",), ()),
                                            "local": Group("local", ("all",), (),
                                                           ("localhost",))}))


class InventoryError(UserError):
    """One line: `<file>:<line>: <key path>: <what is wrong>` (line/path when known)."""

    def __init__(self, file: str, problem: str, line: int | None = None,
                 key_path: str | None = None) -> None:
        self.file, self.line, self.key_path = file, line, key_path
        self.problem = " ".join(problem.split())  # one line, whatever the cause said
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {key_path}: {self.problem}" if key_path
                         else f"{where}: {self.problem}")
