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
    """Open the shared database for a console: announce presence and start recording
    the fleet's events. Raises StoreUnavailable with a message naming the path."""
    store = await Store.connect(path, author=author, known_hosts=known_hosts)
    try:
        await store.start_presence()
    except BaseException:
        await store.close()
        raise
    recorder = TimelineRecorder(store.outbox)
    bus.subscribe((AlertChanged, HostStateChanged), recorder.on_event)
    return store
