"""Ansible INI inventories, read by the rules of ansible-core's `ini` plugin.

`[group]` lists hosts (`name[:port] key=value ...`, shell-quoted, `#` comments, host
ranges), `[group:vars]` sets `key=value` lines, `[group:children]` names groups; lines
before any section are `ungrouped`. Values are read as Ansible reads them: a Python
literal when it is one (`22` a number, `True` a boolean, `"a b"` a string without its
quotes, `[1, 2]` a list), the text as written otherwise. A child or vars section naming
a group that is never declared is an error, as in Ansible.
"""

from __future__ import annotations

import ast
import re
import shlex
import warnings
from typing import Any

from console.ansible_names import expand_host_range, split_host_port
from console.inventory.draft import Drafts, Origin, check_value
from console.inventory.model import InventoryError

_SECTION = re.compile(r"^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$")
_GROUP_NAME = re.compile(r"^([^:\]\s]+)\s*(?:#.*)?$")
_COMMENT = "#;"
_MAX_LITERAL = 10_000  # a value longer than this stays text (bounds literal_eval)


def parse_value(text: str) -> Any:
    """Ansible's INI value rule: a Python literal if it is one, else the text."""
    if len(text) > _MAX_LITERAL:
        return text
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text
    if value is ... or isinstance(value, complex | bytes):
        return text
    return value


class IniReader:
    def __init__(self, shown: str, drafts: Drafts) -> None:
        self.file = shown
        self.drafts = drafts
        self.line = 0

    def error(self, problem: str, key_path: str | None = None,
              line: int | None = None) -> InventoryError:
        return InventoryError(self.file, problem, line or self.line, key_path)

    def origin(self, path: str) -> Origin:
        return Origin(self.file, self.line, path)

    def read(self, text: str) -> None:
        group, state = "ungrouped", "hosts"
        # group -> (line, state, parents): named before being declared
        pending: dict[str, tuple[int, str, list[str]]] = {}
        for raw in text.splitlines():
            self.line += 1
            line = raw.strip()
            if not line or line[0] in _COMMENT:
                continue
            section = _SECTION.match(line)
            if section:
                group, tag = section.groups()
                state = tag or "hosts"
                if state not in ("hosts", "children", "vars"):
                    raise self.error(f"section [{group}:{tag}] has unknown type {tag!r} "
                                     "(expected hosts, vars or children)")
                if group not in self.drafts.groups:
                    if state == "vars" and group not in pending:
                        pending[group] = (self.line, "vars", [])
                    self.drafts.group(group)
                if group in pending and state != "vars":
                    self.declare(group, pending)
                continue
            if line.startswith("[") and line.endswith("]"):
                raise self.error(f"invalid section {line[:60]!r}: a section is [group], "
                                 "[group:vars] or [group:children], without spaces")
            if state == "hosts":
                self.host_line(group, line)
            elif state == "vars":
                self.var_line(group, line)
            else:
                child = _GROUP_NAME.match(line)
                if not child:
                    raise self.error(f"expected a group name, got {line[:60]!r}",
                                     f"{group}:children")
                name = child.group(1)
                if name not in self.drafts.groups:
                    pending.setdefault(name, (self.line, "children", []))[2].append(group)
                else:
                    self.drafts.add_child(group, name, self.origin(f"{group}:children"))
        for name, (line, state, parents) in pending.items():
            if state == "vars":
                raise self.error(f"section [{name}:vars] is for a group that is never "
                                 "declared", line=line)
            raise self.error(f"section [{parents[-1]}:children] names {name!r}, a group "
                             "that is never declared", line=line)

    def declare(self, group: str, pending: dict[str, tuple[int, str, list[str]]]) -> None:
        line, state, parents = pending.pop(group)
        if state != "children":
            return
        for parent in parents:
            self.drafts.add_child(parent, group, Origin(self.file, line,
                                                        f"{parent}:children"))
            if parent in pending and pending[parent][1] == "children":
                self.declare(parent, pending)

    def host_line(self, group: str, line: str) -> None:
        try:
            tokens = shlex.split(line, comments=True)
        except ValueError as exc:
            raise self.error(f"cannot read host line {line[:60]!r}: {exc}", group) from None
        if not tokens:
            return
        pattern = tokens[0]
        try:
            name_pattern, port = split_host_port(pattern)
            if pattern.endswith(":") and port is None:
                raise ValueError("ends in ':' without a port")
            names = expand_host_range(name_pattern)
        except ValueError as exc:
            raise self.error(f"host {pattern[:60]!r}: {exc}", group) from None
        if any(n.strip() == "---" for n in names):
            raise self.error("'---' is not a host name (is this a YAML file?)", group)
        variables: list[tuple[str, Any, Origin]] = []
        for token in tokens[1:]:
            if "=" not in token:
                raise self.error(f"expected key=value after the host name, got "
                                 f"{token[:60]!r}", f"{group}.{pattern}")
            key, _, text = token.partition("=")
            origin = self.origin(f"{group}.{pattern}.{key}")
            variables.append((key, check_value(key, parse_value(text), origin), origin))
        host_origin = self.origin(f"{group}.{pattern}")
        for name in names:
            draft = self.drafts.add_host(name, group, host_origin, port)
            for key, value, origin in variables:
                draft.vars.add(key, value, origin)

    def var_line(self, group: str, line: str) -> None:
        if "=" not in line:
            raise self.error(f"expected key=value, got {line[:60]!r}", f"{group}:vars")
        key, _, text = (part.strip() for part in line.partition("="))
        origin = self.origin(f"{group}:vars.{key}")
        self.drafts.group(group).vars.add(key, check_value(key, parse_value(text), origin),
                                          origin)


def read_ini(text: str, shown: str, drafts: Drafts) -> None:
    IniReader(shown, drafts).read(text)
