"""Issue 16 figures: ten checks on each of 50 real sshd hosts at a 60 s interval.

    python -m bench.checks_bench [--duration 120]

Targets: the console's CPU stays within 1 point of one core above its figure without
checks, and each host's sshd sees at most one extra session (beyond the sampler's) at
a time.

How: 50 hosts on real OpenSSH sshd (4 daemons x 13 loopback addresses, tests/sshlab.py,
LogLevel VERBOSE), 2 s sampling. `opsconsole -i INVENTORY` runs twice in a private tmux
server, as a user runs it: first with no checks, then with ten checks per host (six
presets on files the bench prepares, four plugin commands) at `interval: 60`. In each
run the CPU window starts 32 s after all hosts are live (the checks' first runs are
spread over 30 s) and lasts `--duration` s; CPU is the console process's user+system
time over the window.

Sessions are counted from sshd's own log: every `Starting session: ... port P id N` and
`Close session: ... port P id N` line of the run with checks, per connection (client
port); the most sessions open at once on a connection, minus the sampler's, is the
figure. Results go to docs/benchmarks.md (section bench:checks) and
bench/results/checks.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest

from bench.fleet_bench import Tmux, console_command, machine, warm_bytecode, write_section
from tests.sshlab import SshLab, loopback_addresses

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
HOSTS = 50
INTERVAL = 2.0
CHECK_INTERVAL = 60
SPREAD_WAIT_S = 32.0
_START = re.compile(r"Starting session: .* port (\d+) id (\d+)")
_CLOSE = re.compile(r"Close session: .* port (\d+) id (\d+)")


@dataclass
class Figures:
    duration: float
    cpu_without_pct: float | None = None
    cpu_with_pct: float | None = None
    machine_cpu_without_pct: float | None = None
    machine_cpu_with_pct: float | None = None
    max_extra_sessions: int | None = None
    connections: int = 0
    check_sessions: int = 0
    expected_runs: float = 0.0
    notes: list[str] = field(default_factory=list)
    when: str = ""


def prepare_checks(root: Path) -> dict[str, Any]:
    """Ten checks, the files they look at made here (the lab hosts share this disk)."""
    root.mkdir(parents=True, exist_ok=True)
    bin_dir = root / "bin"
    bin_dir.mkdir(exist_ok=True)

    def script(name: str, body: str) -> str:
        path = bin_dir / name
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(0o755)
        return str(path)

    script("apt-get", "echo 'Inst curl [7.88.1-10] (7.88.1-10+deb12u5 Debian:12.5/stable "
                      "[amd64])'\n")
    script("systemctl", "exit 0\n")
    (root / "backups").mkdir(exist_ok=True)
    (root / "backups" / "db-1.dump").write_bytes(b"x" * 4096)
    cert = root / "site.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                    str(root / "site.key"), "-out", str(cert), "-days", "90",
                    "-subj", "/CN=site.example"], check=True, capture_output=True)
    passwd = root / "passwd"
    passwd.write_text("root:x:0:0:root:/root:/bin/bash\nops:x:1000:1000::/home/ops:/bin/sh\n")
    plugin = script("check_disk_demo",
                    'echo "DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968"\n'
                    'echo "/boot 68 MB (69%); | /boot=68MB;88;93;0;98"\n')
    every = {"interval": CHECK_INTERVAL}
    return {
        "clock": {"preset": "clock_skew", **every},
        "units": {"preset": "failed_units", "path": str(bin_dir), **every},
        "updates": {"preset": "pending_updates", "manager": "apt", "path": str(bin_dir),
                    "reboot_file": str(root / "reboot-required"), **every},
        "backup": {"preset": "backup_age", "glob": str(root / "backups" / "db-*.dump"),
                   **every},
        "cert": {"preset": "cert_expiry", "file": str(cert), **every},
        "accounts": {"preset": "accounts", "passwd": str(passwd), **every},
        "disk": {"command": plugin, **every},
        "load": {"command": "awk '{print \"OK - load \" $1 \" | load1=\" $1}' /proc/loadavg",
                 **every},
        "uptime": {"command": "echo \"OK - up $(cut -d. -f1 /proc/uptime) s\"", **every},
        "slow": {"command": "sleep 1; echo 'OK - took a second'", **every},
    }


def measure(inventory: Path, home: Path, duration: float) -> tuple[float, float, str]:
    """(console CPU % of one core, machine CPU %, last screen) over the window."""
    tmux = Tmux()
    env = {"HOME": str(home), "COLORTERM": "truecolor", "LANG": "C.UTF-8",
           "LC_ALL": "C.UTF-8"}
    tmux.start(console_command(inventory), env)
    try:
        proc = psutil.Process(tmux.pane_pid())
        deadline = time.monotonic() + 90
        up = f"▲ {HOSTS} up"
        while up not in tmux.capture():
            if time.monotonic() > deadline:
                raise RuntimeError("hosts not live within 90 s:\n" + tmux.capture())
            time.sleep(0.2)
        time.sleep(SPREAD_WAIT_S)
        psutil.cpu_percent()
        t0 = proc.cpu_times()
        w0 = time.perf_counter()
        time.sleep(duration)
        t1 = proc.cpu_times()
        wall = time.perf_counter() - w0
        machine_pct = psutil.cpu_percent()
        screen = tmux.capture()
        tmux.send("C-q")
        with contextlib.suppress(psutil.Error):
            proc.wait(10)
        return (((t1.user + t1.system) - (t0.user + t0.system)) / wall * 100, machine_pct,
                screen)
    finally:
        tmux.kill()


def sessions(logs: list[tuple[Path, int]]) -> tuple[int, int, int]:
    """(most extra sessions open at once on one connection, connections, check
    sessions) from the sshd logs, read from the given offsets."""
    worst, connections, started = 0, 0, 0
    for path, offset in logs:
        open_by_port: dict[str, set[str]] = {}
        with path.open(errors="replace") as f:
            f.seek(offset)
            for line in f:
                if m := _START.search(line):
                    port, sid = m.groups()
                    if port not in open_by_port:
                        connections += 1
                    else:
                        started += 1
                    now_open = open_by_port.setdefault(port, set())
                    now_open.add(sid)
                    worst = max(worst, len(now_open) - 1)  # the sampler's is not extra
                elif m := _CLOSE.search(line):
                    port, sid = m.groups()
                    open_by_port.get(port, set()).discard(sid)
    return worst, connections, started


def run(duration: float, workdir: Path) -> Figures:
    f = Figures(duration, when=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    mp = pytest.MonkeyPatch()
    lab = SshLab(workdir / "lab", mp)
    try:
        addresses = loopback_addresses(52, first=2)
        daemons = [lab.start_daemon(addresses[i:i + 13]) for i in range(0, 52, 13)]
        hosts = dict(list(lab.hosts_of(*daemons, prefix="real").items())[:HOSTS])
        plain = lab.write_inventory(hosts, interval=INTERVAL, name="plain.yaml")
        checks = prepare_checks(workdir / "checks")
        with_checks = lab.write_inventory(hosts, interval=INTERVAL, name="checks.yaml",
                                          extra_vars={"console_checks": checks})
        f.cpu_without_pct, f.machine_cpu_without_pct, _ = measure(plain, lab.home, duration)
        offsets = [(d.log_path, d.log_path.stat().st_size) for d in daemons]
        started = time.monotonic()
        f.cpu_with_pct, f.machine_cpu_with_pct, screen = measure(with_checks, lab.home,
                                                                 duration)
        elapsed = time.monotonic() - started
        f.max_extra_sessions, f.connections, f.check_sessions = sessions(offsets)
        f.expected_runs = HOSTS * len(checks) * elapsed / CHECK_INTERVAL
        f.notes.append("last screen of the run with checks (top):\n" +
                       "\n".join(screen.splitlines()[:6]))
    finally:
        lab.close()
        mp.undo()
    return f


def section(f: Figures) -> str:
    delta = None if f.cpu_with_pct is None or f.cpu_without_pct is None else \
        f.cpu_with_pct - f.cpu_without_pct
    ok_cpu = delta is not None and delta <= 1.0
    ok_sessions = f.max_extra_sessions is not None and f.max_extra_sessions <= 1
    lines = [
        "## Issue 16: checks",
        "",
        f"`python -m bench.checks_bench --duration {f.duration:g}`, {f.when}, on {machine()}.",
        f"{HOSTS} hosts on real sshd (4 daemons x 13 loopback addresses), sampling every "
        f"{INTERVAL:g} s; ten checks per host (clock_skew, failed_units, pending_updates, "
        "backup_age, cert_expiry, accounts, a Nagios plugin with perfdata, two one-line "
        f"commands, one that sleeps 1 s) every {CHECK_INTERVAL} s. CPU window "
        f"{f.duration:g} s, starting {SPREAD_WAIT_S:g} s after all hosts are live.",
        "",
        "| figure | target | measured | |",
        "|---|---|---|---|",
        f"| console CPU without checks | - | {f.cpu_without_pct:.1f} % of a core | |",
        f"| console CPU with checks | <= without + 1 point | {f.cpu_with_pct:.1f} % "
        f"(+{delta:.1f}) | {'met' if ok_cpu else 'NOT met'} |",
        f"| extra sshd sessions per host at once | <= 1 | {f.max_extra_sessions} | "
        f"{'met' if ok_sessions else 'NOT met'} |",
        "",
        f"Check sessions counted in sshd's logs during the run with checks: "
        f"{f.check_sessions} over {f.connections} connections, for a schedule of "
        f"{f.expected_runs:.0f} check runs in that time (a host's checks due together "
        "share a session; clock_skew has its own). "
        f"Machine-wide CPU during the windows: {f.machine_cpu_without_pct:.0f} % / "
        f"{f.machine_cpu_with_pct:.0f} % (2 cores shared with other engineers' test "
        "runs: the machine is noisy, and a single run's difference of a few tenths is "
        "within that noise).",
        "",
        "Why a host's due checks share a session: the first version opened one session "
        "per check run and this bench measured +1.4 points (1.8 -> 3.3 %, 1500 sessions "
        "in the window, 2026-12-03 20:04 UTC); a session costs the console about 1.5 ms "
        "of CPU (channel open, exec, replies, close), the checks' output far less.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=120.0)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--render", action="store_true",
                        help="only write the section again from bench/results/checks.json")
    args = parser.parse_args(argv)
    if args.render:
        f = Figures(**json.loads((RESULTS / "checks.json").read_text()))
        write_section("checks", section(f))
        return 0
    warm_bytecode()
    with tempfile.TemporaryDirectory(prefix="checks-bench-") as tmp:
        f = run(args.duration, Path(tmp))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "checks.json").write_text(json.dumps(asdict(f), indent=1))
    text = section(f)
    print(text)
    for note in f.notes:
        print(note)
    if not args.no_write:
        write_section("checks", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
