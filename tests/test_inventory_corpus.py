"""The corpus of inventories in tests/data/inventories/, each read by the console and by
`ansible-inventory --list`: the same hosts, the same groups with the same members and
children, and the same connection values for every host."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from console.errors import UserError
from console.inventory import Inventory, load_inventory
from tests.ansible_ref import ansible_list

CORPUS = Path(__file__).parent / "data" / "inventories"

# name -> the -i sources, and whether only Ansible can read it (plugins, Jinja)
CASES: dict[str, tuple[list[str], bool]] = {
    "ini": (["shop.ini"], False),
    "yaml-without-all": (["cloud.yml"], False),
    "yaml-precedence": (["layered.yaml"], False),
    "json-static": (["static.json"], False),
    "ini-without-extension": (["hosts"], False),
    "script-with-meta": (["script_meta.py"], False),
    "script-with-host": (["script_host.sh"], False),
    "directory": (["site"], False),
    "several-sources": (["shop.ini", "cloud.yml", "script_host.sh"], False),
    "patterns-fleet": (["patterns.yaml"], False),
    "jinja": (["templated.yml"], True),
    "plugin-constructed": (["constructed"], True),
}


# ansible-inventory --list shows templates unevaluated; a play (and the console) sees
# them evaluated.
RENDERED = {"jinja": {"mx-1": {"address": "mx-1.example.net"},
                      "mx-2": {"address": "mx-2.example.net", "port": 2205}}}


def expected_connection(name: str, hv: dict[str, Any]) -> dict[str, Any]:
    """What Ansible will connect to, from its merged host variables (its own order:
    the ansible_ssh_* name first)."""
    def first(*names: str) -> Any:
        return next((hv[n] for n in names if n in hv), None)

    port = first("ansible_ssh_port", "ansible_port")
    key = first("ansible_ssh_private_key_file", "ansible_private_key_file")
    return {
        "address": first("ansible_ssh_host", "ansible_host") or name,
        "port": int(port) if port is not None and str(port).isdigit() else port,
        "user": first("ansible_ssh_user", "ansible_user"),
        "key_file": os.path.expanduser(key) if key else None,
        "connection": "local" if first("ansible_connection") == "local" else "ssh",
    }


def groups_of(listing: dict[str, Any]) -> dict[str, tuple[list[str], list[str]]]:
    """group -> (hosts, children) as ansible-inventory lists them (empty groups, which
    it leaves out, are left out)."""
    listed = {name for name in listing if name != "_meta"}
    return {name: (body.get("hosts", []), [c for c in body.get("children", [])
                                           if c in listed])
            for name, body in listing.items() if name != "_meta"}


def console_groups(inventory: Inventory) -> dict[str, tuple[list[str], list[str]]]:
    out = {}
    for name, group in inventory.groups.items():
        children = [c for c in group.children if _non_empty(inventory, c)]
        hosts = [] if name == "all" else list(group.hosts)
        if hosts or children:
            out[name] = (hosts, children)
    return out


def _non_empty(inventory: Inventory, name: str) -> bool:
    group = inventory.groups[name]
    return bool(group.hosts) or any(_non_empty(inventory, c) for c in group.children)


@pytest.mark.parametrize("case", list(CASES))
def test_console_reads_what_ansible_reads(case: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    names, needs_ansible = CASES[case]
    sources = [CORPUS / n for n in names]
    if not needs_ansible:  # prove the console's own readers, not Ansible's
        monkeypatch.setenv("OPSCONSOLE_ANSIBLE", "never")
    inventory = load_inventory(sources)
    listing = ansible_list(sources, tmp_path)
    hostvars = listing["_meta"]["hostvars"]
    ansible_hosts = {h for hosts, _ in groups_of(listing).values() for h in hosts}
    assert [h.name for h in inventory.hosts if not h.problem] and \
        {h.name for h in inventory.hosts} == ansible_hosts
    expected_groups = groups_of(listing)
    got_groups = console_groups(inventory)
    assert set(got_groups) == set(expected_groups)
    for group, (hosts, children) in expected_groups.items():
        assert got_groups[group][0] == hosts, f"hosts of {group}"
        assert sorted(got_groups[group][1]) == sorted(children), f"children of {group}"
    for host in inventory.hosts:
        assert host.problem is None, host.problem
        expected = expected_connection(host.name, hostvars.get(host.name, {}))
        expected.update(RENDERED.get(case, {}).get(host.name, {}))
        got = {"address": host.address, "port": host.port, "user": host.user,
               "key_file": host.key_file, "connection": host.connection}
        assert got == expected, f"{case}: {host.name}"


def test_without_ansible_templates_mark_their_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSCONSOLE_ANSIBLE", "never")
    inventory = load_inventory(CORPUS / "templated.yml")
    assert [h.name for h in inventory.unusable] == ["mx-1", "mx-2"]
    problem = inventory.host("mx-1").problem or ""
    assert problem.startswith(f"{CORPUS / 'templated.yml'}:5: all.vars.ansible_host: is a "
                              "Jinja template"), problem
    assert "pip install 'opsconsole[ansible]'" in problem


def test_without_ansible_a_plugin_is_one_line_naming_file_and_install(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSCONSOLE_ANSIBLE", "never")
    with pytest.raises(UserError) as info:
        load_inventory(CORPUS / "constructed")
    message = str(info.value)
    assert message.startswith(f"{CORPUS / 'constructed' / '02-constructed.yml'}: configures "
                              "the inventory plugin 'ansible.builtin.constructed'"), message
    assert "install ansible-core (pip install 'opsconsole[ansible]')" in message
    assert "\n" not in message


def test_a_source_ansible_cannot_parse_is_an_error_not_a_smaller_fleet(
        tmp_path: Path) -> None:
    bad = tmp_path / "broken.yml"
    bad.write_text("plugin: ansible.builtin.constructed\nkeyed_groups: 5\n")
    with pytest.raises(UserError) as info:
        load_inventory(bad)
    assert str(info.value).startswith(f"{bad}: Ansible could not read it: ")


def test_a_comma_separated_host_list_as_ansible_reads_it(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """`-i 'web-1,10.0.0.2:2222,'`: Ansible's host_list source, for ad hoc runs."""
    monkeypatch.setenv("OPSCONSOLE_ANSIBLE", "never")
    source = "web-1, 10.0.0.2:2222,[fe80::1]:2200,"
    inventory = load_inventory([source])
    listing = ansible_list([Path(source)], tmp_path)
    assert listing["ungrouped"]["hosts"] == [h.name for h in inventory.hosts] == \
        ["web-1", "10.0.0.2", "fe80::1"]
    assert [h.port for h in inventory.hosts] == [None, 2222, 2200]
    assert listing["_meta"]["hostvars"]["10.0.0.2"]["ansible_port"] == 2222
