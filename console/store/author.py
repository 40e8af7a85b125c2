"""Who wrote a note. Under `sudo` the human is $SUDO_USER, not root: on a shared jump
host "root wrote this" tells the next shift nothing."""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping


def current_author(override: str | None = None,
                   env: Mapping[str, str] = os.environ) -> str:
    for candidate in (override, env.get("OPSCONSOLE_AUTHOR"), env.get("SUDO_USER"),
                      env.get("USER")):
        if candidate and candidate.strip():
            return candidate.strip()
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
