"""The readers' own rules and errors: ProxyCommand options, INI sections, scripts that
fail, bastions found by address. Each error is one line naming the file (and line)."""

from __future__ import annotations

import os
import stat
import textwrap
from pathlib import Path

import pytest

from console.inventory import InventoryError, load_inventory, script_source
from tests.ansible_ref import ansible_list


def write(tmp_path: Path, name: str, text: str, executable: bool = False) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    if executable:
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.parametrize(("command", "hop", "key"), [
    ("ssh -W %h:%p -i ~/.ssh/bastion_key -p 2201 -l ops gw.example", "ops@gw.example:2201",
     "~/.ssh/bastion_key"),
    ("ssh -o Port=2202 -o User=ops -o IdentityFile=/keys/gw -W %h:%p gw.example",
     "ops@gw.example:2202", "/keys/gw"),
    ("ssh -q -o StrictHostKeyChecking=no -W [%h]:%p jump@gw.example", "jump@gw.example",
     None),
    ("/usr/bin/ssh -J first.example -W %h:%p second.example", "first.example,second.example",
     None),
])
def test_proxycommand_options_are_honoured(tmp_path: Path, command: str, hop: str,
                                           key: str | None) -> None:
    inv = load_inventory(write(tmp_path, "hosts.ini", f"""\
        [app]
        app-1 ansible_ssh_common_args='-o ProxyCommand="{command}"'
        """))
    host = inv.host("app-1")
    assert host.problem is None and host.jump == hop
    last = host.hops[-1]
    assert last.key_file == (os.path.expanduser(key) if key else None)
    assert str(last) == hop.split(",")[-1]


@pytest.mark.parametrize(("command", "said"), [
    ("nc -x socks.example:1080 %h %p", "only 'ssh -W %h:%p BASTION' is"),
    ("ssh gw.example nc %h %p", "runs a command on the bastion"),
    ("ssh -W %h:%p -o Ciphers=aes128-ctr gw.example", "option '-o Ciphers=aes128-ctr'"),
    ("ssh -W %h:%p -F /etc/ssh/other gw.example", "option '-F /etc/ssh/other'"),
    ("ssh -W fixed.example:22 gw.example", "only 'ssh -W %h:%p BASTION' is"),
])
def test_proxycommand_options_not_honoured_are_named(tmp_path: Path, command: str,
                                                     said: str) -> None:
    inv = load_inventory(write(tmp_path, "hosts.ini", f"""\
        [app]
        app-1 ansible_ssh_common_args='-o ProxyCommand="{command}"'
        app-2
        """))
    assert said in (inv.host("app-1").problem or ""), inv.host("app-1").problem
    assert inv.host("app-2").problem is None


def test_bastion_given_by_address_uses_the_inventory_host_there(tmp_path: Path) -> None:
    inv = load_inventory(write(tmp_path, "inv.yaml", """\
        gateways:
          hosts:
            gw: {ansible_host: 10.0.0.1, ansible_port: 2222, ansible_user: jump,
                 ansible_ssh_private_key_file: /keys/jump}
        app:
          vars:
            ansible_ssh_common_args: -o ProxyCommand="ssh -W %h:%p 10.0.0.1"
          hosts:
            app-1:
        """))
    (hop,) = inv.host("app-1").hops
    assert (hop.name, hop.address, hop.port, hop.user, hop.key_file) == \
        ("gw", "10.0.0.1", 2222, "jump", "/keys/jump")


def test_chain_with_an_inventory_first_hop_brings_its_own_jump(tmp_path: Path) -> None:
    inv = load_inventory(write(tmp_path, "inv.yaml", """\
        all:
          hosts:
            outer: {ansible_host: 192.0.2.1}
            inner: {ansible_host: 10.0.0.2, console_jump: outer}
            app: {console_jump: "inner,ops@10.0.0.3:2200"}
        """))
    assert [str(h) for h in inv.host("app").hops] == \
        ["192.0.2.1", "10.0.0.2", "ops@10.0.0.3:2200"]


INI_ERRORS = [
    ("[web:children]\ndb\n", 2, "section [web:children] names 'db', a group that is never "
                                "declared"),
    ("[db:vars]\nx=1\n", 1, "section [db:vars] is for a group that is never declared"),
    ("[web:hosts2]\na\n", 1, "unknown type 'hosts2'"),
    ("[web]\na b\n", 2, "expected key=value after the host name, got 'b'"),
    ("[web]\na x='unclosed\n", 2, "cannot read host line"),
    ("[web:vars]\njust-a-word\n", 2, "expected key=value, got 'just-a-word'"),
    ("[web]\nweb-1:\n", 2, "ends in ':' without a port"),
]


@pytest.mark.parametrize(("text", "line", "said"), INI_ERRORS)
def test_ini_errors_ansible_also_refuses_are_one_line(tmp_path: Path, text: str, line: int,
                                                      said: str) -> None:
    path = write(tmp_path, "hosts.ini", text)
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: ") and said in message, message
    assert "\n" not in message
    with pytest.raises(AssertionError, match="ansible-inventory failed"):
        ansible_list([path], tmp_path / "ansible")  # Ansible refuses it too


def test_a_script_that_fails_is_one_line_with_what_it_said(tmp_path: Path) -> None:
    script = write(tmp_path, "inv.sh", "#!/bin/sh\necho 'cloud API: 403 Forbidden' >&2\n"
                                       "exit 3\n", executable=True)
    with pytest.raises(InventoryError) as info:
        load_inventory(script)
    assert str(info.value) == (f"{script}: inventory script --list exited with status 3: "
                               "cloud API: 403 Forbidden")


def test_a_script_that_prints_garbage_or_is_not_executable(tmp_path: Path) -> None:
    garbage = write(tmp_path, "inv.sh", "#!/bin/sh\necho 'not json'\n", executable=True)
    with pytest.raises(InventoryError, match="printed no JSON inventory"):
        load_inventory(garbage)
    lazy = write(tmp_path, "lazy.py", "#!/usr/bin/env python3\nprint('{}')\n")
    with pytest.raises(InventoryError, match=r"is not executable: chmod \+x"):
        load_inventory(lazy)


def test_a_script_that_hangs_is_stopped_at_its_deadline(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    monkeypatch.setattr(script_source, "TIMEOUT_S", 1.0)
    hang = write(tmp_path, "inv.sh", "#!/bin/sh\nexec sleep 30\n", executable=True)
    with pytest.raises(InventoryError) as info:
        load_inventory(hang)
    assert str(info.value) == f"{hang}: inventory script --list gave no answer within 1 s"
