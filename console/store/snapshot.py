"""The newest notes of a file the store could not open for writing (disk full, no room
for the WAL index): read once, so the pane shows what the team wrote while the console
keeps trying to open the file properly.

The file is opened read-only and `immutable`: SQLite then needs no -shm file and takes
no lock, which is what makes reading possible when the disk is full. It also means
notes still in another console's WAL are not seen; it is a snapshot, replaced by the
live feed as soon as the store opens.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

from console.store.models import Note
from console.store.notes import NOTE_COLUMNS, note_from_row


def _read(path: Path, limit: int) -> list[Note]:
    uri = f"file:{quote(str(path))}?mode=ro&immutable=1"
    with closing(sqlite3.connect(uri, uri=True)) as conn:
        rows = conn.execute(f"SELECT {NOTE_COLUMNS} FROM notes ORDER BY id DESC LIMIT ?",
                            (limit,)).fetchall()
    return [note_from_row(row) for row in reversed(rows)]


async def read_snapshot(path: Path, limit: int = 200) -> list[Note]:
    """The newest `limit` notes, oldest first; [] when even that cannot be read."""
    if not path.is_file():
        return []
    try:
        return await asyncio.to_thread(_read, path, limit)
    except (sqlite3.Error, OSError):
        return []
