"""Issue 14: a flooding host next to healthy ones, measured on the real console process.

    python -m bench.flood_bench [--duration 40] [--healthy 10] [--before /work/main]

One sshd daemon on loopback (tests/sshlab.py) serves `--healthy` ordinary hosts and one
host, `flood-1`, whose address matches a `ForceCommand` that prints real sampler frames
endlessly (`yes` repeating a captured frame: as fast as the channel takes them, no
fork per frame). `opsconsole -i INVENTORY` runs in a private tmux pane (160x48), 2 s
interval, as a user runs it. For `--duration` seconds, from the moment the console
starts:

- CPU: (user + system) seconds of the console process over the window, and the worst
  one-second slice;
- RSS: at start of the window and its maximum;
- healthy hosts: every second the screen is captured; a capture where any healthy
  host's row is not `up` counts against it (after all were first up);
- the flooding host's state line as the screen shows it at the end.

`--before PATH` runs the same scenario a second time on the console code found at PATH
(a checkout without the budget, e.g. main before issue 14), so the section shows both.
Results go to docs/benchmarks.md (section bench:flood) and bench/results/flood.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from bench.fleet_bench import ROOT, Tmux, console_command, machine, write_section
from tests.sshlab import SshLab, loopback_addresses

FRAME = ROOT / "tests" / "data" / "proc" / "frame_this_machine.txt"
RESULTS = ROOT / "bench" / "results"


@dataclass
class FloodFigures:
    label: str
    healthy: int
    duration: float
    cpu_pct: float = 0.0
    cpu_pct_worst_s: float = 0.0
    cpu_pct_after_up: float | None = None  # from all healthy hosts up to the end
    rss_start_mb: float = 0.0
    rss_max_mb: float = 0.0
    all_up_s: float | None = None
    captures: int = 0
    captures_with_a_healthy_host_not_up: int = 0
    flood_state: str = ""
    flood_host_cpu_pct: float = 0.0  # sshd + yes on the "host" (this same machine)
    notes: list[str] = field(default_factory=list)


def _row(screen: str, host: str) -> str:
    for line in screen.splitlines():
        if line.startswith(host + " "):
            return line
    return ""


def _state(row: str) -> str:
    parts = row.split()
    return parts[1] if len(parts) > 1 else ""


def run(label: str, healthy: int, duration: float, workdir: Path,
        code_root: Path | None) -> FloodFigures:
    import pytest

    mp = pytest.MonkeyPatch()
    lab = SshLab(workdir / "lab", mp)
    tmux = Tmux((160, 48))
    f = FloodFigures(label, healthy, duration)
    try:
        addresses = loopback_addresses(healthy + 1, first=2)
        flood = workdir / "flood.sh"
        flood.write_text(f'exec yes "$(cat {FRAME})"\n')
        sshd = lab.start_daemon(addresses, extra_config=(
            f"Match LocalAddress {addresses[-1]}\n    ForceCommand /bin/sh {flood}\n"))
        hosts = {f"host-{i + 1:02d}": (a, sshd.port) for i, a in enumerate(addresses[:-1])}
        hosts["flood-1"] = (addresses[-1], sshd.port)
        inventory = lab.write_inventory(hosts, interval=2.0)
        env = {"HOME": str(lab.home), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
               "XDG_DATA_HOME": str(workdir / "data")}
        if code_root is not None:
            env["PYTHONPATH"] = str(code_root)
        tmux.start(console_command(inventory), env)
        proc = psutil.Process(tmux.pane_pid())
        listener = psutil.Process(sshd.pid) if sshd.pid else None

        def host_side_cpu() -> float:
            total = 0.0
            if listener is None:
                return total
            with contextlib.suppress(psutil.Error):
                for c in (listener, *listener.children(recursive=True)):
                    with contextlib.suppress(psutil.Error):
                        t = c.cpu_times()
                        total += t.user + t.system + t.children_user + t.children_system
            return total

        start = time.perf_counter()
        t0 = proc.cpu_times()
        h0 = host_side_cpu()
        prev, prev_w = t0.user + t0.system, start
        busy = up_busy = prev
        up_at = start
        rss: list[float] = [proc.memory_info().rss / 2**20]
        f.rss_start_mb = rss[0]
        healthy_names = [h for h in hosts if h.startswith("host-")]
        while time.perf_counter() - start < duration:
            time.sleep(1.0)
            now = time.perf_counter()
            t = proc.cpu_times()
            busy = t.user + t.system
            f.cpu_pct_worst_s = max(f.cpu_pct_worst_s, (busy - prev) / (now - prev_w) * 100)
            prev, prev_w = busy, now
            rss.append(proc.memory_info().rss / 2**20)
            screen = tmux.capture()
            states = [_state(_row(screen, h)) for h in healthy_names]
            if f.all_up_s is None:
                if all(s == "up" for s in states):
                    f.all_up_s = now - start
                    up_busy, up_at = busy, now
                continue
            f.captures += 1
            if any(s != "up" for s in states):
                f.captures_with_a_healthy_host_not_up += 1
                f.notes.append(f"{now - start:.0f} s: " + ", ".join(
                    f"{h} {s}" for h, s in zip(healthy_names, states, strict=True)
                    if s != "up"))
        wall = time.perf_counter() - start
        t1 = proc.cpu_times()
        f.cpu_pct = ((t1.user + t1.system) - (t0.user + t0.system)) / wall * 100
        f.flood_host_cpu_pct = (host_side_cpu() - h0) / wall * 100
        f.rss_max_mb = max(rss)
        if f.all_up_s is not None:
            f.cpu_pct_after_up = (busy - up_busy) / (prev_w - up_at) * 100
        tmux.send("n")  # hide the notes pane: the row's detail column comes into view
        time.sleep(1.5)
        f.flood_state = " ".join(_row(tmux.capture(), "flood-1").split())
        tmux.send("C-q")
        with contextlib.suppress(psutil.Error):
            proc.wait(15)
    finally:
        tmux.kill()
        lab.close()
        mp.undo()
    return f


def section(after: FloodFigures, before: FloodFigures | None, where: str) -> str:
    def row(f: FloodFigures) -> str:
        up = "never all up" if f.all_up_s is None else f"{f.all_up_s:.0f} s"
        after_up = "n/a" if f.cpu_pct_after_up is None else f"{f.cpu_pct_after_up:.1f} %"
        return (f"| {f.label} | {f.cpu_pct:.1f} % | {after_up} | {f.cpu_pct_worst_s:.0f} % | "
                f"{f.rss_start_mb:.0f} → {f.rss_max_mb:.0f} MB | {up} | "
                f"{f.captures_with_a_healthy_host_not_up} of {f.captures} | "
                f"{f.flood_host_cpu_pct:.0f} % |")

    lines = [
        "## Issue 14: a flooding host — bench/flood_bench.py",
        "",
        f"{after.healthy} healthy hosts and one flooding host (`flood-1`: an sshd "
        "`ForceCommand` that repeats a real sampler frame with `yes`, as fast as the "
        "channel takes it) on one sshd daemon on loopback; `opsconsole -i` in a 160x48 "
        f"tmux pane, 2 s interval, {after.duration:.0f} s from start. {where}.",
        "",
        "| console | CPU, whole run | CPU once all up | worst 1 s | RSS | healthy all up "
        "after | captures with a healthy host not up | host side (sshd + yes) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    if before is not None:
        lines.append(row(before))
    lines.append(row(after))
    lines += ["", f"The flooding host's row at the end: `{after.flood_state}`."]
    if before is not None:
        lines.append(f"Without the budget it read: `{before.flood_state}`.")
    lines += [
        "",
        "With the budget, the flooding host is cut off within its first two megabytes "
        "(the burst of the token bucket, console/transport/frame_batch.py), shown as "
        "FLOODING with what it sent, and retried after 30 s, then 60 s, ... (up to "
        "10 min); each retry costs one handshake and another burst.",
    ]
    for f in (before, after):
        if f is not None and f.notes:
            lines.append(f"\n{f.label}: " + "; ".join(f.notes[:8]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.flood_bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=40.0)
    parser.add_argument("--healthy", type=int, default=10)
    parser.add_argument("--before", type=Path, metavar="PATH",
                        help="also run on the console code at PATH (no budget)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    before = None
    with tempfile.TemporaryDirectory(prefix="floodbench-") as tmp:
        if args.before is not None:
            before = run("without the budget", args.healthy, args.duration,
                         Path(tmp) / "before", args.before)
            print(json.dumps(asdict(before)), flush=True)
        after = run("with the budget", args.healthy, args.duration, Path(tmp) / "after",
                    None)
        print(json.dumps(asdict(after)), flush=True)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "flood.json").write_text(json.dumps(
            {"before": asdict(before) if before else None, "after": asdict(after)},
            indent=1))
        write_section("flood", section(after, before, machine()))
    return 0


if __name__ == "__main__":
    os.environ.pop("SSH_AUTH_SOCK", None)
    sys.exit(main())
