"""Find the notes database (and the host names `@mentions` may link to) from the
command line's `--db` and `-i INVENTORY`, for commands that run without the UI."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from console.store.paths import resolve_db_path

if TYPE_CHECKING:
    from console.inventory import Inventory

INVENTORY_DB_VAR = "console_notes_db"


def inventory_db_setting(inventory: Inventory) -> str | None:
    """`console_notes_db` from the inventory's `all` vars; a relative path is relative
    to the inventory file, so a team can keep both side by side."""
    value = inventory.setting(INVENTORY_DB_VAR) if inventory.path else None
    if not value:
        return None
    path = Path(os.path.expanduser(str(value)))
    if not path.is_absolute() and inventory.path is not None:
        path = Path(inventory.path).parent / path
    return str(path)


def locate(db: str | None, inventory_path: str | Sequence[str] | None,
           env: Mapping[str, str] = os.environ, limit: str | None = None
           ) -> tuple[Path, tuple[str, ...]]:
    """(database path, known host names: those --limit selects). The inventory is only
    read when given (-i once or several times)."""
    if not inventory_path:
        return resolve_db_path(db, None, env), ()
    from console.errors import UserError
    from console.inventory import load_inventory  # lazy: the UI-less note stays light
    from console.patterns import PatternError

    inventory = load_inventory(inventory_path)
    try:
        inventory = inventory.limited(limit)
    except PatternError as exc:
        raise UserError(f"--limit: {exc}") from None
    hosts = tuple(h.name for h in inventory.hosts)
    return resolve_db_path(db, inventory_db_setting(inventory), env), hosts
