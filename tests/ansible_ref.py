"""What Ansible itself makes of an inventory: the reference the console is compared with.

ansible-core is a test dependency (the `test` extra), never a runtime one. It runs in a
subprocess, as a user would run it, with its HOME and temp directories in a scratch
folder so a developer's ~/.ansible or ansible.cfg never changes the answer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent

_PATTERNS_SCRIPT = """
import json, sys
from ansible.parsing.dataloader import DataLoader
from ansible.inventory.manager import InventoryManager
from ansible.errors import AnsibleError
sources, patterns = json.loads(sys.argv[1])
inventory = InventoryManager(loader=DataLoader(), sources=sources)
out = {}
for pattern in patterns:
    try:
        out[pattern] = [h.name for h in inventory.get_hosts(pattern)]
    except AnsibleError as exc:
        out[pattern] = {"error": str(exc)}
print(json.dumps(out))
"""


def ansible_env(scratch: Path) -> dict[str, str]:
    scratch.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(ANSIBLE_HOME=str(scratch / "ansible-home"),
               ANSIBLE_LOCAL_TEMP=str(scratch / "ansible-tmp"),
               ANSIBLE_CONFIG=str(scratch / "no-ansible.cfg"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="0",
               ANSIBLE_INVENTORY_UNPARSED_FAILED="1")
    return env


def ansible_list(sources: Sequence[Path], scratch: Path) -> dict[str, Any]:
    """`ansible-inventory -i SRC... --list` as parsed JSON."""
    args = [str(BIN / "ansible-inventory")]
    for source in sources:
        args += ["-i", str(source)]
    done = subprocess.run([*args, "--list"], capture_output=True, text=True, timeout=120,
                          env=ansible_env(scratch))
    if done.returncode != 0:
        raise AssertionError(f"ansible-inventory failed on {sources}: {done.stderr}")
    return json.loads(done.stdout)


def ansible_patterns(sources: Sequence[Path], patterns: Sequence[str],
                     scratch: Path) -> dict[str, Any]:
    """pattern -> the host names Ansible selects, in its order (or {"error": ...})."""
    done = subprocess.run(
        [sys.executable, "-c", _PATTERNS_SCRIPT,
         json.dumps([[str(s) for s in sources], list(patterns)])],
        capture_output=True, text=True, timeout=120, env=ansible_env(scratch))
    if done.returncode != 0:
        raise AssertionError(f"ansible patterns failed: {done.stderr}")
    return json.loads(done.stdout)
