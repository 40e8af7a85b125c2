"""A fleet of hundreds of fake Linux hosts in ONE process, for scale benchmarks.

    python -m bench.simulator --hosts 500 --base-port 30000 --addresses 16 \
        --workdir /tmp/fleet-sim            # then run the command it prints

Why an in-process asyncssh server and not 500 sshd daemons: a 2-core machine cannot
fork 500 shell loops every 2 s and still leave room for the console being measured.
Real OpenSSH stays the proof that SSH works (tests/sshlab.py, the real50 scenario);
this is only for load. Every simulated host is its own (address, port) endpoint, so
the console opens one real SSH connection per host exactly as in production.

What a simulated host answers, on the console's own protocol
(console/transport/sampler_script.py, parsed by console/metrics/frame.py):
- the sampler command: `@@opsconsole-pid`, then a frame every interval (parsed from
  the command's `S=` value) with CHANGING figures, in the records the sampler's awk
  prints: CPU counters driven by a random-walk utilisation (some hosts hot), drifting
  memory, loadavg, advancing net and disk counters, df/df -i rows with a few mounts (a
  mount point with a space on some hosts) on every `D=`-th frame as the real loop does
  (`s` on the others), uptime, process count;
- `kill -TERM -<pid> ...`: ends that sampler session, exit 0;
- the top-processes command: plausible `ps` output; `systemctl is-active X`: active;
- anything else: exit 127, as a shell without that command;
- keepalive@openssh.com global requests: asyncssh replies with failure, as OpenSSH.

Cheap by design (it shares the machine with the
console under test): every text that does not change is rendered once per host; a
frame is a join of those pieces and a handful of %-formatted lines.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import itertools
import math
import os
import pwd
import random
import re
import signal
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh
import yaml

HZ = 100  # USER_HZ: /proc/stat counts in 1/100 s
GROUPS = ("web", "api", "db", "cache", "queue", "batch", "lb", "search")
_INTERVAL = re.compile(r"\bS=([0-9]+(?:\.[0-9]+)?);")
_DF_EVERY = re.compile(r"\bD=([0-9]+);")
_KILL_PIDS = re.compile(r"-?(\d+)")


def endpoint_addresses(count: int, first: str) -> list[str]:
    """`count` consecutive loopback addresses from `first`; refuses anything else."""
    base = int(ipaddress.ip_address(first))
    addresses = [str(ipaddress.ip_address(base + i)) for i in range(count)]
    loopback = ipaddress.ip_network("127.0.0.0/8")
    for address in addresses:
        if ipaddress.ip_address(address) not in loopback:
            raise ValueError(f"simulator addresses must be in 127.0.0.0/8, got {address}")
    return addresses


# -- one host's changing state ---------------------------------------------------------
@dataclass
class Mount:
    device: str
    point: str
    fstype: str
    size_kb: int
    used_kb: float
    inodes: int
    iused: float
    growth_kb: float  # per frame


@dataclass
class SimHost:
    """The /proc world of one fake host. `tick(dt)` advances it by dt seconds."""

    name: str
    group: str
    rng: random.Random
    ncpu: int = 4
    util: float = 0.2
    util_mean: float = 0.2
    mem_total_kb: int = 8 * 1024 * 1024
    mem_used: float = 0.4
    mem_mean: float = 0.4
    swap_total_kb: int = 0
    swap_used_kb: float = 0.0
    cpu: list[int] = field(default_factory=lambda: [0] * 8)  # user..steal totals
    load: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    uptime: float = 0.0
    procs: int = 150
    forks: int = 0
    # per interface: rx bytes, rx packets, rx errs, rx drop, tx bytes, tx packets
    nics: list[list[int]] = field(default_factory=list)
    nic_rates: list[float] = field(default_factory=list)
    nic_names: list[str] = field(default_factory=list)
    # reads, sectors read, writes, sectors written, io ticks, queue time
    disk: list[int] = field(default_factory=lambda: [0] * 6)
    disk_name: str = "sda"
    mounts: list[Mount] = field(default_factory=list)
    static: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def make(cls, name: str, group: str, seed: int) -> SimHost:
        rng = random.Random(seed)
        hot = rng.random() < 0.08
        h = cls(name=name, group=group, rng=rng)
        h.ncpu = rng.choice((2, 2, 4, 4, 4, 8, 8, 16))
        h.util_mean = rng.uniform(0.85, 0.97) if hot else rng.betavariate(1.5, 6)
        h.util = h.util_mean
        h.mem_total_kb = rng.choice((2, 4, 8, 16, 32, 64)) * 1024 * 1024 - rng.randrange(200_000)
        h.mem_mean = rng.uniform(0.86, 0.96) if rng.random() < 0.06 else rng.uniform(0.2, 0.7)
        h.mem_used = h.mem_mean
        if rng.random() < 0.6:
            h.swap_total_kb = rng.choice((1, 2, 4)) * 1024 * 1024
            h.swap_used_kb = h.swap_total_kb * rng.uniform(0, 0.3)
        h.uptime = rng.uniform(3_600, 200 * 86_400)
        base = int(h.uptime * HZ * h.ncpu)
        h.cpu = [int(base * f) for f in (0.12, 0.001, 0.04, 0.82, 0.01, 0.0, 0.004, 0.0)]
        h.load = [h.util * h.ncpu] * 3
        h.procs = rng.randrange(90, 600)
        h.forks = int(h.uptime * 3)
        h.nic_names = ["lo", "eth0"] + (["eth1"] if rng.random() < 0.3 else [])
        h.nic_rates = [rng.uniform(1e3, 5e4), rng.lognormvariate(11, 1.5),
                       rng.uniform(1e3, 1e6)][:len(h.nic_names)]
        h.nics = [[int(h.uptime * r), int(h.uptime * r / 900), 0, 0,
                   int(h.uptime * r * 0.6), int(h.uptime * r / 1200)] for r in h.nic_rates]
        h.disk_name = rng.choice(("sda", "vda", "nvme0n1"))
        h.disk = [int(h.uptime * 5), int(h.uptime * 200), int(h.uptime * 12),
                  int(h.uptime * 600), int(h.uptime * 40), int(h.uptime * 60)]
        h.mounts = _mounts_for(h, rng)
        h.static = _static_texts(h)
        return h

    def tick(self, dt: float) -> None:
        rng = self.rng
        # CPU: mean-reverting random walk, clamped to [0.01, 0.995].
        self.util += 0.15 * (self.util_mean - self.util) + rng.gauss(0, 0.06)
        self.util = min(0.995, max(0.01, self.util))
        jiffies = dt * HZ * self.ncpu
        busy = jiffies * self.util
        iowait = busy * 0.05
        steal = busy * 0.01 if self.ncpu >= 8 else 0.0
        user, system = (busy - iowait - steal) * 0.72, (busy - iowait - steal) * 0.25
        soft = busy - iowait - steal - user - system
        for i, add in enumerate((user, 0.0, system, jiffies - busy, iowait, 0.0, soft, steal)):
            self.cpu[i] += int(add)
        decay = [math.exp(-dt / s) for s in (60.0, 300.0, 900.0)]
        runnable = self.util * self.ncpu * rng.uniform(0.9, 1.15)
        self.load = [la * d + runnable * (1 - d) for la, d in zip(self.load, decay, strict=True)]
        self.uptime += dt
        self.procs = max(40, self.procs + rng.randrange(-3, 4))
        self.forks += rng.randrange(0, 20)
        # Memory drifts around its mean; swap follows memory pressure a little.
        self.mem_used += 0.1 * (self.mem_mean - self.mem_used) + rng.gauss(0, 0.01)
        self.mem_used = min(0.99, max(0.05, self.mem_used))
        if self.swap_total_kb:
            pressure = max(0.0, self.mem_used - 0.8) * self.swap_total_kb * 0.05
            self.swap_used_kb = min(self.swap_total_kb, self.swap_used_kb + pressure)
        for nic, rate in zip(self.nics, self.nic_rates, strict=True):
            rx = rate * dt * rng.uniform(0.5, 1.6)
            nic[0] += int(rx)
            nic[1] += int(rx / 900) + 1
            nic[4] += int(rx * rng.uniform(0.3, 1.2))
            nic[5] += int(rx / 1200) + 1
            if rng.random() < 0.002:
                nic[2] += rng.randrange(1, 20)  # an occasional error burst
        reads, writes = rng.uniform(0, 40) * dt, rng.uniform(5, 120) * dt * (0.5 + self.util)
        self.disk[0] += int(reads)
        self.disk[1] += int(reads * 64)
        self.disk[2] += int(writes)
        self.disk[3] += int(writes * 48)
        self.disk[4] += int(min(1000 * dt, (reads + writes) * 2.5))
        self.disk[5] += int((reads + writes) * 4)
        for m in self.mounts:
            m.used_kb += m.growth_kb * rng.uniform(0, 2)
            if m.used_kb > m.size_kb * 0.985:
                m.used_kb = m.size_kb * 0.6  # logs rotated, a cleanup ran
            m.iused += m.growth_kb / 64

    def frame(self, seq: int, with_df: bool = True) -> str:
        """One sampler frame, byte for byte what the shell loop prints: with df's
        records, or with `s` on the frames where the loop skips df."""
        s = self.static
        c = self.cpu
        total = self.mem_total_kb
        avail = int(total * (1 - self.mem_used))
        la = self.load
        d = self.disk
        parts = [f"@@opsconsole-frame {seq}\n"]
        for name, v in zip(self.nic_names, self.nics, strict=True):
            parts.append(f"n {name} {v[0]} {v[1]} {v[2]} {v[3]} {v[4]} {v[5]} 0 0\n")
        parts += [
            f"d  {self.disk_name} {d[0]} 0 {d[1]} {d[0] // 2} {d[2]} 0 {d[3]} {d[2]} 0 "
            f"{d[4]} {d[5]} 0 0 0 0 0 0\n",
            f"c {c[0]} {c[1]} {c[2]} {c[3]} {c[4]} 0 {c[6]} {c[7]} 0 0\n",
            f"k {s['cpu_lines']} {self.ncpu} {self.procs}\n",
            f"m {total} {int(avail * 0.3)} {avail} {int(avail * 0.05)} {int(avail * 0.55)} "
            f"{self.swap_total_kb} {int(self.swap_total_kb - self.swap_used_kb)}\n",
            f"l {la[0]:.2f} {la[1]:.2f} {la[2]:.2f} {max(1, round(la[0]))}/"
            f"{self.procs + 40} {self.forks % 4_000_000}\n",
            f"u {self.uptime:.2f}\n",
        ]
        if with_df:
            parts.append("b 1024\n")
            for m, tail in zip(self.mounts, s["fs_tails"], strict=True):
                used = int(m.used_kb)
                parts.append(f"f {m.size_kb} {used} {m.size_kb - used} {m.inodes} "
                             f"{int(m.iused)} {tail}")
            parts.append(s["mount_count"])
        else:
            parts.append("s\n")
        parts.append(f"@@end {seq}\n")
        return "".join(parts)

    def top_processes(self, n: int) -> str:
        rng = self.rng
        names = ("nginx", "postgres", "java", "python3", "node", "redis-server", "sshd",
                 "systemd", "rsyslogd", "cron", "dockerd", "containerd", "kworker/0:1")
        procs = [(1000 + i * 37, rng.choice(("root", "www-data", "postgres", "app")),
                  round(rng.uniform(0, 100 * self.util), 1), round(rng.uniform(0, 12), 1),
                  rng.randrange(2_000, 2_000_000), names[i % len(names)]) for i in range(25)]
        head = "    PID USER     %CPU %MEM   RSS COMMAND\n"

        def rows(ps: Iterable[tuple[Any, ...]]) -> str:
            return "".join(f"{p[0]:>7} {p[1]:<8} {p[2]:>4} {p[3]:>4} {p[4]:>5} {p[5]}\n"
                           for p in ps)
        by_cpu = sorted(procs, key=lambda p: -p[2])[:n]
        by_mem = sorted(procs, key=lambda p: -p[4])[:n]
        return f"{head}{rows(by_cpu)}@@bymem\n{head}{rows(by_mem)}"


def _mounts_for(h: SimHost, rng: random.Random) -> list[Mount]:
    root_dev = {"sda": "/dev/sda1", "vda": "/dev/vda1", "nvme0n1": "/dev/nvme0n1p1"}[h.disk_name]
    full = rng.random() < 0.07  # a few hosts near full: warn and crit cells
    specs = [(root_dev, "/", "ext4", rng.choice((20, 40, 80, 160)) * 1024 * 1024,
              rng.uniform(0.86, 0.95) if full else rng.uniform(0.15, 0.7)),
             ("/dev/sdb1", "/var/lib/data", "xfs", rng.choice((200, 500, 1000)) * 1024 * 1024,
              rng.uniform(0.1, 0.8)),
             ("tmpfs", "/run", "tmpfs", 800_000, 0.01),
             ("tmpfs", "/dev/shm", "tmpfs", 4_000_000, 0.0)]
    if rng.random() < 0.25:
        specs.append(("/dev/sdc1", "/mnt/shared data", "ext4", 100 * 1024 * 1024,
                      rng.uniform(0.2, 0.9)))
    mounts = []
    for dev, point, fstype, size, used in specs:
        inodes = size // 16
        mounts.append(Mount(dev, point, fstype, size, size * used, inodes,
                            inodes * used * 0.3, rng.uniform(0, 400) if point == "/" else 20))
    return mounts


def _static_texts(h: SimHost) -> dict[str, Any]:
    """Everything in a frame that does not change between frames of this host."""
    pseudo_mounts = 4  # proc, sysfs, devpts, cgroup2: in the mount table, not in df
    return {
        "cpu_lines": str(h.ncpu),
        "fs_tails": [f"{m.fstype}\t{m.device}\t{m.point}\n" for m in h.mounts],
        "mount_count": f"M {pseudo_mounts + len(h.mounts)}\n",
    }


# -- the SSH side -------------------------------------------------------------------------
def _send_like_openssh() -> None:
    """asyncssh puts an SSH_MSG_IGNORE in front of every packet it sends once
    encrypted; OpenSSH does not. Left in, every simulated frame would reach the console
    as two packets to decrypt and dispatch instead of one, and the 500-host figure
    would measure a cost real hosts never impose."""
    from asyncssh.connection import SSHConnection
    from asyncssh.constants import MSG_IGNORE

    send = SSHConnection.send_packet

    def send_packet(self: SSHConnection, pkttype: int, *args: bytes,
                    handler: Any = None) -> None:
        if pkttype == MSG_IGNORE and args == (b"\0\0\0\0",):  # String(b""): the padding
            return
        send(self, pkttype, *args, handler=handler)

    SSHConnection.send_packet = send_packet  # type: ignore[method-assign]


class _Server(asyncssh.SSHServer):
    """Public-key auth only, against the authorized keys given to the simulator."""

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return False


class FleetSimulator:
    """`hosts` fake hosts: host i listens on address i % addresses, port base_port + i //
    addresses (base_port 0: every endpoint gets a free port from the kernel)."""

    def __init__(self, hosts: int, *, base_port: int = 30000, addresses: int = 16,
                 first_address: str = "127.0.2.1",
                 client_keys: Iterable[asyncssh.SSHKey] = (), seed: int = 1) -> None:
        if hosts < 1:
            raise ValueError("hosts must be at least 1")
        self.host_key = asyncssh.generate_private_key("ssh-ed25519", comment="fleet-sim")
        self.client_keys = list(client_keys)
        self.addresses = endpoint_addresses(min(addresses, hosts), first_address)
        self.base_port = base_port
        self.hosts: list[SimHost] = [
            SimHost.make(f"sim-{i + 1:03d}", GROUPS[i % len(GROUPS)], seed * 100_003 + i)
            for i in range(hosts)]
        self.endpoints: dict[str, tuple[str, int]] = {}
        self._acceptors: list[asyncssh.SSHAcceptor] = []
        self._sessions: dict[int, asyncio.Task[None]] = {}
        self._pids = itertools.count(40_000)
        self.frames_sent = 0
        self.sessions_started = 0

    @property
    def live_sessions(self) -> int:
        return len(self._sessions)

    async def start(self) -> None:
        authorized = asyncssh.import_authorized_keys(
            "".join(k.export_public_key("openssh").decode() for k in self.client_keys))
        n = len(self.addresses)
        try:
            for i, host in enumerate(self.hosts):
                address = self.addresses[i % n]
                port = self.base_port + i // n if self.base_port else 0
                acceptor = await asyncssh.listen(
                    address, port, server_factory=_Server,
                    server_host_keys=[self.host_key], authorized_client_keys=authorized,
                    process_factory=lambda p, h=host: self._session(h, p),
                    encoding="utf-8", allow_scp=False, agent_forwarding=False,
                    x11_forwarding=False, reuse_address=True, backlog=512)
                self._acceptors.append(acceptor)
                self.endpoints[host.name] = (address, acceptor.get_port())
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        for task in list(self._sessions.values()):
            task.cancel()
        for acceptor in self._acceptors:
            acceptor.close()
        for acceptor in self._acceptors:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(acceptor.wait_closed(), 5)
        self._acceptors.clear()

    # -- files for the client side --------------------------------------------------
    def known_hosts_lines(self) -> list[str]:
        key = " ".join(self.host_key.export_public_key("openssh").decode().split()[:2])
        return [f"[{a}]:{p} {key}\n" for a, p in self.endpoints.values()]

    def inventory(self, user: str, key_file: str | Path, interval: float = 2.0) -> dict[str, Any]:
        """Ansible YAML inventory (as a dict): one group per role, like a real fleet."""
        children: dict[str, Any] = {}
        for host in self.hosts:
            address, port = self.endpoints[host.name]
            group = children.setdefault(host.group, {"hosts": {}})
            group["hosts"][host.name] = {"ansible_host": address, "ansible_port": port}
        return {"all": {"vars": {"console_interval": interval, "ansible_user": user,
                                 "ansible_ssh_private_key_file": str(key_file)},
                        "children": children}}

    # -- sessions -----------------------------------------------------------------------
    async def _session(self, host: SimHost, process: asyncssh.SSHServerProcess[str]) -> None:
        command = process.command or ""
        try:
            if "@@opsconsole-frame" in command:
                await self._sampler(host, process, command)
            elif command.lstrip().startswith("kill "):
                self._kill(command)
                process.exit(0)
            elif "--sort=-pcpu" in command:
                n = int(m.group(1)) if (m := re.search(r"head -n (\d+)", command)) else 11
                process.stdout.write(host.top_processes(max(1, n - 1)))
                process.exit(0)
            elif command.startswith("systemctl is-active"):
                process.stdout.write("active\n")
                process.exit(0)
            else:
                word = command.split()[0] if command.split() else "sh"
                process.stderr.write(f"sh: 1: {word}: not found\n")
                process.exit(127)
        except (asyncssh.Error, OSError, asyncio.CancelledError):
            with contextlib.suppress(Exception):
                process.close()

    def _kill(self, command: str) -> None:
        first = command.split("||")[0]
        for token in first.split()[2:]:
            if (m := _KILL_PIDS.fullmatch(token)) and (task := self._sessions.get(int(m[1]))):
                task.cancel()

    async def _sampler(self, host: SimHost, process: asyncssh.SSHServerProcess[str],
                       command: str) -> None:
        m = _INTERVAL.search(command)
        interval = float(m.group(1)) if m else 2.0
        m = _DF_EVERY.search(command)
        df_every = int(m.group(1)) if m else 1
        pid = next(self._pids)
        task = asyncio.current_task()
        assert task is not None
        self._sessions[pid] = task
        self.sessions_started += 1
        loop = asyncio.get_running_loop()
        try:
            process.stdout.write(f"@@opsconsole-pid {pid}\n")
            seq = 0
            last = loop.time()
            while not process.is_closing():
                seq += 1
                now = loop.time()
                host.tick(now - last if seq > 1 else interval)
                last = now
                process.stdout.write(host.frame(seq, with_df=(seq - 1) % df_every == 0))
                self.frames_sent += 1
                await process.stdout.drain()
                await asyncio.sleep(max(0.0, interval - (loop.time() - now)))
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                process.exit_with_signal("TERM")
        finally:
            self._sessions.pop(pid, None)


# -- command line ----------------------------------------------------------------------
def _write_private(path: Path, key: asyncssh.SSHKey) -> None:
    path.write_bytes(key.export_private_key("openssh"))
    path.chmod(0o600)


def prepare_client(workdir: Path, client_key: Path | None) -> tuple[asyncssh.SSHKey, Path, Path]:
    """(client key, its private key file, HOME for the console) under workdir."""
    home = workdir / "home"
    ssh_dir = home / ".ssh"
    ssh_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if client_key is not None:
        return asyncssh.read_private_key(str(client_key)), client_key, home
    key_path = ssh_dir / "id_ed25519"
    if key_path.exists():
        key = asyncssh.read_private_key(str(key_path))
    else:
        key = asyncssh.generate_private_key("ssh-ed25519", comment="fleet-sim-client")
        _write_private(key_path, key)
    (ssh_dir / "config").touch()
    return key, key_path, home


async def serve(args: argparse.Namespace, on_ready: Callable[[FleetSimulator], None]) -> None:
    _send_like_openssh()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    key, key_path, home = prepare_client(workdir, Path(args.client_key) if args.client_key
                                         else None)
    sim = FleetSimulator(args.hosts, base_port=args.base_port, addresses=args.addresses,
                         first_address=args.first_address, client_keys=[key], seed=args.seed)
    await sim.start()
    known_hosts = Path(args.known_hosts) if args.known_hosts else home / ".ssh" / "known_hosts"
    with known_hosts.open("a") as out:
        out.writelines(sim.known_hosts_lines())
    inventory = Path(args.inventory) if args.inventory else workdir / "inventory.yaml"
    user = args.user or pwd.getpwuid(os.getuid()).pw_name
    inventory.write_text(yaml.safe_dump(sim.inventory(user, key_path, args.interval),
                                        sort_keys=False))
    on_ready(sim)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await sim.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.simulator", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--base-port", type=int, default=30000)
    parser.add_argument("--addresses", type=int, default=16)
    parser.add_argument("--first-address", default="127.0.2.1")
    parser.add_argument("--interval", type=float, default=2.0, help="console_interval")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", default="/tmp/opsconsole-fleet-sim")
    parser.add_argument("--client-key", help="private key the console logs in with "
                        "(default: generate WORKDIR/home/.ssh/id_ed25519)")
    parser.add_argument("--known-hosts", help="known_hosts to append the endpoints to "
                        "(default: WORKDIR/home/.ssh/known_hosts)")
    parser.add_argument("--inventory", help="where to write the inventory "
                        "(default: WORKDIR/inventory.yaml)")
    parser.add_argument("--user", help="ansible_user in the inventory (default: you)")
    args = parser.parse_args(argv)

    def ready(sim: FleetSimulator) -> None:
        inv = Path(args.inventory) if args.inventory else Path(args.workdir) / "inventory.yaml"
        home = Path(args.workdir) / "home"
        print(f"READY {len(sim.endpoints)} hosts; run: HOME={home} opsconsole -i {inv}",
              flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args, ready))
    return 0


if __name__ == "__main__":
    sys.exit(main())
