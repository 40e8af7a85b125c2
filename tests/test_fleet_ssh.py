"""The fleet against real OpenSSH daemons on loopback: live figures, faults, recovery."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

import psutil
import pytest

from console.events import HostState
from console.fleet.fleet import Fleet
from console.inventory import load_inventory
from console.transport.hostkeys import accept_host_key, fetch_host_key, fingerprint
from tests.sshlab import SshLab, loopback_addresses
from tests.waiting import eventually

pytestmark = pytest.mark.sshd


async def wait_for(predicate: Callable[[], bool], timeout: float, what: str,
                   lab: SshLab | None = None) -> None:
    await eventually(predicate, timeout, what,
                     evidence=lab.log_tails if lab is not None else None)


def state(fleet: Fleet, host: str) -> HostState:
    return fleet.model.views[host].status.state


async def test_hosts_go_live_and_a_dead_host_does_not_hold_back_the_others(
        ssh_lab: SshLab) -> None:
    addrs = loopback_addresses(4, first=20)
    main = ssh_lab.start_daemon(addrs[:3])
    lonely = ssh_lab.start_daemon(addrs[3:])
    hosts = ssh_lab.hosts_of(main, lonely)
    inventory = load_inventory(ssh_lab.write_inventory(hosts, interval=0.5))
    fleet = Fleet(inventory)
    fleet.start()
    try:
        await wait_for(lambda: all(state(fleet, h) is HostState.UP for h in hosts), 15,
                       "every host up", ssh_lab)
        # Two samples make rates: CPU % needs a delta.
        await wait_for(lambda: all(v.sample and v.sample.cpu_pct is not None
                                   for v in fleet.model.views.values()), 10, "cpu figures")
        for view in fleet.model.views.values():
            s = view.sample
            assert s is not None
            assert 0.0 <= s.cpu_pct <= 100.0
            assert s.mem_pct is not None and 0.0 < s.mem_pct < 100.0
            assert s.load1 is not None and s.load1 >= 0
            assert s.disk_max_pct is not None
            assert s.net_rx_bps is not None and s.net_rx_bps >= 0
            assert s.rtt_ms is not None and 0 < s.rtt_ms < 1000

        lonely_host = "host-4"
        lonely.stop()
        await wait_for(lambda: state(fleet, lonely_host) in (
            HostState.RECONNECTING, HostState.UNREACHABLE), 15, "lonely host down")
        reason = fleet.model.views[lonely_host].status.reason
        assert reason, "a down host says why"
        # The others keep getting fresh samples while one host is down.
        before = {h: fleet.model.views[h].sample.taken_at for h in ("host-1", "host-2")}
        await asyncio.sleep(1.5)
        for h, taken in before.items():
            assert state(fleet, h) is HostState.UP
            assert fleet.model.views[h].sample.taken_at > taken
        # A down host is UNKNOWN to the alert engine, never OK.
        assert fleet.alerts.host_severity(lonely_host).name == "UNKNOWN"

        lonely.start()
        fleet.reconnect(lonely_host)  # the user pressing "r"; natural backoff also works
        await wait_for(lambda: state(fleet, lonely_host) is HostState.UP, 15,
                       "lonely host back up", ssh_lab)
        assert fleet.alerts.host_severity(lonely_host).name == "OK"
    finally:
        await fleet.stop()
    # No sampler left running on any host after the console stops.
    await asyncio.to_thread(_assert_no_sessions_left, main, lonely)


def _assert_no_sessions_left(*daemons) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        left = [p for d in daemons for p in d.descendants()[1:]]  # [0] is the listener
        if not left:
            return
        time.sleep(0.2)
    raise AssertionError(f"processes left behind: {[p.cmdline() for p in left]}")


async def test_recovers_by_itself_after_the_daemon_returns(ssh_lab: SshLab) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=30))
    fleet = Fleet(load_inventory(ssh_lab.write_inventory(ssh_lab.hosts_of(sshd))))
    fleet.start()
    try:
        await wait_for(lambda: state(fleet, "host-1") is HostState.UP, 15, "up", ssh_lab)
        sshd.stop()
        await wait_for(lambda: state(fleet, "host-1") is not HostState.UP, 15, "down")
        sshd.start()
        await wait_for(lambda: state(fleet, "host-1") is HostState.UP, 20,
                       "back up through backoff alone", ssh_lab)
    finally:
        await fleet.stop()


async def test_changed_host_key_never_connects(ssh_lab: SshLab) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=40))
    fleet = Fleet(load_inventory(ssh_lab.write_inventory(ssh_lab.hosts_of(sshd))))
    fleet.start()
    try:
        await wait_for(lambda: state(fleet, "host-1") is HostState.UP, 15, "up", ssh_lab)
        sshd.regenerate_host_key()
        await wait_for(lambda: state(fleet, "host-1") is HostState.HOSTKEY_CHANGED, 20,
                       "host key changed", ssh_lab)
        assert "does not match known_hosts" in fleet.model.views["host-1"].status.reason
        fleet.reconnect("host-1")
        await asyncio.sleep(1.5)
        assert state(fleet, "host-1") is HostState.HOSTKEY_CHANGED
    finally:
        await fleet.stop()


async def test_unknown_host_key_waits_for_the_user_to_accept_it(ssh_lab: SshLab) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=50), trust=False)
    inventory = load_inventory(ssh_lab.write_inventory(ssh_lab.hosts_of(sshd)))
    fleet = Fleet(inventory)
    fleet.start()
    try:
        await wait_for(lambda: state(fleet, "host-1") is HostState.HOSTKEY_UNKNOWN, 15,
                       "host key unknown", ssh_lab)
        host = inventory.host("host-1")
        key = await fetch_host_key(host)
        assert fingerprint(key).startswith("ssh-ed25519 SHA256:")
        assert key.export_public_key("openssh").decode().split()[1] in sshd.host_public_key
        accept_host_key(host, key)
        fleet.reconnect("host-1")
        await wait_for(lambda: state(fleet, "host-1") is HostState.UP, 15, "up", ssh_lab)
    finally:
        await fleet.stop()


async def test_refused_client_key_is_auth_failed(ssh_lab: SshLab) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=60))
    ssh_lab.revoke_client_key()
    fleet = Fleet(load_inventory(ssh_lab.write_inventory(ssh_lab.hosts_of(sshd))))
    fleet.start()
    try:
        await wait_for(lambda: state(fleet, "host-1") is HostState.AUTH_FAILED, 15,
                       "auth failed", ssh_lab)
        assert ssh_lab.user in fleet.model.views["host-1"].status.reason
        ssh_lab.authorize_client_key()
        fleet.reconnect("host-1")
        await wait_for(lambda: state(fleet, "host-1") is HostState.UP, 15, "up", ssh_lab)
    finally:
        await fleet.stop()


async def test_a_dead_link_is_noticed_by_keepalive(ssh_lab: SshLab) -> None:
    """A link that stays open but answers nothing (a frozen host, a silent firewall
    drop) must not look up forever: data goes stale at once, and the keepalives
    then give the connection up so the host is reconnected."""
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=66))
    fleet = Fleet(load_inventory(ssh_lab.write_inventory(ssh_lab.hosts_of(sshd))))
    fleet.start()
    frozen: list[psutil.Process] = []
    try:
        await wait_for(lambda: state(fleet, "host-1") is HostState.UP, 15, "up", ssh_lab)
        # Freeze everything serving this connection: TCP stays up, nothing answers.
        frozen = sshd.descendants()[1:]
        for proc in frozen:
            proc.suspend()
        await wait_for(lambda: state(fleet, "host-1") is HostState.STALE, 5, "stale")
        await wait_for(lambda: state(fleet, "host-1") in (
            HostState.RECONNECTING, HostState.UNREACHABLE), 40, "keepalive gave up")
    finally:
        for proc in frozen:
            with contextlib.suppress(psutil.Error):
                proc.resume()
        await fleet.stop()
