"""Host key trust: telling "unknown" from "changed", and accepting a key on request.

asyncssh reports both as HostKeyNotVerifiable; the difference matters to a user
(a new host is routine, a changed key may be an attack), so we look the host up in
known_hosts ourselves. Accepting a key is always an explicit user action that shows
the fingerprint first.
"""

from __future__ import annotations

import os
from pathlib import Path

import asyncssh

from console import ssh_config
from console.inventory import Host
from console.transport.errors import TransportError


def known_hosts_path() -> Path:
    return Path(os.path.expanduser("~/.ssh/known_hosts"))


def _lookup_name(address: str, port: int) -> str:
    return address if port == 22 else f"[{address}]:{port}"


def has_known_key(address: str, port: int, path: Path | None = None) -> bool:
    """Whether known_hosts holds any key at all for this host and port."""
    path = path or known_hosts_path()
    try:
        known = asyncssh.read_known_hosts(str(path))
    except (OSError, ValueError):
        return False
    host_keys, ca_keys, *_ = known.match(address, "", port)
    return bool(host_keys or ca_keys)


async def fetch_host_key(host: Host, tunnel: object = ()) -> asyncssh.SSHKey:
    """Ask the server for its key without authenticating, to show its fingerprint."""
    kwargs: dict[str, object] = {"tunnel": tunnel} if tunnel else {}
    try:
        key = await asyncssh.get_server_host_key(
            host.address, host.port or (), **kwargs)  # type: ignore[arg-type]
    except (OSError, asyncssh.Error) as exc:
        raise TransportError(f"could not fetch the host key of {host.address}: {exc}") from exc
    if key is None:
        raise TransportError(f"{host.address} presented no host key")
    return key


def accept_host_key(host: Host, key: asyncssh.SSHKey, path: Path | None = None) -> str:
    """Append the key to known_hosts; returns the line written.

    A changed key is replaced only by first removing the stale lines, as
    `ssh-keygen -R` would, so known_hosts never holds two conflicting keys.
    """
    path = path or known_hosts_path()
    # Under the address and port really connected to, as ssh records it.
    target = ssh_config.target(host.address, host.port, host.user)
    name = _lookup_name(target.hostname, target.port)
    line = f"{name} {key.export_public_key('openssh').decode().strip()}\n"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    kept: list[str] = []
    if path.exists():
        for existing in path.read_text(errors="replace").splitlines(keepends=True):
            names = existing.split(" ", 1)[0].split(",") if existing.strip() else []
            if name in names:
                continue
            kept.append(existing if existing.endswith("\n") else existing + "\n")
    tmp = path.with_suffix(".opsconsole-tmp")
    tmp.write_text("".join(kept) + line)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return line.strip()


def fingerprint(key: asyncssh.SSHKey) -> str:
    return f"{key.get_algorithm()} {key.get_fingerprint('sha256')}"
