"""Ansible's host pattern language, compared term by term with ansible-core itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.inventory import load_inventory
from console.patterns import PatternError, select_hosts, select_names, split_pattern
from tests.ansible_ref import ansible_patterns

CORPUS = Path(__file__).parent / "data" / "inventories"
FLEET = CORPUS / "patterns.yaml"

PATTERNS = [
    "all", "*", "web", "db", "web:db", "web,db", "db:web", "web:&prod", "prod:&staging",
    "web:!web-3", "!web-3:web", "prod:!db", "db-*", "web-?", "*.example.org", "~web-(1|2)",
    "~web-[12]", "web[1-2]", "web[2:0]", "web[9:]",
    "~(db|cache)", "~.*-1$", "web[0]", "web[-1]", "web[0:2]", "web[1:]", "prod[2]",
    "web-2", "lonely.example.org", "ungrouped", "web-1,db-2,web-1", "web*:&staging",
    "prod:cache:!web", "all:!prod", "cache:&web-4", "&web", "!db",
]


def test_every_pattern_selects_what_ansible_selects(tmp_path: Path) -> None:
    inventory = load_inventory(FLEET)
    reference = ansible_patterns([FLEET], PATTERNS, tmp_path)
    for pattern in PATTERNS:
        expected = reference[pattern]
        if isinstance(expected, dict):  # Ansible refuses it: so must the console
            with pytest.raises(PatternError):
                select_names(inventory, pattern)
            continue
        if not expected:  # Ansible selects nothing: the console says so
            with pytest.raises(PatternError, match="selects no host"):
                select_names(inventory, pattern)
            continue
        got = select_names(inventory, pattern)
        assert got == expected, f"{pattern}: console {got} != ansible {expected}"


def test_select_hosts_returns_the_inventory_hosts() -> None:
    inventory = load_inventory(FLEET)
    hosts = select_hosts(inventory, "web[0:1]")
    assert [(h.name, h.address) for h in hosts] == [("web-1", "10.1.0.1"),
                                                     ("web-2", "10.1.0.2")]
    assert all(h is inventory.host(h.name) for h in hosts)


@pytest.mark.parametrize(("pattern", "terms"), [
    ("web:db", ["web", "db"]), ("web, db ,", ["web", "db"]), ("web[0:2]", ["web[0:2]"]),
    ("web[0:2]:db", ["web[0:2]", "db"]), ("fe80::1", ["fe80::1"]),
    ("web:&prod:!web-3", ["web", "&prod", "!web-3"]), ("host:22", ["host:22"]),
])
def test_split_like_ansible(pattern: str, terms: list[str]) -> None:
    assert split_pattern(pattern) == terms


@pytest.mark.parametrize(("pattern", "message"), [
    ("nosuch", "host pattern 'nosuch' selects no host (no group or host matches 'nosuch')"),
    ("web:&db", "host pattern 'web:&db' selects no host"),
    ("", "host pattern '' is empty"),
    (" , ", "host pattern ' , ' is empty"),
    ("~web-(", "'~web-(' is not a valid regular expression"),
    ("web[7]", "'web[7]' is out of range ('web' has 4 hosts)"),
    ("web[5:9]", "host pattern 'web[5:9]' selects no host"),
    ("web[0", "unbalanced brackets"),
    ("@/nonexistent/limit-file", "cannot read limit file /nonexistent/limit-file"),
])
def test_malformed_or_empty_patterns_are_one_line_errors(pattern: str, message: str) -> None:
    inventory = load_inventory(FLEET)
    with pytest.raises(PatternError) as info:
        select_hosts(inventory, pattern)
    text = str(info.value)
    assert message in text and "\n" not in text
    assert isinstance(info.value, ValueError)


def test_ansible_agrees_those_patterns_select_nothing(tmp_path: Path) -> None:
    reference = ansible_patterns([FLEET], ["nosuch", "web:&db", "web[7]", "web[5:9]"],
                                 tmp_path)
    assert reference["nosuch"] == reference["web:&db"] == reference["web[5:9]"] == []
    assert "error" in reference["web[7]"]


def test_limit_file_lists_one_pattern_per_line(tmp_path: Path) -> None:
    retry = tmp_path / "site.retry"
    retry.write_text("db-2\nweb-1\n\n")
    assert select_names(load_inventory(FLEET), f"@{retry}") == ["db-2", "web-1"]


def test_a_long_pattern_is_shortened_in_the_message() -> None:
    with pytest.raises(PatternError) as info:
        select_hosts(load_inventory(FLEET), "x" * 5000)
    assert len(str(info.value)) < 300
