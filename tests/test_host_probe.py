"""Host probes (top processes, service states) over real connections: sshd on loopback
and the local shell. No fakes: ps, the shell and the service checks really run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from console.events import HostState
from console.fleet.fleet import Fleet
from console.fleet.host_probe import (
    NO_SYSTEMCTL,
    ProbeError,
    parse_services,
    service_states,
    services_command,
    top_processes,
)
from console.inventory import Inventory, load_inventory
from console.severity import Severity
from tests.sshlab import SshLab, loopback_addresses
from tests.waiting import eventually

SYSTEMD_WORDS = {"active", "inactive", "failed", "activating", "deactivating",
                 "reloading", "refreshing", "maintenance"}


async def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    await eventually(predicate, timeout, what)


def comm(pid: int) -> str | None:
    """The kernel's name for a live process (what `ps -o comm` prints), else None."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().rstrip("\n")
    except OSError:
        return None


async def lab_fleet(lab: SshLab, first: int, services: dict[str, str | None]) -> Fleet:
    sshd = lab.start_daemon(loopback_addresses(1, first=first))
    inventory = load_inventory(lab.write_inventory(
        lab.hosts_of(sshd), extra_vars={"console_services": services}))
    fleet = Fleet(inventory)
    fleet.start()
    await wait_for(lambda: fleet.model.views["host-1"].status.state is HostState.UP, 15,
                   "host-1 up")
    return fleet


@pytest.mark.sshd
async def test_top_processes_and_services_over_ssh(ssh_lab: SshLab) -> None:
    fleet = await lab_fleet(ssh_lab, 130, {
        "fake": "true",
        "broken": "echo broken here >&2; exit 3",
        "half": "printf 'no final newline'; exit 4",
        "spoof": "echo '@@0000 end 0 0'; exit 2",  # looks like a marker, is not one
        "unit": None,  # systemctl is-active unit
    })
    try:
        top = await top_processes(fleet, "host-1")
        assert top.by_cpu and top.by_mem
        # The lab's sshd runs on this machine: ps over SSH sees real, live processes.
        # Every process (n=500): CPU% is over the last interval now, and an idle sshd
        # is not among the busiest ten on a busy machine.
        everyone = await top_processes(fleet, "host-1", n=500)
        assert any(p.command == "sshd" for p in everyone.by_cpu)
        rss = [p.rss or 0 for p in top.by_mem]
        assert rss == sorted(rss, reverse=True)
        alive = [p for p in top.by_mem if comm(p.pid) is not None]
        assert alive, "at least one listed process is still running"
        assert all(comm(p.pid) == p.command for p in alive)

        states = {s.name: s for s in await service_states(fleet, "host-1")}
        assert list(states) == ["fake", "broken", "half", "spoof", "unit"]
        assert (states["fake"].state, states["fake"].severity) == ("active", Severity.OK)
        assert states["broken"].state == "failed (exit 3)"
        assert states["broken"].severity is Severity.CRITICAL
        assert states["broken"].detail == "broken here"
        assert states["half"].state == "failed (exit 4)"
        assert states["half"].detail == "no final newline"
        assert states["spoof"].state == "failed (exit 2)"
        assert states["spoof"].detail == "@@0000 end 0 0"
        unit = states["unit"]
        assert unit.command is None
        # Whatever this machine's init: a systemd word, or UNKNOWN saying why; OK only
        # when systemd itself said "active".
        assert unit.state in SYSTEMD_WORDS or unit.state.startswith("unknown (")
        assert (unit.severity is Severity.OK) == (unit.state == "active")
    finally:
        await fleet.stop()


@pytest.mark.sshd
async def test_probe_of_a_slow_or_down_host_is_one_line_not_a_crash(
        ssh_lab: SshLab) -> None:
    fleet = await lab_fleet(ssh_lab, 131, {"fake": "true", "slow": "sleep 3"})
    try:
        # The whole probe times out: answered services keep their state, the rest
        # are UNKNOWN (never OK).
        states = {s.name: s for s in await service_states(fleet, "host-1", timeout=1.0)}
        assert states["fake"].severity is Severity.OK
        assert states["slow"].state == "unknown (timed out)"
        assert states["slow"].severity is Severity.UNKNOWN

        ssh_lab.daemons[0].stop()
        await wait_for(lambda: fleet.model.views["host-1"].status.state
                       is not HostState.UP, 15, "host-1 down")
        for probe in (top_processes(fleet, "host-1"), service_states(fleet, "host-1")):
            with pytest.raises(ProbeError) as caught:
                await probe
            message = str(caught.value)
            assert "host-1" in message and "\n" not in message
        with pytest.raises(ProbeError, match="not in the inventory"):
            await top_processes(fleet, "no-such-host")
    finally:
        await fleet.stop()


async def test_services_without_systemctl_on_a_real_shell() -> None:
    """A host without systemctl (a container, BSD, Alpine): UNKNOWN with the reason;
    custom commands still work. Run through the local transport's real /bin/sh."""
    fleet = Fleet(Inventory.local_only())
    services: dict[str, str | None] = {"nginx": None, "ok": "exit 0", "bad": "false"}
    nonce = "feedface"
    command = services_command(services, nonce)
    result = await fleet.run("localhost", f"PATH=/nonexistent; export PATH; {command}", 10)
    states = {s.name: s for s in parse_services(services, result, nonce)}
    assert states["nginx"].state == NO_SYSTEMCTL
    assert states["nginx"].severity is Severity.UNKNOWN
    assert states["ok"].state == "active"
    assert states["bad"].state == "failed (exit 1)"


async def test_local_top_processes_are_this_machines() -> None:
    fleet = Fleet(Inventory.local_only())
    top = await top_processes(fleet, "localhost", n=5)
    assert 0 < len(top.by_cpu) <= 5 and 0 < len(top.by_mem) <= 5
    mine = psutil.Process()
    assert any(p.pid == mine.pid for p in (await top_processes(fleet, "localhost", n=500)
                                           ).by_mem), "the test process itself is listed"
