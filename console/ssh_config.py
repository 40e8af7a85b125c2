"""What `~/.ssh/config` says about a host, read as ssh reads it (asyncssh's parser).

asyncssh applies the config by itself when it connects; the console still needs to
know a few items first: the address and port actually connected to (host keys are
checked and trusted under those, as ssh does), the identity files that exist (ssh skips
a missing IdentityFile; asyncssh would fail the login), and a ProxyJump (so the bastion
connection is shared through the console's pool like one written in the inventory).
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class SshTarget:
    """Where ssh would really connect for an inventory host, after ~/.ssh/config."""

    hostname: str
    port: int
    user: str | None = None
    identity_files: tuple[str, ...] = ()  # as configured, ~ expanded
    proxy_jump: str | None = None
    missing_identities: tuple[str, ...] = field(default=())

    @property
    def existing_identities(self) -> tuple[str, ...]:
        return tuple(f for f in self.identity_files if f not in self.missing_identities)


def config_path() -> Path:
    return Path(os.path.expanduser("~/.ssh/config"))


def target(address: str, port: int | None = None, user: str | None = None) -> SshTarget:
    """ssh's view of `address` (an inventory address or an alias): explicit port and
    user win over the config, as on ssh's command line."""
    path = config_path()
    try:
        stamp = path.stat().st_mtime_ns if path.stat().st_size else None
    except OSError:
        stamp = None
    return _target(str(path), stamp, address, port, user, os.environ.get("HOME", ""))


@lru_cache(maxsize=4096)
def _target(path: str, stamp: int | None, address: str, port: int | None,
            user: str | None, _home: str) -> SshTarget:
    if stamp is None:  # no config, or an empty one: nothing to apply
        return SshTarget(address, port or 22, user)
    from asyncssh.config import SSHClientConfig

    try:
        local_user = getpass.getuser()
    except (KeyError, OSError):
        local_user = ""
    try:
        config = SSHClientConfig.load(None, [path], False, False, False, local_user,
                                      user or (), address, port or ())
    except (OSError, ValueError):
        return SshTarget(address, port or 22, user)
    hostname = config.get("Hostname") or address
    files = tuple(os.path.expanduser(str(f)) for f in config.get("IdentityFile") or ())
    missing = tuple(f for f in files if not os.path.exists(f))
    jump = config.get("ProxyJump")
    return SshTarget(
        hostname=str(hostname), port=port or int(config.get("Port") or 22),
        user=user or config.get("User") or None, identity_files=files,
        proxy_jump=None if not jump or str(jump).lower() == "none" else str(jump),
        missing_identities=missing)
