"""Ansible-compatible YAML inventory -> frozen dataclasses.

Teams point the console at the inventory they already have, so the loader follows
Ansible's rules (groups under several parents, hosts in several groups, group vars
ordered by depth then name, host vars last) and adds its own settings as ordinary
`console_*` variables (see console.settings). Every mistake ends as one InventoryError
line `<file>:<line>: <key path>: <what is wrong>`: the YAML is composed into a node tree
that keeps each key's line, and walked, instead of being loaded into plain dicts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from console import settings, ssh_args
from console.ansible_names import ANSIBLE_VARS, expand_host_range
from console.errors import UserError

DEFAULT_INTERVAL = 2.0
DEFAULT_DISK_INTERVAL = 10.0


@dataclass(frozen=True)
class Host:
    name: str
    groups: tuple[str, ...]  # every group the host belongs to, nearest first, "all" last
    address: str  # ansible_host, else the name (resolved through ~/.ssh/config)
    port: int | None = None  # None: ~/.ssh/config or 22
    user: str | None = None  # None: ~/.ssh/config or the local user
    key_file: str | None = None  # ansible_ssh_private_key_file, ~ expanded
    connection: str = "ssh"  # "ssh" | "local"
    jump: str | None = None  # bastion: an inventory host name or an ssh destination
    interval: float = DEFAULT_INTERVAL  # console_interval
    disk_interval: float = DEFAULT_DISK_INTERVAL  # console_disk_interval
    vars: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def group(self) -> str:
        """The group shown in the fleet table: the nearest one that is not `all`."""
        return self.groups[0] if self.groups else "all"

    @property
    def is_local(self) -> bool:
        return self.connection == "local"


@dataclass(frozen=True)
class Group:
    name: str
    parents: tuple[str, ...]
    children: tuple[str, ...]
    hosts: tuple[str, ...]  # direct members
    vars: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))  # own only


@dataclass(frozen=True)
class Inventory:
    path: Path | None
    hosts: tuple[Host, ...]
    groups: Mapping[str, Group]

    def host(self, name: str) -> Host:
        for h in self.hosts:
            if h.name == name:
                return h
        raise KeyError(name)

    def setting(self, name: str) -> Any:
        """A console-wide setting (console_notes_db, console_read_only): set on `all`."""
        top = self.groups.get("all")
        return settings.value(top.vars if top else {}, name)

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


def load_inventory(path: str | Path) -> Inventory:
    """Read, check and resolve an inventory file; raise InventoryError on bad input."""
    shown = str(path)
    text = _read(Path(path), shown)
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        return _Builder(shown, loader).build(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # An error found at the end of the file is reported on its last line.
        line = min(mark.line + 1, len(text.splitlines()) or 1) if mark else None
        raise InventoryError(shown, f"invalid YAML: {exc.problem or exc.context}",
                             line) from None
    except yaml.YAMLError as exc:
        raise InventoryError(shown, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise InventoryError(shown, "nested too deeply to be an inventory") from None
    finally:
        loader.dispose()


def _nested_key(node: yaml.Node, path: tuple[str, ...]) -> yaml.Node | None:
    """The key node at `path` inside a mapping value, for an error's line number."""
    found = None
    for part in path:
        if not isinstance(node, yaml.MappingNode):
            break
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == part:
                found, node = k, v
                break
        else:
            break
    return found


# --- reading --------------------------------------------------------------------------

_MAX_BYTES = 64 * 1024 * 1024  # bounds `-i /dev/zero`; real inventories are far smaller
_MAX_NODES = 2_000_000  # bounds alias bombs: an alias re-walks the group it points to

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_VAR_SUFFIXES = ("", ".yml", ".yaml", ".json")
_EMPTY = yaml.ScalarNode("tag:yaml.org,2002:null", "")


def _var_files(folder: Path, name: str) -> list[Path]:
    """Ansible's names for one group's or host's variables: `web`, `web.yml`,
    `web.yaml`, `web.json`, or a `web/` directory of such files (read in name order)."""
    found = [folder / f"{name}{suffix}" for suffix in _VAR_SUFFIXES
             if (folder / f"{name}{suffix}").is_file()]
    directory = folder / name
    if directory.is_dir():
        found += sorted(p for p in directory.iterdir()
                        if p.is_file() and p.suffix in _VAR_SUFFIXES)
    return found


def _read(path: Path, shown: str) -> str:
    try:
        with path.open("rb") as stream:
            data = stream.read(_MAX_BYTES + 1)
    except FileNotFoundError:
        raise InventoryError(shown, "no such file") from None
    except IsADirectoryError:
        raise InventoryError(shown, "is a directory, not an inventory file") from None
    except OSError as exc:
        raise InventoryError(shown, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > _MAX_BYTES:
        raise InventoryError(shown, "larger than 64 MiB: not an inventory file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InventoryError(shown, "not UTF-8 text", line) from None


# --- the walk -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Origin:
    line: int
    path: str
    file: str | None = None  # a group_vars/ or host_vars/ file; None: the inventory


@dataclass
class _Vars:
    values: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, _Origin] = field(default_factory=dict)

    def add(self, name: str, value: Any, origin: _Origin) -> None:
        if name in self.values:
            value = settings.combine(name, self.values[name], value)
        self.values[name] = value
        self.origins[name] = origin


@dataclass
class _GroupDraft:
    index: int
    vars: _Vars = field(default_factory=_Vars)
    parents: dict[str, _Origin] = field(default_factory=dict)  # ordered sets
    children: dict[str, _Origin] = field(default_factory=dict)
    hosts: dict[str, None] = field(default_factory=dict)


@dataclass
class _HostDraft:
    index: int
    origin: _Origin
    vars: _Vars = field(default_factory=_Vars)
    groups: dict[str, None] = field(default_factory=dict)


_GROUP_KEYS = ("hosts", "vars", "children")


class _Builder:
    def __init__(self, file: str, loader: yaml.SafeLoader) -> None:
        self.file = file
        self.loader = loader
        self.groups: dict[str, _GroupDraft] = {}
        self.hosts: dict[str, _HostDraft] = {}
        self.nodes = 0
        self.jump_origins: dict[str, _Origin] = {}  # host -> where its jump is written
        self.merged_groups: dict[tuple[str, ...], _Vars] = {}
        self.checked: set[tuple[str, str]] = set()
        self.var_file: str | None = None  # set while reading a group_vars/host_vars file

    def error(self, node: yaml.Node | None, path: list[str] | str | None,
              problem: str) -> InventoryError:
        line = node.start_mark.line + 1 if node is not None else None
        key_path = ".".join(path) if isinstance(path, list) else path
        return InventoryError(self.file, problem, line, key_path or None)

    def origin_error(self, origin: _Origin, problem: str) -> InventoryError:
        return InventoryError(origin.file or self.file, problem, origin.line, origin.path)

    # YAML helpers

    def items(self, node: yaml.MappingNode) -> Iterator[tuple[yaml.Node, yaml.Node]]:
        self.loader.flatten_mapping(node)  # YAML merge keys (<<), as Ansible reads them
        yield from node.value

    def key(self, node: yaml.Node, path: list[str], what: str) -> str:
        # The text as written: a host called `on` or `10.10` keeps its name, where
        # constructing the scalar would give True or 10.1.
        value = node.value if isinstance(node, yaml.ScalarNode) \
            and not self.is_null(node) else None
        if not value:
            raise self.error(node, path, f"empty or invalid {what} name")
        if any(ch.isspace() or not ch.isprintable() for ch in value):
            raise self.error(node, [*path, value],
                             f"{what} name has spaces or control characters")
        return value

    def construct(self, node: yaml.Node) -> Any:
        return self.loader.construct_object(node, deep=True)

    @staticmethod
    def kind(node: yaml.Node) -> str:
        if isinstance(node, yaml.MappingNode):
            return "a mapping"
        if isinstance(node, yaml.SequenceNode):
            return "a list"
        return "a string" if node.tag.endswith(":str") else f"the value {node.value!r}"

    @staticmethod
    def is_null(node: yaml.Node) -> bool:
        return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")

    def count(self, node: yaml.Node) -> None:
        self.nodes += 1
        if self.nodes > _MAX_NODES:
            raise self.error(node, None, "too many entries (an alias expanding itself?)")

    # structure

    def build(self, root: yaml.Node | None) -> Inventory:
        if root is None:
            raise InventoryError(self.file, "file is empty: an inventory starts with 'all:'",
                                 1)
        if not isinstance(root, yaml.MappingNode):
            raise self.error(root, None, f"the root must be a mapping with an 'all' group, "
                                         f"got {self.kind(root)}")
        entries = [(self.key(k, [], "group"), k, v) for k, v in self.items(root)]
        if "all" not in {name for name, _, _ in entries}:
            raise self.error(root, None, "no 'all' group at the root (an Ansible YAML "
                                         "inventory starts with 'all:')")
        self.groups["all"] = _GroupDraft(0)
        for name, key, value in sorted(entries, key=lambda e: e[0] != "all"):
            # Ansible: top-level groups other than `all` are children of `all`.
            parent = None if name == "all" else "all"
            self.group(name, key, value, [name], (name,), parent)
        self.check_group_cycles()
        self.add_ungrouped()
        self.read_var_dirs()
        return self.resolve()

    def add_ungrouped(self) -> None:
        """Ansible's `ungrouped`: every host in no group but `all`. It is the first child
        of `all` (Ansible creates it first); left out when it would be empty."""
        lonely = [name for name, d in self.hosts.items() if set(d.groups) <= {"all"}]
        if not lonely:
            return
        top = self.groups["all"]
        draft = self.groups.get("ungrouped") or _GroupDraft(1)
        origin = _Origin(1, "all.children.ungrouped")
        draft.parents.setdefault("all", origin)
        top.children = {"ungrouped": origin, **top.children}
        self.groups = {"all": top, "ungrouped": draft,
                       **{k: v for k, v in self.groups.items() if k not in ("all", "ungrouped")}}
        for name in lonely:
            self.hosts[name].groups["ungrouped"] = None
            draft.hosts[name] = None

    def read_var_dirs(self) -> None:
        """group_vars/ and host_vars/ beside the inventory, as Ansible reads them: they
        override the variables written in the inventory file itself."""
        base = Path(self.file).parent
        for kind, drafts in (("group_vars", self.groups), ("host_vars", self.hosts)):
            folder = base / kind
            if not folder.is_dir():
                continue
            for name, draft in drafts.items():
                for path in _var_files(folder, name):
                    for var, value, origin in self.var_file_variables(path, [kind, name]):
                        draft.vars.add(var, value, origin)

    def var_file_variables(self, path: Path, key_path: list[str]
                           ) -> list[tuple[str, Any, _Origin]]:
        shown = str(path)
        text = _read(path, shown)
        if text.lstrip().startswith("$ANSIBLE_VAULT"):
            return []  # vault-encrypted secrets: nothing the console could read
        loader = _Loader(text)
        builder = _Builder(shown, loader)
        builder.var_file = shown
        try:
            return builder.variables(loader.get_single_node() or _EMPTY, key_path)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise InventoryError(shown, f"invalid YAML: {exc.problem or exc.context}",
                                 mark.line + 1 if mark else None) from None
        except yaml.YAMLError as exc:
            raise InventoryError(shown, f"invalid YAML: {exc}") from None
        finally:
            loader.dispose()

    def group(self, name: str, key: yaml.Node, node: yaml.Node, path: list[str],
              ancestors: tuple[str, ...], parent: str | None) -> None:
        self.count(node)
        draft = self.groups.setdefault(name, _GroupDraft(len(self.groups)))
        if parent is not None:
            origin = _Origin(key.start_mark.line + 1, ".".join(path))
            draft.parents.setdefault(parent, origin)
            self.groups[parent].children.setdefault(name, origin)
        if self.is_null(node):
            return
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, path, f"a group must be a mapping with hosts, vars or "
                                         f"children, got {self.kind(node)}")
        for k, v in self.items(node):
            part = self.key(k, path, "group key")
            if part == "hosts":
                self.group_hosts(name, v, [*path, part])
            elif part == "vars":
                for var, value, origin in self.variables(v, [*path, part]):
                    draft.vars.add(var, value, origin)
            elif part == "children":
                self.children(name, v, [*path, part], ancestors)
            else:
                raise self.error(k, [*path, part],
                                 f"unknown group key; expected {', '.join(_GROUP_KEYS)}")

    def children(self, parent: str, node: yaml.Node, path: list[str],
                 ancestors: tuple[str, ...]) -> None:
        if self.is_null(node):
            return
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, path, f"must be a mapping of group names, "
                                         f"got {self.kind(node)}")
        for k, v in self.items(node):
            name = self.key(k, path, "group")
            if name == "all" or name in ancestors:
                loop = " -> ".join([*ancestors[ancestors.index(name):], name]) \
                    if name in ancestors else f"{parent} -> all"
                raise self.error(k, [*path, name], f"group cycle: {loop}")
            self.group(name, k, v, [*path, name], (*ancestors, name), parent)

    def group_hosts(self, group: str, node: yaml.Node, path: list[str]) -> None:
        if self.is_null(node):
            return
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, path, f"must be a mapping of host name to variables "
                                         f"('web-1:' on its own line), got {self.kind(node)}")
        for k, v in self.items(node):
            self.count(v)
            raw = self.key(k, path, "host")
            try:
                names = expand_host_range(raw)
            except ValueError as exc:
                raise self.error(k, [*path, raw], f"host name {exc}") from None
            if not self.is_null(v) and not isinstance(v, yaml.MappingNode):
                raise self.error(v, [*path, raw], f"host variables must be a mapping "
                                                  f"(var: value), got {self.kind(v)}")
            variables = self.variables(v, [*path, raw])
            for name in names:
                draft = self.hosts.setdefault(
                    name, _HostDraft(len(self.hosts),
                                     _Origin(k.start_mark.line + 1, ".".join([*path, raw]))))
                draft.groups[group] = None
                self.groups[group].hosts[name] = None
                for var, value, origin in variables:
                    draft.vars.add(var, value, origin)

    def variables(self, node: yaml.Node, path: list[str]) -> list[tuple[str, Any, _Origin]]:
        if self.is_null(node):
            return []
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, path, f"must be a mapping of variable names to values, "
                                         f"got {self.kind(node)}")
        found = []
        for k, v in self.items(node):
            name = self.key(k, path, "variable")
            where = [*path, name]
            try:
                value = self.construct(v)
            except yaml.YAMLError as exc:
                raise self.error(v, where, f"invalid value: {exc}") from None
            try:
                if settings.is_setting(name):
                    value = settings.normalise(name, value)
                elif name in ANSIBLE_VARS:
                    value = ANSIBLE_VARS[name](value)
            except ValueError as exc:
                # A setting with structure (console_checks) says which key inside it.
                inner = tuple(getattr(exc, "path", ()))
                node = _nested_key(v, inner) or k
                raise self.error(node, [*where, *inner], str(exc)) from None
            found.append((name, value, _Origin(k.start_mark.line + 1, ".".join(where),
                                               self.var_file)))
        return found

    def check_group_cycles(self) -> None:
        """Definitions in two places can still form a loop (web > db here, db > web
        there); the walk only sees one path at a time, so look at the whole graph."""
        state: dict[str, int] = {}  # 1 visiting, 2 done

        def visit(name: str, trail: list[str]) -> None:
            state[name] = 1
            for child, origin in self.groups[name].children.items():
                if state.get(child) == 1:
                    loop = " -> ".join([*trail[trail.index(child):], child])
                    raise self.origin_error(origin, f"group cycle: {loop}")
                if child not in state:
                    visit(child, [*trail, child])
            state[name] = 2

        visit("all", ["all"])

    # resolution

    def resolve(self) -> Inventory:
        depth: dict[str, int] = {"all": 0}

        def depth_of(name: str) -> int:  # Ansible: the longest path from `all`
            if name not in depth:
                depth[name] = 1 + max(depth_of(p) for p in self.groups[name].parents)
            return depth[name]

        hosts = tuple(self.host(name, draft, depth_of)
                      for name, draft in self.hosts.items())
        self.check_jump_loops(hosts)
        groups = {name: Group(name, tuple(d.parents), tuple(d.children), tuple(d.hosts),
                              MappingProxyType(d.vars.values))
                  for name, d in self.groups.items()}
        return Inventory(path=Path(self.file), hosts=hosts, groups=MappingProxyType(groups))

    def host(self, name: str, draft: _HostDraft, depth_of: Any) -> Host:
        # Nearest first: direct groups in the order they list the host, then their
        # parents, and so on; `all` last whatever its distance.
        distance: dict[str, int] = {}
        frontier, step = list(draft.groups), 1
        while frontier:
            nxt = []
            for group in frontier:
                if group not in distance:
                    distance[group] = step
                    nxt.extend(self.groups[group].parents)
            frontier, step = nxt, step + 1
        distance["all"] = step + 1
        nearest = sorted(distance, key=lambda g: (distance[g], self.groups[g].index))

        order = tuple(sorted(distance, key=lambda g: (depth_of(g), g)))  # Ansible order
        merged = self.group_vars(order)
        for var, value in draft.vars.values.items():
            merged.add(var, value, draft.vars.origins[var])
        v = merged.values
        for var, value in v.items():
            if settings.is_setting(var):
                try:
                    checked = (var, repr(value))  # hosts of one group share a value
                    if checked not in self.checked:
                        settings.check_merged(var, value)
                        self.checked.add(checked)
                except ValueError as exc:
                    raise self.origin_error(merged.origins[var],
                                            f"for host {name}: {exc}") from None

        def first(*names: str) -> Any:
            return next((v[n] for n in names if n in v), None)

        return Host(
            name=name,
            groups=tuple(nearest),
            address=first("ansible_host", "ansible_ssh_host") or name,
            port=first("ansible_port", "ansible_ssh_port"),
            user=first("ansible_user", "ansible_ssh_user"),
            key_file=v.get("ansible_ssh_private_key_file"),
            connection="local" if v.get("ansible_connection") == "local" else "ssh",
            jump=self.jump(name, merged),
            interval=settings.value(v, "console_interval"),
            disk_interval=settings.value(v, "console_disk_interval"),
            vars=MappingProxyType(v),
        )

    def group_vars(self, order: tuple[str, ...]) -> _Vars:
        """The groups' vars combined in precedence order: computed once per distinct
        set of groups (most hosts share theirs), copied for each host to build on."""
        if order not in self.merged_groups:
            merged = _Vars()
            for group in order:
                for var, value in self.groups[group].vars.values.items():
                    merged.add(var, value, self.groups[group].vars.origins[var])
            self.merged_groups[order] = merged
        cached = self.merged_groups[order]
        return _Vars(dict(cached.values), dict(cached.origins))

    def jump(self, host: str, merged: _Vars) -> str | None:
        """console_jump, else a ProxyJump found in the ssh arguments Ansible uses."""
        if "console_jump" in merged.values:
            self.jump_origins[host] = merged.origins["console_jump"]
            return str(merged.values["console_jump"])
        for var in ("ansible_ssh_common_args", "ansible_ssh_extra_args"):
            if var in merged.values:
                try:
                    found = ssh_args.proxy_jump(merged.values[var])
                    if found is not None:
                        self.jump_origins[host] = merged.origins[var]
                        return str(settings.normalise("console_jump", found))
                except ValueError as exc:
                    raise self.origin_error(merged.origins[var], str(exc)) from None
        return None

    def check_jump_loops(self, hosts: tuple[Host, ...]) -> None:
        """A host reached through itself, directly or via other inventory bastions, can
        never connect: say so now instead of spinning in the connection layer."""
        by_name = {h.name: h for h in hosts}
        for host in hosts:
            trail, current = [host.name], host
            while current.jump is not None and current.jump in by_name:
                current = by_name[current.jump]
                if current.name in trail:
                    raise self.origin_error(self.jump_origins[host.name], "jump hosts loop: "
                                            + " -> ".join([*trail, current.name]))
                trail.append(current.name)
