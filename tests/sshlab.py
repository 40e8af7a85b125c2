"""A self-contained OpenSSH world for tests: real sshd daemons on loopback, real keys.

Why a real daemon and not an in-process server: the console must survive what OpenSSH
actually does (MaxStartups, MaxSessions, host key checks, authorized_keys re-reads,
connections dropped when a host goes down). Faults are real too: stop a daemon, change
its host key, revoke the client key.

The lab owns a temp HOME (client key, known_hosts, an empty ~/.ssh/config) so the
user's real SSH configuration and agent are never read by code under test.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import os
import pwd
import random
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import asyncssh
import psutil
import pytest
import yaml

SSHD = "/usr/sbin/sshd"  # absolute: sshd refuses to re-exec itself from a relative path
MAX_ADDRESSES_PER_DAEMON = 16  # OpenSSH's MAX_LISTEN_SOCKS
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
# Below the Linux ephemeral range (32768-60999) so outgoing connections never hold our port.
PORT_RANGE = (10000, 32000)


@functools.cache
def _sshd_has_setenv() -> bool:
    """sshd_config's SetEnv came with OpenSSH 8.7 (Debian 12); an older sshd refuses
    to start on an unknown keyword. The client is the same package's version."""
    try:
        out = subprocess.run(["ssh", "-V"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    m = re.search(r"OpenSSH_(\d+)\.(\d+)", out.stderr + out.stdout)
    return m is not None and (int(m.group(1)), int(m.group(2))) >= (8, 7)


def loopback_addresses(count: int, first: int = 2) -> list[str]:
    """`count` distinct 127.x addresses starting at 127.0.0.<first>: Linux routes all of 127/8
    to lo, so each one can stand for a separate host without any network setup."""
    base = int(ipaddress.ip_address("127.0.0.0")) + first
    addresses = [str(ipaddress.ip_address(base + i)) for i in range(count)]
    for address in addresses:
        _check_loopback(address)
    return addresses


def _check_loopback(address: str) -> None:
    if ipaddress.ip_address(address) not in LOOPBACK:
        raise ValueError(f"lab addresses must be in 127.0.0.0/8, got {address}")


def _port_free_on(port: int, addresses: Iterable[str]) -> bool:
    for address in addresses:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((address, port))
            except OSError:
                return False
    return True


def find_free_port(addresses: list[str]) -> int:
    """A port nothing listens on at any of `addresses` (sshd must bind all of them)."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(*PORT_RANGE)
        if _port_free_on(port, addresses):
            return port
    raise RuntimeError(f"no free port on {addresses} in range {PORT_RANGE}")


def _accepts(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=0.5):
            return True
    except OSError:
        return False


def _is_dead(proc: psutil.Process) -> bool:
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.Error:
        return True


def _wait_dead(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait until `procs` are gone and return the ones still alive.

    A zombie counts as dead: orphans are reparented to PID 1, which in a container may
    reap them a second or more later, and psutil.wait_procs would wait for that.
    """
    deadline = time.monotonic() + timeout
    alive = [p for p in procs if not _is_dead(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.01)
        alive = [p for p in alive if not _is_dead(p)]
    return alive


def _write_private(path: Path, data: bytes) -> None:
    """Private keys must be 0600 or OpenSSH ignores them (UNPROTECTED PRIVATE KEY FILE)."""
    path.write_bytes(data)
    path.chmod(0o600)


def _ensure_privsep_dir() -> None:
    """sshd running as root chroots its pre-auth child into /run/sshd, which must exist,
    be owned by root and not be group/world writable."""
    if os.geteuid() != 0:
        return
    privsep = Path("/run/sshd")
    privsep.mkdir(mode=0o755, parents=True, exist_ok=True)
    privsep.chmod(0o755)


class Sshd:
    """One OpenSSH daemon listening on up to 16 loopback addresses on one port.

    Stopping it also ends every connection it serves (their sshd children and the
    sessions under them), as a host going down would: a stopped host that keeps
    answering on an old connection would make "host down" tests prove nothing.
    """

    def __init__(self, lab: SshLab, name: str, addresses: list[str], port: int,
                 extra_config: str = "") -> None:
        self.lab = lab
        self.extra_config = extra_config
        self.name = name
        self.addresses = list(addresses)
        self.port = port
        self.dir = lab.root / name
        self.dir.mkdir(parents=True)
        self.config_path = self.dir / "sshd_config"
        self.host_key_path = self.dir / "ssh_host_ed25519_key"
        self.pid_path = self.dir / "sshd.pid"
        self.log_path = self.dir / "sshd.log"
        self.host_key: asyncssh.SSHKey = self._new_host_key()
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_offset = 0
        self._write_config()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Sshd {self.name} {','.join(self.addresses)}:{self.port} {state}>"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self.running and self._proc else None

    @property
    def host_public_key(self) -> str:
        """`ssh-ed25519 AAAA...` (no comment) as it goes into known_hosts."""
        algorithm, blob = self.host_key.export_public_key("openssh").decode().split()[:2]
        return f"{algorithm} {blob}"

    def endpoints(self) -> list[tuple[str, int]]:
        return [(address, self.port) for address in self.addresses]

    def log_tail(self, lines: int = 40) -> str:
        """The end of the daemon's VERBOSE log: put it in assertion messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return f"(no sshd log at {self.log_path})"
        return "\n".join(text.splitlines()[-lines:])

    def start(self) -> None:
        """Start (or restart) on the same port, addresses and host key; return once it
        accepts TCP connections on every address."""
        if self.running:
            return
        _ensure_privsep_dir()
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            log.write(f"--- lab: starting sshd at {time.strftime('%H:%M:%S')} ---\n".encode())
            log.flush()
            self._proc = subprocess.Popen(
                [SSHD, "-D", "-e", "-f", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # a Ctrl-C in the terminal must not hit the daemon first
            )
        self.lab._track(self._proc.pid)
        self._wait_until_accepting()

    def stop(self) -> None:
        """Stop the daemon and end every connection it serves (SIGTERM, then SIGKILL)."""
        proc = self._proc
        if proc is None:
            return
        victims: list[psutil.Process] = []
        with contextlib.suppress(psutil.Error):
            listener = psutil.Process(proc.pid)
            victims = [listener, *listener.children(recursive=True)]
        for victim in victims:
            self.lab._track(victim.pid)
            with contextlib.suppress(psutil.Error):
                victim.send_signal(signal.SIGTERM)
        alive = _wait_dead(victims, STOP_TIMEOUT)
        for victim in alive:
            with contextlib.suppress(psutil.Error):
                victim.kill()
        _wait_dead(alive, STOP_TIMEOUT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=STOP_TIMEOUT)
        self._proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def regenerate_host_key(self) -> None:
        """A new host key, daemon restarted, known_hosts left alone: clients now see a
        changed host key, as after a reinstall or a man in the middle."""
        self.stop()
        self.host_key = self._new_host_key()
        self.start()

    def descendants(self) -> list[psutil.Process]:
        """The daemon and every process under it (per-connection sshd children, shells)."""
        if not self.running or self._proc is None:
            return []
        try:
            listener = psutil.Process(self._proc.pid)
            return [listener, *listener.children(recursive=True)]
        except psutil.Error:
            return []

    def _new_host_key(self) -> asyncssh.SSHKey:
        key = asyncssh.generate_private_key("ssh-ed25519", comment=f"lab-host-{self.name}")
        _write_private(self.host_key_path, key.export_private_key("openssh"))
        key.write_public_key(str(self.host_key_path) + ".pub")
        return key

    def _write_config(self) -> None:
        listen = "\n".join(f"ListenAddress {address}" for address in self.addresses)
        self.config_path.write_text(
            f"""\
# Generated by tests/sshlab.py
Port {self.port}
AddressFamily inet
{listen}
HostKey {self.host_key_path}
PidFile {self.pid_path}
AuthorizedKeysFile {self.lab.authorized_keys_path}
UsePAM no
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
PermitUserRC no
PermitUserEnvironment no
{self._skip_bashrc()}UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding yes
MaxStartups 100:30:200
MaxSessions 20
LoginGraceTime 30
LogLevel VERBOSE
Subsystem sftp internal-sftp
{self.extra_config}"""
        )

    @staticmethod
    def _skip_bashrc() -> str:
        """The lab's hosts share this machine's users: a Debian bash started by sshd
        sources ~/.bashrc, and a developer's (pyenv, conda, nvm) costs each session
        100+ ms of this machine's CPU, which a real fleet spends on its own hosts.
        SHLVL=1 tells bash it is not a top-level shell, so it skips that file."""
        return "SetEnv SHLVL=1\n" if _sshd_has_setenv() else ""

    def _log_since_start(self) -> str:
        with self.log_path.open("rb") as log:
            log.seek(self._log_offset)
            return log.read().decode(errors="replace")

    def _wait_until_accepting(self) -> None:
        """Ready means sshd said "Server listening" for every address AND a TCP connect
        works: sshd keeps running when only some of its binds fail, and another process
        holding the port would answer the connect on its behalf."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self._proc is not None and self._proc.poll() is not None:
                code = self._proc.returncode
                self._proc = None
                raise RuntimeError(
                    f"sshd {self.name} exited with status {code} at start\n"
                    f"--- {self.log_path} ---\n{self.log_tail()}"
                )
            log = self._log_since_start()
            if "Address already in use" in log or "Cannot bind any address" in log:
                self.stop()
                raise RuntimeError(
                    f"sshd {self.name}: port {self.port} taken (Address already in use)\n"
                    f"--- {self.log_path} ---\n{self.log_tail()}"
                )
            pending = [
                a
                for a in self.addresses
                if f"Server listening on {a} port {self.port}." not in log
                or not _accepts(a, self.port)
            ]
            if not pending:
                return
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"sshd {self.name} not accepting on {pending} port {self.port} "
                    f"after {START_TIMEOUT:.0f}s\n--- {self.log_path} ---\n{self.log_tail()}"
                )
            time.sleep(0.02)


class SshLab:
    """A temp HOME with client keys and known_hosts, plus the sshd daemons started in it."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.user = pwd.getpwuid(os.getuid()).pw_name  # the account sshd will log us into
        self.home = root / "home"
        self.ssh_dir = self.home / ".ssh"
        self.ssh_dir.mkdir(parents=True, mode=0o700)
        self.client_key_path = self.ssh_dir / "id_ed25519"
        self.known_hosts_path = self.ssh_dir / "known_hosts"
        self.ssh_config_path = self.ssh_dir / "config"
        self.authorized_keys_path = root / "authorized_keys"
        self.daemons: list[Sshd] = []
        # pid -> create time of every process the lab started or found under a daemon;
        # the create time keeps a recycled pid from being mistaken for one of ours.
        self._created: dict[int, float] = {}

        self.client_key = asyncssh.generate_private_key("ssh-ed25519", comment="lab-client")
        _write_private(self.client_key_path, self.client_key.export_private_key("openssh"))
        self.client_key.write_public_key(str(self.client_key_path) + ".pub")
        self.known_hosts_path.write_text("")
        self.ssh_config_path.write_text("")  # present and empty: the real ~/.ssh/config is not ours
        self.authorize_client_key()

        monkeypatch.setenv("HOME", str(self.home))
        # A real agent would offer the developer's own keys and make auth tests lie.
        monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
        monkeypatch.delenv("SSH_AGENT_PID", raising=False)

    @property
    def client_public_key(self) -> str:
        return self.client_key.export_public_key("openssh").decode().strip()

    def start_daemon(
        self, addresses: list[str], port: int | None = None, *, trust: bool = True,
        extra_config: str = "",
    ) -> Sshd:
        """A running sshd on `addresses` (127/8, at most 16) at `port` (a free one if None).

        trust=False leaves its host key out of known_hosts, for "host key unknown" tests.
        `extra_config` goes at the end of sshd_config, e.g. a `Match LocalAddress A`
        block with a `ForceCommand`: one address of the daemon then behaves like a host
        whose account has no shell, or whose shell floods.
        """
        if not os.path.exists(SSHD):
            pytest.fail("sshd not installed: run scripts/test, which installs openssh-server")
        if not addresses:
            raise ValueError("start_daemon needs at least one address")
        if len(addresses) > MAX_ADDRESSES_PER_DAEMON:
            raise ValueError(
                f"one sshd listens on at most {MAX_ADDRESSES_PER_DAEMON} addresses, "
                f"got {len(addresses)}: start several daemons"
            )
        if len(set(addresses)) != len(addresses):
            raise ValueError(f"duplicate addresses: {addresses}")
        for address in addresses:
            _check_loopback(address)

        name = f"sshd{len(self.daemons) + 1}"
        attempts = 1 if port is not None else 3
        for attempt in range(attempts):
            chosen = port if port is not None else find_free_port(addresses)
            sshd = Sshd(self, f"{name}-{attempt}" if attempt else name, addresses, chosen,
                        extra_config)
            self.daemons.append(sshd)
            try:
                sshd.start()
                break
            except RuntimeError:
                # Another process can take a free port between our probe and sshd's bind.
                if attempt == attempts - 1 or "Address already in use" not in sshd.log_tail():
                    raise
        assert sshd.running
        if trust:
            self.trust(sshd)
        return sshd

    def trust(self, sshd: Sshd) -> None:
        """Record the daemon's current host key in known_hosts for each of its addresses."""
        self.distrust(sshd)
        lines = [f"[{address}]:{sshd.port} {sshd.host_public_key}" for address in sshd.addresses]
        with self.known_hosts_path.open("a") as known_hosts:
            known_hosts.write("\n".join(lines) + "\n")

    def distrust(self, sshd: Sshd) -> None:
        """Remove the daemon's addresses from known_hosts (its key becomes unknown)."""
        patterns = {f"[{address}]:{sshd.port}" for address in sshd.addresses}
        kept = [
            line
            for line in self.known_hosts_path.read_text().splitlines()
            if line.split(" ", 1)[0] not in patterns
        ]
        self.known_hosts_path.write_text("".join(f"{line}\n" for line in kept))

    def revoke_client_key(self) -> None:
        """Empty the authorized keys file; sshd re-reads it on each connection."""
        self.authorized_keys_path.write_text("")

    def authorize_client_key(self) -> None:
        self.authorized_keys_path.write_text(self.client_public_key + "\n")

    def write_inventory(
        self,
        hosts: Mapping[str, tuple[str, int]],
        extra_vars: Mapping[str, Any] | None = None,
        interval: float = 0.5,
        name: str = "inventory.yaml",
    ) -> Path:
        """An Ansible YAML inventory putting `hosts` (name -> (address, port)) in group `lab`."""
        all_vars: dict[str, Any] = {"console_interval": interval, **(extra_vars or {})}
        inventory = {
            "all": {
                "vars": all_vars,
                "children": {
                    "lab": {
                        "hosts": {
                            host: {
                                "ansible_host": address,
                                "ansible_port": port,
                                "ansible_user": self.user,
                                "ansible_ssh_private_key_file": str(self.client_key_path),
                            }
                            for host, (address, port) in hosts.items()
                        }
                    }
                },
            }
        }
        path = self.root / name
        path.write_text(yaml.safe_dump(inventory, sort_keys=False))
        return path

    def hosts_of(self, *daemons: Sshd, prefix: str = "host") -> dict[str, tuple[str, int]]:
        """name -> (address, port) for every address of `daemons`: input for write_inventory."""
        endpoints = [endpoint for sshd in daemons for endpoint in sshd.endpoints()]
        return {f"{prefix}-{i + 1}": endpoint for i, endpoint in enumerate(endpoints)}

    def log_tails(self, lines: int = 20) -> str:
        """Every daemon's log tail, for assertion messages in multi-host tests."""
        return "\n".join(
            f"--- {d.name} ({d.log_path}) ---\n{d.log_tail(lines)}" for d in self.daemons
        )

    def close(self) -> None:
        """Stop every daemon and kill anything they left behind."""
        for sshd in self.daemons:
            sshd.stop()
        leftovers = self.leftover_processes()
        for proc in leftovers:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        _wait_dead(leftovers, STOP_TIMEOUT)

    def leftover_processes(self) -> list[psutil.Process]:
        """Processes the lab ever started (or found under its daemons) that still run."""
        alive = []
        for pid, created in list(self._created.items()):
            with contextlib.suppress(psutil.Error):
                proc = psutil.Process(pid)
                if proc.create_time() == created and not _is_dead(proc):
                    alive.append(proc)
        return alive

    def _track(self, pid: int) -> None:
        with contextlib.suppress(psutil.Error):
            self._created[pid] = psutil.Process(pid).create_time()
