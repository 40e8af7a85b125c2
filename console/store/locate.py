"""Find the notes database (and the host names `@mentions` may link to) from the
command line's `--db` and `-i INVENTORY`, for commands that run without the UI."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from console.store.paths import resolve_db_path

INVENTORY_DB_VAR = "console_notes_db"


def _inventory_db(inventory: object) -> str | None:
    """`console_notes_db` from the inventory; hosts carry `all` vars merged, so the
    first host that has it is enough. A relative path is relative to the inventory."""
    for host in getattr(inventory, "hosts", ()):
        value = host.vars.get(INVENTORY_DB_VAR)
        if value:
            path = Path(os.path.expanduser(str(value)))
            base = getattr(inventory, "path", None)
            if not path.is_absolute() and base is not None:
                path = Path(base).parent / path
            return str(path)
    return None


def locate(db: str | None, inventory_path: str | None,
           env: Mapping[str, str] = os.environ) -> tuple[Path, tuple[str, ...]]:
    """(database path, known host names). The inventory is only read when given."""
    if inventory_path is None:
        return resolve_db_path(db, None, env), ()
    from console.inventory import load_inventory  # lazy: the UI-less note stays light

    inventory = load_inventory(inventory_path)
    hosts = tuple(h.name for h in inventory.hosts)
    return resolve_db_path(db, _inventory_db(inventory), env), hosts
