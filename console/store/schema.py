"""Forward-only schema migrations; `PRAGMA user_version` is the index of the last one
applied. Never edit a migration that has shipped: add a new one at the end, because
consoles of the old version may still be open on the same shared file."""

from __future__ import annotations

from collections.abc import Sequence

_V1 = (
    """CREATE TABLE incidents (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        title TEXT NOT NULL,
        severity TEXT NOT NULL,
        opened_at REAL NOT NULL,
        opened_by TEXT NOT NULL,
        resolved_at REAL,
        resolved_by TEXT,
        summary TEXT
    )""",
    "CREATE INDEX incidents_resolved ON incidents(resolved_at)",
    # AUTOINCREMENT: ids only ever grow, so "everything after id N" is a complete
    # live feed even if a row were deleted one day.
    """CREATE TABLE notes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at REAL NOT NULL,
        author TEXT NOT NULL,
        host TEXT,
        incident_id INTEGER REFERENCES incidents(id),
        kind TEXT NOT NULL DEFAULT 'human' CHECK (kind IN ('human', 'system')),
        category TEXT,
        body TEXT NOT NULL,
        meta TEXT NOT NULL DEFAULT '{}',
        client_uuid TEXT UNIQUE
    )""",
    "CREATE INDEX notes_created ON notes(created_at)",
    "CREATE INDEX notes_incident ON notes(incident_id, id)",
    "CREATE INDEX notes_category ON notes(category, id)",
    """CREATE VIRTUAL TABLE notes_fts USING fts5(
        body, content='notes', content_rowid='id', tokenize='porter unicode61')""",
    """CREATE TRIGGER notes_ai AFTER INSERT ON notes BEGIN
        INSERT INTO notes_fts(rowid, body) VALUES (new.id, new.body);
    END""",
    """CREATE TRIGGER notes_ad AFTER DELETE ON notes BEGIN
        INSERT INTO notes_fts(notes_fts, rowid, body) VALUES ('delete', old.id, old.body);
    END""",
    """CREATE TRIGGER notes_au AFTER UPDATE OF body ON notes BEGIN
        INSERT INTO notes_fts(notes_fts, rowid, body) VALUES ('delete', old.id, old.body);
        INSERT INTO notes_fts(rowid, body) VALUES (new.id, new.body);
    END""",
    """CREATE VIRTUAL TABLE incidents_fts USING fts5(
        title, summary, content='incidents', content_rowid='id',
        tokenize='porter unicode61')""",
    """CREATE TRIGGER incidents_ai AFTER INSERT ON incidents BEGIN
        INSERT INTO incidents_fts(rowid, title, summary)
        VALUES (new.id, new.title, coalesce(new.summary, ''));
    END""",
    """CREATE TRIGGER incidents_ad AFTER DELETE ON incidents BEGIN
        INSERT INTO incidents_fts(incidents_fts, rowid, title, summary)
        VALUES ('delete', old.id, old.title, coalesce(old.summary, ''));
    END""",
    """CREATE TRIGGER incidents_au AFTER UPDATE ON incidents BEGIN
        INSERT INTO incidents_fts(incidents_fts, rowid, title, summary)
        VALUES ('delete', old.id, old.title, coalesce(old.summary, ''));
        INSERT INTO incidents_fts(rowid, title, summary)
        VALUES (new.id, new.title, coalesce(new.summary, ''));
    END""",
)

_V2 = (
    # One row per open console; rows of consoles killed with -9 go stale and are
    # pruned by the next heartbeat of anyone.
    """CREATE TABLE presence (
        console_id TEXT PRIMARY KEY,
        author TEXT NOT NULL,
        hostname TEXT NOT NULL,
        pid INTEGER NOT NULL,
        started_at REAL NOT NULL,
        last_seen REAL NOT NULL
    )""",
    "CREATE INDEX notes_host ON notes(host, id)",
)

_V3_OPERATIONS = (
    # The audit trail of operations (console/store/audit.py). Append-only: the
    # triggers make SQLite itself refuse to change or remove a row, whoever asks.
    """CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        op_id TEXT NOT NULL,
        at REAL NOT NULL,
        author TEXT NOT NULL,
        tty TEXT NOT NULL,
        console_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        phase TEXT NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        step TEXT NOT NULL DEFAULT '',
        host TEXT,
        hosts TEXT NOT NULL DEFAULT '[]',
        command TEXT NOT NULL DEFAULT '',
        exit_status INTEGER,
        outcome TEXT NOT NULL DEFAULT '',
        duration_s REAL,
        output_tail TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX audit_op ON audit(op_id, id)",
    "CREATE INDEX audit_at ON audit(at)",
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN
        SELECT RAISE(ABORT, 'audit rows are append-only: UPDATE refused');
    END""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN
        SELECT RAISE(ABORT, 'audit rows are append-only: DELETE refused');
    END""",
    # Leases across consoles (console/store/locks.py): one row per held lock, renewed
    # with the holder's presence heartbeat; a row past expires_at is free to take.
    """CREATE TABLE locks (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        tty TEXT NOT NULL,
        console_id TEXT NOT NULL,
        hostname TEXT NOT NULL,
        pid INTEGER NOT NULL,
        purpose TEXT NOT NULL DEFAULT '',
        acquired_at REAL NOT NULL,
        expires_at REAL NOT NULL
    )""",
    "CREATE INDEX locks_console ON locks(console_id)",
)

_V4_CHECK_BASELINES = (
    # What a person accepted as normal for a check on a host (the `accounts` preset's
    # list of login accounts): shared, so every console on the file compares with the
    # same accepted state, and the row says who accepted it and when.
    """CREATE TABLE check_baselines (
        host TEXT NOT NULL,
        check_name TEXT NOT NULL,
        body TEXT NOT NULL,
        accepted_by TEXT NOT NULL,
        accepted_at REAL NOT NULL,
        PRIMARY KEY (host, check_name)
    )""",
)

# MIGRATIONS[i] takes a database from user_version i to i + 1.
MIGRATIONS: Sequence[Sequence[str]] = (_V1, _V2, _V3_OPERATIONS,
                                        _V4_CHECK_BASELINES)
SCHEMA_VERSION = len(MIGRATIONS)
