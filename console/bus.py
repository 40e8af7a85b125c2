"""A minimal synchronous publish/subscribe hub for core events.

Subscribers must be cheap and non-blocking (append to a queue, update a dict):
publishing happens on the event loop, once per sample per host.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Subscriber = Callable[[Any], None]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[tuple[type | tuple[type, ...], Subscriber]] = []

    def subscribe(self, kinds: type | tuple[type, ...], callback: Subscriber) -> Callable[[], None]:
        entry = (kinds, callback)
        self._subscribers.append(entry)
        return lambda: self._subscribers.remove(entry)

    def publish(self, event: object) -> None:
        for kinds, callback in tuple(self._subscribers):
            if isinstance(event, kinds):
                callback(event)
