"""Core events: plain objects any capability may publish on the bus or consume.

They sit at the base of the stack because every layer speaks them: supervisors publish
host states, the alert engine publishes transitions, the store records both, the UI
shows them. Events that carry a layer's own data (a metrics sample) live with it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from console.format import alert_value
from console.severity import Severity

#: Data older than this many sampling intervals is stale: never shown as live, and a
#: link that stays silent that long is probed. The one definition of "stale".
STALE_AFTER_INTERVALS = 2.0


def is_stale_age(age_s: float, interval: float) -> bool:
    return age_s > interval * STALE_AFTER_INTERVALS


class HostState(enum.Enum):
    CONNECTING = "connecting"
    UP = "up"
    STALE = "stale"
    RECONNECTING = "reconnecting"
    UNREACHABLE = "unreachable"
    AUTH_FAILED = "auth failed"
    HOSTKEY_UNKNOWN = "host key unknown"
    HOSTKEY_CHANGED = "host key changed"
    #: Logged in, but the account's shell ended at once (nologin, ForceCommand): a
    #: person must act, like AUTH_FAILED; rechecked slowly.
    SHELL_EXITED = "shell exited"
    #: Cut off for sending more than its budget; retried after a long backoff.
    FLOODING = "flooding"
    # The inventory gives this host a value the console cannot use (a ProxyCommand
    # through nc, an unresolved template): nothing to retry until the inventory changes.
    UNUSABLE = "unusable"


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
class AlertChanged:
    """One alert moved between severities (fired, escalated, eased, cleared, unknown)."""

    host: str
    metric: str  # "cpu", "disk", ... or "host" for the host-level UNKNOWN
    key: str  # "cpu", "disk:/var", "disk_util:sda", "host"
    old: Severity
    new: Severity
    value: float | None
    threshold: str  # "crit 90%", "" when none applies
    at: float  # wall time
    unit: str = ""
    detail: str = ""  # why, for UNKNOWN: "unreachable: connection refused"

    def describe(self) -> str:
        """One line for the notes timeline: `web-1 disk:/var CRITICAL 93.1% (crit 90%)`."""
        parts = [self.host, self.key, self.new.name]
        if self.value is not None:
            parts.append(alert_value(self.value, self.unit))
        if self.threshold and self.new in (Severity.WARNING, Severity.CRITICAL):
            parts.append(f"({self.threshold})")
        if self.new is Severity.OK or (self.new is Severity.WARNING
                                       and self.old is Severity.CRITICAL):
            parts.append(f"(was {self.old.name})")
        if self.detail:
            parts.append(f"- {self.detail}")
        return " ".join(parts)



@dataclass(frozen=True, slots=True)
class SubscriberFailed:
    """A bus subscriber raised; the publisher went on. Shown to the user, logged."""

    subscriber: str
    event: str
    error: str
