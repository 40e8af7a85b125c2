"""How the console's long-running process runs: its event loop and its garbage collector.

Both choices come from measuring the real console against 500 simulated hosts
(docs/benchmarks.md, "Fifth session"): per frame, the work is small and spread over
hundreds of sockets, so the fixed costs around it dominate.

- uvloop: asyncio's pure-Python loop (`_run_once`, handles, timers, socket transports)
  cost the console about two points of a core at 500 hosts; uvloop does the same in
  C. It is an ordinary dependency on every platform that has it; where it cannot be
  imported, the standard loop runs the same code.
- gen-0 threshold: every sample keeps a few dozen small objects alive for one
  interval (until the next sample replaces them). With the default threshold of 700
  the collector ran five times a second, each time walking objects that were about
  to be freed anyway by reference counting: 1.1-1.4 points of a core. Collecting
  every GC_GEN0_THRESHOLD allocations lets most of them die first; a collection
  then takes ~25 ms every few seconds, not ~1 ms five times a second. The older
  generations keep their defaults: reference cycles are still found.

Only the console (`opsconsole` with its UI) runs this way; the short subcommands
(`check`, `note`, `handoff`) keep the standard loop, where none of this matters.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

GC_GEN0_THRESHOLD = 10_000


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop when it is installed, else None (asyncio's default)."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def tune_gc() -> None:
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GC_GEN0_THRESHOLD, gen1, gen2)


def run_long(main: Coroutine[Any, Any, T]) -> T:
    """Run the console's main coroutine to completion on the tuned runtime."""
    tune_gc()
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)


#: Signals that end the console the way Ctrl+Q does: `kill`, a shutdown, a closed
#: terminal or tmux pane (SIGHUP). Without a handler Python dies at once: the terminal
#: stays in the alternate screen with mouse reporting on, and pending notes are lost.
QUIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def install_quit_signals(quit_: Callable[[signal.Signals], None]) -> Callable[[], None]:
    """Call `quit_(signal)` on the running loop for each of QUIT_SIGNALS; returns a
    function that puts the default handlers back."""
    loop = asyncio.get_running_loop()
    installed = []
    for sig in QUIT_SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, quit_, sig)
            installed.append(sig)

    def remove() -> None:
        for sig in installed:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
    return remove
