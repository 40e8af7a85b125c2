"""Log streaming over real sshd: the follower, the tailer, and what is left on the host.

The lab's hosts are this machine, so "the host's process list" is this machine's:
every check looks for live (non-zombie) processes whose command line names the
test's own temporary directory, wherever they were reparented to.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from console.events import HostState
from console.fleet.fleet import Fleet
from console.fleet.log_buffer import GAP, HISTORY, LOG, NOTICE
from console.fleet.log_events import LogSourceChanged, SourceState
from console.inventory import load_inventory
from tests.sshlab import Sshd, SshLab, loopback_addresses
from tests.waiting import eventually

pytestmark = pytest.mark.sshd


def leftovers(marker: str) -> list[str]:
    """Live processes (anywhere on the machine) whose command line mentions `marker`,
    other than this test process."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        info = proc.info
        if info["pid"] == os.getpid() or info["status"] == psutil.STATUS_ZOMBIE:
            continue
        cmdline = " ".join(info["cmdline"] or ())
        if marker in cmdline and "sshd" not in cmdline:
            found.append(f"{info['pid']}: {cmdline[:120]}")
    return found


def texts(fleet: Fleet, host: str, source: str, kinds: tuple[str, ...] = (LOG,)
          ) -> list[str]:
    return [e.text for e in fleet.logs.source(host, source).entries if e.kind in kinds]


async def start_fleet(ssh_lab: SshLab, sshd: Sshd, logs: dict[str, Any],
                      **extra: Any) -> tuple[Fleet, str]:
    hosts = ssh_lab.hosts_of(sshd)
    inventory = load_inventory(ssh_lab.write_inventory(
        hosts, extra_vars={"console_logs": logs, **extra}, interval=0.5))
    fleet = Fleet(inventory)
    fleet.start()
    host = next(iter(hosts))
    await eventually(lambda: fleet.model.views[host].status.state is HostState.UP, 15,
                     "host up", evidence=ssh_lab.log_tails)
    return fleet, host


def denied_path(tmp_path: Path) -> str:
    """A file the host refuses to read: as root, a write-only /proc file (root reads
    any ordinary file); otherwise a file with mode 000."""
    if os.geteuid() == 0:
        return "/proc/sys/vm/compact_memory"
    path = tmp_path / "denied.log"
    path.write_text("secret\n")
    path.chmod(0)
    return str(path)


async def test_rotation_truncation_errors_and_independent_sources(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=60))
    app, other = tmp_path / "app.log", tmp_path / "other.log"
    app.write_text("old 1\nold 2\nold 3\n")
    other.write_text("")
    logs = {"app": str(app), "gone": str(tmp_path / "missing.log"),
            "denied": denied_path(tmp_path), "other": {"path": str(other)}}
    fleet, host = await start_fleet(ssh_lab, sshd, logs)
    changes: list[LogSourceChanged] = []
    fleet.bus.subscribe(LogSourceChanged, changes.append)
    try:
        release = fleet.logs.hold([(host, "app"), (host, "gone"), (host, "denied")])
        release_other = fleet.logs.hold([(host, "other")])
        src = fleet.logs.source(host, "app")
        await eventually(lambda: texts(fleet, host, "app", (HISTORY,)) ==
                         ["old 1", "old 2", "old 3"], 15, "the backlog as history")
        with app.open("a") as f:
            f.write("new 1\nnew 2\n")
        await eventually(lambda: texts(fleet, host, "app")[-2:] == ["new 1", "new 2"],
                         10, "appended lines")
        # Rotation: the file is renamed and a new one created, as logrotate does.
        app.rename(tmp_path / "app.log.1")
        app.write_text("after rotation\n")
        await eventually(lambda: "after rotation" in texts(fleet, host, "app"), 15,
                         "the line written after rotation")
        # Truncation (copytruncate): the same file emptied, then written again. Like
        # tail -F, the follower notices a truncation by the size going down.
        app.write_text("")
        await eventually(lambda: any("truncated" in t for t in
                                     texts(fleet, host, "app", (NOTICE,))), 15,
                         "tail noticing the truncation")
        with app.open("a") as f:
            f.write("after truncation\n")
        await eventually(lambda: "after truncation" in texts(fleet, host, "app"), 15,
                         "the line written after truncation")
        assert texts(fleet, host, "app").count("after rotation") == 1

        # Unreadable sources say why, in the host's own words.
        gone = fleet.logs.source(host, "gone")
        denied = fleet.logs.source(host, "denied")
        await eventually(lambda: gone.state is SourceState.UNREADABLE
                         and denied.state is SourceState.UNREADABLE, 10, "unreadable")
        assert "No such file or directory" in gone.detail
        assert "Permission denied" in denied.detail
        assert any("Permission denied" in t for t in texts(fleet, host, "denied", (NOTICE,)))
        assert any(c.source == "gone" and c.state is SourceState.UNREADABLE for c in changes)

        # Stopping one source leaves the others running: the same tail process.
        other_tails = lambda: [p for p in leftovers(str(other)) if "tail" in p]  # noqa: E731
        await eventually(other_tails, 10, "the other source's tail on the host")
        app_pid = src.pid
        app_tails = [p for p in leftovers(str(app)) if "tail" in p]
        assert app_pid is not None and app_tails
        release_other()
        assert fleet.logs.source(host, "other").state is SourceState.STOPPED
        await eventually(lambda: not leftovers(str(other)), 10, "other's tail gone")
        with app.open("a") as f:
            f.write("still followed\n")
        await eventually(lambda: "still followed" in texts(fleet, host, "app"), 10,
                         "app still followed")
        assert src.pid == app_pid
        assert [p for p in leftovers(str(app)) if "tail" in p] == app_tails

        # The last view closes: nothing is left on the host.
        release()
        await eventually(lambda: not leftovers(str(tmp_path)), 10,
                         "no follower process left after the last view closed")
        assert fleet.logs.hosts[host].follower is None
    finally:
        await fleet.stop()
    assert not leftovers(str(tmp_path))


async def test_reconnect_marks_the_gap_and_shows_no_line_twice(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=61))
    app = tmp_path / "app.log"
    app.write_text("before 1\nbefore 2\n")
    fleet, host = await start_fleet(ssh_lab, sshd, {"app": {"path": str(app),
                                                            "watch": "always"}})
    try:
        src = fleet.logs.source(host, "app")
        await eventually(lambda: len(texts(fleet, host, "app", (HISTORY,))) == 2, 15,
                         "backlog of an always source")
        with app.open("a") as f:
            f.write("live 1\n")
        await eventually(lambda: "live 1" in texts(fleet, host, "app"), 10, "live line")
        sshd.stop()
        await eventually(lambda: src.state is SourceState.DISCONNECTED, 15,
                         "source disconnected with its host")
        with app.open("a") as f:
            f.write("during the gap\n")
        sshd.start()
        await eventually(lambda: any(e.kind == GAP for e in src.entries), 30,
                         "a gap marker after the reconnect", evidence=ssh_lab.log_tails)
        with app.open("a") as f:
            f.write("after 1\n")
        await eventually(lambda: "after 1" in texts(fleet, host, "app"), 15,
                         "lines after the reconnect")
        every = texts(fleet, host, "app", (LOG, HISTORY))
        assert len(every) == len(set(every)), every
        assert every == ["before 1", "before 2", "live 1", "after 1"]
        gap = next(e for e in src.entries if e.kind == GAP)
        assert "not followed from" in gap.text
    finally:
        await fleet.stop()
    await eventually(lambda: not leftovers(str(tmp_path)), 10, "nothing left")


FAKE_JOURNALCTL = """#!/bin/sh
# A stand-in for journalctl (the lab has no systemd journal): -u UNIT follows
# $LOGDIR/UNIT.log like `journalctl -f -n N -u UNIT`; an unknown unit is refused as
# journalctl would say it.
follow=0; lines=10; unit=
while [ $# -gt 0 ]; do
  case $1 in
    -f) follow=1 ;;
    -n) shift; lines=$1 ;;
    -u) shift; unit=$1 ;;
  esac
  shift
done
log="__DIR__/$unit.log"
if [ ! -f "$log" ]; then
  echo "Unit $unit could not be found." >&2
  exit 1
fi
if [ $follow = 1 ]; then exec tail -n "$lines" -F "$log"; fi
exec tail -n "$lines" "$log"
"""


async def test_unit_and_command_sources_through_journalctl_and_sh(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    """The lab has no systemd journal: a fake journalctl early on the host's PATH
    answers `journalctl -f -n N -u UNIT` the way the real one does."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "journalctl"
    fake.write_text(FAKE_JOURNALCTL.replace("__DIR__", str(tmp_path)))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    (tmp_path / "myapp.service.log").write_text("Dec 03 10:00:00 h app[1]: ready\n")
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=62),
                                env={"PATH": f"{bindir}:/usr/bin:/bin"})
    logs = {"app": {"unit": "myapp.service", "watch": "always"},
            "nosuch": {"unit": "nosuch.service"},
            "cmd": {"command": f"echo one; echo two >&2; sleep 1000 # {tmp_path}"}}
    fleet, host = await start_fleet(ssh_lab, sshd, logs)
    try:
        app = fleet.logs.source(host, "app")
        await eventually(lambda: texts(fleet, host, "app", (HISTORY,)) ==
                         ["Dec 03 10:00:00 h app[1]: ready"], 15, "unit backlog")
        with (tmp_path / "myapp.service.log").open("a") as f:
            f.write("Dec 03 10:00:01 h app[1]: ERROR payment failed\n")
        await eventually(lambda: any("payment failed" in t
                                     for t in texts(fleet, host, "app")), 10, "unit line")
        assert app.state is SourceState.FOLLOWING
        release = fleet.logs.hold([(host, "nosuch"), (host, "cmd")])
        nosuch = fleet.logs.source(host, "nosuch")
        await eventually(lambda: nosuch.state is SourceState.UNREADABLE, 10,
                         "unknown unit refused")
        assert "Unit nosuch.service could not be found." in nosuch.detail
        await eventually(lambda: texts(fleet, host, "cmd") == ["one"], 10, "command out")
        assert "two" in texts(fleet, host, "cmd", (NOTICE,))
        release()
        await eventually(lambda: not [p for p in leftovers(str(tmp_path))
                                      if "sleep" in p], 10, "the command killed")
        assert app.state is SourceState.FOLLOWING  # `always` keeps following
    finally:
        await fleet.stop()
    await eventually(lambda: not leftovers(str(tmp_path)), 10, "nothing left")


async def test_flood_is_cut_on_the_host_with_a_dropped_count(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=63))
    flood = ("awk 'BEGIN { for (i = 0; i < 30000; i++) print \"line \" i }'; "
             f"sleep 1000 # {tmp_path}")
    fleet, host = await start_fleet(ssh_lab, sshd, {"flood": {"command": flood}})
    try:
        release = fleet.logs.hold([(host, "flood")])
        src = fleet.logs.source(host, "flood")
        await eventually(lambda: src.dropped_total > 0 and any(
            e.kind == "dropped" for e in src.entries), 20, "a dropped count")
        # Drops are reported every 100 (awk has no timer: the last few wait for the
        # next line), so all but at most 99 are accounted for at once.
        await eventually(lambda: src.lines_in + src.dropped_total >= 30000 - 99, 60,
                         "every line received or counted as dropped")
        assert src.lines_in < 30000
        assert len(src.entries) <= 10_000  # the ring buffer's bound
        marker = next(e for e in src.entries if e.kind == "dropped")
        assert "lines dropped (over the host's budget" in marker.text
        release()
    finally:
        await fleet.stop()
    deadline = time.monotonic() + 10
    while leftovers(str(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not leftovers(str(tmp_path))


async def test_errors_per_minute_alert_and_unknown_while_unreadable(
        ssh_lab: SshLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """log_errors_per_min goes through the same alert engine as CPU: CRITICAL past its
    level, UNKNOWN while the source cannot be read, OK again once it can."""
    from console.fleet import logs as tailer_module
    from console.severity import Severity

    monkeypatch.setattr(tailer_module, "REPORT_S", 0.5)
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=64))
    app = tmp_path / "app.log"
    app.write_text("")
    logs = {"app": {"path": str(app), "watch": "always"},
            "gone": {"path": str(tmp_path / "later.log"), "watch": "always"}}
    thresholds = {"log_errors_per_min": {"warn": 2, "crit": 5, "for": 1}}
    fleet, host = await start_fleet(ssh_lab, sshd, logs, console_thresholds=thresholds)

    def severity(key: str) -> Severity | None:
        return next((a.severity for a in fleet.alerts.active_alerts()
                     if a.host == host and a.key == key), None)
    try:
        src = fleet.logs.source(host, "app")
        await eventually(lambda: src.state is SourceState.FOLLOWING or src.pid, 15,
                         "app followed")
        with app.open("a") as f:
            f.writelines(f"ERROR failure {i}\n" for i in range(6))
        await eventually(lambda: severity("log:app") is Severity.CRITICAL, 15,
                         "log_errors_per_min CRITICAL for log:app")
        alert = next(a for a in fleet.alerts.active_alerts() if a.key == "log:app")
        assert alert.metric == "log_errors_per_min" and alert.value is not None \
            and alert.value >= 5
        await eventually(lambda: severity("log:gone") is Severity.UNKNOWN, 15,
                         "UNKNOWN while the file cannot be read")
        (tmp_path / "later.log").write_text("INFO here now\n")
        gone = fleet.logs.source(host, "gone")
        await eventually(lambda: severity("log:gone") is None, 20,
                         "the UNKNOWN cleared once the file can be read",
                         evidence=lambda: f"{gone.state} {gone.detail} "
                         f"{[e.text for e in gone.entries]} {fleet.alerts.active_alerts()}")
    finally:
        await fleet.stop()


async def test_local_host_follows_files_with_the_same_semantics(tmp_path: Path) -> None:
    """This machine (ansible_connection: local) runs the same follower without SSH."""
    log = tmp_path / "local.log"
    log.write_text("old\n")
    inventory_path = tmp_path / "inv.yaml"
    inventory_path.write_text(
        "all:\n  hosts:\n    here:\n      ansible_connection: local\n"
        f"      console_logs: {{app: {log}, gone: {tmp_path / 'missing.log'}}}\n")
    fleet = Fleet(load_inventory(inventory_path))
    fleet.start()
    try:
        release = fleet.logs.hold([("here", "app"), ("here", "gone")])
        await eventually(lambda: texts(fleet, "here", "app", (HISTORY,)) == ["old"], 10,
                         "local backlog")
        log.rename(tmp_path / "local.log.1")
        log.write_text("rotated\n")
        await eventually(lambda: "rotated" in texts(fleet, "here", "app"), 10,
                         "the line after rotation")
        gone = fleet.logs.source("here", "gone")
        await eventually(lambda: gone.state is SourceState.UNREADABLE, 10, "missing file")
        assert "No such file or directory" in gone.detail
        release()
        await eventually(lambda: not leftovers(str(tmp_path)), 10, "local tail gone")
    finally:
        await fleet.stop()
    assert not leftovers(str(tmp_path))


async def test_closing_and_reopening_a_view_at_once_follows_with_one_tail(
        tmp_path: Path) -> None:
    """The last view closes and another opens in the same moment: the closing follower
    is not reused; the new one follows, a gap line says when nothing was read."""
    log = tmp_path / "app.log"
    log.write_text("")
    inventory_path = tmp_path / "inv.yaml"
    inventory_path.write_text(
        "all:\n  hosts:\n    here:\n      ansible_connection: local\n"
        f"      console_logs: {{app: {log}}}\n")
    fleet = Fleet(load_inventory(inventory_path))
    fleet.start()
    try:
        src = fleet.logs.source("here", "app")
        release = fleet.logs.hold([("here", "app")])
        await eventually(lambda: src.pid, 10, "followed")
        release()
        release = fleet.logs.hold([("here", "app")])
        await eventually(lambda: src.state is SourceState.FOLLOWING and src.pid, 10,
                         "followed again")
        with log.open("a") as f:
            f.write("after reopening\n")
        await eventually(lambda: "after reopening" in texts(fleet, "here", "app"), 10,
                         "the line written after reopening")
        assert any(e.kind == GAP for e in src.entries)
        await eventually(lambda: len([p for p in leftovers(str(log)) if "tail" in p]) == 1,
                         10, "exactly one tail")
        release()
    finally:
        await fleet.stop()
    await eventually(lambda: not leftovers(str(tmp_path)), 10, "nothing left")
