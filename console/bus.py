"""A minimal synchronous publish/subscribe hub for core events.

Subscribers must be cheap and non-blocking (append to a queue, update a dict):
publishing happens on the event loop, once per sample per host. Publishing is
synchronous, so a subscriber that raises would otherwise end the publisher's task (a
host's supervisor). Each failure is isolated: logged with its traceback, published as a
`SubscriberFailed` event (which the UI shows), and the other subscribers still run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from console.events import SubscriberFailed

Subscriber = Callable[[Any], None]

log = logging.getLogger(__name__)


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[tuple[type | tuple[type, ...], Subscriber]] = []
        self.failures = 0

    def subscribe(self, kinds: type | tuple[type, ...], callback: Subscriber) -> Callable[[], None]:
        """Returns the function that unsubscribes (safe to call twice)."""
        entry = (kinds, callback)
        self._subscribers.append(entry)

        def unsubscribe() -> None:
            if entry in self._subscribers:
                self._subscribers.remove(entry)
        return unsubscribe

    def publish(self, event: object) -> None:
        for kinds, callback in tuple(self._subscribers):
            if isinstance(event, kinds):
                try:
                    callback(event)
                except Exception as exc:
                    self._failed(callback, event, exc)

    def _failed(self, callback: Subscriber, event: object, exc: Exception) -> None:
        self.failures += 1
        name = getattr(callback, "__qualname__", repr(callback))
        log.exception("subscriber %s failed on %s", name, type(event).__name__)
        if not isinstance(event, SubscriberFailed):  # a failing reporter cannot loop
            self.publish(SubscriberFailed(name, type(event).__name__,
                                          f"{type(exc).__name__}: {exc}"))
