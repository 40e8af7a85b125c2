"""Notes the database never took, written to a file when the console exits.

Printing them is not enough: after SIGHUP (a closed terminal or tmux pane) there is
no terminal to print to, and the database's disk may be the full one. So they go to
the per-user state directory, else the temporary directory, private (0600), and the
path is printed too when a terminal is there to show it.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from console.store.outbox import PendingNote


def _folders() -> list[Path]:
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return [state / "opsconsole" / "unsaved", Path(tempfile.gettempdir())]


def render_unsaved(notes: Sequence[PendingNote], db_path: Path | None) -> str:
    lines = [f"opsconsole: {len(notes)} note(s) could not be written to {db_path}:"]
    for pending in notes:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(pending.created_at))
        lines.append(f"--- {when} {pending.author} ({pending.error or 'not written'})")
        lines.append(pending.body)
    return "\n".join(lines) + "\n"


def save_unsaved(notes: Sequence[PendingNote], db_path: Path | None) -> Path | None:
    """Write every note to a new private file; its path, or None if nowhere took it."""
    text = render_unsaved(notes, db_path)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for folder in _folders():
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            path = folder / f"opsconsole-unsaved-notes-{stamp}-{os.getpid()}.txt"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            return path
        except OSError:
            continue
    return None
