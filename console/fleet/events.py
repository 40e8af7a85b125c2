"""Core events: plain objects that any capability may publish or subscribe to.

No textual here: the store, the alert engine and the UI all consume these.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from console.metrics.sample import Sample


class HostState(enum.Enum):
    CONNECTING = "connecting"
    UP = "up"
    STALE = "stale"
    RECONNECTING = "reconnecting"
    UNREACHABLE = "unreachable"
    AUTH_FAILED = "auth failed"
    HOSTKEY_UNKNOWN = "host key unknown"
    HOSTKEY_CHANGED = "host key changed"
    # The inventory gives this host a value the console cannot use (a ProxyCommand
    # through nc, an unresolved template): nothing to retry until the inventory changes.
    UNUSABLE = "unusable"

    @property
    def is_live(self) -> bool:
        return self is HostState.UP

    @property
    def needs_user(self) -> bool:
        """States that no amount of retrying fixes: a person must act."""
        return self in (HostState.AUTH_FAILED, HostState.HOSTKEY_UNKNOWN,
                        HostState.HOSTKEY_CHANGED, HostState.UNUSABLE)


@dataclass(frozen=True, slots=True)
class HostStatus:
    state: HostState
    reason: str = ""
    since: float = 0.0  # wall time the state began
    retry_at: float | None = None  # wall time of the next attempt, when reconnecting


@dataclass(frozen=True, slots=True)
class HostStateChanged:
    host: str
    old: HostStatus | None
    new: HostStatus


@dataclass(frozen=True, slots=True)
class SampleArrived:
    host: str
    sample: Sample
