"""`opsconsole check` as a user runs it: a real `python -m console` process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.test_inventory import EXAMPLE, REPO


def check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "console", "check", *args],
                          capture_output=True, text=True, timeout=60, cwd=REPO)


def test_check_example_prints_hosts_and_group_tree() -> None:
    done = check("-i", str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    # The example names a key file this machine may not have: a warning, not an error.
    for warning in done.stderr.splitlines():
        assert warning.startswith("warning: app-") and "key file" in warning, warning
    lines = done.stdout.splitlines()
    assert lines[0] == f"{EXAMPLE}: valid inventory"
    assert lines[1] == "9 hosts, 6 groups"
    header = next(ln for ln in lines if ln.startswith("HOST"))
    assert header.split() == ["HOST", "ADDRESS", "PORT", "USER", "KEY", "FILE", "JUMP",
                              "GROUPS"]
    rows = {ln.split()[0]: ln.split() for ln in lines[lines.index(header) + 1:]
            if ln and not ln.startswith("(")}
    assert rows["web-2"][:7] == ["web-2", "10.0.0.12", "2222", "deploy", "-", "-", "web,"]
    assert rows["app-1"][:6] == ["app-1", "app-1", "-", "ops",
                                 os.path.expanduser("~/.ssh/id_ed25519_ops"),
                                 "bastion=jump@203.0.113.10"]
    assert rows["localhost"][:3] == ["localhost", "(local)", "-"]
    tree = lines[lines.index("groups:") + 1:]
    assert tree[0] == "all"
    assert "├── web: web-1, web-2" in tree
    assert "├── private: app-1, app-2, app-3" in tree
    assert "├── db: db-1, db-2" in tree
    assert tree[-1] == "└── local: localhost"


def test_check_nested_groups_tree(tmp_path: Path) -> None:
    path = tmp_path / "nested.yaml"
    path.write_text("all:\n  children:\n    eu:\n      children:\n        eu-web:\n"
                    "          hosts: {w1: }\n        eu-db:\n          hosts: {d1: }\n"
                    "    prod:\n      children:\n        eu-web:\n")
    done = check("-i", str(path))
    assert done.returncode == 0, done.stderr
    tree = done.stdout.split("groups:\n", 1)[1].splitlines()
    assert tree == ["all",
                    "├── eu",
                    "│   ├── eu-web: w1",
                    "│   └── eu-db: d1",
                    "└── prod",
                    "    └── eu-web (shown above)"]
    w1 = next(ln for ln in done.stdout.splitlines() if ln.startswith("w1 "))
    assert w1.endswith("eu-web, eu, prod, all")


def test_check_without_inventory_checks_local_default() -> None:
    done = check()
    assert done.returncode == 0, done.stderr
    assert "local-only default" in done.stdout
    assert any(ln.split()[:3] == ["localhost", "(local)", "-"]
               for ln in done.stdout.splitlines())


def test_check_bad_inventory_exits_2_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "inv.yaml"
    path.write_text("all:\n  children:\n    web:\n      vars:\n        console_intervall: 3\n")
    done = check("-i", str(path))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (f"opsconsole: {path}:5: all.children.web.vars.console_intervall: "
                           "unknown setting; did you mean console_interval?\n")


def test_check_missing_and_invalid_files_exit_2_without_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("all:\n  hosts:\n    a: {ansible_port: [\n")
    for path, expected in ((tmp_path / "absent.yaml", "no such file"),
                           (broken, "invalid YAML")):
        done = check("-i", str(path))
        assert done.returncode == 2
        assert "Traceback" not in done.stderr
        assert len(done.stderr.splitlines()) == 1
        assert done.stderr.startswith(f"opsconsole: {path}") and expected in done.stderr
