"""Executable inventory scripts: the dynamic inventory protocol, run as Ansible runs it.

`SCRIPT --list` prints the inventory as JSON; when it carries no `_meta.hostvars`,
`SCRIPT --host NAME` is asked for each host. Every run has a deadline and a bounded
output, and any failure is one line naming the script and what it said.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from console.inventory.draft import Drafts
from console.inventory.json_source import read_json_inventory
from console.inventory.model import InventoryError
from console.inventory.reading import MAX_BYTES

TIMEOUT_S = float(os.environ.get("OPSCONSOLE_INVENTORY_TIMEOUT", "60"))


def is_script(path: Path) -> bool:
    """Ansible's test: an executable file, or one starting with `#!`."""
    return path.is_file() and (os.access(path, os.X_OK) or _has_shebang(path))


def _has_shebang(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            return stream.read(2) == b"#!"
    except OSError:
        return False


def run_script(path: Path, shown: str, *args: str) -> Any:
    """The script's JSON answer; InventoryError when it fails, hangs or prints garbage."""
    if not os.access(path, os.X_OK):
        raise InventoryError(shown, f"looks like an inventory script (#!) but is not "
                                    f"executable: chmod +x {shown}")
    command = [str(path.resolve()), *args]
    try:
        done = subprocess.run(command, capture_output=True, timeout=TIMEOUT_S,
                              cwd=path.resolve().parent, stdin=subprocess.DEVNULL,
                              check=False)
    except subprocess.TimeoutExpired:
        raise InventoryError(shown, f"inventory script {' '.join(args)} gave no answer "
                                    f"within {TIMEOUT_S:.0f} s") from None
    except OSError as exc:
        raise InventoryError(shown, f"cannot run the inventory script: "
                                    f"{exc.strerror or exc}") from None
    if done.returncode != 0:
        said = next((ln.strip() for ln in done.stderr.decode(errors="replace").splitlines()
                     if ln.strip()), "")
        said = said if len(said) <= 160 else said[:157] + "..."
        raise InventoryError(shown, f"inventory script {' '.join(args)} exited with status "
                                    f"{done.returncode}" + (f": {said}" if said else ""))
    if len(done.stdout) > MAX_BYTES:
        raise InventoryError(shown, "inventory script printed more than 64 MiB")
    try:
        return json.loads(done.stdout.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InventoryError(shown, f"inventory script {' '.join(args)} printed no JSON "
                                    f"inventory: {exc}") from None


def read_script(path: Path, shown: str, drafts: Drafts) -> None:
    data = run_script(path, shown, "--list")

    def host_vars(name: str) -> Mapping[str, Any]:
        answer = run_script(path, shown, "--host", name)
        if not isinstance(answer, Mapping):
            raise InventoryError(shown, f"inventory script --host {name} must print an "
                                        "object of variables")
        return answer

    read_json_inventory(data, shown, drafts, host_vars)
