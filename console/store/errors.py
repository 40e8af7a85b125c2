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
