"""Where a handoff report made in the console is saved.

Next to the shared database (its `handoffs/` folder), so the whole team finds every
shift's report in one place; the per-user state directory when that is not writable.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def _candidates(db_path: Path) -> list[Path]:
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return [db_path.parent / "handoffs", state / "opsconsole" / "handoffs"]


def save_handoff(markdown: str, db_path: Path, now: float | None = None) -> Path:
    """Write the report; returns its path. Raises OSError naming the last place tried."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    last_error: OSError | None = None
    for folder in _candidates(db_path):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"handoff-{stamp}.md"
            path.write_text(markdown, encoding="utf-8")
            return path
        except OSError as exc:
            last_error = exc
    assert last_error is not None
    raise OSError(f"could not save the handoff report: {last_error}")
