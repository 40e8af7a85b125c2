"""However the console ends, no tail is left on a host: Ctrl+Q, SIGTERM, SIGHUP.

The real console runs in tmux (a private server per test) against a real sshd host
(and this machine, through the local follower) with `watch: always` sources, so the
followers run from start-up. The console is then ended the three ways an on-call
engineer ends it, and the host's process list is read.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from tests.sshlab import SshLab, loopback_addresses
from tests.test_logs_stream import leftovers


def wait_until(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def tmux(socket: str, *args: str) -> str:
    return subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True,
                          timeout=10).stdout


def add_local_host(inventory: Path, log: Path) -> None:
    """The same inventory, plus this machine with a log followed locally."""
    import yaml

    data = yaml.safe_load(inventory.read_text())
    data["all"]["children"]["lab"]["hosts"]["here"] = {
        "ansible_connection": "local",
        "console_logs": {"local": {"path": str(log), "watch": "always"}}}
    inventory.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.mark.parametrize("how", ["ctrl+q", "SIGTERM", "SIGHUP"])
def test_no_follower_left_however_the_console_ends(
        ssh_lab: SshLab, tmp_path: Path, how: str) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=80))
    remote_log, local_log = tmp_path / "remote.log", tmp_path / "local.log"
    remote_log.write_text("hello\n")
    local_log.write_text("hello\n")
    inventory = ssh_lab.write_inventory(ssh_lab.hosts_of(sshd), extra_vars={
        "console_logs": {"app": {"path": str(remote_log), "watch": "always"}}})
    add_local_host(inventory, local_log)
    socket = f"logs-exit-{os.getpid()}-{how.replace('+', '')}"
    command = (f"exec {shlex.quote(sys.executable)} -m console -i {shlex.quote(str(inventory))}"
               f" --db {shlex.quote(str(tmp_path / 'notes.db'))}")
    tmux(socket, "new-session", "-d", "-s", "t", "-x", "120", "-y", "30", command)
    try:
        pane_pid = int(tmux(socket, "display", "-p", "-t", "t", "#{pane_pid}").strip())
        console = psutil.Process(pane_pid)
        wait_until(lambda: [p for p in leftovers(str(remote_log)) if "tail" in p]
                   and [p for p in leftovers(str(local_log)) if "tail" in p], 30,
                   "both followers' tails running (remote over ssh, local)")
        if how == "ctrl+q":
            tmux(socket, "send-keys", "-t", "t", "C-q")
        elif how == "SIGTERM":
            console.send_signal(signal.SIGTERM)
        else:  # closing the tmux window: the console gets SIGHUP
            tmux(socket, "kill-server")
        wait_until(lambda: not console.is_running()
                   or console.status() == psutil.STATUS_ZOMBIE, 20, "the console to end")
        wait_until(lambda: not leftovers(str(tmp_path)), 15,
                   f"no tail left after {how}: {leftovers(str(tmp_path))}")
    finally:
        tmux(socket, "kill-server")
