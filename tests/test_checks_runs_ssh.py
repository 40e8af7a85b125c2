"""Plugins, bad output, timeouts and the schedule, on real sshd hosts."""

from __future__ import annotations

import itertools
import time
import uuid
from pathlib import Path

import psutil
import pytest

from console.events import AlertChanged
from console.fleet.checks import alert_key
from console.severity import Severity
from tests.checks_lab import checks_fleet, script
from tests.sshlab import SshLab
from tests.waiting import eventually

pytestmark = pytest.mark.sshd
HOST = "host-1"

PLUGIN = """\
echo "DISK WARNING - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968"
echo "/ 15272 MB (77%);"
echo "/boot 68 MB (69%);"
echo "/home 69357 MB (27%);"
echo "/var/log 819 MB (84%); | /boot=68MB;88;93;0;98"
echo "/home=69357MB;253404;253409;0;253414"
echo "'/var/log'=818MB;970;975;0;980"
exit 1
"""


async def test_a_nagios_plugin_with_long_output_and_perfdata(ssh_lab: SshLab,
                                                             tmp_path: Path) -> None:
    plugin = script(tmp_path / "check_disk_demo", PLUGIN)
    async with checks_fleet(ssh_lab, {"disk": {"command": str(plugin)}}) as fleet:
        r = await fleet.checks.run_check(HOST, "disk")
    assert r.severity is Severity.WARNING
    assert r.status == "DISK WARNING - free space: / 3326 MB (56%);"
    assert r.long_output.splitlines() == ["/ 15272 MB (77%);", "/boot 68 MB (69%);",
                                          "/home 69357 MB (27%);", "/var/log 819 MB (84%);"]
    perf = {p.label: p for p in r.perfdata}
    assert list(perf) == ["/", "/boot", "/home", "/var/log"]
    assert perf["/var/log"].value == 818 and perf["/var/log"].uom == "MB"
    assert perf["/var/log"].warn.text == "970" and perf["/var/log"].max == 980
    assert r.problems == () and r.exit_code == 1 and r.duration_s > 0


BAD = {
    "silent": ("exit 0\n", "printed nothing (exit 0)"),
    "megabyte": ("head -c 1048576 /dev/zero | tr '\\0' x\nexit 0\n",
                 "output larger than 64 KiB (cut)"),
    "missing": ("exec /nonexistent/check_thing\n", "command not found (exit 127)"),
    "exit-42": ("echo 'OK - really'\nexit 42\n", "exit 42 is not a Nagios status (0-3)"),
    "latin1": ("printf 'CRITICAL - caf\\351 au lait\\n'\nexit 2\n",
               "output is not valid UTF-8"),
    "escapes": ("printf 'OK - \\033]0;pwned\\007\\033[2Jall good\\n'\nexit 0\n",
                "output holds terminal control sequences (shown escaped)"),
}


async def test_bad_plugins_are_unknown_with_the_reason(ssh_lab: SshLab,
                                                       tmp_path: Path) -> None:
    checks = {name: {"command": str(script(tmp_path / name, body))}
              for name, (body, _) in BAD.items()}
    checks["sloppy-perf"] = {"command": str(script(
        tmp_path / "sloppy", "echo 'OK - fine | a=1;2;3 b=x c= d=5zz;; e=3;2;1;0;9;9'\n"))}
    async with checks_fleet(ssh_lab, checks) as fleet:
        for name, (_, reason) in BAD.items():
            r = await fleet.checks.run_check(HOST, name)
            assert r.severity is Severity.UNKNOWN, (name, r)
            assert reason in r.status, (name, r.status)
            assert "\x1b" not in r.status + r.long_output and len(r.status) <= 300
        r = await fleet.checks.run_check(HOST, "escapes")
        assert "␛]0;pwned" in r.status  # shown, never acted on
        r = await fleet.checks.run_check(HOST, "missing")
        assert "/nonexistent/check_thing" in r.status  # the shell's own words
        r = await fleet.checks.run_check(HOST, "sloppy-perf")
    # Malformed perfdata is reported, not fatal: the plugin's verdict stands.
    assert r.severity is Severity.OK and r.status == "OK - fine"
    assert [p.label for p in r.perfdata] == ["a"]
    assert len(r.problems) == 4 and all("malformed perfdata" in p for p in r.problems)


async def test_a_hanging_check_times_out_and_leaves_no_process(ssh_lab: SshLab,
                                                               tmp_path: Path) -> None:
    marker = f"hang-{uuid.uuid4().hex[:8]}"
    hang = script(tmp_path / marker, "sleep 300 &\nsleep 301\n")
    async with checks_fleet(ssh_lab, {"hang": {"command": str(hang), "timeout": 2}}) as fleet:
        started = time.monotonic()
        r = await fleet.checks.run_check(HOST, "hang")
        took = time.monotonic() - started
        assert r.severity is Severity.UNKNOWN
        assert r.status.startswith("timed out after 2 s (the command was killed)")
        assert took < 6, took

        def leftovers() -> list[str]:
            found = []
            for proc in psutil.process_iter(["cmdline"]):
                cmd = " ".join(proc.info["cmdline"] or [])
                if marker in cmd or cmd in ("sleep 300", "sleep 301"):
                    found.append(f"{proc.pid} {cmd}")
            return found

        await eventually(lambda: not leftovers(), 5, "no process of the check left")
        # The link is still fine for the next check.
        assert (await fleet.run(HOST, "echo alive")).stdout == "alive\n"


async def test_a_host_that_is_not_connected_is_unknown_with_the_reason(
        ssh_lab: SshLab) -> None:
    async with checks_fleet(ssh_lab, {"echo": {"command": "echo OK - up"}}) as fleet:
        assert (await fleet.checks.run_check(HOST, "echo")).severity is Severity.OK
        ssh_lab.daemons[0].stop()
        await eventually(lambda: fleet.supervisors[HOST].status.state.value
                         in ("reconnecting", "unreachable"), 15, "host down")
        r = await fleet.checks.run_check(HOST, "echo")
    assert r.severity is Severity.UNKNOWN
    assert r.status.startswith("host not connected (")
    assert "connection refused" in r.status or "link lost" in r.status, r.status


async def test_the_schedule_one_session_per_host_alerts_and_run_now(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    """Three 1-second checks per host for a few seconds: runs never overlap on a host,
    each check repeats, verdicts become alerts, and run-now runs a check at once."""
    log = tmp_path / "runs.log"
    # Each run names the lab address it came in on ($SSH_CONNECTION's third field).
    body = ('who="$1@$(echo $SSH_CONNECTION | cut -d" " -f3)"\n'
            f'echo "start $(date +%s.%N) $who" >> {log}\nsleep 0.3\n'
            f'echo "end $(date +%s.%N) $who" >> {log}\n')
    probe = script(tmp_path / "probe", body + 'echo "OK - $1"\n')
    failing = script(tmp_path / "failing", body + 'echo "CRITICAL - $1 is broken"\nexit 2\n')
    checks = {"a": {"command": f"{probe} a", "interval": 1},
              "b": {"command": f"{probe} b", "interval": 1},
              "c": {"command": f"{failing} c", "interval": 1}}
    changes: list[AlertChanged] = []
    async with checks_fleet(ssh_lab, checks, hosts=2, start=True) as fleet:
        fleet.bus.subscribe(AlertChanged, changes.append)
        sched = fleet.checks
        await eventually(lambda: all(len(sched.history.get((h, n), ())) >= 3
                                     for h in ("host-1", "host-2") for n in "abc"),
                         20, "three runs of every check on every host")
        assert sched.summary("host-1") == ("1C", Severity.CRITICAL)
        # The fleet table reads this for every row every tick: cached until a result.
        assert sched.summary("host-1") is sched.summary("host-1")
        active = {(a.host, a.key): a for a in fleet.alerts.active_alerts()}
        fired = [c for c in changes if c.key == alert_key("c") and c.host == "host-1"]
        assert fired and fired[0].new is Severity.CRITICAL, changes
        assert fired[0].detail == "CRITICAL - c is broken"
        assert active[("host-1", alert_key("c"))].severity is Severity.CRITICAL
        assert ("host-1", alert_key("a")) not in active
        before = len(sched.history[("host-2", "a")])
        assert sched.run_now(["host-2"], "a") == 1
        await eventually(lambda: len(sched.history[("host-2", "a")]) > before, 3,
                         "run now")
    # Per host (each run names its connection), start/end pairs never interleave.
    spans: dict[str, list[tuple[float, float]]] = {}
    open_runs: dict[str, float] = {}
    for line in log.read_text().splitlines():
        kind, at, who = line.split()[:3]
        conn = who.split("@", 1)[1]
        if kind == "start":
            open_runs[who] = float(at)
        else:
            spans.setdefault(conn, []).append((open_runs.pop(who), float(at)))
    assert len(spans) == 2
    for conn, runs in spans.items():
        assert len(runs) >= 9, runs
        runs.sort()
        for (_, end), (start, _) in itertools.pairwise(runs):
            assert start >= end, f"two checks at once on {conn}: {runs}"


async def test_checks_due_together_share_one_session(ssh_lab: SshLab, tmp_path: Path) -> None:
    """A round of a host's checks is one session; each check keeps its own verdict,
    timeout, output bound and stderr, and output that imitates the markers is data."""
    marker = f"hang-{uuid.uuid4().hex[:8]}"
    checks = {
        "ok": {"command": "echo 'OK - first | a=1;2;3'"},
        "forger": {"command": "printf 'OK - x\\n@@0123 end 0 0 0\\n@@0123 begin 1 0\\n'"},
        "hang": {"command": str(script(tmp_path / marker, "sleep 300\n")), "timeout": 2},
        "loud": {"command": "head -c 1048576 /dev/zero | tr '\\0' y; exit 0"},
        "err": {"command": "echo 'CRITICAL - broken'; echo 'why: disk' >&2; exit 2"},
        "clock": {"preset": "clock_skew"},
    }
    async with checks_fleet(ssh_lab, checks) as fleet:
        log = ssh_lab.daemons[0].log_path
        before = log.read_text().count("Starting session")
        results = {r.check: r for r in await fleet.checks.run_all_once()}
        sessions = log.read_text().count("Starting session") - before
    assert sessions == 2, "one session for the batch, one for clock_skew"
    assert results["ok"].severity is Severity.OK and results["ok"].perfdata[0].label == "a"
    assert results["forger"].severity is Severity.OK
    assert results["forger"].long_output == "@@0123 end 0 0 0\n@@0123 begin 1 0"
    assert results["hang"].status.startswith("timed out after 2 s")
    assert 1.5 < results["hang"].duration_s < 5
    assert "larger than 64 KiB" in results["loud"].status
    assert results["err"].severity is Severity.CRITICAL and results["err"].stderr == "why: disk\n"
    assert results["clock"].severity is Severity.OK
    assert not [p for p in psutil.process_iter(["cmdline"])
                if marker in " ".join(p.info["cmdline"] or [])]
