"""Fleet figures of issues 2 and 3, measured on the REAL console process.

    python -m bench.fleet_bench --scenario real50|sim500|all [--duration 60] [--presses 30]

real50  50 hosts on real OpenSSH sshd (4 daemons x 13 loopback addresses, tests/sshlab.py),
        2 s interval.
real50wide  the same 50 hosts, each its own sshd daemon (50 daemons), in a 200x80 pane:
        every row on screen, so every sample repaints a visible row (the worst case
        of the 3 % line). Issue 2 targets: <= 3 % of one core, <= 150 MB RSS, first frame
        <= 1 s, all live <= 10 s.
sim500  500 hosts answered by bench/simulator.py (a separate process, so its CPU is not
        the console's), 2 s interval. Issue 3 targets: <= 15 % of one core, <= 300 MB
        RSS, key press answered on screen <= 100 ms at p95, all live <= 20 s.

How: `opsconsole -i INVENTORY` runs in a private tmux server (160x48) with HOME set to the
lab's temp HOME (client key, known_hosts). The screen is read with `tmux capture-pane -p`,
the process with psutil. Why tmux and not an in-process Pilot: the figures must include
what a user pays: interpreter start, imports, the terminal driver writing real escape
sequences to a real pty.

- first frame: process creation time -> the first capture showing the table header;
- all live: -> the first capture whose summary bar says "▲ N up";
- CPU: (user + system) CPU seconds of the console process over a steady-state window
  of `--duration` s that starts one interval after all hosts are live, no key pressed;
- RSS: maximum over the whole run (sampled every second and after every phase);
- key latency: `s` (cycle sort column: re-sorts every row and marks the column's
  header with ▼ or ▲ in the same repaint); time from just before `tmux send-keys`
  until a capture shows the expected header; captures run back to back (~3-5 ms
  each), presses 0.3-0.8 s apart while every row keeps updating. The figure includes
  send-keys and capture overhead.

Results go into docs/benchmarks.md (sections bench:fleet-real and bench:fleet-sim) and
bench/results/fleet_<scenario>.json (so `--scenario sim500` can still quote real50).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest

from console.fleet.rows import COLUMNS, NAME_COLUMNS
from console.table_columns import SORT_ASCENDING, SORT_DESCENDING
from tests.sshlab import SshLab, loopback_addresses

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / "bench" / "results"
INTERVAL = 2.0
HEADER_RE = re.compile(r"Host\s.*CPU%")
SIM_FIRST_ADDRESS = "127.0.2.1"


@dataclass
class Figures:
    scenario: str
    hosts: int
    interval: float
    duration: float
    first_frame_s: float | None = None
    all_live_s: float | None = None
    cpu_pct: float | None = None  # of one core, steady state
    cpu_pct_per_s_p95: float | None = None  # 1 s slices of the window
    rss_max_mb: float | None = None
    rss_steady_mb: float | None = None
    key_ms: list[float] = field(default_factory=list)
    key_misses: int = 0
    capture_ms: float | None = None  # mean cost of one screen capture
    quit_s: float | None = None
    still_live_at_end: bool | None = None
    helper_cpu_pct: float | None = None  # simulator (sim500) or all sshd+shells (real50)
    machine_cpu_pct: float | None = None  # whole machine, % of ALL cores
    when: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def key_p50(self) -> float | None:
        return statistics.median(self.key_ms) if self.key_ms else None

    @property
    def key_p95(self) -> float | None:
        """A press never answered (3 s) counts as infinitely slow, not as absent."""
        answered = self.key_ms + [float("inf")] * self.key_misses
        return pct(answered, 95) if answered else None

    @property
    def key_max(self) -> float | None:
        return max(self.key_ms) if self.key_ms else None


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# -- tmux ---------------------------------------------------------------------------------
class Tmux:
    """A private tmux server (own socket): the user's sessions are never touched."""

    def __init__(self, size: tuple[int, int] = (160, 48)) -> None:
        self.socket = f"opsbench-{os.getpid()}"
        self.target = "bench"
        self.size = size

    def _cmd(self, *args: str) -> list[str]:
        return ["tmux", "-L", self.socket, "-f", "/dev/null", *args]

    def start(self, command: list[str], env: dict[str, str]) -> None:
        envs = [x for k, v in env.items() for x in ("-e", f"{k}={v}")]
        line = "exec " + " ".join(_quote(c) for c in command)
        # The server (and so the console) inherits our environment, minus a sandbox's
        # PYTHONDONTWRITEBYTECODE: a user's console starts from cached bytecode.
        server_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        subprocess.run(self._cmd("new-session", "-d", "-s", self.target, "-x",
                                 str(self.size[0]), "-y", str(self.size[1]), *envs, line),
                       check=True, env=server_env)

    def pane_pid(self) -> int:
        out = subprocess.run(self._cmd("display-message", "-p", "-t", self.target,
                                       "#{pane_pid}"), check=True, capture_output=True,
                             text=True).stdout
        return int(out.strip())

    def capture(self) -> str:
        return subprocess.run(self._cmd("capture-pane", "-p", "-t", self.target),
                              capture_output=True, text=True).stdout

    def send(self, *keys: str) -> None:
        subprocess.run(self._cmd("send-keys", "-t", self.target, *keys), check=True)

    def kill(self) -> None:
        subprocess.run(self._cmd("kill-server"), capture_output=True)


def _quote(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"


def console_command(inventory: Path) -> list[str]:
    """The `opsconsole` entry point pip installed next to this interpreter (not a pyenv
    shim, whose bash start-up would be charged to the console)."""
    script = Path(sys.executable).parent / "opsconsole"
    if script.exists():
        return [str(script), "-i", str(inventory)]
    return [sys.executable, "-m", "console", "-i", str(inventory)]


def precise_create_time(pid: int) -> float:
    """When the process started, to the clock tick.

    psutil's create_time adds the start tick to /proc/stat's btime, which the kernel
    gives in whole seconds: the result can be up to a second early, and every time
    measured from it up to a second long. The boot moment is taken from
    /proc/uptime instead, which has 10 ms resolution."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    start_ticks = int(fields[19])  # field 22 of stat, counted after "pid (comm)"
    with open("/proc/uptime") as f:
        uptime = float(f.read().split()[0])
    booted = time.time() - uptime
    return booted + start_ticks / os.sysconf("SC_CLK_TCK")


# -- measuring one run ---------------------------------------------------------------------
class Run:
    def __init__(self, figures: Figures, inventory: Path, home: Path,
                 helpers: list[psutil.Process], size: tuple[int, int] = (160, 48)) -> None:
        self.f = figures
        self.inventory = inventory
        self.home = home
        self.helpers = helpers
        self.tmux = Tmux(size)
        self.proc: psutil.Process | None = None
        self.rss: list[float] = []
        self.capture_costs: list[float] = []
        self.profile_to: Path | None = None

    def capture(self) -> tuple[str, float]:
        start = time.perf_counter()
        screen = self.tmux.capture()
        end = time.perf_counter()
        self.capture_costs.append(end - start)
        return screen, time.time()

    def sample_rss(self) -> None:
        assert self.proc is not None
        with contextlib.suppress(psutil.Error):
            self.rss.append(self.proc.memory_info().rss / 2**20)

    def wait_for(self, what: str, found: Any, timeout: float, period: float) -> float | None:
        """Seconds from process creation until `found(screen)`; None after `timeout`."""
        assert self.proc is not None
        start = precise_create_time(self.proc.pid)
        deadline = time.monotonic() + timeout
        last_rss = 0.0
        while time.monotonic() < deadline:
            screen, seen = self.capture()
            if found(screen):
                return seen - start
            if not self.proc.is_running():
                raise RuntimeError(f"console exited while waiting for {what}:\n{screen}")
            if time.monotonic() - last_rss > 1:
                self.sample_rss()
                last_rss = time.monotonic()
            time.sleep(period)
        self.f.notes.append(f"{what}: not seen within {timeout:.0f} s; last screen:\n"
                            + self.capture()[0])
        return None

    def execute(self, presses: int, live_timeout: float) -> Figures:
        f = self.f
        env = {"HOME": str(self.home), "COLORTERM": "truecolor", "LANG": "C.UTF-8",
               "LC_ALL": "C.UTF-8"}
        self.tmux.start(console_command(self.inventory), env)
        try:
            self.proc = psutil.Process(self.tmux.pane_pid())
            f.first_frame_s = self.wait_for(
                "table header", lambda s: HEADER_RE.search(s) is not None, 15, 0.01)
            up = f"▲ {f.hosts} up"
            f.all_live_s = self.wait_for(f"'{up}'", lambda s: up in s, live_timeout, 0.05)
            if f.all_live_s is None:
                # Still measure: a console that never gets all hosts live at this scale
                # is exactly the case whose CPU and latency figures matter.
                bar = next((ln for ln in self.capture()[0].splitlines() if "hosts" in ln), "")
                f.notes.append(f"measured without all hosts live: {bar.strip()[:70]!r}")
            time.sleep(f.interval)  # one interval: the last host's first rates arrive
            self.steady_state()
            if presses:
                self.key_latency(presses)
            if self.profile_to is not None:
                self.profile(self.profile_to)
            f.capture_ms = statistics.mean(self.capture_costs) * 1000
            self.sample_rss()
            f.rss_max_mb = max(self.rss)
            self.quit()
        finally:
            self.tmux.kill()
        return f

    def steady_state(self) -> None:
        f = self.f
        assert self.proc is not None
        helpers = [p for p in self.helpers if p.is_running()]

        def helper_cpu() -> float:
            total = 0.0
            for h in helpers:
                with contextlib.suppress(psutil.Error):
                    # children_*: short-lived awk/df already reaped by their shell.
                    for c in (h, *h.children(recursive=True)):
                        with contextlib.suppress(psutil.Error):
                            ct = c.cpu_times()
                            total += ct.user + ct.system + ct.children_user + ct.children_system
            return total

        psutil.cpu_percent()  # start the machine-wide counter
        t0 = self.proc.cpu_times()
        h0 = helper_cpu()
        w0 = time.perf_counter()
        slices: list[float] = []
        steady_rss: list[float] = []
        prev, prev_w = t0.user + t0.system, w0
        while time.perf_counter() - w0 < f.duration:
            time.sleep(1.0)
            t = self.proc.cpu_times()
            now = time.perf_counter()
            busy = t.user + t.system
            slices.append((busy - prev) / (now - prev_w) * 100)
            prev, prev_w = busy, now
            self.sample_rss()
            steady_rss.append(self.rss[-1])
        t1 = self.proc.cpu_times()
        wall = time.perf_counter() - w0
        f.cpu_pct = ((t1.user + t1.system) - (t0.user + t0.system)) / wall * 100
        f.cpu_pct_per_s_p95 = pct(slices, 95)
        f.rss_steady_mb = max(steady_rss)
        f.machine_cpu_pct = psutil.cpu_percent()
        if helpers:
            f.helper_cpu_pct = (helper_cpu() - h0) / wall * 100
        screen, _ = self.capture()
        f.still_live_at_end = f"▲ {f.hosts} up" in screen
        if not f.still_live_at_end:
            line = next((ln for ln in screen.splitlines() if "hosts" in ln), "")
            f.notes.append(f"end of steady state: summary bar says {line.strip()!r}")

    def key_latency(self, presses: int) -> None:
        """`presses` timed presses of `s`. A column whose header is scrolled off to the
        right (Detail, beside the notes pane) is pressed through but not timed: its
        mark is not on screen to be seen."""
        keys = [c.key for c in COLUMNS]
        labels = {c.key: c.label for c in COLUMNS}
        header = next((ln for ln in self.capture()[0].splitlines() if HEADER_RE.search(ln)), "")
        column = "state"  # FleetTable's initial sort column
        rng = random.Random(3)
        timed = 0
        while timed < presses:
            column = keys[(keys.index(column) + 1) % len(keys)]
            # Figures sort highest first, names alphabetically (FleetTable.cycle_sort).
            arrow = SORT_ASCENDING if column in NAME_COLUMNS else SORT_DESCENDING
            expected = labels[column] + arrow
            time.sleep(rng.uniform(0.3, 0.8))
            sent = time.time()
            self.tmux.send("s")
            if labels[column] not in header:
                continue
            timed += 1
            deadline = sent + 3.0
            while True:
                screen, seen = self.capture()
                if expected in screen:
                    self.f.key_ms.append((seen - sent) * 1000)
                    break
                if seen > deadline:
                    self.f.key_misses += 1
                    break
        self.sample_rss()

    def profile(self, out: Path, seconds: float = 20.0) -> None:
        """py-spy (sampling, outside the process) over a steady window, after the
        measured ones so its pauses never colour the figures."""
        assert self.proc is not None
        out.mkdir(parents=True, exist_ok=True)
        raw = out / f"{self.f.scenario}.collapsed"
        subprocess.run(["py-spy", "record", "-p", str(self.proc.pid), "-d", str(int(seconds)),
                        "-r", "200", "--gil", "-f", "raw", "-o", str(raw)],
                       capture_output=True, check=True)
        (out / f"{self.f.scenario}.top.txt").write_text(top_functions(raw))

    def quit(self) -> None:
        assert self.proc is not None
        start = time.monotonic()
        self.tmux.send("C-q")
        with contextlib.suppress(psutil.TimeoutExpired):
            self.proc.wait(timeout=15)
            self.f.quit_s = time.monotonic() - start
            return
        self.f.notes.append("console still running 15 s after Ctrl+Q")


def top_functions(collapsed: Path, n: int = 40) -> str:
    """Self and inclusive share of samples per function from py-spy's raw output."""
    own: dict[str, int] = {}
    incl: dict[str, int] = {}
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        for frame in set(frames):
            incl[frame] = incl.get(frame, 0) + count
        own[frames[-1]] = own.get(frames[-1], 0) + count
    lines = [f"{total} samples", "", "SELF"]
    lines += [f"{c / total * 100:5.1f}%  {k}" for k, c in
              sorted(own.items(), key=lambda kv: -kv[1])[:n]]
    lines += ["", "INCLUSIVE"]
    lines += [f"{c / total * 100:5.1f}%  {k}" for k, c in
              sorted(incl.items(), key=lambda kv: -kv[1])[:n]]
    return "\n".join(lines) + "\n"


# -- scenarios ------------------------------------------------------------------------------
def _lab(root: Path) -> tuple[SshLab, pytest.MonkeyPatch]:
    mp = pytest.MonkeyPatch()
    return SshLab(root / "lab", mp), mp


def warm_bytecode() -> None:
    """Compile console/ and themes/ once, as any install or first run would."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", "console", "themes"], cwd=ROOT,
                   env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
                   check=False, capture_output=True)


def run_real50(duration: float, presses: int, workdir: Path,
               profile: Path | None = None, wide: bool = False) -> Figures:
    lab, mp = _lab(workdir)
    try:
        addresses = loopback_addresses(52, first=2)
        per_daemon = 1 if wide else 13
        daemons = [lab.start_daemon(addresses[i:i + per_daemon])
                   for i in range(0, 50 if wide else 52, per_daemon)]
        hosts = dict(list(lab.hosts_of(*daemons, prefix="real").items())[:50])
        inventory = lab.write_inventory(hosts, interval=INTERVAL, name="real50.yaml")
        scenario = "real50wide" if wide else "real50"
        f = Figures(scenario, len(hosts), INTERVAL, duration, when=_now())
        listeners = [psutil.Process(d.pid) for d in daemons if d.pid]
        run = Run(f, inventory, lab.home, listeners, (200, 80) if wide else (160, 48))
        run.profile_to = profile
        return run.execute(presses, live_timeout=60)
    finally:
        lab.close()
        mp.undo()


def _free_base_port(addresses: list[str], span: int) -> int:
    from tests.sshlab import _port_free_on

    for base in (30000, 28000, 26000, 24000, 22000):
        if all(_port_free_on(base + i, addresses) for i in range(span)):
            return base
    raise RuntimeError("no free port range for the simulator")


def run_sim500(duration: float, presses: int, workdir: Path, hosts: int = 500,
               profile: Path | None = None) -> Figures:
    lab, mp = _lab(workdir)
    sim: subprocess.Popen[str] | None = None
    try:
        n_addr = 16
        addresses = [f"127.0.2.{i + 1}" for i in range(n_addr)]
        base = _free_base_port(addresses, -(-hosts // n_addr))
        inventory = lab.root / "sim500.yaml"
        sim = subprocess.Popen(
            [sys.executable, "-m", "bench.simulator", "--hosts", str(hosts),
             "--base-port", str(base), "--addresses", str(n_addr),
             "--first-address", SIM_FIRST_ADDRESS, "--interval", str(INTERVAL),
             "--workdir", str(lab.root / "sim"), "--client-key", str(lab.client_key_path),
             "--known-hosts", str(lab.known_hosts_path), "--inventory", str(inventory),
             "--user", lab.user],
            cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)
        assert sim.stdout is not None
        line = sim.stdout.readline()
        if not line.startswith("READY"):
            raise RuntimeError(f"simulator did not start: {line!r}")
        f = Figures(f"sim{hosts}", hosts, INTERVAL, duration, when=_now())
        run = Run(f, inventory, lab.home, [psutil.Process(sim.pid)])
        run.profile_to = profile
        return run.execute(presses, live_timeout=90)
    finally:
        if sim is not None:
            sim.terminate()
            try:
                sim.wait(10)
            except subprocess.TimeoutExpired:
                sim.kill()
        lab.close()
        mp.undo()


# -- report ----------------------------------------------------------------------------------
def _now() -> str:
    return dt.datetime.now().strftime("%Y-%m-%d %H:%M")


def machine() -> str:
    model = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    import asyncssh
    import textual

    sshd = subprocess.run(["/usr/sbin/sshd", "-V"], capture_output=True, text=True).stderr
    tmux = subprocess.run(["tmux", "-V"], capture_output=True, text=True).stdout.strip()
    return (f"{os.cpu_count()} CPUs ({model}), Linux {platform.release()}, Python "
            f"{platform.python_version()}, textual {textual.__version__}, asyncssh "
            f"{asyncssh.__version__}, psutil {psutil.__version__}, "
            f"{sshd.split(',')[0].strip() or 'sshd ?'}, {tmux}")


def _fmt(value: float | None, unit: str, digits: int = 1) -> str:
    if value == float("inf"):
        return "> 3 s (unanswered)"
    return "not reached" if value is None else f"{value:.{digits}f} {unit}"


def _verdict(value: float | None, limit: float) -> str:
    return "**FAIL**" if value is None or value > limit else "PASS"


def table(f: Figures, targets: dict[str, float]) -> list[str]:
    rows = [
        ("CPU, steady state (% of one core)", f.cpu_pct, "%", targets.get("cpu")),
        ("RSS max", f.rss_max_mb, "MB", targets.get("rss")),
        ("First frame (table header on screen)", f.first_frame_s, "s", targets.get("first")),
        (f"All {f.hosts} hosts live (▲ {f.hosts} up)", f.all_live_s, "s", targets.get("live")),
        ("Key press answered on screen, p95", f.key_p95, "ms", targets.get("key")),
    ]
    out = ["| Figure | Measured | Target | Result |", "|---|---|---|---|"]
    for label, value, unit, limit in rows:
        digits = 0 if unit == "ms" else 2 if unit == "s" else 1
        target = "-" if limit is None else f"≤ {limit:g} {unit}"
        verdict = "(info)" if limit is None else _verdict(value, limit)
        out.append(f"| {label} | {_fmt(value, unit, digits)} | {target} | {verdict} |")
    return out


def details(f: Figures) -> list[str]:
    keys = (f"{len(f.key_ms)} presses, p50 {_fmt(f.key_p50, 'ms', 0)}, max "
            f"{_fmt(f.key_max, 'ms', 0)}, missed {f.key_misses}; one capture costs "
            f"{_fmt(f.capture_ms, 'ms')}") if f.key_ms or f.key_misses else "not measured"
    lines = [
        f"- Run {f.when}: {f.hosts} hosts, interval {f.interval:g} s, steady-state "
        f"window {f.duration:g} s; 1-s CPU slices p95 {_fmt(f.cpu_pct_per_s_p95, '%')}; "
        f"RSS in the window {_fmt(f.rss_steady_mb, 'MB')}; still all up at the end: "
        f"{'yes' if f.still_live_at_end else 'NO'}.",
        f"- Key latency (`s`, sort + header mark, via tmux): {keys}.",
        f"- Ctrl+Q to process exit: {_fmt(f.quit_s, 's', 2)}. Machine during the window: "
        f"{_fmt(f.machine_cpu_pct, '% of all cores')}; "
        + ("simulator process " if f.scenario.startswith("sim") else "sshd daemons + "
           "sessions + sampler shells ")
        + f"{_fmt(f.helper_cpu_pct, '% of one core')}.",
    ]
    lines += [f"- Note: {n}" for n in f.notes if "\n" not in n]
    return lines


REAL_TARGETS = {"cpu": 3, "rss": 150, "first": 1, "live": 10}
SIM_TARGETS = {"cpu": 15, "rss": 300, "key": 100, "live": 20}
ISSUE3_REAL_TARGETS = {"key": 100}


def section_real(f: Figures, where: str) -> str:
    lines = [
        "## Fleet on real sshd: 50 hosts (issue 2) — bench/fleet_bench.py",
        "",
        f"Machine: {where}.",
        "Command: `python -m bench.fleet_bench --scenario real50` (4 OpenSSH daemons x 13 "
        "loopback addresses, the real shell sampler on every host, the console run as "
        "`opsconsole -i` in a 160x48 tmux pane, measured with psutil).",
        "",
        *table(f, REAL_TARGETS),
        "",
        *details(f),
    ]
    return "\n".join(lines)


def section_real_wide(f: Figures, where: str) -> str:
    lines = [
        "## Fleet on real sshd, every row on screen: 50 daemons, 200x80 — "
        "bench/fleet_bench.py",
        "",
        f"Machine: {where}.",
        "Command: `python -m bench.fleet_bench --scenario real50wide` (50 OpenSSH daemons, "
        "one loopback address each, `opsconsole -i` in a 200x80 tmux pane: all 50 rows "
        "and the alerts panel on screen, so every sample repaints a visible row).",
        "",
        *table(f, REAL_TARGETS),
        "",
        *details(f),
    ]
    return "\n".join(lines)


def section_sim(f: Figures, real: Figures | None, where: str) -> str:
    lines = [
        "## Fleet at scale: 500 simulated hosts (issue 3) — bench/fleet_bench.py",
        "",
        f"Machine: {where}.",
        "Command: `python -m bench.fleet_bench --scenario sim500`: bench/simulator.py (one "
        "asyncssh process, 500 endpoints on 16 loopback addresses, changing /proc data) on "
        "the same 2 cores as the console, `opsconsole -i` in a 160x48 tmux pane. Where "
        "the time goes: `python -m bench.profile_headless --hosts 500 --cprofile`.",
        "",
        *table(f, SIM_TARGETS),
        "",
        *details(f),
    ]
    if real is not None:
        lines += ["", f"The same figures for 50 hosts on real sshd (run {real.when}):", "",
                  *table(real, {**SIM_TARGETS, "live": 20, **ISSUE3_REAL_TARGETS}),
                  "", *details(real)]
    return "\n".join(lines)


def write_section(name: str, body: str) -> None:
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    block = f"{start}\n{body}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(text)


def save(f: Figures) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"fleet_{f.scenario}.json").write_text(json.dumps(asdict(f), indent=1))


def load(scenario: str) -> Figures | None:
    path = RESULTS / f"fleet_{scenario}.json"
    if not path.exists():
        return None
    return Figures(**json.loads(path.read_text()))


def summary(f: Figures) -> str:
    return (f"{f.scenario}: cpu {_fmt(f.cpu_pct, '%')} rss {_fmt(f.rss_max_mb, 'MB')} "
            f"first {_fmt(f.first_frame_s, 's', 2)} live {_fmt(f.all_live_s, 's', 2)} "
            f"key p50/p95 {_fmt(f.key_p50, 'ms', 0)}/{_fmt(f.key_p95, 'ms', 0)} "
            f"misses {f.key_misses} helpers {_fmt(f.helper_cpu_pct, '%')} "
            f"notes {f.notes}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet_bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=("real50", "real50wide", "sim500", "all"),
                        default="all")
    parser.add_argument("--duration", type=float, default=60.0,
                        help="steady-state window in seconds")
    parser.add_argument("--presses", type=int, default=30, help="key presses to time")
    parser.add_argument("--hosts", type=int, default=500, help="simulated hosts (sim500)")
    parser.add_argument("--no-write", action="store_true", help="do not touch the docs")
    parser.add_argument("--profile", metavar="DIR", type=Path,
                        help="after the measured phases, py-spy the console for 20 s and "
                             "write DIR/<scenario>.collapsed and .top.txt")
    parser.add_argument("--from-results", action="store_true",
                        help="only rewrite the docs sections from bench/results/*.json")
    args = parser.parse_args(argv)
    if args.from_results:
        where = machine()
        real, sim = load("real50"), load(f"sim{args.hosts}")
        if real is not None:
            write_section("fleet-real", section_real(real, where))
        if sim is not None:
            write_section("fleet-sim", section_sim(sim, real, where))
        return 0
    if shutil.which("tmux") is None:
        print("fleet_bench: tmux is required (apt-get install tmux)", file=sys.stderr)
        return 2
    where = machine()
    warm_bytecode()
    real = sim = wide = None
    with tempfile.TemporaryDirectory(prefix="fleet-bench-") as tmp:
        if args.scenario in ("real50", "all"):
            real = run_real50(args.duration, args.presses, Path(tmp) / "real", args.profile)
            print(summary(real), flush=True)
            save(real)
        if args.scenario in ("real50wide", "all"):
            wide = run_real50(args.duration, args.presses, Path(tmp) / "wide", args.profile,
                              wide=True)
            print(summary(wide), flush=True)
            save(wide)
        if args.scenario in ("sim500", "all"):
            sim = run_sim500(args.duration, args.presses, Path(tmp) / "sim", args.hosts,
                            args.profile)
            print(summary(sim), flush=True)
            save(sim)
    if args.no_write:
        return 0
    if real is not None:
        write_section("fleet-real", section_real(real, where))
    if wide is not None:
        write_section("fleet-real-wide", section_real_wide(wide, where))
    if sim is not None:
        write_section("fleet-sim", section_sim(sim, real or load("real50"), where))
    print(f"written to {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
