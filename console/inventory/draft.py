"""The inventory being read: groups, hosts and variables with where each was written.

Every format (YAML, INI, a script's JSON, Ansible's own answer) fills one `Drafts`
through the same calls Ansible's InventoryData offers (add a group, a child, a host in
a group, a variable); `resolve.py` then applies Ansible's precedence once for all.
Keeping each value's origin is what lets any later error name its file, line and key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console import settings
from console.ansible_names import ANSIBLE_VARS, TEMPLATE_HINT, is_template
from console.inventory.model import InventoryError


@dataclass(frozen=True)
class Origin:
    file: str
    line: int | None
    path: str  # the key path, e.g. all.children.web.vars.ansible_user

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def error(self, problem: str) -> InventoryError:
        return InventoryError(self.file, problem, self.line, self.path or None)

    def describe(self, problem: str) -> str:
        """The same line as `error`, as text: a host's problem reads like an error."""
        return f"{self.where()}: {self.path}: {problem}" if self.path \
            else f"{self.where()}: {problem}"


@dataclass(frozen=True)
class Unusable:
    """A value the console cannot use (a port that is not a number, a template): kept
    in place of the value so that only the hosts that end up with it are affected."""

    raw: Any
    problem: str
    origin: Origin


@dataclass
class Vars:
    values: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, Origin] = field(default_factory=dict)

    def add(self, name: str, value: Any, origin: Origin) -> None:
        if name in self.values and not isinstance(value, Unusable) \
                and not isinstance(self.values[name], Unusable):
            value = settings.combine(name, self.values[name], value)
        self.values[name] = value
        self.origins[name] = origin

    def copy(self) -> Vars:
        return Vars(dict(self.values), dict(self.origins))


@dataclass
class GroupDraft:
    index: int
    vars: Vars = field(default_factory=Vars)
    parents: dict[str, Origin] = field(default_factory=dict)  # ordered sets
    children: dict[str, Origin] = field(default_factory=dict)
    hosts: dict[str, None] = field(default_factory=dict)


@dataclass
class HostDraft:
    index: int
    origin: Origin
    vars: Vars = field(default_factory=Vars)
    groups: dict[str, None] = field(default_factory=dict)


def check_value(name: str, value: Any, origin: Origin,
                locate: Callable[[tuple[str, ...]], int | None] | None = None) -> Any:
    """A variable as the console will use it. A console_* setting that is wrong is an
    error (the console's own language, written for it); an ansible_* value the console
    cannot use becomes `Unusable`, which only its hosts pay for. A setting with structure
    (console_checks) says which key inside it is wrong (the error's `path`); `locate`
    gives that key's line."""
    try:
        if settings.is_setting(name):
            if is_template(value):  # Ansible's to evaluate: see sources._has_templates
                return Unusable(value, f"is {TEMPLATE_HINT}", origin)
            return settings.normalise(name, value)
        if name in ANSIBLE_VARS:
            return ANSIBLE_VARS[name](value)
    except ValueError as exc:
        if settings.is_setting(name):
            inner = tuple(str(p) for p in getattr(exc, "path", ()))
            line = (locate(inner) if locate and inner else None) or origin.line
            raise Origin(origin.file, line, ".".join([origin.path, *inner])).error(
                str(exc)) from None
        return Unusable(value, str(exc), origin)
    return value


class Drafts:
    """Groups and hosts as read so far, in the order they were first seen."""

    def __init__(self, progress: Callable[[str], None] | None = None) -> None:
        self.groups: dict[str, GroupDraft] = {"all": GroupDraft(0)}
        self.hosts: dict[str, HostDraft] = {}
        self.progress = progress  # told every 10,000 hosts read

    def group(self, name: str) -> GroupDraft:
        draft = self.groups.get(name)
        if draft is None:
            draft = self.groups[name] = GroupDraft(len(self.groups))
        return draft

    def add_child(self, parent: str, child: str, origin: Origin) -> None:
        self.group(child).parents.setdefault(parent, origin)
        self.group(parent).children.setdefault(child, origin)

    def declare_host(self, name: str, origin: Origin) -> HostDraft:
        """A host known before its groups are (to keep a source's own host order)."""
        draft = self.hosts.get(name)
        if draft is None:
            draft = self.hosts[name] = HostDraft(len(self.hosts), origin)
        return draft

    def add_host(self, name: str, group: str, origin: Origin, port: int | None = None
                 ) -> HostDraft:
        draft = self.hosts.get(name)
        if draft is None:
            draft = self.hosts[name] = HostDraft(len(self.hosts), origin)
            if self.progress is not None and len(self.hosts) % 10_000 == 0:
                self.progress(f"reading {origin.file}: {len(self.hosts):,} hosts")
            if port is not None:  # `web-1:2222`: web-1 on port 2222, where first named
                draft.vars.add("ansible_port", port, origin)
        draft.groups[group] = None
        self.group(group).hosts[name] = None
        return draft

    def finish(self, var_dirs: list[Path], read_var_file: VarFileReader) -> None:
        """What Ansible does once every source is read: link orphan groups to `all`,
        check for cycles, fill `ungrouped`, then apply group_vars/ and host_vars/."""
        for name, draft in self.groups.items():
            if name != "all" and not draft.parents:
                self.add_child("all", name, Origin("", None, ""))
        self.check_cycles()
        self.add_ungrouped()
        for base in var_dirs:
            self.read_var_dirs(base, read_var_file)

    def check_cycles(self) -> None:
        """Definitions in two places can still form a loop (web > db here, db > web
        there): look at the whole graph once everything is read."""
        state: dict[str, int] = {}  # 1 visiting, 2 done

        def visit(name: str, trail: list[str]) -> None:
            state[name] = 1
            for child, origin in self.groups[name].children.items():
                if child == "all" or state.get(child) == 1:
                    loop = " -> ".join([*trail[trail.index(child):], child]) \
                        if child in trail else f"{name} -> all"
                    raise origin.error(f"group cycle: {loop}")
                if child not in state:
                    visit(child, [*trail, child])
            state[name] = 2

        visit("all", ["all"])
        for name in list(self.groups):  # a loop that no path from `all` reaches
            if name not in state:
                visit(name, [name])

    def add_ungrouped(self) -> None:
        """Ansible's `ungrouped`: every host in no group but `all`. It is the first child
        of `all` (Ansible creates it first); left out when it would be empty."""
        plain = {"all", "ungrouped"}
        lonely = [name for name, d in self.hosts.items() if set(d.groups) <= plain]
        if not lonely and "ungrouped" not in self.groups:
            return
        if "ungrouped" in self.groups:  # an INI file's first lines, or a script's
            kept = self.groups["ungrouped"].hosts
            for name in list(kept):
                if set(self.hosts[name].groups) - plain:  # grouped after all
                    del kept[name]
                    del self.hosts[name].groups["ungrouped"]
        top = self.groups["all"]
        draft = self.groups.get("ungrouped") or GroupDraft(1)
        origin = top.children.get("ungrouped") or Origin("", None, "")
        draft.parents.setdefault("all", origin)
        top.children = {"ungrouped": origin, **top.children}
        self.groups = {"all": top, "ungrouped": draft,
                       **{k: v for k, v in self.groups.items() if k not in ("all", "ungrouped")}}
        for name in lonely:
            self.hosts[name].groups["ungrouped"] = None
            draft.hosts[name] = None

    def read_var_dirs(self, base: Path, read_var_file: VarFileReader) -> None:
        """group_vars/ and host_vars/ beside an inventory source, as Ansible reads them:
        they override the variables written in the inventory itself."""
        for kind, drafts in (("group_vars", self.groups), ("host_vars", self.hosts)):
            folder = base / kind
            if not folder.is_dir():
                continue
            for name, draft in drafts.items():
                for path in var_files(folder, name):
                    for var, value, origin in read_var_file(path, [kind, name]):
                        draft.vars.add(var, value, origin)


VarFileReader = Callable[[Path, list[str]], list[tuple[str, Any, Origin]]]

_VAR_SUFFIXES = ("", ".yml", ".yaml", ".json")


def var_files(folder: Path, name: str) -> list[Path]:
    """Ansible's names for one group's or host's variables: `web`, `web.yml`,
    `web.yaml`, `web.json`, or a `web/` directory of such files (read in name order)."""
    found = [folder / f"{name}{suffix}" for suffix in _VAR_SUFFIXES
             if (folder / f"{name}{suffix}").is_file()]
    directory = folder / name
    if directory.is_dir():
        found += sorted(p for p in directory.iterdir()
                        if p.is_file() and p.suffix in _VAR_SUFFIXES)
    return found
