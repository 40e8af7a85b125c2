"""Why the notes store can be missing: the console keeps running without notes, so
every failure here is a one-line `UserError` that names the database path."""

from __future__ import annotations

from console.errors import UserError


class StoreError(UserError):
    """Base of every notes-store failure the user can act on."""


class StoreUnavailable(StoreError):
    """The database cannot be opened or created (read-only or missing directory, ...)."""


class StoreTooNew(StoreUnavailable):
    """The file was written by a newer opsconsole: refused, never altered."""


class StoreBusy(StoreError):
    """Another writer held the lock longer than the busy timeout; retry later."""


class StoreCorrupt(StoreUnavailable):
    """SQLite found damaged pages (quick_check at open, or an error later): nothing more
    is written to the file, which is left exactly as it was for recovery."""


def corrupt_message(path: object, detail: str) -> str:
    """One line: what is wrong, that the file was not touched, and what to do."""
    return (f"notes database {path} is damaged ({detail}); it was left untouched and "
            f"nothing more is written to it. Recover what it holds with "
            f"`sqlite3 {path} .recover | sqlite3 {path}.recovered` and use that file "
            f"(--db), or restore a copy made with `.backup`")
