"""Who is acting: the human behind the console ($SUDO_USER before $USER, as notes do)
and the terminal they act from, so the audit tells apart two people sharing one
account on a jump host."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from console.store.author import current_author


@dataclass(frozen=True)
class Actor:
    author: str
    tty: str


def current_tty(env: Mapping[str, str] = os.environ) -> str:
    for fd in (0, 1, 2):
        try:
            return os.ttyname(fd)
        except OSError:
            continue
    return env.get("SSH_TTY") or "no tty"


def current_actor(author: str | None = None) -> Actor:
    return Actor(current_author(author), current_tty())
