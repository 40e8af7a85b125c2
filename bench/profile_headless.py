"""Where the console's CPU goes at scale: the real app, headless, against the simulator.

    python -m bench.profile_headless --hosts 500 [--seconds 20] [--refresh 0.5] [--cprofile]

Runs `OpsConsole` in-process with `App.run_test()` (Textual still lays out and renders
every frame headless; only the terminal write is skipped) against bench/simulator.py
in a child process, waits until every host is up, then for `--seconds` counts:
screen repaints (Compositor.render_update), the table refresh tick
(MainScreen.refresh_fleet) and the process CPU. `--refresh S` overrides
console.screens.main.refresh_period to show what another repaint cadence costs;
`--cprofile` prints the top functions. This is a diagnostic, not a figure for
docs/benchmarks.md (fleet_bench measures the real process in a real terminal).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest

from bench.fleet_bench import ROOT, _free_base_port
from tests.sshlab import SshLab


class Counter:
    def __init__(self) -> None:
        self.calls = 0
        self.seconds = 0.0


def _wrap(owner: Any, name: str, counter: Counter) -> Callable[[], None]:
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            counter.calls += 1
            counter.seconds += time.perf_counter() - start

    setattr(owner, name, wrapper)
    return lambda: setattr(owner, name, original)


async def measure(inventory: Path, hosts: int, seconds: float, refresh: float | None,
                  profile: bool) -> None:
    from textual._compositor import Compositor

    import console.screens.main as main_screen
    from console.app import OpsConsole
    from console.events import HostState
    from console.inventory import load_inventory

    if refresh is not None:
        main_screen.refresh_period = lambda _intervals: refresh
    app = OpsConsole(load_inventory(inventory))
    counters = {"repaints (Compositor.render_update)": Counter(),
                "table tick (MainScreen.refresh_fleet)": Counter()}
    me = psutil.Process()
    async with app.run_test(size=(160, 48)) as pilot:
        start = time.monotonic()
        while sum(v.status.state is HostState.UP for v in app.fleet.model.views.values()) \
                < hosts:
            await pilot.pause(0.2)
            if time.monotonic() - start > 120:
                raise RuntimeError("not all hosts up after 120 s")
        print(f"all {hosts} up after {time.monotonic() - start:.1f} s (in-process start)")
        await pilot.pause(2.0)
        undo = [_wrap(Compositor, "render_update", counters["repaints (Compositor.render_update)"]),
                _wrap(main_screen.MainScreen, "refresh_fleet",
                      counters["table tick (MainScreen.refresh_fleet)"])]
        prof = cProfile.Profile() if profile else None
        cpu0 = me.cpu_times()
        t0 = time.perf_counter()
        if prof:
            prof.enable()
        await pilot.pause(seconds)
        if prof:
            prof.disable()
        wall = time.perf_counter() - t0
        cpu1 = me.cpu_times()
        for u in undo:
            u()
        # Key press to the end of the repaint that shows it, in-process.
        latencies = []
        for _ in range(10):
            await pilot.pause(0.4)
            t = time.perf_counter()
            await pilot.press("s")
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()
            latencies.append((time.perf_counter() - t) * 1000)
    busy = (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)
    print(f"window {wall:.1f} s, refresh={refresh or 'per interval'}: process CPU "
          f"{busy / wall * 100:.1f} % of one core (headless: no terminal output)")
    for name, c in counters.items():
        per = f"{c.seconds / c.calls * 1000:.2f} ms each" if c.calls else "-"
        print(f"  {name}: {c.calls / wall:.1f}/s, {c.seconds / wall * 100:.1f} % of one core,"
              f" {per}")
    latencies.sort()
    print(f"  `s` press -> handled and repainted (pilot): median {latencies[5]:.0f} ms, "
          f"max {latencies[-1]:.0f} ms")
    if prof:
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.sort_stats("cumulative").print_stats(35)
        stats.sort_stats("tottime").print_stats(25)
        print(out.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_headless",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--refresh", type=float, help="override MainScreen's refresh period (s)")
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args(argv)
    mp = pytest.MonkeyPatch()
    sim = None
    with tempfile.TemporaryDirectory(prefix="fleet-prof-") as tmp:
        lab = SshLab(Path(tmp) / "lab", mp)
        try:
            addresses = [f"127.0.2.{i + 1}" for i in range(16)]
            base = _free_base_port(addresses, -(-args.hosts // 16))
            inventory = lab.root / "sim.yaml"
            sim = subprocess.Popen(
                [sys.executable, "-m", "bench.simulator", "--hosts", str(args.hosts),
                 "--base-port", str(base), "--workdir", str(lab.root / "sim"),
                 "--client-key", str(lab.client_key_path), "--known-hosts",
                 str(lab.known_hosts_path), "--inventory", str(inventory),
                 "--user", lab.user], cwd=ROOT, stdout=subprocess.PIPE, text=True)
            assert sim.stdout is not None
            if not sim.stdout.readline().startswith("READY"):
                raise RuntimeError("simulator did not start")
            asyncio.run(measure(inventory, args.hosts, args.seconds, args.refresh,
                                args.cprofile))
        finally:
            if sim is not None:
                sim.terminate()
                sim.wait(10)
            lab.close()
            mp.undo()
    return 0


if __name__ == "__main__":
    sys.exit(main())
