"""Hosts that misbehave, on real OpenSSH daemons: one that floods its sampler channel,
accounts whose shell exits at once, a login shell that prints around every command, a
key file that does not exist, a server that does not speak SSH.

A `Match LocalAddress` block with a `ForceCommand` makes one address of a daemon such
a host, beside healthy ones on the same daemon."""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from console.events import HostState, HostStateChanged
from console.fleet import host_probe
from console.fleet.events import SampleArrived
from console.fleet.fleet import Fleet
from console.format import DASH
from console.inventory import load_inventory
from console.transport import ssh as ssh_transport
from console.transport.sampler_script import top_processes_command
from tests.sshlab import SshLab, loopback_addresses
from tests.waiting import eventually

pytestmark = pytest.mark.sshd

FRAME = Path(__file__).parent / "data" / "proc" / "frame_this_machine.txt"
NOLOGIN = "This account is currently not available."


def state(fleet: Fleet, host: str) -> HostState:
    return fleet.model.views[host].status.state


def forced(address: str, command: str) -> str:
    return f"Match LocalAddress {address}\n    ForceCommand {command}\n"


def flood_script(root: Path) -> Path:
    """What a flooding host runs instead of the sampler: real frames, endlessly, as
    fast as the channel takes them (`yes` repeats its argument with no fork per line)."""
    script = root / "flood.sh"
    script.write_text(f'exec yes "$(cat {FRAME})"\n')
    return script


async def test_a_flooding_host_is_cut_off_and_the_healthy_ones_never_go_stale(
        ssh_lab: SshLab) -> None:
    addrs = loopback_addresses(3, first=60)
    flood = flood_script(ssh_lab.root)
    sshd = ssh_lab.start_daemon(addrs, extra_config=forced(addrs[2], f"/bin/sh {flood}"))
    hosts = ssh_lab.hosts_of(sshd)  # host-3 floods
    inventory = load_inventory(ssh_lab.write_inventory(hosts, interval=1.0))
    fleet = Fleet(inventory)
    healthy_states: list[HostState] = []
    samples: dict[str, list[float]] = {"host-1": [], "host-2": []}

    def watch(event: object) -> None:
        if isinstance(event, HostStateChanged) and event.host in samples:
            healthy_states.append(event.new.state)
        elif isinstance(event, SampleArrived) and event.host in samples:
            samples[event.host].append(time.monotonic())

    fleet.bus.subscribe((HostStateChanged, SampleArrived), watch)
    fleet.start()
    try:
        await eventually(lambda: state(fleet, "host-3") is HostState.FLOODING, 20,
                         "the flooding host cut off", evidence=ssh_lab.log_tails)
        status = fleet.model.views["host-3"].status
        assert status.reason.startswith("sent "), status.reason
        assert "over the" in status.reason and "budget" in status.reason, status.reason
        assert status.retry_at is not None and status.retry_at - time.time() > 10
        await eventually(lambda: all(state(fleet, h) is HostState.UP for h in samples),
                         15, "healthy hosts up", evidence=ssh_lab.log_tails)
        watch_from = time.monotonic()
        await asyncio.sleep(6)
        assert HostState.STALE not in healthy_states, healthy_states
        for host, times in samples.items():
            recent = [t for t in times if t >= watch_from - 2]
            gaps = [b - a for a, b in itertools.pairwise(recent)]
            assert len(recent) >= 4 and max(gaps) < 2.0, (host, gaps)
        # Still cut off (no reconnect storm), and the console's table says why.
        assert state(fleet, "host-3") is HostState.FLOODING
    finally:
        await fleet.stop()
    # The flood ended with the channel: nothing keeps running on the host.
    await eventually(lambda: not [p for d in ssh_lab.daemons for p in d.descendants()
                                  if p.name() == "yes"], 10, "the flood process gone")


async def test_an_account_without_a_shell_needs_the_user_and_is_not_retried(
        ssh_lab: SshLab) -> None:
    addrs = loopback_addresses(2, first=70)
    sshd = ssh_lab.start_daemon(addrs, extra_config=forced(addrs[1], "/usr/sbin/nologin"))
    hosts = ssh_lab.hosts_of(sshd)
    fleet = Fleet(load_inventory(ssh_lab.write_inventory(hosts, interval=0.5)))
    fleet.start()
    try:
        await eventually(lambda: state(fleet, "host-2") is HostState.SHELL_EXITED, 15,
                         "host-2 shell exited", evidence=ssh_lab.log_tails)
        status = fleet.model.views["host-2"].status
        assert status.reason == f"logged in, but the shell exited 1: {NOLOGIN}"
        await eventually(lambda: state(fleet, "host-1") is HostState.UP, 15, "host-1 up")
        await asyncio.sleep(3)
        logins = sshd.log_tail(400).count(f"Accepted publickey for {ssh_lab.user} from")
        assert logins == 2, sshd.log_tail(60)  # one per host: no re-login loop
        assert state(fleet, "host-2") is HostState.SHELL_EXITED
    finally:
        await fleet.stop()


async def test_commands_ignore_what_the_login_shell_prints_around_them(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    """A login shell that greets on stdout and stderr before every command and says
    goodbye after it (as a chatty .bashrc, fish or tcsh setup does)."""
    addrs = loopback_addresses(1, first=80)
    chatty = tmp_path / "chatty.sh"
    chatty.write_text('echo "fish banner: welcome"; echo "tcsh: no tty" >&2\n'
                      'eval "$SSH_ORIGINAL_COMMAND"; R=$?\necho "bye from bashrc"\n'
                      'exit $R\n')
    sshd = ssh_lab.start_daemon(addrs, extra_config=forced(addrs[0], f"/bin/sh {chatty}"))
    # A process whose name holds a carriage return, on the host.
    odd = tmp_path / "odd\rname"
    odd.symlink_to("/bin/sleep")
    sleeper = subprocess.Popen([str(odd), "60"])
    fleet = Fleet(load_inventory(ssh_lab.write_inventory(ssh_lab.hosts_of(sshd))))
    fleet.start()
    try:
        await eventually(lambda: state(fleet, "host-1") is HostState.UP, 15, "host up",
                         evidence=ssh_lab.log_tails)
        result = await fleet.run("host-1", "echo out; echo err >&2; printf 'no newline'; "
                                           "exit 3")
        assert result.stdout == "out\nno newline"
        assert result.stderr == "err\n"
        assert result.exit_status == 3
        comment = await fleet.run("host-1", "echo before # a trailing comment")
        assert (comment.stdout, comment.exit_status) == ("before\n", 0)
        top = await host_probe.top_processes(fleet, "host-1", n=500)
        assert any(p.pid == sleeper.pid for p in top.by_cpu), top.skipped
        raw = await fleet.run("host-1", top_processes_command(5))
        assert "banner" not in raw.stdout and "bye" not in raw.stdout
    finally:
        sleeper.kill()
        sleeper.wait()
        await fleet.stop()


async def test_a_missing_key_file_is_named_and_never_tried(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    addrs = loopback_addresses(1, first=90)
    sshd = ssh_lab.start_daemon(addrs)
    path = ssh_lab.write_inventory(ssh_lab.hosts_of(sshd))
    data = yaml.safe_load(path.read_text())
    missing = str(tmp_path / "keys" / "id_typo")
    data["all"]["children"]["lab"]["hosts"]["host-1"]["ansible_ssh_private_key_file"] = missing
    path.write_text(yaml.safe_dump(data))

    check = subprocess.run([sys.executable, "-m", "console", "check", "-i", str(path)],
                           capture_output=True, text=True, timeout=60,
                           env={**os.environ})
    assert check.returncode == 0, check.stderr
    assert f"warning: host-1: key file {missing} does not exist" in check.stdout + check.stderr

    fleet = Fleet(load_inventory(path))
    fleet.start()
    try:
        await eventually(lambda: state(fleet, "host-1") is HostState.AUTH_FAILED, 10,
                         "auth failed")
        reason = fleet.model.views["host-1"].status.reason
        assert reason == f"key file {missing} does not exist (ansible_ssh_private_key_file)"
        await asyncio.sleep(2)
        log = sshd.log_tail(200)
        # Never tried: the only connections are the lab's own "is it listening?" ones,
        # which close before the SSH exchange.
        assert log.count("Connection from") == log.count("kex_exchange_identification"), log
    finally:
        await fleet.stop()


async def test_a_server_that_answers_garbage_is_not_an_ssh_server(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(ssh_transport, "CONNECT_TIMEOUT_S", 2.0)
    monkeypatch.setattr(ssh_transport, "LOGIN_TIMEOUT_S", 2.0)

    async def http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n")
        await writer.drain()
        await reader.read()  # stays open, as a server waiting for a request does
        writer.close()

    server = await asyncio.start_server(http, "127.0.0.95", 0)
    port = server.sockets[0].getsockname()[1]
    inventory = tmp_path / "inv.yaml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {"web": {
        "ansible_host": "127.0.0.95", "ansible_port": port}}}}))
    fleet = Fleet(load_inventory(inventory))
    fleet.start()
    try:
        async with server:
            await eventually(lambda: fleet.model.views["web"].status.reason.startswith(
                "not an SSH server"), 20, "not an SSH server")
        reason = fleet.model.views["web"].status.reason
        assert reason == "not an SSH server: it answered 'HTTP/1.1 400 Bad Request'"
    finally:
        await fleet.stop()



async def test_the_fleet_table_says_why_each_bad_host_shows_no_figures(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    """The states as a user sees them, in the real app: a flooding host, an account
    without a shell and a missing key file beside a healthy host."""
    from console.app import OpsConsole

    addrs = loopback_addresses(3, first=100)
    flood = flood_script(ssh_lab.root)
    sshd = ssh_lab.start_daemon(addrs, extra_config=(
        forced(addrs[1], f"/bin/sh {flood}") + forced(addrs[2], "/usr/sbin/nologin")))
    path = ssh_lab.write_inventory(
        {"web": (addrs[0], sshd.port), "flooder": (addrs[1], sshd.port),
         "locked": (addrs[2], sshd.port), "typo": (addrs[0], sshd.port)}, interval=1.0)
    data = yaml.safe_load(path.read_text())
    missing = str(tmp_path / "id_typo")
    data["all"]["children"]["lab"]["hosts"]["typo"]["ansible_ssh_private_key_file"] = missing
    path.write_text(yaml.safe_dump(data))
    app = OpsConsole(load_inventory(path), db_path=tmp_path / "notes.db")
    async with app.run_test(size=(200, 40)) as pilot:
        table = app.main_screen.query_one("#fleet")

        def cell(host: str, column: str) -> str:
            return table.cells_of(host).get(column, "")

        await eventually(lambda: cell("flooder", "state") == "FLOODING"
                         and cell("locked", "state") == "no shell"
                         and cell("typo", "state") == "auth failed"
                         and cell("web", "state") == "up", 20, "every state on screen",
                         pilot=pilot, evidence=ssh_lab.log_tails)
        assert cell("flooder", "detail").startswith("sent ")
        assert "budget" in cell("flooder", "detail")
        assert cell("locked", "detail").startswith("logged in, but the shell exited 1")
        assert cell("typo", "detail").startswith(f"key file {missing}")
        assert cell("flooder", "cpu") == cell("locked", "cpu") == DASH


async def test_a_host_flooding_its_stderr_is_cut_off_too(ssh_lab: SshLab) -> None:
    addrs = loopback_addresses(1, first=110)
    script = ssh_lab.root / "err.sh"
    script.write_text("exec yes 'an error, again and again' >&2\n")
    sshd = ssh_lab.start_daemon(addrs, extra_config=forced(addrs[0], f"/bin/sh {script}"))
    fleet = Fleet(load_inventory(ssh_lab.write_inventory(ssh_lab.hosts_of(sshd))))
    fleet.start()
    try:
        await eventually(lambda: state(fleet, "host-1") is HostState.FLOODING, 20,
                         "cut off", evidence=ssh_lab.log_tails)
    finally:
        await fleet.stop()


async def test_a_server_that_rejects_the_ssh_protocol_is_not_an_ssh_server(
        tmp_path: Path) -> None:
    """asyncssh's own protocol errors on the banner (here: "SSH-1.0", a version it does
    not speak) say the same, at once, without waiting for a timeout."""
    async def old(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"SSH-1.0-ancient\r\n")
        await writer.drain()
        await reader.read()
        writer.close()

    server = await asyncio.start_server(old, "127.0.0.96", 0)
    port = server.sockets[0].getsockname()[1]
    inventory = tmp_path / "inv.yaml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {"old": {
        "ansible_host": "127.0.0.96", "ansible_port": port}}}}))
    fleet = Fleet(load_inventory(inventory))
    fleet.start()
    try:
        async with server:
            await eventually(lambda: fleet.model.views["old"].status.reason.startswith(
                "not an SSH server"), 10, "not an SSH server")
    finally:
        await fleet.stop()
    assert fleet.model.views["old"].status.reason == (
        "not an SSH server: Unsupported SSH version")


async def test_a_command_printing_without_end_is_stopped_at_the_output_bound(
        ssh_lab: SshLab) -> None:
    """`yes` on a host: the run returns as soon as MAX_RUN_OUTPUT has come, flagged
    truncated, the console's memory stays bounded, and `yes` is gone from the host.
    A command reading stdin gets EOF instead of hanging until its timeout."""
    from console.transport.base import MAX_RUN_OUTPUT

    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=84))
    fleet = Fleet(load_inventory(ssh_lab.write_inventory(ssh_lab.hosts_of(sshd))))
    fleet.start()
    try:
        await eventually(lambda: state(fleet, "host-1") is HostState.UP, 15, "host up",
                         evidence=ssh_lab.log_tails)
        started = time.monotonic()
        result = await fleet.run("host-1", "yes opsconsole-flood-marker", timeout=60)
        assert time.monotonic() - started < 30, "the bound did not stop the read"
        assert result.truncated and not result.timed_out and result.exit_status is None
        assert len(result.stdout.encode()) <= MAX_RUN_OUTPUT
        assert result.stdout.startswith("opsconsole-flood-marker\n")

        def yes_running() -> bool:
            out = subprocess.run(["pgrep", "-f", "yes opsconsole-flood-marker"],
                                 capture_output=True, text=True).stdout
            return bool(out.strip())
        await eventually(lambda: not yes_running(), 10, "yes killed on the host")

        cat = await fleet.run("host-1", "cat; echo after-eof", timeout=20)
        assert (cat.stdout, cat.exit_status, cat.timed_out) == ("after-eof\n", 0, False)
    finally:
        await fleet.stop()
