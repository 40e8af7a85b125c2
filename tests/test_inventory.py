"""The inventory loader on real files: Ansible semantics, console settings, and every
kind of bad input ending as one line that names file, line and key path."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from console import settings
from console.errors import UserError
from console.inventory import (
    DEFAULT_INTERVAL,
    Inventory,
    InventoryError,
    expand_host_range,
    load_inventory,
)

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "inventory.example.yaml"


def write(tmp_path: Path, text: str, name: str = "inv.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def load(tmp_path: Path, text: str) -> Inventory:
    return load_inventory(write(tmp_path, text))


def error(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- the contract shape of issue 2 ----------------------------------------------------

CONTRACT = """\
    all:
      vars:
        console_interval: 2            # seconds between samples
      children:
        web:
          vars: {ansible_user: deploy}
          hosts:
            web-1: {ansible_host: 10.0.0.11}
            web-2: {ansible_host: 10.0.0.12, ansible_port: 2222}
        db:
          hosts:
            db-1:                        # name resolved through ~/.ssh/config
        local:
          hosts:
            localhost: {ansible_connection: local}
    """


def test_contract_shape_resolves_to_hosts_and_groups(tmp_path: Path) -> None:
    inv = load(tmp_path, CONTRACT)
    assert [h.name for h in inv.hosts] == ["web-1", "web-2", "db-1", "localhost"]
    web1, web2, db1, local = inv.hosts
    assert (web1.address, web1.port, web1.user, web1.connection) == \
        ("10.0.0.11", None, "deploy", "ssh")
    assert (web2.address, web2.port, web2.user) == ("10.0.0.12", 2222, "deploy")
    assert (db1.address, db1.port, db1.user, db1.groups) == ("db-1", None, None, ("db", "all"))
    assert local.is_local and local.address == "localhost"
    assert web1.groups == ("web", "all") and web1.group == "web"
    assert web1.interval == 2.0
    assert set(inv.groups) == {"all", "web", "db", "local"}
    assert inv.groups["all"].children == ("web", "db", "local")
    assert inv.groups["web"].parents == ("all",)
    assert inv.groups["web"].hosts == ("web-1", "web-2")
    assert inv.path == tmp_path / "inv.yaml"


def test_localhost_listed_without_connection_stays_ssh(tmp_path: Path) -> None:
    inv = load(tmp_path, "all:\n  hosts:\n    localhost:\n")
    assert inv.host("localhost").connection == "ssh"


def test_default_interval_when_not_set(tmp_path: Path) -> None:
    inv = load(tmp_path, "all:\n  hosts:\n    a:\n")
    assert inv.host("a").interval == DEFAULT_INTERVAL == settings.SETTINGS[
        "console_interval"].default
    assert inv.host("a").groups == ("ungrouped", "all")  # as Ansible files it


# --- precedence -------------------------------------------------------------------------

def test_precedence_all_parent_child_host(tmp_path: Path) -> None:
    inv = load(tmp_path, """\
        all:
          vars: {v_all: all, v_parent: all, v_child: all, v_host: all}
          children:
            parent:
              vars: {v_parent: parent, v_child: parent, v_host: parent}
              children:
                child:
                  vars: {v_child: child, v_host: child}
                  hosts:
                    h: {v_host: host}
        """)
    host = inv.host("h")
    assert {k: host.vars[k] for k in ("v_all", "v_parent", "v_child", "v_host")} == \
        {"v_all": "all", "v_parent": "parent", "v_child": "child", "v_host": "host"}
    assert host.groups == ("child", "parent", "all")


def test_sibling_groups_at_same_depth_later_name_wins(tmp_path: Path) -> None:
    # Listed in `zeta` first and `alpha` second: alphabetical order decides, not file
    # order, so zeta (later alphabetically) wins in both files.
    for first, second in (("zeta", "alpha"), ("alpha", "zeta")):
        inv = load(tmp_path, f"""\
            all:
              children:
                {first}:
                  vars: {{ansible_user: {first}}}
                  hosts: {{h: }}
                {second}:
                  vars: {{ansible_user: {second}}}
                  hosts: {{h: }}
            """)
        assert inv.host("h").user == "zeta"
        assert inv.host("h").groups == (first, second, "all")  # nearest, then file order


def test_deeper_group_beats_shallower_sibling_whatever_the_name(tmp_path: Path) -> None:
    inv = load(tmp_path, """\
        all:
          children:
            zz:
              vars: {ansible_port: 1001}
              hosts: {h: }
            aa:
              children:
                deep:
                  vars: {ansible_port: 1002}
                  hosts: {h: }
        """)
    assert inv.host("h").port == 1002


def test_host_vars_beat_every_group(tmp_path: Path) -> None:
    inv = load(tmp_path, """\
        all:
          vars: {console_interval: 5}
          children:
            g:
              vars: {console_interval: 7, ansible_user: group}
              hosts:
                h: {console_interval: 0.5, ansible_user: host}
        """)
    assert (inv.host("h").interval, inv.host("h").user) == (0.5, "host")


# --- nesting and multiple parents -------------------------------------------------------

def test_nesting_to_any_depth(tmp_path: Path) -> None:
    depth = 30
    lines = ["all:", "  vars: {level: 0}", "  children:"]
    indent = "    "
    for level in range(1, depth + 1):
        lines += [f"{indent}g{level}:", f"{indent}  vars: {{level: {level}}}"]
        if level == depth:
            lines.append(f"{indent}  hosts: {{leaf: }}")
        else:
            lines.append(f"{indent}  children:")
        indent += "    "
    path = tmp_path / "deep.yaml"
    path.write_text("\n".join(lines) + "\n")
    host = load_inventory(path).host("leaf")
    assert host.vars["level"] == depth
    assert host.groups == (*(f"g{n}" for n in range(depth, 0, -1)), "all")


def test_group_under_several_parents_merges(tmp_path: Path) -> None:
    inv = load(tmp_path, """\
        all:
          children:
            web:
              vars: {ansible_user: web, from_web: 1}
              children:
                shared:
                  hosts: {s1: }
            db:
              vars: {from_db: 1}
              children:
                shared:
                  vars: {shared_var: yes}
                  hosts: {s2: }
        """)
    shared = inv.groups["shared"]
    assert shared.parents == ("web", "db")
    assert shared.hosts == ("s1", "s2")
    assert inv.groups["web"].children == ("shared",) == inv.groups["db"].children
    for name in ("s1", "s2"):
        host = inv.host(name)
        assert host.groups == ("shared", "web", "db", "all")
        assert host.vars["from_web"] == host.vars["from_db"] == 1
        assert host.vars["shared_var"] is True
        assert host.user == "web"


def test_host_in_several_groups_merges_its_vars(tmp_path: Path) -> None:
    inv = load(tmp_path, """\
        all:
          children:
            web:
              hosts:
                h: {ansible_host: 10.1.1.1}
            monitored:
              hosts:
                h: {ansible_port: 2200}
        """)
    host = inv.host("h")
    assert (host.address, host.port, host.groups) == ("10.1.1.1", 2200,
                                                      ("web", "monitored", "all"))
    assert [h.name for h in inv.hosts] == ["h"]


def test_top_level_groups_besides_all_are_children_of_all(tmp_path: Path) -> None:
    inv = load(tmp_path, "all:\n  vars: {x: 1}\nweb:\n  hosts: {w: }\n")
    assert inv.groups["web"].parents == ("all",)
    assert inv.host("w").vars["x"] == 1


def test_yaml_anchors_and_merge_keys(tmp_path: Path) -> None:
    inv = load(tmp_path, """\
        all:
          vars:
            base: &base {ansible_user: ops, ansible_port: 2022}
          hosts:
            a:
              <<: *base
              ansible_port: 2023
        """)
    assert (inv.host("a").user, inv.host("a").port) == ("ops", 2023)


# --- connection variables ---------------------------------------------------------------

def test_legacy_names_key_file_and_ansible_precedence(tmp_path: Path) -> None:
    inv = load(tmp_path, """\
        all:
          hosts:
            old: {ansible_ssh_host: 10.2.0.1, ansible_ssh_port: "2201", ansible_ssh_user: u}
            both: {ansible_host: new.example, ansible_ssh_host: old.example}
            keyed: {ansible_ssh_private_key_file: ~/.ssh/id_ops}
        """)
    old = inv.host("old")
    assert (old.address, old.port, old.user) == ("10.2.0.1", 2201, "u")
    # Ansible reads ansible_ssh_host first (MAGIC_VARIABLE_MAPPING, the ssh plugin's
    # option order): where both are set, it wins.
    assert inv.host("both").address == "old.example"
    assert inv.host("keyed").key_file == os.path.expanduser("~/.ssh/id_ops")
    assert not inv.host("keyed").key_file.startswith("~")


def test_host_names_kept_as_written(tmp_path: Path) -> None:
    inv = load(tmp_path, "all:\n  hosts:\n    on:\n    10.10:\n    192.0.2.1:\n")
    assert [h.name for h in inv.hosts] == ["on", "10.10", "192.0.2.1"]


def test_host_ranges(tmp_path: Path) -> None:
    assert expand_host_range("web[01:03]") == ["web01", "web02", "web03"]
    assert expand_host_range("db-[a:c]") == ["db-a", "db-b", "db-c"]
    assert expand_host_range("n[0:6:3].x") == ["n0.x", "n3.x", "n6.x"]
    assert expand_host_range("r[1:2]c[1:2]") == ["r1c1", "r1c2", "r2c1", "r2c2"]
    inv = load(tmp_path, "all:\n  hosts:\n    web[1:3]: {ansible_port: 2222}\n")
    assert [(h.name, h.port) for h in inv.hosts] == [("web1", 2222), ("web2", 2222),
                                                     ("web3", 2222)]


# --- jump hosts -------------------------------------------------------------------------

def test_console_jump_inherited_from_group(tmp_path: Path) -> None:
    inv = load(tmp_path, """\
        all:
          children:
            private:
              vars: {console_jump: bastion}
              hosts: {app: }
            edge:
              hosts:
                bastion: {ansible_host: 10.9.9.9}
                other: {console_jump: "ops@10.9.9.8:2222"}
        """)
    assert inv.host("app").jump == "bastion"
    assert inv.host("bastion").jump is None
    assert inv.host("other").jump == "ops@10.9.9.8:2222"


@pytest.mark.parametrize(("args", "jump"), [
    ("-J bastion", "bastion"),
    ("-Jops@bastion:22", "ops@bastion:22"),
    ("-o StrictHostKeyChecking=no -o ProxyJump=jump1,jump2", "jump1,jump2"),
    ("-oProxyJump=b", "b"),
    ("-o 'ProxyJump j'", "j"),
    ("'-o ProxyJump k'", "k"),
    ('-o ProxyCommand="ssh -W %h:%p -q ops@bastion"', "ops@bastion"),
    ("-o 'ProxyCommand=ssh -p 2200 -l ops -W %h:%p bastion'", "ops@bastion:2200"),
    ("-o ServerAliveInterval=5", None),
])
def test_jump_from_ansible_ssh_args(tmp_path: Path, args: str, jump: str | None) -> None:
    quoted = args.replace("\\", "\\\\").replace('"', '\\"')
    inv = load(tmp_path, f'all:\n  hosts:\n    h: {{ansible_ssh_common_args: "{quoted}"}}\n')
    assert inv.host("h").jump == jump


def test_console_jump_beats_ssh_args(tmp_path: Path) -> None:
    inv = load(tmp_path, """\
        all:
          vars: {ansible_ssh_extra_args: "-J from-args"}
          hosts:
            h: {console_jump: from-console}
            i:
        """)
    assert (inv.host("h").jump, inv.host("i").jump) == ("from-console", "from-args")


# --- console settings -------------------------------------------------------------------

def test_settings_are_normalised(tmp_path: Path) -> None:
    inv = load(tmp_path, """\
        all:
          vars:
            console_read_only: "yes"
            console_notes_db: ~/team.db
            console_services: [nginx, sshd]
            console_logs: [/var/log/syslog]
          hosts:
            db:
              console_services: {postgresql: pg_isready -q, sshd: }
              console_logs: {pg: /var/log/postgresql.log}
            web:
        """)
    assert inv.setting("console_read_only") is True
    assert inv.setting("console_notes_db") == os.path.expanduser("~/team.db")
    web, db = inv.host("web"), inv.host("db")
    assert dict(web.vars["console_services"]) == {"nginx": None, "sshd": None}
    assert dict(db.vars["console_services"]) == {"postgresql": "pg_isready -q", "sshd": None}
    assert dict(web.vars["console_logs"]) == {
        "/var/log/syslog": settings.LogSource("/var/log/syslog", "path", "/var/log/syslog")}
    assert dict(db.vars["console_logs"]) == {
        "pg": settings.LogSource("pg", "path", "/var/log/postgresql.log")}
    assert settings.value(web.vars, "console_checks") == {}


def test_setting_defaults_without_inventory_values() -> None:
    inv = Inventory.local_only()
    assert inv.setting("console_read_only") is False
    assert inv.setting("console_notes_db") is None


def test_thresholds_merge_per_metric_and_field(tmp_path: Path) -> None:
    inv = load(tmp_path, """\
        all:
          vars:
            console_thresholds:
              cpu: {warn: 80, crit: 90, for: 3}
              disk: {warn: 80, crit: 90}
          children:
            db:
              vars:
                console_thresholds: {disk: {warn: 70, crit: 85}}
              hosts:
                db-1: {console_thresholds: {cpu: {warn: 60}}}
                db-2:
        """)
    t1 = inv.host("db-1").vars["console_thresholds"]
    assert dict(t1["cpu"]) == {"warn": 60, "crit": 90, "for": 3}
    assert dict(t1["disk"]) == {"warn": 70, "crit": 85}
    assert dict(inv.host("db-2").vars["console_thresholds"]["cpu"]) == \
        {"warn": 80, "crit": 90, "for": 3}


def test_setting_registry_shape() -> None:
    for name, entry in settings.SETTINGS.items():
        assert name.startswith("console_") and entry.name == name
        assert entry.doc and "\n" not in entry.doc
    assert settings.suggest("console_intervall") == "console_interval"
    assert settings.suggest("console_servics") == "console_services"
    with pytest.raises(ValueError, match="registered twice"):
        settings.setting("console_interval", "again")(lambda v: v)


# --- the example file -------------------------------------------------------------------

def test_example_inventory_loads_and_shows_every_setting() -> None:
    inv = load_inventory(EXAMPLE)
    written: set[str] = set()
    for group in inv.groups.values():
        written |= set(group.vars)
    for host in inv.hosts:
        written |= set(host.vars)
    missing = set(settings.SETTINGS) - written
    assert not missing, f"inventory.example.yaml lacks {sorted(missing)}"
    text = EXAMPLE.read_text()
    for name in settings.SETTINGS:  # each setting's line carries a comment
        lines = [ln for ln in text.splitlines() if ln.strip().startswith(f"{name}:")]
        assert any("#" in ln for ln in lines), f"{name} has no comment in the example"
    assert inv.host("app-2").jump == "bastion"
    assert inv.host("localhost").is_local
    assert inv.host("web-2").port == 2222


# --- errors: one line, file, line, key path ---------------------------------------------

BAD = [
    ("unknown setting", "all:\n  children:\n    web:\n      vars:\n"
     "        console_intervall: 3\n",
     5, "all.children.web.vars.console_intervall", "did you mean console_interval?"),
    ("interval zero", "all:\n  vars:\n    console_interval: 0\n",
     3, "all.vars.console_interval", "positive number"),
    ("interval text", "all:\n  hosts:\n    a:\n      console_interval: soon\n",
     4, "all.hosts.a.console_interval", "positive number"),
    ("disk interval negative", "all:\n  vars:\n    console_disk_interval: -10\n",
     3, "all.vars.console_disk_interval", "positive number"),
    ("hosts a list", "all:\n  hosts: [a, b]\n", 2, "all.hosts", "mapping of host name"),
    ("children a list", "all:\n  children:\n    - web\n", 3, "all.children",
     "mapping of group names"),
    ("vars a list", "all:\n  vars:\n    - x\n", 3, "all.vars", "mapping of variable names"),
    ("host vars a string", "all:\n  hosts:\n    a: 10.0.0.1\n", 3, "all.hosts.a",
     "host variables must be a mapping"),
    ("group a string", "all:\n  children:\n    web: yes\n", 3, "all.children.web",
     "a group must be a mapping"),
    ("unknown group key", "all:\n  host:\n    a:\n", 2, "all.host", "unknown group key"),
    ("empty host name", 'all:\n  hosts:\n    "": {}\n', 3, "all.hosts", "empty"),
    ("host name with space", 'all:\n  hosts:\n    "web 1":\n', 3, "all.hosts.web 1",
     "spaces or control characters"),
    ("host name with control char", 'all:\n  hosts:\n    "web\\x1b1":\n', 3,
     "all.hosts.web\x1b1", "control characters"),
    ("cycle in one path", "all:\n  children:\n    web:\n      children:\n        web:\n", 5,
     "all.children.web.children.web", "group cycle: web -> web"),
    ("cycle across definitions", "all:\n  children:\n    a:\n      children:\n        b:\n"
     "    b:\n      children:\n        a:\n", 8, "all.children.b.children.a",
     "group cycle: a -> b -> a"),
    ("all as a child", "all:\n  children:\n    g:\n      children:\n        all:\n", 5,
     "all.children.g.children.all", "group cycle"),
    ("jump loop", "all:\n  hosts:\n    a: {console_jump: b}\n    b: {console_jump: a}\n", 3,
     "all.hosts.a.console_jump", "jump hosts loop: a -> b -> a"),
    ("jump with empty host", "all:\n  hosts:\n    a: {console_jump: 'ops@:22'}\n", 3,
     "all.hosts.a.console_jump", "empty host"),
    ("jump with bad port", "all:\n  hosts:\n    a: {console_jump: 'b:99999'}\n", 3,
     "all.hosts.a.console_jump", "port number"),
    ("bad host range", "all:\n  hosts:\n    web[1:x]:\n", 3, "all.hosts.web[1:x]",
     "neither numbers nor letters"),
    ("read_only not a bool", "all:\n  vars: {console_read_only: maybe}\n", 2,
     "all.vars.console_read_only", "true or false"),
    ("services wrong type", "all:\n  vars: {console_services: 3}\n", 2,
     "all.vars.console_services", "list of service names"),
    ("thresholds not a mapping", "all:\n  vars: {console_thresholds: 5}\n", 2,
     "all.vars.console_thresholds", "mapping"),
    ("threshold not a number", "all:\n  vars:\n    console_thresholds:\n"
     "      cpu: {warn: abc}\n", 3, "all.vars.console_thresholds", "cpu.warn"),
    ("merged thresholds contradict", "all:\n  vars:\n    console_thresholds:\n"
     "      cpu: {warn: 80, crit: 90}\n  hosts:\n    a:\n"
     "      console_thresholds: {cpu: {warn: 95}}\n", 7, "all.hosts.a.console_thresholds",
     "for host a: cpu"),
    ("variable name not a string", "all:\n  vars:\n    [1, 2]: x\n", 3, "all.vars",
     "variable name"),
]


@pytest.mark.parametrize(("text", "line", "key_path", "problem"),
                         [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_bad_input_names_file_line_and_key_path(tmp_path: Path, text: str, line: int,
                                                key_path: str, problem: str) -> None:
    message = error(tmp_path, text)
    prefix = f"{tmp_path / 'inv.yaml'}:{line}: {key_path}: "
    assert message.startswith(prefix), message
    assert problem in message[len(prefix):], message


UNUSABLE = [
    ("port not a number", "all:\n  hosts:\n    a: {ansible_port: abc}\n",
     3, "all.hosts.a.ansible_port", "port number 1..65535"),
    ("port out of range", "all:\n  children:\n    g:\n      vars:\n        ansible_port: 70000\n"
     "      hosts: {a: }\n",
     5, "all.children.g.vars.ansible_port", "port number 1..65535"),
    ("ansible_host empty", 'all:\n  hosts:\n    a: {ansible_host: ""}\n', 3,
     "all.hosts.a.ansible_host", "host name or IP address"),
    ("ansible_host with space", 'all:\n  hosts:\n    a: {ansible_host: "10.0.0.1 x"}\n', 3,
     "all.hosts.a.ansible_host", "without spaces"),
    ("ansible_host template", 'all:\n  hosts:\n    a:\n      ansible_host: "{{ x }}"\n', 4,
     "all.hosts.a.ansible_host", "Jinja"),
    ("unsupported connection", "all:\n  hosts:\n    a: {ansible_connection: winrm}\n", 3,
     "all.hosts.a.ansible_connection", "speaks only ssh and local"),
    ("unsupported ProxyCommand",
     "all:\n  vars:\n    ansible_ssh_common_args: '-o ProxyCommand=\"nc %h %p\"'\n"
     "  hosts: {a: }\n", 3, "all.vars.ansible_ssh_common_args", "set console_jump"),
    ("unbalanced quotes in ssh args",
     "all:\n  hosts:\n    a: {ansible_ssh_extra_args: '-o \"x'}\n", 3,
     "all.hosts.a.ansible_ssh_extra_args", "cannot split"),
]


@pytest.mark.parametrize(("text", "line", "key_path", "problem"),
                         [case[1:] for case in UNUSABLE], ids=[case[0] for case in UNUSABLE])
def test_a_value_the_console_cannot_use_marks_only_its_hosts(
        tmp_path: Path, text: str, line: int, key_path: str, problem: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Ansible reads these inventories; the console loads them too, and each host that
    ends up with the value says why it cannot be reached (file, line, key)."""
    monkeypatch.setenv("OPSCONSOLE_ANSIBLE", "never")  # templates: the console alone
    path = write(tmp_path, text)
    inv = load_inventory(path)
    bad = [h for h in inv.hosts if h.problem]
    assert bad, [h.name for h in inv.hosts]
    for host in bad:
        assert host.problem.startswith(f"{path}:{line}: {key_path}: "), host.problem
        assert problem in host.problem, host.problem
        assert "\n" not in host.problem


def test_only_the_hosts_with_the_value_are_unusable(tmp_path: Path) -> None:
    inv = load(tmp_path, """\
        all:
          children:
            odd:
              vars: {ansible_ssh_common_args: '-o ProxyCommand="nc -X 5 -x socks:1080 %h %p"'}
              hosts: {odd-1: , odd-2: }
            fine:
              hosts: {fine-1: {ansible_port: 2222}}
        """)
    assert [h.name for h in inv.unusable] == ["odd-1", "odd-2"]
    assert inv.host("fine-1").problem is None and inv.host("fine-1").port == 2222
    assert "ProxyCommand 'nc -X 5 -x socks:1080 %h %p' is not supported" in \
        inv.host("odd-1").problem


@pytest.mark.parametrize(("text", "line", "problem"), [
    ("", 1, "file is empty"),
    ("# only a comment\n", 1, "file is empty"),
    ("- a\n- b\n", 1, "root must be a mapping"),
    ("all:\n  hosts:\n    a: {ansible_host: [1\n", 3, "invalid YAML"),
    ("all:\n\tbad: tab\n", 2, "invalid YAML"),
    ("all: {}\n---\nall: {}\n", 2, "invalid YAML"),
])
def test_file_level_errors_name_file_and_line(tmp_path: Path, text: str, line: int,
                                              problem: str) -> None:
    message = error(tmp_path, text)
    assert message.startswith(f"{tmp_path / 'inv.yaml'}:{line}: "), message
    assert problem in message


def test_unreadable_missing_and_binary_files(tmp_path: Path) -> None:
    cases = {
        tmp_path / "absent.yaml": "no such file",
        tmp_path / "empty-dir": "directory holds no inventory file",
        Path("/proc/self/mem"): "cannot read",  # readable by name, fails on read (EIO)
    }
    (tmp_path / "empty-dir").mkdir()
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"all:\n  hosts:\n    \xff\xfe:\n")
    for path, problem in cases.items():
        with pytest.raises(InventoryError) as info:
            load_inventory(path)
        assert str(info.value) == f"{path}: {problem}" or \
            str(info.value).startswith(f"{path}: {problem}"), str(info.value)
    with pytest.raises(InventoryError, match=r"bin\.yaml:3: not UTF-8 text"):
        load_inventory(binary)


def test_inventory_error_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError) as info:
        load_inventory(tmp_path / "nope.yaml")
    assert info.value.exit_status == 2
    assert isinstance(info.value, InventoryError)
    assert (info.value.file, info.value.line, info.value.problem) == \
        (str(tmp_path / "nope.yaml"), None, "no such file or directory")


def test_recursive_alias_is_an_error_not_a_hang(tmp_path: Path) -> None:
    message = error(tmp_path, "all:\n  children:\n    web: &w\n      children:\n"
                              "        x: *w\n")
    assert "an alias contains itself" in message and ":3: " in message, message


# --- group_vars/ and host_vars/ beside the inventory -----------------------------------

INV_WITH_DIRS = """\
all:
  vars: {console_interval: 5}
  children:
    web:
      vars: {ansible_user: inline}
      hosts:
        web-1: {ansible_host: 10.0.0.11}
        web-2: {ansible_host: 10.0.0.12}
"""


def test_group_and_host_vars_directories_override_the_file(tmp_path: Path) -> None:
    (tmp_path / "group_vars" / "all").mkdir(parents=True)
    (tmp_path / "group_vars" / "all" / "10-console.yml").write_text("console_interval: 3\n")
    (tmp_path / "group_vars" / "web.yaml").write_text(
        "ansible_user: deploy\nconsole_tags: [prod]\n")
    (tmp_path / "host_vars").mkdir()
    (tmp_path / "host_vars" / "web-2.yml").write_text("ansible_port: 2222\n")
    (tmp_path / "host_vars" / "web-1.yml").write_text(
        "$ANSIBLE_VAULT;1.1;AES256\n6162636465\n")  # secrets: skipped, not an error
    inv = load(tmp_path, INV_WITH_DIRS)
    web1, web2 = inv.host("web-1"), inv.host("web-2")
    assert web1.interval == 3 and web1.user == "deploy"  # group_vars beat inline vars
    assert web1.vars["console_tags"] == ("prod",)
    assert web1.port is None and web2.port == 2222


def test_bad_setting_in_group_vars_names_that_file(tmp_path: Path) -> None:
    (tmp_path / "group_vars").mkdir()
    bad = tmp_path / "group_vars" / "web.yml"
    bad.write_text("ansible_user: deploy\nconsole_intervall: 3\n")
    message = error(tmp_path, INV_WITH_DIRS)
    assert message.startswith(f"{bad}:2: group_vars.web.console_intervall:")
    assert "did you mean console_interval" in message


def test_invalid_yaml_in_host_vars_names_that_file(tmp_path: Path) -> None:
    (tmp_path / "host_vars").mkdir()
    bad = tmp_path / "host_vars" / "web-1.yml"
    bad.write_text("ansible_port: [1,\n")
    message = error(tmp_path, INV_WITH_DIRS)
    assert message.startswith(f"{bad}:") and "invalid YAML" in message


# --- inventories that attack the loader (issue 14) --------------------------------------

def alias_bomb(use: str) -> str:
    """Billion laughs: nine lists of nine aliases, nine deep (9**9 strings once
    expanded), used where `use` says."""
    levels = ["    l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for n in range(1, 9):
        levels.append(f"    l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]")
    return "all:\n  vars:\n" + "\n".join(levels) + "\n" + use


BOMB_USES = {
    "console_tags": "  hosts:\n    h1: {console_tags: *l8}\n",
    "console_thresholds": "  hosts:\n    h1:\n      console_thresholds: {cpu: *l8}\n",
    "ansible_host": "  hosts:\n    h1: {ansible_host: *l8}\n",
    "console_jump": "  children:\n    g:\n      vars: {console_jump: *l8}\n",
    "hosts": "  children:\n    g:\n      hosts: *l8\n",
}


@pytest.mark.parametrize("use", list(BOMB_USES))
def test_alias_bomb_is_refused_at_once_in_bounded_memory(tmp_path: Path, use: str) -> None:
    """The real `check` in a process limited to 1 GiB of address space and 20 s: an
    expanded bomb (or an error message rendering it) would blow either."""
    import resource
    import subprocess
    import sys

    path = write(tmp_path, alias_bomb(BOMB_USES[use]))

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    done = subprocess.run([sys.executable, "-m", "console", "check", "-i", str(path)],
                          capture_output=True, text=True, timeout=20, preexec_fn=limit,
                          cwd=REPO)
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.startswith(f"opsconsole: {path}:")
    assert "aliases expand this value past 20,000,000 entries: refused" in done.stderr
    assert len(done.stderr) < 400 and "lol" not in done.stderr


def test_a_value_just_over_the_per_key_bound_names_its_key(tmp_path: Path) -> None:
    levels = ["    l0: &l0 [a, b, c, d, e, f, g, h, i, j]"]
    for n in range(1, 5):
        levels.append(f"    l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 10) + "]")
    text = "all:\n  vars:\n" + "\n".join(levels) + "\n  hosts:\n    h1:\n" \
        "      console_tags: *l4\n"
    message = error(tmp_path, text)
    assert message.startswith(f"{tmp_path / 'inv.yaml'}:10: all.hosts.h1.console_tags: "
                              "value has more than 10,000 entries"), message


def test_a_template_in_a_console_setting_marks_its_hosts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSCONSOLE_ANSIBLE", "never")
    inv = load(tmp_path, """\
        all:
          children:
            slow:
              vars: {console_interval: "{{ poll_seconds }}"}
              hosts: {s-1: }
            fast:
              hosts: {f-1: {console_interval: 1}}
        """)
    assert inv.host("f-1").problem is None and inv.host("f-1").interval == 1.0
    problem = inv.host("s-1").problem or ""
    assert problem.startswith(f"{tmp_path / 'inv.yaml'}:4: all.children.slow.vars."
                              "console_interval: is a Jinja template"), problem
    assert inv.host("s-1").interval == DEFAULT_INTERVAL
