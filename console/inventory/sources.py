"""`-i` as Ansible reads it: files in any format, directories, several sources at once.

Which reader takes a file, as Ansible's plugins decide: an executable (or `#!`) file is
a script; `.yml`/`.yaml`/`.json` is YAML; anything else is tried as YAML and, when it is
no YAML mapping, as INI. A directory is every file in it (sorted, recursively; hidden
files, group_vars/, host_vars/ and Ansible's ignored extensions skipped). Sources are
read in order into one inventory; group_vars/ and host_vars/ beside each are applied
after all of them, as Ansible's vars plugin does. What only Ansible can read (inventory
plugins, Jinja in connection variables) goes to Ansible when it is installed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from console.ansible_names import ANSIBLE_VARS
from console.inventory.draft import Drafts, Unusable
from console.inventory.ini_source import read_ini
from console.inventory.model import Inventory, InventoryError
from console.inventory.reading import read_text
from console.inventory.resolve import resolve
from console.inventory.script_source import is_script, read_script
from console.inventory.yaml_source import (
    NotYamlInventory,
    PluginConfig,
    read_var_file,
    read_yaml,
)

ProgressFn = Callable[[str], None]
log = logging.getLogger(__name__)

_YAML_SUFFIXES = (".yml", ".yaml", ".json")
# Ansible's INVENTORY_IGNORE_EXTS and the names it always skips in a directory.
_IGNORED = re.compile(r"^\.|^host_vars$|^group_vars$|^vars_plugins$|"
                      r"(\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.cfg|"
                      r"\.retry)$")
_ANSIBLE_ONLY_SUFFIXES = (".toml",)


class _NeedsAnsible(Exception):
    def __init__(self, shown: str, why: str) -> None:
        super().__init__(why)
        self.shown, self.why = shown, why


def _read_file(path: Path, drafts: Drafts) -> None:
    shown = str(path)
    if is_script(path) and path.suffix not in _YAML_SUFFIXES:
        read_script(path, shown, drafts)
        return
    if path.suffix in _ANSIBLE_ONLY_SUFFIXES:
        raise _NeedsAnsible(shown, f"is a {path.suffix[1:].upper()} inventory")
    text = read_text(path, shown)
    if path.suffix == ".ini":
        read_ini(text, shown, drafts)
        return
    try:
        read_yaml(text, shown, drafts)
    except PluginConfig as plugin:
        raise _NeedsAnsible(shown, f"configures the inventory plugin {plugin.plugin!r}, "
                                   f"which only Ansible runs") from None
    except NotYamlInventory as not_yaml:
        if path.suffix in _YAML_SUFFIXES:
            raise not_yaml.error from None
        read_ini(text, shown, drafts)
    except InventoryError as error:
        if path.suffix in _YAML_SUFFIXES or not error.problem.startswith("invalid YAML"):
            raise
        read_ini(text, shown, drafts)  # no YAML at all: an INI file, as Ansible tries


def _read_host_list(text: str, drafts: Drafts) -> None:
    """Ansible's host_list source: `-i 'a,b:2222,'`, hosts in `ungrouped`."""
    from console.ansible_names import split_host_port
    from console.inventory.draft import Origin

    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        if " " in item or not item.isprintable():
            raise InventoryError(text[:80], f"host {item[:60]!r} has spaces or control "
                                            "characters")
        try:
            name, port = split_host_port(item)
        except ValueError as exc:
            raise InventoryError(text[:80], f"host {item[:60]!r}: {exc}") from None
        if name not in drafts.hosts:
            drafts.add_host(name, "ungrouped", Origin("-i", None, name), port)


def _files(source: Path) -> list[Path]:
    """A directory's inventory files, as Ansible walks it; a file is itself."""
    if not source.is_dir():
        return [source]
    found: list[Path] = []
    for entry in sorted(source.iterdir(), key=lambda p: p.name):
        if not _IGNORED.search(entry.name):
            found.extend(_files(entry))
    return found


def _var_dirs(sources: Sequence[Path], files: Sequence[Path]) -> list[Path]:
    """Where group_vars/ and host_vars/ are looked for: beside each source (in a
    directory source, the directory itself) and beside each file found in one."""
    dirs: dict[Path, None] = {}
    for source in sources:
        dirs[source if source.is_dir() else source.parent] = None
    for file in files:
        dirs[file.parent] = None
    return list(dirs)


def load_inventory(sources: str | Path | Sequence[str | Path],
                   progress: ProgressFn | None = None) -> Inventory:
    """Read, check and resolve one or several inventory sources (files or
    directories); raise InventoryError on bad input."""
    if isinstance(sources, str | Path):
        sources = [sources]
    paths = [Path(s) for s in sources]
    if not paths:
        raise InventoryError("-i", "no inventory source given")
    drafts = Drafts(progress)
    files: list[Path] = []
    try:
        for path in paths:
            if not path.exists() and not path.is_symlink() and "," in str(path):
                _read_host_list(str(path), drafts)  # -i 'web-1,web-2:2222,'
                continue
            if not path.exists() and not path.is_symlink():
                raise InventoryError(str(path), "no such file or directory")
            found = _files(path)
            if path.is_dir() and not found:
                raise InventoryError(str(path), "directory holds no inventory file")
            for file in found:
                if progress:
                    progress(f"reading {file}")
                _read_file(file, drafts)
                files.append(file)
        drafts.finish(_var_dirs(paths, files), read_var_file)
    except _NeedsAnsible as need:
        return _through_ansible(paths, f"{need.shown}: {need.why}", progress)
    if _has_templates(drafts):
        from console.inventory.ansible_source import ansible_python

        if ansible_python() is not None:
            return _through_ansible(paths, str(paths[0]), progress)
    if progress:
        progress(f"resolving {len(drafts.hosts):,} hosts")
    return _logged(resolve(drafts, tuple(paths), progress))


def _logged(inventory: Inventory) -> Inventory:
    log.info("inventory %s: %d hosts, %d groups, %d unusable",
             ", ".join(map(str, inventory.sources)), len(inventory.hosts),
             len(inventory.groups), len(inventory.unusable))
    for host in inventory.unusable[:20]:
        log.warning("host %s cannot be reached as written: %s", host.name, host.problem)
    return inventory


def _has_templates(drafts: Drafts) -> bool:
    """Whether a connection variable holds Jinja the console left unevaluated."""
    from console.ansible_names import is_template

    groups = [g.vars for g in drafts.groups.values()]
    hosts = [h.vars for h in drafts.hosts.values()]
    return any(isinstance(v, Unusable) and is_template(v.raw)
               for owner in (*groups, *hosts) for v in owner.values.values())


def _through_ansible(paths: list[Path], why: str, progress: ProgressFn | None
                     ) -> Inventory:
    from console.inventory.ansible_source import (
        INSTALL_HINT,
        ansible_python,
        read_with_ansible,
    )

    if ansible_python() is None:
        raise InventoryError(why.partition(": ")[0],
                             f"{why.partition(': ')[2]}: {INSTALL_HINT}, or export it "
                             f"with ansible-inventory -i FILE --list > inventory.json")
    if progress:
        progress("reading through Ansible (ansible-inventory)")
    drafts = Drafts()
    read_with_ansible(paths, str(paths[0]), drafts,
                      [*ANSIBLE_VARS, "ansible_connection"])
    drafts.finish([], read_var_file)
    log.info("inventory read through Ansible: %s", why)
    return _logged(resolve(drafts, tuple(paths)))
