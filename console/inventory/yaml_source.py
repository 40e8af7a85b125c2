"""Ansible YAML (and JSON) inventories: `all:` or any top-level groups, each with
`hosts`, `vars` and `children` to any depth.

The YAML is composed into a node tree that keeps each key's line and walked, instead of
loaded into plain dicts, so every mistake names `<file>:<line>: <key path>`. Aliases are
measured before anything is built from them: a "billion laughs" value is refused at
once instead of being expanded (or rendered into an error message).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from console.ansible_names import expand_host_range, split_host_port
from console.inventory.draft import Drafts, Origin, check_value
from console.inventory.model import InventoryError
from console.inventory.reading import read_text

# Bounds alias bombs: the whole document, and one value of a key the console reads,
# counted as if every alias were expanded in place.
MAX_EXPANDED_NODES = 20_000_000
MAX_VALUE_NODES = 10_000

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_EMPTY = yaml.ScalarNode("tag:yaml.org,2002:null", "")
_GROUP_KEYS = ("hosts", "vars", "children")
_SPACE = re.compile(r"\s")


class NotYamlInventory(Exception):
    """The text is not a YAML mapping: another reader (INI) may take it."""

    def __init__(self, error: InventoryError) -> None:
        super().__init__(str(error))
        self.error = error


class PluginConfig(Exception):
    """A YAML file naming an inventory plugin (`plugin: aws_ec2`): Ansible's to read."""

    def __init__(self, plugin: str) -> None:
        super().__init__(plugin)
        self.plugin = plugin


def compose(text: str, shown: str) -> tuple[yaml.Node | None, yaml.SafeLoader]:
    """The document's node tree; InventoryError (with its line) when it is not YAML."""
    loader = _Loader(text)
    try:
        return loader.get_single_node(), loader
    except yaml.MarkedYAMLError as exc:
        loader.dispose()
        mark = exc.problem_mark or exc.context_mark
        # An error found at the end of the file is reported on its last line.
        line = min(mark.line + 1, len(text.splitlines()) or 1) if mark else None
        raise InventoryError(shown, f"invalid YAML: {exc.problem or exc.context}",
                             line) from None
    except yaml.YAMLError as exc:
        loader.dispose()
        raise InventoryError(shown, f"invalid YAML: {exc}") from None


class AliasLoop(Exception):
    def __init__(self, node: yaml.Node) -> None:
        super().__init__("alias loop")
        self.node = node


def expanded_size(node: yaml.Node, limit: int) -> int:
    """How many nodes `node` stands for with every alias expanded, counted without
    expanding anything (each distinct node once); stops counting past `limit`.
    AliasLoop when a node contains itself (endless once expanded)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    visiting: set[int] = set()
    while stack:
        current, done = stack.pop()
        key = id(current)
        if done:
            visiting.discard(key)
            children = _children(current)
            sizes[key] = min(limit + 1, 1 + sum(sizes[id(c)] for c in children))
            continue
        if key in sizes:
            continue
        if key in visiting:
            raise AliasLoop(current)
        visiting.add(key)
        stack.append((current, True))
        stack.extend((c, False) for c in _children(current) if id(c) not in sizes)
    return sizes[id(node)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


class YamlReader:
    """Walks one YAML inventory (or group_vars file) into the drafts."""

    def __init__(self, shown: str, loader: yaml.SafeLoader, drafts: Drafts) -> None:
        self.file = shown
        self.loader = loader
        self.drafts = drafts
        self.nodes = 0

    def error(self, node: yaml.Node | None, path: list[str] | str | None,
              problem: str) -> InventoryError:
        line = node.start_mark.line + 1 if node is not None else None
        key_path = ".".join(path) if isinstance(path, list) else path
        return InventoryError(self.file, problem, line, key_path or None)

    def origin(self, node: yaml.Node, path: list[str]) -> Origin:
        return Origin(self.file, node.start_mark.line + 1, ".".join(path))

    # YAML helpers

    def items(self, node: yaml.MappingNode) -> Iterator[tuple[yaml.Node, yaml.Node]]:
        self.loader.flatten_mapping(node)  # YAML merge keys (<<), as Ansible reads them
        yield from node.value

    def key(self, node: yaml.Node, path: list[str], what: str) -> str:
        # The text as written: a host called `on` or `10.10` keeps its name, where
        # constructing the scalar would give True or 10.1.
        value = node.value if isinstance(node, yaml.ScalarNode) \
            and not is_null(node) else None
        if not value:
            raise self.error(node, path, f"empty or invalid {what} name")
        if not value.isprintable() or _SPACE.search(value):
            raise self.error(node, [*path, value[:60]],
                             f"{what} name has spaces or control characters")
        return value

    def count(self, node: yaml.Node) -> None:
        self.nodes += 1
        if self.nodes > MAX_EXPANDED_NODES:
            raise self.error(node, None, "too many entries (an alias expanding itself?)")

    def find_bomb(self, root: yaml.Node) -> tuple[yaml.Node, list[str]]:
        """The deepest key whose value alone expands past the limit: named in the
        error, so the user sees which alias to fix."""
        node, path, named = root, [], root
        while True:
            if isinstance(node, yaml.MappingNode):
                pairs = [(k, v, k.value if isinstance(k, yaml.ScalarNode) else "?")
                         for k, v in node.value]
            elif isinstance(node, yaml.SequenceNode):
                pairs = [(v, v, f"[{i}]") for i, v in enumerate(node.value)]
            else:
                return named, path
            for key, value, name in pairs:
                if expanded_size(value, MAX_EXPANDED_NODES) > MAX_EXPANDED_NODES:
                    node, path, named = value, [*path, str(name)[:60]], key
                    break
            else:
                return named, path

    # structure

    def read_inventory(self, root: yaml.Node | None) -> None:
        if root is None:
            raise NotYamlInventory(InventoryError(self.file, "file is empty", 1))
        if not isinstance(root, yaml.MappingNode):
            raise NotYamlInventory(self.error(
                root, None, f"the root must be a mapping of groups (such as 'all:'), "
                            f"got {kind(root)}"))
        try:
            size = expanded_size(root, MAX_EXPANDED_NODES)
        except AliasLoop as loop:
            raise self.error(loop.node, None, "an alias contains itself (a group or "
                                              "value that never ends)") from None
        if size > MAX_EXPANDED_NODES:
            node, path = self.find_bomb(root)
            raise self.error(node, path, f"aliases expand this value past "
                                         f"{MAX_EXPANDED_NODES:,} entries: refused")
        entries = [(self.key(k, [], "group"), k, v) for k, v in self.items(root)]
        for name, _, value in entries:
            if name == "plugin" and isinstance(value, yaml.ScalarNode):
                raise PluginConfig(str(value.value))
        for name, key, value in entries:
            # Ansible: a top-level group becomes a child of `all` only if no other
            # group claims it (Drafts.finish links such orphans).
            self.group(name, key, value, [name], (name,), None)

    def group(self, name: str, key: yaml.Node, node: yaml.Node, path: list[str],
              ancestors: tuple[str, ...], parent: str | None) -> None:
        self.count(node)
        draft = self.drafts.group(name)
        if parent is not None:
            self.drafts.add_child(parent, name, self.origin(key, path))
        if is_null(node):
            return
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, path, f"a group must be a mapping with hosts, vars or "
                                         f"children, got {kind(node)}")
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
        if is_null(node):
            return
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, path, f"must be a mapping of group names, "
                                         f"got {kind(node)}")
        for k, v in self.items(node):
            name = self.key(k, path, "group")
            if name == "all" or name in ancestors:
                loop = " -> ".join([*ancestors[ancestors.index(name):], name]) \
                    if name in ancestors else f"{parent} -> all"
                raise self.error(k, [*path, name], f"group cycle: {loop}")
            self.group(name, k, v, [*path, name], (*ancestors, name), parent)

    def group_hosts(self, group: str, node: yaml.Node, path: list[str]) -> None:
        if is_null(node):
            return
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, path, f"must be a mapping of host name to variables "
                                         f"('web-1:' on its own line), got {kind(node)}")
        for k, v in self.items(node):
            self.count(v)
            raw = self.key(k, path, "host")
            try:
                pattern, port = split_host_port(raw)
                names = expand_host_range(pattern)
            except ValueError as exc:
                raise self.error(k, [*path, raw], f"host name {exc}") from None
            if not is_null(v) and not isinstance(v, yaml.MappingNode):
                raise self.error(v, [*path, raw], f"host variables must be a mapping "
                                                  f"(var: value), got {kind(v)}")
            variables = self.variables(v, [*path, raw])
            origin = self.origin(k, [*path, raw])
            for name in names:
                draft = self.drafts.add_host(name, group, origin, port)
                for var, value, var_origin in variables:
                    draft.vars.add(var, value, var_origin)

    def variables(self, node: yaml.Node, path: list[str]) -> list[tuple[str, Any, Origin]]:
        if is_null(node):
            return []
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, path, f"must be a mapping of variable names to values, "
                                         f"got {kind(node)}")
        found = []
        for k, v in self.items(node):
            name = self.key(k, path, "variable")
            where = [*path, name]
            if (not isinstance(v, yaml.ScalarNode)
                    and name.startswith(("console_", "ansible_"))
                    and expanded_size(v, MAX_VALUE_NODES) > MAX_VALUE_NODES):
                raise self.error(k, where, f"value has more than {MAX_VALUE_NODES:,} "
                                           f"entries once its aliases are expanded: refused")
            try:
                value = self.loader.construct_object(v, deep=True)
            except yaml.YAMLError as exc:
                raise self.error(v, where, f"invalid value: {exc}") from None
            origin = self.origin(k, where)

            def locate(inner: tuple[str, ...], value_node: yaml.Node = v) -> int | None:
                key = _nested_key(value_node, inner)
                return key.start_mark.line + 1 if key is not None else None

            found.append((name, check_value(name, value, origin, locate), origin))
        return found


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


def is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")


def kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag.endswith(":str"):
        return "a string"
    text = node.value if len(node.value) <= 40 else node.value[:37] + "..."
    return f"the value {text!r}"


def read_yaml(text: str, shown: str, drafts: Drafts) -> None:
    """Read a YAML inventory into the drafts. NotYamlInventory when the text is no
    mapping (an INI file often parses as a YAML string); InventoryError otherwise."""
    root, loader = compose(text, shown)
    try:
        YamlReader(shown, loader, drafts).read_inventory(root)
    except RecursionError:
        raise InventoryError(shown, "nested too deeply to be an inventory") from None
    finally:
        loader.dispose()


def read_var_file(path: Path, key_path: list[str]) -> list[tuple[str, Any, Origin]]:
    """One group_vars/ or host_vars/ file: its variables, each with its line."""
    shown = str(path)
    text = read_text(path, shown)
    if text.lstrip().startswith("$ANSIBLE_VAULT"):
        return []  # vault-encrypted secrets: nothing the console could read
    root, loader = compose(text, shown)
    try:
        reader = YamlReader(shown, loader, Drafts())
        return reader.variables(root or _EMPTY, key_path)
    except RecursionError:
        raise InventoryError(shown, "nested too deeply to be read") from None
    finally:
        loader.dispose()
