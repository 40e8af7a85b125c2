"""Opening the notes store for a running console: store, presence, automatic timeline."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

from console.bus import EventBus
from console.events import AlertChanged, HostStateChanged
from console.store.errors import StoreCorrupt, StoreTooNew, StoreUnavailable
from console.store.models import Note
from console.store.snapshot import read_snapshot
from console.store.store import Store
from console.wiring.timeline import TimelineRecorder


async def open_console_store(path: Path, known_hosts: Iterable[str], bus: EventBus,
                             author: str | None = None) -> Store:
    """Open the shared database for a console: announce presence, publish other
    writers' notes and the outbox's moves on `bus`, and record the fleet's events.
    Raises StoreUnavailable with a message naming the path."""
    store = await Store.connect(path, author=author, known_hosts=known_hosts, bus=bus)
    try:
        await store.start_presence()
        await store.follow()
    except BaseException:
        await store.close()
        raise
    recorder = TimelineRecorder(store.outbox)
    bus.subscribe((AlertChanged, HostStateChanged), recorder.on_event)
    return store


log = logging.getLogger(__name__)

#: Retries of a store that could not be opened (disk full, directory missing): soon at
#: first, then every RETRY_MAX_S, for as long as the console runs.
RETRY_FIRST_S = 2.0
RETRY_MAX_S = 30.0


async def keep_opening_console_store(
        path: Path, known_hosts: Iterable[str], bus: EventBus,
        on_wait: Callable[[StoreUnavailable, float, list[Note] | None], Awaitable[None]],
        author: str | None = None, first_delay: float = RETRY_FIRST_S) -> Store:
    """`open_console_store`, retried until it works: a disk that was full at start
    frees up, a directory gets created. `on_wait(error, delay, snapshot)` runs before
    each wait (the screen says why, and keeps typed notes); `snapshot` is, the first
    time only, the newest notes read from the file as it is (store/snapshot.py), so
    the team's notes show even while the file cannot be opened for writing. A damaged
    file or one from a newer opsconsole is not retried: it raises at once
    (StoreCorrupt, StoreTooNew)."""
    hosts = tuple(known_hosts)
    delay = first_delay
    snapshot_read = False
    while True:
        try:
            return await open_console_store(path, hosts, bus, author)
        except (StoreCorrupt, StoreTooNew):
            raise
        except StoreUnavailable as exc:
            log.warning("notes store not open, retrying in %.0f s: %s", delay, exc)
            snapshot = None
            if not snapshot_read:
                snapshot_read = True
                snapshot = await read_snapshot(path)
            await on_wait(exc, delay, snapshot)
        await asyncio.sleep(delay)
        delay = min(delay * 2, RETRY_MAX_S)
