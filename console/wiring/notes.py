"""Opening the notes store for a running console: store, presence, automatic timeline."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from console.bus import EventBus
from console.events import AlertChanged, HostStateChanged
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
