"""Issue 13 figures: 10 real sshd hosts each writing 2,000 log lines a second.

    python -m bench.log_bench [--duration 60] [--presses 30] [--rate 2000]

What runs, in one go on this machine:
- a lab of 10 hosts (tests/sshlab.py: one real OpsenSSH sshd on 10 loopback
  addresses), each with a `watch: always` log source, so the console follows all ten
  from start-up;
- the real console (`opsconsole -i`) in a private tmux server, as fleet_bench runs it;
- a writer process appending RATE lines a second to each host's log (1 % ERROR);
- beside the console, on the same streams, ten plain `ssh host tail -n0 -F FILE`
  clients (OpenSSH's C client) whose received lines are counted: the comparison.

Measured:
- lines the console received (from its own log, written when it quits) against lines
  written, and the dropped count it shows; the same for the ssh clients;
- CPU seconds of the console and of the ten ssh clients over the streaming window;
- key latency while streaming: `space` in the log view flips FOLLOWING / PAUSED in its
  status line; time from `tmux send-keys` to a capture showing the flip;
- the console's RSS before and during the stream (bounded by console_log_buffer);
- the fleet's own figures: fleet rows captured a few seconds apart while streaming,
  counting the hosts whose figures changed.

Results go to docs/benchmarks.md under "Issue 13: log streaming" (with --write).
The machine is shared and noisy: the figures say so with the load average.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fleet_bench import Tmux, console_command, pct  # noqa: E402
from tests.sshlab import SshLab, loopback_addresses  # noqa: E402

HOSTS = 10
SECTION = "## Issue 13: log streaming"


@dataclass
class Figures:
    hosts: int
    rate: int
    duration: float
    written: dict[str, int] = field(default_factory=dict)
    received: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    ssh_received: dict[str, int] = field(default_factory=dict)
    console_cpu_s: float = 0.0
    ssh_cpu_s: float = 0.0
    key_ms: list[float] = field(default_factory=list)
    key_misses: int = 0
    rss_before_mb: float = 0.0
    rss_max_mb: float = 0.0
    fleet_rows_changed: list[int] = field(default_factory=list)
    load: str = ""
    notes: list[str] = field(default_factory=list)


def writer(files: list[Path], rate: int, stop: threading.Event,
           counts: dict[str, int]) -> None:
    """RATE lines a second to every file, in 10 ms batches; 1 % ERROR lines."""
    handles = [f.open("a", buffering=1 << 16) for f in files]
    seq = 0
    start = time.monotonic()
    try:
        while not stop.is_set():
            due = int((time.monotonic() - start) * rate)
            if due > seq:
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
                for f, handle in zip(files, handles, strict=True):
                    lines = []
                    for n in range(seq, due):
                        level = "ERROR" if n % 100 == 0 else "INFO"
                        lines.append(f"{stamp}Z {level} req={n} user=u{n % 977} "
                                     f"path=/api/v1/items/{n % 5000} took {n % 300}ms\n")
                    handle.write("".join(lines))
                    handle.flush()
                    counts[f.name] = counts.get(f.name, 0) + (due - seq)
                seq = due
            time.sleep(0.01)
    finally:
        for handle in handles:
            handle.close()


def ssh_tail(address: str, port: int, home: Path, key: Path, path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        ["ssh", "-q", "-p", str(port), "-i", str(key), "-o", "BatchMode=yes",
         "-o", f"UserKnownHostsFile={home / '.ssh' / 'known_hosts'}",
         "-o", "StrictHostKeyChecking=yes", address, f"tail -n0 -F {path}"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={**os.environ, "HOME": str(home)})


def count_lines(proc: subprocess.Popen, into: dict[str, int], name: str) -> None:
    assert proc.stdout is not None
    total = 0
    while chunk := proc.stdout.read1(1 << 16):
        total += chunk.count(b"\n")
        into[name] = total


def wait(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise SystemExit(f"log_bench: timed out waiting for {what}")


def fleet_rows(screen: str) -> dict[str, str]:
    return {line.split()[0]: line for line in screen.splitlines()
            if line.strip().startswith("log-")}


def run(duration: float, presses: int, rate: int, work: Path,
        profile: Path | None = None) -> Figures:
    f = Figures(HOSTS, rate, duration)
    mp = pytest.MonkeyPatch()
    lab = SshLab(work / "lab", mp)
    tmux = Tmux((160, 48))
    tails: list[subprocess.Popen] = []
    stop = threading.Event()
    try:
        sshd = lab.start_daemon(loopback_addresses(HOSTS, first=90))
        hosts = lab.hosts_of(sshd, prefix="log")
        logs_dir = work / "logs"
        logs_dir.mkdir()
        files = {name: logs_dir / f"{name}.log" for name in hosts}
        for path in files.values():
            path.write_text("")
        inventory = lab.write_inventory(hosts, interval=2.0, extra_vars={})
        import yaml

        data = yaml.safe_load(inventory.read_text())
        for name, host in data["all"]["children"]["lab"]["hosts"].items():
            host["console_logs"] = {"app": {"path": str(files[name]), "watch": "always"}}
        inventory.write_text(yaml.safe_dump(data, sort_keys=False))
        state = work / "state"
        env = {"HOME": str(lab.home), "XDG_STATE_HOME": str(state),
               "XDG_DATA_HOME": str(work / "data")}
        tmux.start(console_command(inventory), env)
        proc = psutil.Process(tmux.pane_pid())
        wait(lambda: "▲ 10 up" in tmux.capture(), 60, "10 hosts up")
        wait(lambda: sum(1 for p in psutil.process_iter(["cmdline"])
                         if any(str(logs_dir) in c for c in (p.info["cmdline"] or ()))
                         and "tail" in " ".join(p.info["cmdline"] or ())) >= HOSTS,
             30, "the ten followers")
        time.sleep(1.0)
        f.rss_before_mb = proc.memory_info().rss / 2**20
        # The comparison: plain ssh clients tailing the same files.
        key = lab.client_key_path
        counters: list[threading.Thread] = []
        for name, (address, port) in hosts.items():
            tail = ssh_tail(address, port, lab.home, key, files[name])
            tails.append(tail)
            t = threading.Thread(target=count_lines, args=(tail, f.ssh_received, name),
                                 daemon=True)
            t.start()
            counters.append(t)
        time.sleep(2.0)  # the ssh clients are connected and tailing
        ssh_procs = [psutil.Process(t.pid) for t in tails]
        cpu0 = proc.cpu_times()
        ssh0 = [p.cpu_times() for p in ssh_procs]
        counts: dict[str, int] = {}
        writing = threading.Thread(target=writer, args=(list(files.values()), rate, stop,
                                                        counts), daemon=True)
        t0 = time.monotonic()
        writing.start()
        rss: list[float] = []
        # Phase 1: the fleet's figures keep moving while the logs stream.
        time.sleep(min(8.0, duration / 4))
        for _ in range(2):
            first = fleet_rows(tmux.capture())
            time.sleep(4.5)
            second = fleet_rows(tmux.capture())
            f.fleet_rows_changed.append(sum(1 for k, v in second.items()
                                            if first.get(k) != v))
            rss.append(proc.memory_info().rss / 2**20)
        # Phase 2: the log view of the cursor's host, key latency while streaming.
        tmux.send("l")
        wait(lambda: "FOLLOWING" in tmux.capture(), 10, "the log view")
        following = True
        for _ in range(presses):
            time.sleep(0.4)
            expected = "PAUSED" if following else "FOLLOWING"
            sent = time.time()
            tmux.send("space")
            deadline = sent + 3.0
            while True:
                screen = tmux.capture()
                status = screen.splitlines()[0] if screen else ""
                if expected in status:
                    f.key_ms.append((time.time() - sent) * 1000)
                    break
                if time.time() > deadline:
                    f.key_misses += 1
                    break
            following = not following
            rss.append(proc.memory_info().rss / 2**20)
        if profile is not None:  # after the timed presses: its pauses colour nothing
            raw = profile.with_suffix(".collapsed")
            subprocess.run(["py-spy", "record", "-p", str(proc.pid), "-d", "15", "-r", "100",
                            "--gil", "-f", "raw", "-o", str(raw)], capture_output=True,
                           check=False)
            if raw.exists():
                from bench.fleet_bench import top_functions

                profile.write_text(top_functions(raw))
        remaining = duration - (time.monotonic() - t0)
        while remaining > 0:
            time.sleep(min(2.0, remaining))
            rss.append(proc.memory_info().rss / 2**20)
            remaining = duration - (time.monotonic() - t0)
        stop.set()
        writing.join()
        f.duration = time.monotonic() - t0
        time.sleep(3.0)  # the last lines reach both readers
        f.console_cpu_s = sum(proc.cpu_times()[:2]) - sum(cpu0[:2])
        f.ssh_cpu_s = sum(sum(p.cpu_times()[:2]) - sum(c[:2])
                          for p, c in zip(ssh_procs, ssh0, strict=True))
        f.rss_max_mb = max(rss)
        f.load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        f.written = {name: counts.get(files[name].name, 0) for name in hosts}
        tmux.send("escape")
        time.sleep(0.5)
        tmux.send("C-q")
        wait(lambda: not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE, 20,
             "the console to quit")
        text = (state / "opsconsole" / "opsconsole.log").read_text()
        for m in re.finditer(r"(log-\d+)/app: (\d+) lines received, (\d+) dropped", text):
            f.received[m.group(1)] = int(m.group(2))
            f.dropped[m.group(1)] = int(m.group(3))
    finally:
        stop.set()
        for tail in tails:
            tail.terminate()
        tmux.kill()
        lab.close()
        mp.undo()
    return f


def report(f: Figures) -> str:
    written = sum(f.written.values())
    received = sum(f.received.values())
    dropped = sum(f.dropped.values())
    ssh = sum(f.ssh_received.values())
    secs = f.duration
    p50 = statistics.median(f.key_ms) if f.key_ms else float("nan")
    p95 = pct(f.key_ms, 95) if f.key_ms else float("nan")
    lines = [
        SECTION, "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {f.hosts} hosts on one "
        f"real sshd (loopback), each writing {f.rate:,} lines/s for {secs:.0f} s "
        f"({f.hosts * f.rate:,} lines/s in all), `watch: always` sources, the console in "
        f"tmux 160x48. Load average at the end: {f.load} on 2 cores shared with other "
        "engineers' test runs: a noisy machine, so read the figures as an order of "
        "magnitude, not a fine measurement.", "",
        "| | console (one follower per host) | plain `ssh host tail -n0 -F` x10 |",
        "|---|---|---|",
        f"| lines written | {written:,} | {written:,} |",
        f"| lines received | {received:,} ({received / max(1, written):.1%}) | "
        f"{ssh:,} ({ssh / max(1, written):.1%}) |",
        f"| lines dropped on the hosts, shown as a count | {dropped:,} | n/a |",
        f"| received + dropped | {(received + dropped) / max(1, written):.1%} | |",
        f"| ingest throughput | {received / secs:,.0f} lines/s | {ssh / secs:,.0f} lines/s |",
        f"| CPU over the window | {f.console_cpu_s:.1f} s ({f.console_cpu_s / secs:.0%} of "
        f"a core; includes the UI and the sampler) | {f.ssh_cpu_s:.1f} s "
        f"({f.ssh_cpu_s / secs:.0%}) |",
        "",
        f"- Key latency while streaming (`space` in the log view, {len(f.key_ms)} presses, "
        f"{f.key_misses} unanswered in 3 s): p50 {p50:.0f} ms, p95 {p95:.0f} ms, max "
        f"{max(f.key_ms, default=float('nan')):.0f} ms (includes ~5-10 ms of tmux "
        "send-keys and capture).",
        f"- Memory: RSS {f.rss_before_mb:.0f} MB before the stream, at most "
        f"{f.rss_max_mb:.0f} MB during it (buffers: 10,000 entries per source, 10 "
        "sources).",
        f"- Fleet figures while streaming: {f.fleet_rows_changed} of {f.hosts} fleet rows "
        "changed between two captures 4.5 s apart.",
        "- Per host (written / received / dropped / ssh): " + "; ".join(
            f"{h} {f.written.get(h, 0):,}/{f.received.get(h, 0):,}/{f.dropped.get(h, 0):,}/"
            f"{f.ssh_received.get(h, 0):,}" for h in sorted(f.written)),
    ]
    lines += [f"- {note}" for note in f.notes]
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    start = current.find(SECTION)
    if start >= 0:
        end = current.find("\n## ", start + len(SECTION))
        current = current[:start] + text + (current[end + 1:] if end >= 0 else "")
    else:
        current = current.rstrip("\n") + "\n\n" + text
    path.write_text(current)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--presses", type=int, default=30)
    parser.add_argument("--rate", type=int, default=2000)
    parser.add_argument("--profile", type=Path, default=None,
                        help="py-spy the console for 15 s while it streams (top functions)")
    parser.add_argument("--write", action="store_true",
                        help="replace the section in docs/benchmarks.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="log-bench-") as tmp:
        figures = run(args.duration, args.presses, args.rate, Path(tmp), args.profile)
    text = report(figures)
    print(text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
