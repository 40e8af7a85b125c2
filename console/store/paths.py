"""Where the shared notes database lives.

Order of precedence mirrors the CLI docs: `--db`, the inventory's `console_notes_db`,
`$OPSCONSOLE_DB`, then a per-user file under the XDG data directory. Only the per-user
default gets a private (0700) directory: a team directory is set up by an admin with a
group and the setgid bit, and we must not tighten it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from console.store.errors import StoreUnavailable

DB_FILENAME = "notes.db"


def default_db_path(env: Mapping[str, str] = os.environ) -> Path:
    """`$XDG_DATA_HOME/opsconsole/notes.db`; the spec says a relative XDG value is ignored."""
    xdg = env.get("XDG_DATA_HOME", "")
    if xdg and os.path.isabs(xdg):
        base = Path(xdg)
    else:
        home = env.get("HOME") or str(Path.home())
        base = Path(home) / ".local" / "share"
    return base / "opsconsole" / DB_FILENAME


def resolve_db_path(cli: str | None, inventory_value: str | None,
                    env: Mapping[str, str] = os.environ) -> Path:
    for candidate in (cli, inventory_value, env.get("OPSCONSOLE_DB")):
        if candidate:
            return Path(os.path.expanduser(candidate))
    return default_db_path(env)


def _first_non_dir(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return path


def ensure_db_dir(path: Path, env: Mapping[str, str] = os.environ) -> bool:
    """Create the database's directory if needed; return True when the directory is a
    shared (setgid) one, so a new database file there is made group-writable."""
    parent = path.parent
    private = path == default_db_path(env)
    try:
        parent.mkdir(parents=True, exist_ok=True, mode=0o700 if private else 0o777)
    except (FileExistsError, NotADirectoryError):
        raise StoreUnavailable(f"notes database {path}: {_first_non_dir(parent)} is not "
                               "a directory") from None
    except OSError as exc:
        raise StoreUnavailable(
            f"notes database {path}: cannot create directory {parent}: "
            f"{exc.strerror or exc}") from None
    if not parent.is_dir():
        raise StoreUnavailable(f"notes database {path}: {parent} is not a directory")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StoreUnavailable(f"notes database {path}: no read/write permission")
    if not path.exists() and not os.access(parent, os.W_OK | os.X_OK):
        raise StoreUnavailable(f"notes database {path}: directory {parent} is not writable")
    return bool(parent.stat().st_mode & stat.S_ISGID)
