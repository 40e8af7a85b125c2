"""Inventories only Ansible can read: inventory plugins (`plugin: aws_ec2`,
`constructed`, ...) and Jinja in connection variables.

Where ansible-core is installed (`pip install 'opsconsole[ansible]'`, or an `ansible-inventory`
on PATH) the console asks Ansible itself, in a subprocess with a deadline: the groups and
hosts as `ansible-inventory --list` gives them, with the connection variables templated
as Ansible would for a play. Where it is not, the caller says so in one line naming the
file and what to install. The answer is read by the same JSON reader as a script's.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from console.inventory.draft import Drafts
from console.inventory.json_source import read_json_inventory
from console.inventory.model import InventoryError
from console.inventory.reading import MAX_BYTES
from console.inventory.script_source import TIMEOUT_S

INSTALL_HINT = "install ansible-core (pip install 'opsconsole[ansible]')"

# Runs under the Python that has ansible-core: sources in argv[1], JSON on stdout.
_PROGRAM = r"""
import json, sys
from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
from ansible.vars.manager import VariableManager

CONNECTION = sys.argv[2].split(",")
try:  # collections (ansible.builtin.constructed, amazon.aws.aws_ec2): as the CLI does
    from ansible.plugins.loader import init_plugin_loader
    init_plugin_loader()
except ImportError:
    pass
loader = DataLoader()
try:
    inventory = InventoryManager(loader=loader, sources=json.loads(sys.argv[1]))
except AnsibleError as exc:
    print(" ".join(str(exc).split()), file=sys.stderr)
    sys.exit(3)
manager = VariableManager(loader=loader, inventory=inventory)
internal = set(getattr(C, "INTERNAL_STATIC_VARS", ()))
out = {"_meta": {"hostvars": {}, "opsconsole_template_errors": {},
                 "opsconsole_host_order": list(inventory.hosts)}}
for name, group in inventory.groups.items():
    out[name] = {"hosts": [h.name for h in group.hosts],
                 "children": [c.name for c in group.child_groups]}


def plain(value):
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


for host in inventory.hosts.values():
    variables = manager.get_vars(host=host, include_hostvars=False)
    templar = Templar(loader=loader, variables=variables)
    shown, errors = {}, {}
    for key, value in variables.items():
        if key in internal or key in ("inventory_file", "inventory_dir"):
            continue
        if key in CONNECTION or key.startswith("console_"):
            try:
                value = templar.template(value)
            except Exception as exc:
                errors[key] = " ".join(str(exc).split())[:300]
        shown[key] = plain(value)
    out["_meta"]["hostvars"][host.name] = shown
    if errors:
        out["_meta"]["opsconsole_template_errors"][host.name] = errors
print(json.dumps(out))
"""


def ansible_python() -> str | None:
    """A Python that can import ansible: this one, else the one `ansible-inventory`
    on PATH runs under (its first line names it). OPSCONSOLE_ANSIBLE=never: none, the
    console reads alone (what a machine without Ansible does)."""
    if os.environ.get("OPSCONSOLE_ANSIBLE") == "never":
        return None
    if importlib.util.find_spec("ansible") is not None:
        return sys.executable
    tool = shutil.which("ansible-inventory")
    if tool is None:
        return None
    try:
        with open(tool, "rb") as stream:
            first = stream.readline(300).decode(errors="replace").strip()
    except OSError:
        return None
    if not first.startswith("#!"):
        return None
    words = first[2:].split()
    if not words:
        return None
    return words[-1] if Path(words[0]).name == "env" else words[0]


def read_with_ansible(sources: list[Path], shown: str, drafts: Drafts,
                      connection_vars: list[str]) -> None:
    """Everything in `sources`, as Ansible reads it; InventoryError naming `shown`."""
    python = ansible_python()
    if python is None:
        raise InventoryError(shown, f"needs Ansible to be read; {INSTALL_HINT}")
    # A source Ansible cannot parse is an error, not a warning and a smaller fleet.
    env = {**os.environ, "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "1",
           "ANSIBLE_NOCOLOR": "1"}
    try:
        done = subprocess.run(
            [python, "-c", _PROGRAM, json.dumps([str(s) for s in sources]),
             ",".join(connection_vars)],
            capture_output=True, timeout=TIMEOUT_S * 2, stdin=subprocess.DEVNULL,
            check=False, env=env)
    except subprocess.TimeoutExpired:
        raise InventoryError(shown, f"Ansible gave no answer within {TIMEOUT_S * 2:.0f} s"
                             ) from None
    except OSError as exc:
        raise InventoryError(shown, f"cannot run Ansible ({python}): "
                                    f"{exc.strerror or exc}") from None
    if done.returncode != 0:
        said = " ".join(done.stderr.decode(errors="replace").split())
        said = said if len(said) <= 300 else said[:297] + "..."
        raise InventoryError(shown, f"Ansible could not read it: {said or 'no reason given'}")
    if len(done.stdout) > MAX_BYTES:
        raise InventoryError(shown, "Ansible's answer is larger than 64 MiB")
    try:
        data = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise InventoryError(shown, f"Ansible's answer is not JSON: {exc}") from None
    read_json_inventory(data, shown, drafts)
