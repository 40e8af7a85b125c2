"""Thresholds, hysteresis and UNKNOWN proved on real sshd hosts with real load.

The lab's "hosts" are this machine reached over OpenSSH, so their df and /proc/stat
are ours: filling a filesystem or spinning the CPUs here moves the figures the
console reads over SSH. Nothing is injected into the alert engine; every transition
below comes from the real sampler, the real transport and the real `Fleet`.

The filesystem is a small ext4 image loop-mounted at a path with a space in it (so
the df and /proc/self/mounts escaping are exercised on the way): a few MB move its
use by tens of percent, and nothing else on the machine writes to it. Where a loop
mount is refused (not root, no loop devices) the tests fall back to a file on the
filesystem holding tmp_path, with thresholds a fraction of a percent apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest

from console.bus import EventBus
from console.events import AlertChanged, HostState, HostStateChanged
from console.fleet.events import SampleArrived
from console.fleet.fleet import Fleet
from console.inventory import load_inventory
from console.metrics.sample import Sample
from console.metrics.thresholds import METRICS
from console.severity import Severity
from tests.sshlab import Sshd, SshLab, loopback_addresses
from tests.waiting import eventually

pytestmark = pytest.mark.sshd

OK, WARNING, CRITICAL, UNKNOWN = (Severity.OK, Severity.WARNING, Severity.CRITICAL,
                                  Severity.UNKNOWN)
HOST = "host-1"
INTERVAL = 0.5
IMAGE_BYTES = 64 * 2**20
MAX_FILL_BYTES = 200 * 10**6  # on a real disk, never write more than this at once


# ------------------------------------------------------------------ recording the bus

@dataclass
class Recorder:
    """Everything the fleet publishes about one host, in the order it happened.

    It subscribes to the bus before `Fleet` does, so a sample is recorded before the
    alert transitions it causes: `timeline` then reads like the engine saw it.
    """

    host: str
    samples: list[Sample] = field(default_factory=list)
    alerts: list[AlertChanged] = field(default_factory=list)
    states: list[HostStateChanged] = field(default_factory=list)
    timeline: list[Sample | AlertChanged] = field(default_factory=list)

    def attach(self, bus: EventBus) -> None:
        bus.subscribe((SampleArrived, AlertChanged, HostStateChanged), self._on_event)

    def _on_event(self, event: object) -> None:
        if getattr(event, "host", None) != self.host:
            return
        if isinstance(event, SampleArrived):
            self.samples.append(event.sample)
            self.timeline.append(event.sample)
        elif isinstance(event, AlertChanged):
            self.alerts.append(event)
            self.timeline.append(event)
        elif isinstance(event, HostStateChanged):
            self.states.append(event)

    def of_key(self, key: str) -> list[AlertChanged]:
        return [a for a in self.alerts if a.key == key]

    def transitions(self, key: str) -> list[tuple[Severity, Severity]]:
        return [(a.old, a.new) for a in self.of_key(key)]

    def describe(self, key: str | None = None, mount: str | None = None) -> str:
        """The recent timeline, for assertion messages."""
        lines = []
        for item in self.timeline[-40:]:
            if isinstance(item, AlertChanged):
                if key is None or item.key in (key, "host"):
                    lines.append(f"  ALERT {item.describe()}")
            elif mount is not None:
                lines.append(f"  sample {mount_pct(item, mount)}")
            else:
                lines.append(f"  sample cpu={item.cpu_pct} mem={item.mem_pct}")
        return "\n".join(lines)

    async def until(self, predicate: Callable[[], Any], timeout: float, what: str,
                    key: str | None = None, mount: str | None = None) -> Any:
        return await eventually(
            predicate, timeout, what, period=0.02,
            evidence=lambda: (f"timeline:\n{self.describe(key, mount)}\n"
                              f"host states: {self.states_text()}"))

    def states_text(self) -> str:
        return "; ".join(f"{s.new.state.value} ({s.new.reason}) at {s.new.since:.2f}"
                         for s in self.states)

    async def next_sample(self, timeout: float = 10.0) -> Sample:
        n = len(self.samples)
        await self.until(lambda: len(self.samples) > n, timeout, "the next sample")
        return self.samples[n]

    async def alert(self, key: str, new: set[Severity], timeout: float = 10.0,
                    after: int = 0, hint: str = "") -> AlertChanged:
        """The first transition of `key` into one of `new`, among alerts[after:]."""
        def found() -> AlertChanged | None:
            return next((a for a in self.alerts[after:] if a.key == key and a.new in new),
                        None)
        names = "/".join(sorted(s.name for s in new))
        return await self.until(found, timeout, f"{key} -> {names}{hint}", key=key,
                                mount=key.partition(":")[2] or None)


def mount_pct(sample: Sample, mount: str) -> float | None:
    return next((fs.used_pct for fs in sample.filesystems if fs.mount == mount), None)


def only(**levels: dict[str, Any]) -> dict[str, Any]:
    """`console_thresholds` with every level off but `levels`: whatever else this
    shared machine is doing (a busy CPU, someone's full disk) adds no alert."""
    return {name: {"warn": None, "crit": None, **levels.get(name, {})} for name in METRICS}


@contextlib.asynccontextmanager
async def running_fleet(lab: SshLab, sshd: Sshd, thresholds: dict[str, Any]
                        ) -> Any:
    # df in every frame: the disk tests count samples (`for`, a one-sample spike).
    inventory = load_inventory(lab.write_inventory(
        lab.hosts_of(sshd), interval=INTERVAL,
        extra_vars={"console_thresholds": thresholds, "console_disk_interval": INTERVAL}))
    bus = EventBus()
    recorder = Recorder(HOST)
    recorder.attach(bus)
    fleet = Fleet(inventory, bus)
    fleet.start()
    try:
        yield fleet, recorder
    finally:
        await fleet.stop()


# ------------------------------------------------------------------ a filesystem to fill

@dataclass
class WatchedFilesystem:
    """A filesystem the test may fill, and the numbers df will report for it."""

    mount: str
    directory: Path
    is_image: bool

    def _stat(self) -> os.statvfs_result:
        return os.statvfs(self.directory)

    @property
    def usable_bytes(self) -> int:
        """df's denominator: used + available (root's reserve excluded)."""
        s = self._stat()
        return (s.f_blocks - s.f_bfree + s.f_bavail) * s.f_frsize

    def used_pct(self) -> float:
        s = self._stat()
        used = s.f_blocks - s.f_bfree
        return 100.0 * used / (used + s.f_bavail)

    def bytes_for(self, pct: float, cap: int = MAX_FILL_BYTES) -> int:
        """A file size that moves use by `pct` percent, capped on a big real disk."""
        return max(1 << 20, min(cap, int(self.usable_bytes * pct / 100.0)))

    def pct_of(self, nbytes: int) -> float:
        return 100.0 * nbytes / self.usable_bytes

    def write(self, name: str, nbytes: int) -> None:
        """Real blocks (allocated, not a sparse file) in one quick call, so a spike
        can be timed between two samples even on a slow disk."""
        path = self.directory / name
        with path.open("wb") as f:
            os.posix_fallocate(f.fileno(), 0, nbytes)
            os.fsync(f.fileno())

    def truncate(self, name: str, nbytes: int) -> None:
        path = self.directory / name
        os.truncate(path, nbytes)
        with path.open("rb+") as f:
            os.fsync(f.fileno())

    def remove(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.directory / name).unlink()
        fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _mount_point_of(path: Path) -> Path:
    path = path.resolve()
    while not os.path.ismount(path):
        path = path.parent
    return path


def _mount_image(root: Path) -> Path | None:
    """A fresh ext4 image mounted at `root/watched disk`, or None where refused."""
    if os.geteuid() != 0 or not (shutil.which("mkfs.ext4") and shutil.which("mount")):
        return None
    image, mnt = root / "disk.img", root / "watched disk"
    mnt.mkdir()
    with image.open("wb") as f:
        f.truncate(IMAGE_BYTES)
    try:
        subprocess.run(["mkfs.ext4", "-q", "-F", "-m", "0", str(image)], check=True,
                       capture_output=True, timeout=30)
        subprocess.run(["mount", "-o", "loop", str(image), str(mnt)], check=True,
                       capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return mnt


def _unmount(mnt: Path) -> None:
    """df runs every interval on the lab hosts: retry while it holds the mount busy."""
    for _ in range(50):
        if not os.path.ismount(mnt):
            return
        if subprocess.run(["umount", str(mnt)], capture_output=True).returncode == 0:
            return
        time.sleep(0.1)
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


@contextlib.contextmanager
def watched_filesystem(root: Path) -> Iterator[WatchedFilesystem]:
    mnt = _mount_image(root)
    if mnt is not None:
        try:
            yield WatchedFilesystem(str(mnt), mnt, is_image=True)
        finally:
            _unmount(mnt)
        return
    directory = root / "fill"
    directory.mkdir()
    print(f"loop mount refused: filling {_mount_point_of(root)} instead", file=sys.stderr)
    try:
        yield WatchedFilesystem(str(_mount_point_of(root)), directory, is_image=False)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


# ------------------------------------------------------------------ tests

async def test_disk_alert_fires_escalates_and_clears_as_a_real_filesystem_fills(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    with watched_filesystem(tmp_path) as fs:
        base = fs.used_pct()
        nbytes = fs.bytes_for(15)  # each file adds ~15 % (an image stays far below 80 %)
        step = fs.pct_of(nbytes)
        warn, crit = base + step / 2, base + 1.5 * step
        key = f"disk:{fs.mount}"
        thresholds = only(disk={"mounts": {fs.mount: {
            "warn": warn, "crit": crit, "for": 1, "hysteresis": 0}}})
        sshd = ssh_lab.start_daemon(loopback_addresses(1, first=71))
        async with running_fleet(ssh_lab, sshd, thresholds) as (fleet, rec):
            first = await rec.until(
                lambda: next((s for s in rec.samples if mount_pct(s, fs.mount) is not None),
                             None), 15, f"{fs.mount!r} in the host's df")
            seen = mount_pct(first, fs.mount)
            assert seen is not None and abs(seen - base) < step / 4, (
                f"df over ssh says {seen}, statvfs here says {base}")

            fs.write("a", nbytes)
            warned = await rec.alert(key, {WARNING, CRITICAL})
            assert warned.new is WARNING and warned.old is OK
            assert warned.value is not None and warn <= warned.value < crit
            assert warned.metric == "disk" and warned.threshold.startswith("warn ")

            fs.write("b", nbytes)
            escalated = await rec.alert(key, {CRITICAL})
            assert escalated.value is not None and escalated.value >= crit
            active = {a.key: a for a in fleet.alerts.active_alerts() if a.host == HOST}
            assert active[key].severity is CRITICAL
            assert active[key].opened == warned.at  # escalation keeps when it began

            fs.remove("a")
            fs.remove("b")
            cleared = await rec.alert(key, {OK})
            assert cleared.value is not None and cleared.value < warn
            assert rec.transitions(key) == [(OK, WARNING), (WARNING, CRITICAL),
                                            (CRITICAL, OK)]
            assert key not in {a.key for a in fleet.alerts.active_alerts()}


async def test_for_and_hysteresis_hold_on_real_disk_figures(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    """for: 2 ignores a one-sample spike; hysteresis keeps an alert that dips just
    below the line; it clears only after clear_for samples below the margin."""
    with watched_filesystem(tmp_path) as fs:
        base = fs.used_pct()
        unit = fs.bytes_for(8, cap=MAX_FILL_BYTES * 2 // 5)
        u = fs.pct_of(unit)
        warn, margin = base + 1.5 * u, u  # alert at +1.5u, clear below +0.5u
        key = f"disk:{fs.mount}"
        thresholds = only(disk={"mounts": {fs.mount: {
            "warn": warn, "crit": None, "for": 2, "hysteresis": margin}}})
        sshd = ssh_lab.start_daemon(loopback_addresses(1, first=72))
        async with running_fleet(ssh_lab, sshd, thresholds) as (fleet, rec):
            await rec.until(lambda: any(mount_pct(s, fs.mount) is not None
                                        for s in rec.samples), 15, "the mount in df")

            def values(after: int) -> list[float | None]:
                return [mount_pct(s, fs.mount) for s in rec.samples[after:]]

            # A spike seen by exactly one sample: written just after a sample arrived
            # (the next df is one interval away), gone as soon as that df has seen it.
            await rec.next_sample()
            mark = len(rec.samples)
            fs.write("spike", int(2.5 * unit))
            spiked = await rec.next_sample()
            fs.remove("spike")
            calm = await rec.next_sample()
            await rec.next_sample()
            spike_pct, calm_pct = mount_pct(spiked, fs.mount), mount_pct(calm, fs.mount)
            assert spike_pct is not None and spike_pct >= warn, values(mark)
            assert calm_pct is not None and calm_pct < warn, values(mark)
            assert rec.of_key(key) == [], "one sample past the line must not alert"

            # The same level held for two samples does alert, on the second one.
            mark = len(rec.samples)
            fs.write("held", int(2.5 * unit))
            fired = await rec.alert(key, {WARNING})
            before = rec.timeline[:rec.timeline.index(fired)]
            streak = [mount_pct(s, fs.mount) for s in before if isinstance(s, Sample)]
            above = 0
            for v in reversed(streak):
                if v is None or v < warn:
                    break
                above += 1
            assert above == 2, f"fired after {above} samples past warn: {values(mark)}"

            # Back below warn but inside the margin: the alert holds, for many samples.
            fs.truncate("held", unit)
            mark_alerts = len(rec.of_key(key))
            band = await rec.until(
                lambda: [v for v in values(mark) if v is not None and v < warn][2:],
                10, "three samples below warn")
            assert all(warn - margin < v < warn for v in band), band
            assert rec.of_key(key)[mark_alerts:] == []
            assert fleet.alerts.metric_severity(HOST, "disk") is WARNING

            # Below the margin: it clears after clear_for (= for = 2) samples.
            fs.remove("held")
            cleared = await rec.alert(key, {OK})
            before = rec.timeline[:rec.timeline.index(cleared)]
            streak = [mount_pct(s, fs.mount) for s in before if isinstance(s, Sample)]
            below = 0
            for v in reversed(streak):
                if v is None or v >= warn - margin:
                    break
                below += 1
            assert below == 2, f"cleared after {below} samples below the margin"
            assert rec.transitions(key) == [(OK, WARNING), (WARNING, OK)]


@contextlib.contextmanager
def busy_cpus(count: int, seconds: float = 20.0) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`count` processes spinning on the CPU; each also stops itself after `seconds`, so
    a killed test run cannot leave them behind."""
    code = (f"import time\nend = time.monotonic() + {seconds!r}\n"
            "while time.monotonic() < end:\n    pass\n")
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(count)]
    try:
        yield procs
    finally:
        for p in procs:
            with contextlib.suppress(ProcessLookupError):
                p.kill()
        for p in procs:
            p.wait(timeout=5)


async def test_cpu_alert_fires_under_real_load_and_clears_when_it_stops(
        ssh_lab: SshLab) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=73))
    # Learn the baseline first (other work may share this machine), then set the line
    # halfway between it and 100 %: spinners on every core take all idle time.
    async with running_fleet(ssh_lab, sshd, {}) as (_fleet, rec):

        def quiet_window() -> list[float] | None:
            cpu = [s.cpu_pct for s in rec.samples if s.cpu_pct is not None][-4:]
            return cpu if len(cpu) == 4 and statistics.median(cpu) < 80 else None

        window = await rec.until(
            quiet_window, 20, "4 CPU figures with a median below 80 % (if this times out,"
            " other work saturates this machine and no CPU alert can be driven)")
    warn = min(95.0, max(60.0, (max(window) + 100.0) / 2))
    thresholds = only(cpu={"warn": warn, "crit": None, "for": 2, "hysteresis": 0})
    async with running_fleet(ssh_lab, sshd, thresholds) as (fleet, rec):
        await rec.until(lambda: any(s.cpu_pct is not None for s in rec.samples), 15,
                        "a CPU figure")
        assert rec.of_key("cpu") == [], rec.describe("cpu")
        with busy_cpus(os.cpu_count() or 1):
            fired = await rec.alert("cpu", {WARNING}, timeout=15)
            assert fired.value is not None and fired.value >= warn
            assert fleet.alerts.metric_severity(HOST, "cpu") is WARNING
        cleared = await rec.alert(
            "cpu", {OK}, timeout=15,
            hint=" (spinners killed: if CPU stays high, other work saturates this machine)")
        assert cleared.value is not None and cleared.value < warn
        assert rec.transitions("cpu") == [(OK, WARNING), (WARNING, OK)]


def _sampler_shells(sshd: Sshd) -> list[psutil.Process]:
    out = []
    for p in sshd.descendants():
        with contextlib.suppress(psutil.Error):
            cmd = p.cmdline()
            if cmd and cmd[0].endswith("sh") and "@@opsconsole-frame" in " ".join(cmd):
                out.append(p)
    return out


class SeverityWatch:
    """Polls host_severity while a fault lasts: it must never read OK in between."""

    def __init__(self, fleet: Fleet) -> None:
        self.fleet = fleet
        self.seen: list[Severity] = []
        self._task: asyncio.Task[None] | None = None

    async def _poll(self) -> None:
        while True:
            self.seen.append(self.fleet.alerts.host_severity(HOST))
            await asyncio.sleep(0.01)

    def start(self) -> None:
        self._task = asyncio.create_task(self._poll())

    async def stop(self) -> list[Severity]:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self.seen.append(self.fleet.alerts.host_severity(HOST))  # the state now
        return self.seen


# Memory used % is above 1 on any running machine: an alert that is WARNING at once.
ALWAYS_WARN = only(memory={"warn": 1, "crit": None, "for": 1})


async def test_stopped_sshd_makes_every_alert_unknown_never_ok(ssh_lab: SshLab) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=74))
    async with running_fleet(ssh_lab, sshd, ALWAYS_WARN) as (fleet, rec):
        await rec.alert("memory", {WARNING}, timeout=15)
        assert fleet.alerts.host_severity(HOST) is WARNING
        watch = SeverityWatch(fleet)
        watch.start()
        mark = len(rec.alerts)

        await asyncio.to_thread(sshd.stop)  # the console keeps running meanwhile
        down = await rec.alert("host", {UNKNOWN}, after=mark, timeout=15)
        assert down.detail.startswith(("reconnecting", "unreachable")), down.detail
        mem = await rec.alert("memory", {UNKNOWN}, after=mark)
        assert mem.old is WARNING and mem.value is None
        assert fleet.alerts.host_severity(HOST) is UNKNOWN
        assert {a.key: a.severity for a in fleet.alerts.active_alerts()
                if a.host == HOST} == {"host": UNKNOWN, "memory": UNKNOWN}
        await asyncio.sleep(3 * INTERVAL)  # more reconnect attempts: still UNKNOWN
        assert fleet.alerts.host_severity(HOST) is UNKNOWN

        await asyncio.to_thread(sshd.start)
        fleet.reconnect(HOST)
        back = await rec.alert("host", {OK}, after=mark, timeout=15)
        settled = await rec.alert("memory", {WARNING}, after=mark)
        assert settled.old is UNKNOWN and settled.value is not None
        seen = await watch.stop()
        assert OK not in seen, "the host read OK while it could not be seen"
        assert UNKNOWN in seen and seen[-1] is WARNING
        assert back.at >= down.at
        assert rec.transitions("memory") == [(OK, WARNING), (WARNING, UNKNOWN),
                                             (UNKNOWN, WARNING)]


async def test_silent_sampler_goes_stale_and_unknown_then_recovers(ssh_lab: SshLab) -> None:
    """The connection stays up but the data stops: stale is UNKNOWN too."""
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=75))
    async with running_fleet(ssh_lab, sshd, ALWAYS_WARN) as (fleet, rec):
        await rec.alert("memory", {WARNING}, timeout=15)
        shells = await rec.until(lambda: _sampler_shells(sshd), 5, "the sampler shell")
        watch = SeverityWatch(fleet)
        watch.start()
        mark = len(rec.alerts)
        for p in shells:
            p.send_signal(signal.SIGSTOP)
        try:
            stale = await rec.alert("host", {UNKNOWN}, after=mark)
            assert stale.detail.startswith("stale"), stale.detail
            assert (await rec.alert("memory", {UNKNOWN}, after=mark)).old is WARNING
            assert fleet.model.views[HOST].status.state is HostState.STALE
        finally:
            for p in shells:
                with contextlib.suppress(psutil.Error):
                    p.send_signal(signal.SIGCONT)
        await rec.alert("host", {OK}, after=mark)
        await rec.alert("memory", {WARNING}, after=mark)
        seen = await watch.stop()
        assert OK not in seen and UNKNOWN in seen
        assert fleet.alerts.host_severity(HOST) is WARNING
        # The same connection carried on: no reconnect was needed.
        assert not any(s.new.state in (HostState.RECONNECTING, HostState.UNREACHABLE)
                       for s in rec.states)
