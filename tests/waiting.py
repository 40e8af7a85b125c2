"""Waiting for something real to happen (a host to come up, a line to be drawn).

One helper for every test that polls: a deadline, a clear message naming what never
happened, and a hook for the evidence (sshd logs, a timeline) to put in it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot


async def eventually(predicate: Callable[[], Any], timeout: float, what: str, *,
                     pilot: Pilot[Any] | None = None, period: float = 0.1,
                     evidence: Callable[[], str] | None = None) -> Any:
    """Poll until `predicate()` is truthy and return its value; fail after `timeout`.

    With a Pilot, waiting lets the app process messages and repaint in between."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = predicate()
        if got:
            return got
        if pilot is not None:
            await pilot.pause(period)
        else:
            await asyncio.sleep(period)
    extra = f"\n{evidence()}" if evidence is not None else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}{extra}")
