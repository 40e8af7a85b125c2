"""The benchmark's fleet simulator answers a real Fleet as real hosts would.

If the simulator drifted from the sampler protocol, the scale benchmark would measure a
console that parses nothing (cheap!) and report a lie; this keeps it honest.
"""

from __future__ import annotations

import asyncio
import time

from bench.simulator import FleetSimulator, SimHost
from console.events import HostState
from console.fleet.fleet import Fleet
from console.inventory import load_inventory
from console.metrics.frame import FrameParser
from tests.sshlab import SshLab

HOSTS = 5


def test_frame_parses_cleanly_and_changes() -> None:
    host = SimHost.make("sim-x", "web", seed=7)
    parser = FrameParser()
    raws = []
    for seq in (1, 2):
        host.tick(2.0)
        raws += parser.feed(host.frame(seq))
    assert len(raws) == 2
    first, second = raws
    assert first.problems == () and second.problems == ()
    assert second.cpu is not None and first.cpu is not None
    assert second.cpu != first.cpu
    assert second.cpu_count == host.ncpu
    assert {fs.mount for fs in second.filesystems} >= {"/", "/var/lib/data"}


def test_mount_point_with_space_round_trips() -> None:
    hosts = (SimHost.make("sim-y", "db", seed) for seed in range(200))
    host = next(h for h in hosts if any(m.point == "/mnt/shared data" for m in h.mounts))
    host.tick(2.0)
    (raw,) = FrameParser().feed(host.frame(1))
    assert "/mnt/shared data" in {fs.mount for fs in raw.filesystems}
    assert raw.problems == ()


async def test_real_fleet_goes_live_on_simulated_hosts(ssh_lab: SshLab) -> None:
    sim = FleetSimulator(HOSTS, base_port=0, addresses=3, first_address="127.0.3.1",
                         client_keys=[ssh_lab.client_key])
    await sim.start()
    fleet = None
    try:
        with ssh_lab.known_hosts_path.open("a") as known_hosts:
            known_hosts.writelines(sim.known_hosts_lines())
        inventory = load_inventory(ssh_lab.write_inventory(sim.endpoints, interval=0.3))
        fleet = Fleet(inventory)
        fleet.start()
        views = fleet.model.views
        deadline = time.monotonic() + 8
        first: dict[str, float] = {}
        while time.monotonic() < deadline:
            for name, view in views.items():
                if view.sample is not None and view.sample.cpu_pct is not None:
                    first.setdefault(name, view.sample.cpu_pct)
            changed = [n for n, v in views.items() if v.sample is not None and n in first
                       and v.sample.cpu_pct != first[n]]
            if len(changed) == HOSTS:
                break
            await asyncio.sleep(0.1)
        states = {n: v.status.state for n, v in views.items()}
        assert all(s is HostState.UP for s in states.values()), states
        assert len(changed) == HOSTS, f"live, changing CPU on {changed} only"
        for view in views.values():
            s = view.sample
            assert s is not None and s.mem_pct is not None and 0 < s.mem_pct < 100
            assert s.load1 is not None and s.rtt_ms is not None
        await fleet.stop()
        fleet = None
        # The console's `kill -TERM -<pid>` on close ended every sampler session.
        for _ in range(50):
            if sim.live_sessions == 0:
                break
            await asyncio.sleep(0.05)
        assert sim.live_sessions == 0
        assert sim.frames_sent >= 2 * HOSTS
    finally:
        if fleet is not None:
            await fleet.stop()
        await sim.stop()
