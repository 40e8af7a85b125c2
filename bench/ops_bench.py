"""Issue 12 figures: `opsconsole run` of `uptime` on 50 hosts on real sshd, side by
side in one run with parallel-ssh, clush and `ansible -m command`, and a bare asyncssh
script (the floor). Same hosts, same keys, same known_hosts, 50 at once for every tool;
every tool is a fresh process per run (interpreter start-up included, as a user
types it). Rounds interleave the tools so machine noise spreads over all of them.

    python -m bench.ops_bench [--rounds 5]     # writes docs/benchmarks.md's section

Needs: openssh-server, parallel-ssh (Debian `pssh`), clush (PyPI `ClusterShell`),
ansible (PyPI `ansible-core`): bench-only tools, not dependencies of the console.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.sshlab import SshLab, loopback_addresses  # noqa: E402

HOSTS = 50
FORKS = 50
RESULTS = ROOT / "bench" / "results" / "ops_fanout.json"
DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## Issue 12: fan-out"


def tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        sys.exit(f"ops_bench: {name} not found (install the bench tools: see the docstring)")
    return found


def commands(work: Path, lab: SshLab, hosts: dict[str, tuple[str, int]],
             inventory: Path) -> dict[str, list[str]]:
    names = list(hosts)
    (work / "pssh_hosts").write_text("".join(f"{n}\n" for n in names))
    (work / "bare_hosts").write_text("".join(
        f"{a} {p} {lab.user} {lab.client_key_path}\n" for a, p in hosts.values()))
    # pssh and clush reach the hosts through an ssh config file, as an operator's
    # would; OpenSSH reads the passwd home, not $HOME, so it is passed with -F.
    lab.ssh_config_path.write_text("".join(
        f"Host {n}\n  HostName {a}\n  Port {p}\n  User {lab.user}\n"
        f"  IdentityFile {lab.client_key_path}\n  StrictHostKeyChecking yes\n"
        f"  UserKnownHostsFile {lab.known_hosts_path}\n"
        for n, (a, p) in hosts.items()) + "Host *\n  ControlMaster no\n"
        f"  UserKnownHostsFile {lab.known_hosts_path}\n  StrictHostKeyChecking yes\n")
    config = str(lab.ssh_config_path)
    py = sys.executable
    return {
        "opsconsole run": [py, "-m", "console", "run", "-i", str(inventory), "--db",
                           str(work / "audit.db"), "-f", str(FORKS), "lab", "--", "uptime"],
        "bare asyncssh": [py, str(ROOT / "bench" / "bare_asyncssh.py"),
                          str(work / "bare_hosts"), "uptime"],
        "parallel-ssh": [tool("parallel-ssh"), "-h", str(work / "pssh_hosts"), "-p",
                         str(FORKS), "-t", "60", "-x", f"-F {config}", "-i", "uptime"],
        "clush": [tool("clush"), "-w", ",".join(names), "-b", "-f", str(FORKS), "-o",
                  f"-F {config}", "uptime"],
        "ansible -m command": [tool("ansible"), "-i", str(inventory), "lab", "-m", "command",
                               "-a", "uptime", "-f", str(FORKS), "-o"],
    }


def run_once(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"ops_bench: {argv[0]} failed ({done.returncode}):\n"
                         f"{done.stdout[-1500:]}\n{done.stderr[-1500:]}")
    return took


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--doc-only", action="store_true",
                        help="rewrite the docs section from the last results, run nothing")
    args = parser.parse_args()
    if args.doc_only:
        saved = json.loads(RESULTS.read_text())
        write_doc(saved["median"], saved["seconds"], saved["rounds"])
        return 0
    mp = pytest.MonkeyPatch()
    with tempfile.TemporaryDirectory(prefix="ops-bench-") as tmp:
        work = Path(tmp)
        lab = SshLab(work / "lab", mp)
        try:
            addresses = loopback_addresses(52, first=2)
            daemons = [lab.start_daemon(addresses[i:i + 13]) for i in range(0, 52, 13)]
            hosts = dict(list(lab.hosts_of(*daemons).items())[:HOSTS])
            inventory = lab.write_inventory(hosts, extra_vars={
                "ansible_python_interpreter": "/usr/bin/python3"})
            argvs = commands(work, lab, hosts, inventory)
            env = {**os.environ, "ANSIBLE_SSH_ARGS": f"-F {lab.ssh_config_path}",
                   "ANSIBLE_HOST_KEY_CHECKING": "True", "ANSIBLE_NOCOLOR": "1"}
            times: dict[str, list[float]] = {name: [] for name in argvs}
            for argv in argvs.values():  # warm-up: caches, .pyc, ansible's facts
                run_once(argv, env)
            for round_ in range(args.rounds):
                order = list(argvs)[round_ % len(argvs):] + list(argvs)[:round_ % len(argvs)]
                for name in order:
                    times[name].append(run_once(argvs[name], env))
                print(f"round {round_ + 1}: " + ", ".join(
                    f"{n} {times[n][-1]:.2f}s" for n in argvs), flush=True)
        finally:
            lab.close()
            mp.undo()
    medians = {name: statistics.median(values) for name, values in times.items()}
    RESULTS.write_text(json.dumps({"hosts": HOSTS, "forks": FORKS, "rounds": args.rounds,
                                   "seconds": times, "median": medians}, indent=2) + "\n")
    write_doc(medians, times, args.rounds)
    return 0


def write_doc(medians: dict[str, float], times: dict[str, list[float]], rounds: int) -> None:
    console = medians["opsconsole run"]
    bare = medians["bare asyncssh"]
    rows = ["| tool | median wall time | runs | vs opsconsole run |",
            "|---|---:|---|---:|"]
    for name, median in sorted(medians.items(), key=lambda item: item[1]):
        runs = " ".join(f"{t:.2f}" for t in times[name])
        rows.append(f"| {name} | {median:.2f} s | {runs} | {median / console:.2f}x |")
    others = [m for n, m in medians.items() if n not in ("opsconsole run", "bare asyncssh")]
    # Each round runs the two back to back: the ratio within a round cancels most of
    # the machine's drift between rounds.
    paired = statistics.median(c / b for c, b in zip(times["opsconsole run"],
                                                     times["bare asyncssh"], strict=True))
    fastest = console < min(others)
    text = "\n".join([
        SECTION, "",
        f"`python -m bench.ops_bench --rounds {rounds}`: `uptime` on {HOSTS} hosts on real "
        f"OpenSSH sshd (4 daemons x 13 loopback addresses, tests/sshlab.py), {FORKS} at "
        "once for every tool, each a fresh process per run (start-up included), same "
        "keys and known_hosts. parallel-ssh and clush reach the hosts through an ssh config "
        "file (`-F`: OpenSSH reads the passwd home, not $HOME), ansible through the same "
        "inventory with that file and ControlMaster off (no connection reuse across runs, "
        "as for the others). Rounds interleave the tools after one warm-up run each. "
        "One run on a shared, noisy 2-core machine (other engineers' tests running): "
        "read the ratios, not the absolute times.", "",
        *rows, "",
        f"- opsconsole run / bare asyncssh: **{console / bare:.2f}x** by medians, "
        f"{paired:.2f}x as the median of the per-round ratios (target: within 1.3x)",
        f"- opsconsole run fastest of the four tools: **{'yes' if fastest else 'no'}** "
        f"(next: {min(others):.2f} s)",
        "- What the console adds over the bare script: loading the inventory, opening the "
        "audit database and writing the intent, the results and the timeline entry "
        "(synchronous, FULL fsync), taking and releasing the host locks, grouping the "
        "outputs. What it does to stay close: it starts the handshakes while the audit "
        "and locks are written (connecting is not acting), reads known_hosts once for "
        "all hosts instead of once per connection, and runs on uvloop.", ""])
    doc = DOC.read_text() if DOC.exists() else ""
    if SECTION in doc:
        head, _, rest = doc.partition(SECTION)
        tail = rest.split("\n## ", 1)
        doc = head + text + ("\n## " + tail[1] if len(tail) > 1 else "")
    else:
        doc = doc.rstrip("\n") + "\n\n" + text
    DOC.write_text(doc)
    print(text)


if __name__ == "__main__":
    sys.exit(main())
