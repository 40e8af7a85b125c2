"""Full-text search over notes and incidents ("how did we fix this last time?").

Users type free text: a stray quote or a lone `AND` is an FTS5 syntax error, so a query
that SQLite rejects is retried with every word quoted (plain words, all required).
Results are newest first; matches are wrapped in MARK_OPEN/MARK_CLOSE control markers.
A question typed as a sentence ("how did we fix the dns resolver") rarely has every
word in one note, so when all-words finds nothing, the words no note contains are
dropped, then the most common ones, one at a time, until something matches. (Ordering
an any-word match by bm25 instead costs 130 ms with 100,000 notes; this stays newest
first and a few ms.)
"""

from __future__ import annotations

import sqlite3
from typing import Any

from console.store.db import Database
from console.store.incidents import INCIDENT_COLUMNS, incident_from_row
from console.store.models import MARK_CLOSE, MARK_OPEN, SearchHit
from console.store.notes import NOTE_COLUMNS, note_from_row

SNIPPET_TOKENS = 16
MAX_WORDS = 12
_ELLIPSIS = "…"


def quote_terms(query: str) -> str:
    """Every whitespace-separated word as an FTS5 string: no operator survives."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in query.split())


def _prefixed(columns: str, alias: str) -> str:
    return ", ".join(f"{alias}.{c.strip()}" for c in columns.split(","))


async def _note_hits(db: Database, match: str, limit: int) -> list[SearchHit]:
    # FTS table first and ORDER BY its rowid: FTS5 walks the index newest first and
    # stops at LIMIT, so snippet() runs only for the rows returned.
    sql = (f"SELECT {_prefixed(NOTE_COLUMNS, 'n')}, snippet(notes_fts, 0, ?, ?, ?, ?)"
           " FROM notes_fts CROSS JOIN notes AS n ON n.id = notes_fts.rowid"
           " WHERE notes_fts MATCH ? ORDER BY notes_fts.rowid DESC LIMIT ?")
    params: tuple[Any, ...] = (MARK_OPEN, MARK_CLOSE, _ELLIPSIS, SNIPPET_TOKENS, match, limit)
    async with db.reader.execute(sql, params) as cur:
        rows = await cur.fetchall()
    hits = []
    for row in rows:
        note = note_from_row(row[:10])
        hits.append(SearchHit(kind="note", id=note.id, at=note.created_at,
                              snippet=row[10], note=note))
    return hits


async def _incident_hits(db: Database, match: str, limit: int) -> list[SearchHit]:
    sql = (f"SELECT {_prefixed(INCIDENT_COLUMNS, 'i')}, snippet(incidents_fts, -1, ?, ?, ?, ?)"
           " FROM incidents_fts CROSS JOIN incidents AS i ON i.id = incidents_fts.rowid"
           " WHERE incidents_fts MATCH ? ORDER BY incidents_fts.rowid DESC LIMIT ?")
    params = (MARK_OPEN, MARK_CLOSE, _ELLIPSIS, SNIPPET_TOKENS, match, limit)
    async with db.reader.execute(sql, params) as cur:
        rows = await cur.fetchall()
    hits = []
    for row in rows:
        incident = incident_from_row(row[:8])
        hits.append(SearchHit(kind="incident", id=incident.id,
                              at=incident.resolved_at or incident.opened_at,
                              snippet=row[8], incident=incident))
    return hits


async def _search(db: Database, match: str, limit: int) -> list[SearchHit]:
    hits = await _note_hits(db, match, limit) + await _incident_hits(db, match, limit)
    hits.sort(key=lambda h: h.at, reverse=True)
    return hits[:limit]


async def _matches(db: Database, word: str) -> int:
    total = 0
    for table in ("notes_fts", "incidents_fts"):
        async with db.reader.execute(
                f"SELECT count(*) FROM {table} WHERE {table} MATCH ?",
                (quote_terms(word),)) as cur:
            row = await cur.fetchone()
        total += int(row[0]) if row else 0
    return total


async def _search_fewer_words(db: Database, words: list[str], limit: int) -> list[SearchHit]:
    counted = [(await _matches(db, word), word) for word in words[:MAX_WORDS]]
    present = [word for count, word in sorted(counted) if count > 0]  # rarest first
    while present:
        hits = await _search(db, quote_terms(" ".join(present)), limit)
        if hits:
            return hits
        present.pop()  # the most common word is the least informative
    return []


async def search(db: Database, query: str, limit: int = 50) -> list[SearchHit]:
    if not query.strip():
        return []
    try:
        hits = await _search(db, query, limit)
    except sqlite3.OperationalError:
        pass  # FTS5 syntax error, unknown column filter, ...: fall back to plain words
    else:
        if hits:
            return hits
    words = query.split()
    try:
        hits = await _search(db, quote_terms(query), limit)
        if hits or len(words) < 2:
            return hits
        return await _search_fewer_words(db, words, limit)
    except sqlite3.OperationalError:
        return []
