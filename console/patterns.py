"""Ansible's host pattern language: which hosts `web:&prod:!web-3` means.

Teams already type these after `ansible` and `--limit`; the console reads them the same
way so a pattern selects the same hosts in both. The rules follow ansible-core's
`InventoryManager` (split_host_pattern, order_patterns, _match_one_pattern):

- terms are separated by `,` (when the pattern holds one) else by `:` (a `[0:2]`
  subscript and an IPv6 address stay whole);
- plain terms are a union, `&term` an intersection, `!term` an exclusion; they are
  applied in that order whatever order they are written in;
- a term names a group (its hosts and its descendants' hosts) or a host; a term with
  `*`, `?`, `.` or `[` is a shell glob matched against group AND host names; `~re` is a
  regular expression (matched from the start, case-sensitive);
- `term[i]`, `term[-1]`, `term[i:j]` (inclusive), `term[i:]` pick by position;
- `@file` reads one pattern per line from a file (as `--limit @retry_file` does).

The order is Ansible's: a group's own hosts, then its children's, breadth first; a union
appends hosts not yet selected. Where Ansible gives no order (grandchildren reached from
several children: it walks a set there) this module walks children in written order.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.inventory import Host, Inventory


class PatternError(ValueError):
    """A pattern that is malformed or selects no host: one line naming the pattern."""


_TERMS = re.compile(r"(?:[^\s:\[\]]|\[[^\]]*\])+")
_HOST_PORT = re.compile(r"^[A-Za-z0-9._-]+:\d+$")
_IPV6 = re.compile(r"^[0-9A-Fa-f:.]+$")
_SUBSCRIPT = re.compile(r"^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$")
_GLOB_CHARS = (".", "?", "*", "[")
_SHOWN = 80  # a pattern is quoted in messages up to this many characters


def _quoted(text: str) -> str:
    return repr(text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "...")


def split_pattern(pattern: str) -> list[str]:
    """Ansible's split_host_pattern: the terms of a pattern, stripped, empties dropped."""
    pattern = pattern.strip()
    if "," in pattern:
        parts = pattern.split(",")
    elif _HOST_PORT.match(pattern) or (pattern.count(":") > 1 and _IPV6.match(pattern)):
        parts = [pattern]  # an address (host:port, IPv6) is one term, as Ansible parses it
    else:
        parts = _TERMS.findall(pattern)
    return [p.strip() for p in parts if p.strip()]


def _order(terms: Sequence[str]) -> list[str]:
    """Unions first, then intersections, then exclusions (Ansible's order_patterns)."""
    regular = [t for t in terms if t[0] not in "&!"]
    return (regular or ["all"]) + [t for t in terms if t[0] == "&"] \
        + [t for t in terms if t[0] == "!"]


class _Selector:
    """One inventory's names, indexed once for any number of terms."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.hosts: dict[str, Host] = {h.name: h for h in inventory.hosts}
        self.group_cache: dict[str, list[str]] = {}

    def group_hosts(self, name: str) -> list[str]:
        """The group's hosts, then its descendants', breadth first, each once."""
        if name not in self.group_cache:
            groups = self.inventory.groups
            order, seen_groups, level = [], {name}, [name]
            while level:
                order.extend(level)
                nxt = []
                for group in level:
                    for child in groups[group].children:
                        if child not in seen_groups:
                            seen_groups.add(child)
                            nxt.append(child)
                level = nxt
            found: dict[str, None] = {}
            for group in order:
                found.update(dict.fromkeys(groups[group].hosts))
            self.group_cache[name] = list(found)
        return self.group_cache[name]

    def match_term(self, term: str, whole: str) -> list[str]:
        """Host names one term (without its & or ! prefix) selects, in Ansible's order."""
        expr, subscript = _split_subscript(term)
        names = self.enumerate(expr, whole)
        if subscript is None or not names:
            return names
        start, end = subscript
        if end:  # Ansible's own test: a range ending at 0 reads as an index
            return names[start:(len(names) - 1 if end == -1 else end) + 1]
        try:
            return [names[start]]
        except IndexError:
            raise PatternError(f"host pattern {_quoted(whole)}: {term!r} is out of range "
                               f"({expr!r} has {len(names)} host"
                               f"{'s' * (len(names) != 1)})") from None

    def enumerate(self, expr: str, whole: str) -> list[str]:
        if not expr:
            raise PatternError(f"host pattern {_quoted(whole)}: an empty term")
        regex = _compile(expr, whole)
        groups = [g for g in self.inventory.groups if regex.match(g)]
        found: list[str] = []
        for group in groups:
            found.extend(self.group_hosts(group))
        if not groups or expr[0] == "~" or any(c in expr for c in _GLOB_CHARS):
            found.extend(h for h in self.hosts if regex.match(h))
        return found  # duplicates kept, as Ansible keeps them before a subscript


def _compile(expr: str, whole: str) -> re.Pattern[str]:
    try:
        if expr[0] == "~":
            return re.compile(expr[1:])
        return re.compile(fnmatch.translate(expr))
    except re.error as exc:
        raise PatternError(f"host pattern {_quoted(whole)}: {expr!r} is not a valid "
                           f"{'regular expression' if expr[0] == '~' else 'glob'}: "
                           f"{exc}") from None


def _split_subscript(term: str) -> tuple[str, tuple[int, int | None] | None]:
    """`web[1]` -> ("web", (1, None)); `web[0:2]` -> ("web", (0, 2)); `web[2:]` ->
    ("web", (2, -1)), as Ansible's _split_subscript reads them."""
    if "[" not in term or term[0] == "~":  # a regular expression has no subscript
        return term, None
    match = _SUBSCRIPT.match(term)
    if not match:
        return term, None  # a glob's character class, like web-[12]
    expr, index, start, _sep, end = match.groups()
    if index is not None:
        return expr, (int(index), None)
    return expr, (int(start), int(end) if end else -1)


def _check_brackets(pattern: str, whole: str) -> None:
    """Ansible would split `web[0` into `web` and `0` and select web; say instead that
    the bracket is not closed (regular expressions, after `~`, are left to re)."""
    depth = 0
    for ch in pattern:
        depth += (ch == "[") - (ch == "]")
        if depth < 0 or depth > 1:
            break
    if depth != 0:
        raise PatternError(f"host pattern {_quoted(whole)}: unbalanced brackets")


def _expand_files(terms: Iterable[str], whole: str) -> list[str]:
    """`@path` terms become the patterns listed in that file, one per line."""
    out: list[str] = []
    for term in terms:
        if not term.startswith("@"):
            out.append(term)
            continue
        path = Path(term[1:]).expanduser()
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError as exc:
            raise PatternError(f"host pattern {_quoted(whole)}: cannot read limit file "
                               f"{path}: {exc.strerror or exc}") from None
        out.extend(line.strip() for line in lines if line.strip())
    return out


def select_names(inventory: Inventory, pattern: str) -> list[str]:
    """The names of the hosts `pattern` selects, in Ansible's order; PatternError when
    it is malformed or selects nothing."""
    whole = pattern
    if "~" not in pattern:
        _check_brackets(pattern, whole)
    terms = _expand_files(split_pattern(pattern), whole)
    if not terms:
        raise PatternError(f"host pattern {_quoted(whole)} is empty")
    selector = _Selector(inventory)
    selected: list[str] = []
    unmatched: list[str] = []
    for term in _order(terms):
        bare = term[1:] if term[0] in "&!" else term
        # A plain host name is itself, whatever characters it holds.
        that = [term] if term in selector.hosts else selector.match_term(bare, whole)
        if not that and bare != "all":
            unmatched.append(bare)
        if term[0] == "!":
            excluded = set(that)
            selected = [h for h in selected if h not in excluded]
        elif term[0] == "&":
            kept = set(that)
            selected = [h for h in selected if h in kept]
        else:
            already = set(selected)
            selected.extend(h for h in that if h not in already)
    selected = list(dict.fromkeys(selected))
    if not selected:
        names = ", ".join(_quoted(t) for t in unmatched[:3]) + \
            (f" and {len(unmatched) - 3} more" if len(unmatched) > 3 else "")
        why = f" (no group or host matches {names})" if unmatched else ""
        raise PatternError(f"host pattern {_quoted(whole)} selects no host{why}")
    return selected


def select_hosts(inventory: Inventory, pattern: str) -> list[Host]:
    """The hosts `pattern` selects, in Ansible's order (see the module docstring)."""
    by_name: Mapping[str, Host] = {h.name: h for h in inventory.hosts}
    return [by_name[name] for name in select_names(inventory, pattern)]
