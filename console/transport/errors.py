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


class KeyFileMissing(AuthFailed):
    """The inventory names a private key file that does not exist: no login can work
    until someone fixes the path, so it is not retried like a network fault."""


class ShellExited(NeedsUser):
    """Login worked, but the account's shell (nologin, /bin/false, an sshd ForceCommand)
    ended at once instead of running the console's command. Retrying logs in again
    for nothing: a person must give the account a shell."""


class NotSSH(TransportError):
    """Something answers on the port, but it does not speak SSH."""


class Flooding(TransportError):
    """The host sent more than its budget of sampler output: cut off so that it cannot
    starve every other host of the console's time. Retried, after a long backoff."""


class HostUnusable(NeedsUser):
    """The inventory gives the host a value the console cannot use (Host.problem)."""
