"""The console's own log: what an operator needs after an incident, in a bounded file.

Connections, host state changes and errors (with tracebacks) go to
`$XDG_STATE_HOME/opsconsole/opsconsole.log` (`~/.local/state/opsconsole/`), rotated at
1 MiB with three old files kept, so a console left running for a month cannot fill the
jump host's disk. A full-screen program has no stderr to write to, hence a file; the
file is private (0600 in a 0700 directory) because it names hosts and users.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from collections.abc import Mapping
from pathlib import Path

LOG_FILENAME = "opsconsole.log"
MAX_BYTES = 1 << 20
BACKUPS = 3
LEVELS = ("debug", "info", "warning", "error")
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def default_log_path(env: Mapping[str, str] = os.environ) -> Path:
    """`$XDG_STATE_HOME/opsconsole/opsconsole.log`; a relative XDG value is ignored."""
    xdg = env.get("XDG_STATE_HOME", "")
    if xdg and os.path.isabs(xdg):
        base = Path(xdg)
    else:
        base = Path(env.get("HOME") or str(Path.home())) / ".local" / "state"
    return base / "opsconsole" / LOG_FILENAME


def setup_logging(level: str = "info", path: Path | None = None) -> Path | None:
    """Send the `console` loggers to the rotating file; returns its path, or None (with
    the reason logged nowhere but returned to the caller as None) when the directory
    cannot be made: the console must run on a read-only home too."""
    path = path or default_log_path()
    root = logging.getLogger("console")
    root.setLevel(getattr(logging, level.upper()))
    for handler in list(root.handlers):
        if getattr(handler, "_opsconsole", False):
            root.removeHandler(handler)
            handler.close()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.close(fd)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8",
            errors="backslashreplace")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler._opsconsole = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.propagate = False  # never onto a terminal the UI owns
    return path
