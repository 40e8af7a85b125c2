"""Helpers for the operations tests: an Operations over real connections and a real
SQLite store, and the commands of a real long-running service (an HTTP server)."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

from console.inventory import Inventory
from console.operations.core import Operations
from console.operations.executors import DirectExecutor
from console.store.store import Store


@contextlib.asynccontextmanager
async def operations(inventory: Inventory, db: Path, *, author: str = "alice",
                     read_only: bool = False) -> AsyncIterator[Operations]:
    store = await Store.connect(db, author=author,
                                known_hosts=[h.name for h in inventory.hosts])
    executor = DirectExecutor(inventory)
    try:
        yield Operations(inventory, executor, store, read_only=read_only)
    finally:
        await executor.close()
        await store.close()


def http_service(state: Path, port: int) -> dict[str, str]:
    """A real server managed the way an init script manages one: a pid file, start in
    the background detached from the SSH session, stop waits for the old process to go,
    status asks the server itself over HTTP."""
    pid = state / "http.pid"
    start = (f"cd {state}; setsid python3 -m http.server {port} --bind 127.0.0.1 "
             f"</dev/null >/dev/null 2>&1 & echo $! > {pid}")
    stop = (f"if [ -f {pid} ]; then P=$(cat {pid}); kill $P 2>/dev/null; "
            f"while kill -0 $P 2>/dev/null; do sleep 0.05; done; rm -f {pid}; fi")
    status = ("python3 -c \"import urllib.request as u; "
              f"u.urlopen('http://127.0.0.1:{port}/', timeout=2)\"")
    return {"status": status, "start": start, "stop": stop, "restart": f"{stop}; {start}"}


def kill_pidfile(path: Path) -> None:
    with contextlib.suppress(OSError, ValueError):
        os.kill(int(path.read_text().strip()), signal.SIGKILL)


def set_vars(path: Path, group_vars: dict[str, object] | None = None,
             host_vars: dict[str, dict[str, object]] | None = None) -> Path:
    """Add variables to the lab inventory's `lab` group and to some of its hosts."""
    import yaml

    data = yaml.safe_load(path.read_text())
    lab = data["all"]["children"]["lab"]
    lab.setdefault("vars", {}).update(group_vars or {})
    for host, variables in (host_vars or {}).items():
        lab["hosts"][host].update(variables)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path
