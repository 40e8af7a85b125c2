"""The one way core events reach a screen or widget: a bus subscription that lives
exactly as long as the node is mounted.

The core publishes plain events on its `EventBus` (console/bus.py) on the event loop;
a node calls `self.listen(bus, EventType, handler)` in `on_mount` (or later) and is
unsubscribed when it unmounts. A handler is never called on a node that has left the
DOM, so nothing can call into the UI after it is torn down, whatever the core still
has queued. (The fleet table is the one exception by design: it pulls the model on a
timer, because 500 hosts' samples must become one repaint, not 500.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual.dom import DOMNode

from console.bus import EventBus

E = TypeVar("E")


class BusListener(DOMNode):
    """Mixin for screens and widgets that react to core events."""

    _bus_unsubscribers: list[Callable[[], None]]

    def listen(self, bus: EventBus, kinds: type[E] | tuple[type, ...],
               handler: Callable[[Any], None]) -> None:
        if not hasattr(self, "_bus_unsubscribers"):
            self._bus_unsubscribers = []

        def deliver(event: object) -> None:
            if self.is_attached:
                handler(event)

        self._bus_unsubscribers.append(bus.subscribe(kinds, deliver))

    def on_unmount(self) -> None:
        for unsubscribe in getattr(self, "_bus_unsubscribers", ()):
            unsubscribe()
        self._bus_unsubscribers = []
