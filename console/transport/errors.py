"""Why a host could not be reached, classified by what the user can do about it.

The supervisor turns each class into a host state: a `NeedsUser` error is not fixed by
retrying quickly (a person must accept a key or fix a login), anything else is retried
with backoff.
"""

from __future__ import annotations


class TransportError(Exception):
    """The host could not be reached or the link broke; worth retrying."""


class NoAnswer(TransportError):
    """A probe got no reply in time: the link may be dead, or only slow."""


class NeedsUser(TransportError):
    """Retrying will not help until a person acts."""


class AuthFailed(NeedsUser):
    pass


class HostKeyUnknown(NeedsUser):
    pass


class HostKeyChanged(NeedsUser):
    pass


class HostUnusable(NeedsUser):
    """The inventory gives the host a value the console cannot use (Host.problem)."""
