"""Plugin output and perfdata, per the Monitoring Plugins guidelines; the remote
wrapper under the shells hosts have (dash, busybox sh)."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from console.checks.perfdata import parse_perfdata
from console.checks.plugin_output import MAX_OUTPUT, interpret, split_output
from console.checks.remote import remote_command
from console.checks.summary import summarize
from console.severity import Severity


def test_perfdata_items_quoted_labels_units_and_ranges() -> None:
    data, problems = parse_perfdata(
        "time=0.012s;1;5;0; 'disk /var''s'=93%;80;@90:95;0;100 'a b'=U rx=1.5e3c;;;;")
    assert problems == ()
    assert [(d.label, d.value, d.uom) for d in data] == [
        ("time", 0.012, "s"), ("disk /var's", 93, "%"), ("a b", None, ""), ("rx", 1500, "c")]
    disk = data[1]
    assert disk.warn.text == "80" and disk.crit.inside and disk.state == "crit"
    assert data[0].state == "ok" and data[2].state == ""
    assert disk.describe() == "disk /var's=93% (warn 80, crit @90:95, range 0..100)"


@pytest.mark.parametrize(("text", "problem"), [
    ("a", "is not label=value"),
    ("=5", "is not label=value"),
    ("a=x", "value 'x' is not a number"),
    ("a=5parsecs", "unknown unit 'parsecs'"),
    ("a=5;1:0", "start 1 is above end 0"),
    ("a=5;1;2;3;4;5", "more than value;warn;crit;min;max"),
    ("a=5;;;zero", "could not convert"),
    ("'open=5", "unterminated quote"),
])
def test_malformed_perfdata_is_a_problem_not_a_failure(text: str, problem: str) -> None:
    data, problems = parse_perfdata(f"good=1 {text}")
    assert [d.label for d in data] == ["good"]
    assert len(problems) == 1 and problem in problems[0], problems


def test_output_layout_status_long_output_and_perfdata_lines() -> None:
    out = ("DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968\n"
           "/ 15272 MB (77%);\n/boot 68 MB (69%); | /boot=68MB;88;93;0;98\n"
           "/home=69357MB;253404;253409;0;253414\n")
    status, long_output, perf = split_output(out)
    assert status == "DISK OK - free space: / 3326 MB (56%);"
    assert long_output == "/ 15272 MB (77%);\n/boot 68 MB (69%);"
    assert perf.split() == ["/=2643MB;5948;5958;0;5968", "/boot=68MB;88;93;0;98",
                            "/home=69357MB;253404;253409;0;253414"]


@pytest.mark.parametrize(("code", "out", "err", "severity", "status"), [
    (0, "OK - fine\n", "", Severity.OK, "OK - fine"),
    (1, "WARN - hmm\n", "", Severity.WARNING, "WARN - hmm"),
    (2, "CRIT - bad | x=1\n", "", Severity.CRITICAL, "CRIT - bad"),
    (3, "UNKNOWN - cannot tell\n", "", Severity.UNKNOWN, "UNKNOWN - cannot tell"),
    (4, "OK?\n", "", Severity.UNKNOWN, "exit 4 is not a Nagios status (0-3): OK?"),
    (0, "", "", Severity.UNKNOWN, "printed nothing (exit 0)"),
    (2, "\n\n", "oops\n", Severity.UNKNOWN, "printed nothing (exit 2); stderr: oops"),
    (127, "", "sh: 1: check_x: not found\n", Severity.UNKNOWN,
     "command not found (exit 127): sh: 1: check_x: not found"),
    (126, "", "", Severity.UNKNOWN, "command found but not executable (exit 126)"),
    (None, "", "", Severity.UNKNOWN, "ended without an exit status (killed by a signal?)"),
])
def test_exit_codes_and_output(code: int | None, out: str, err: str, severity: Severity,
                               status: str) -> None:
    r = interpret("h", "c", code, out, err, duration_s=0.1, at=1.0)
    assert (r.severity, r.status) == (severity, status)


def test_hostile_output_is_bounded_and_made_visible() -> None:
    big = interpret("h", "c", 0, "OK " + "x" * MAX_OUTPUT + "\n")
    assert big.severity is Severity.UNKNOWN and "larger than 64 KiB" in big.status
    assert len(big.status) <= 300 and len(big.long_output) < 10_000
    esc = interpret("h", "c", 0, "OK \x1b]0;title\x07\x1b[2J\u202edone\n")
    assert esc.severity is Severity.UNKNOWN
    assert "\x1b" not in esc.status and "␛]0;title␇" in esc.status
    assert "<U+202E>" in esc.status
    bad = interpret("h", "c", 2, "CRIT caf\ufffd\n")
    assert bad.severity is Severity.UNKNOWN and "not valid UTF-8" in bad.status
    timed = interpret("h", "c", 124, "", timeout_s=5, duration_s=5.2)
    assert timed.status == "timed out after 5 s (the command was killed)"


def test_summary_cell() -> None:
    S = Severity
    assert summarize([]) == ("", None)
    assert summarize([None, None]) == ("…", None)
    assert summarize([S.OK, None]) == ("ok 1/2", S.OK)
    assert summarize([S.OK, S.OK]) == ("2 ok", S.OK)
    assert summarize([S.CRITICAL, S.WARNING, S.UNKNOWN, S.OK]) == ("1C 1U 1W", S.CRITICAL)


SHELLS = [["dash", "-c"], ["busybox", "sh", "-c"]]


@pytest.mark.parametrize("shell", SHELLS, ids=lambda s: s[0])
def test_remote_wrapper_keeps_the_exit_status_and_bounds_output(shell: list[str]) -> None:
    assert shutil.which(shell[0]), f"{shell[0]} not installed: run scripts/test"

    def run(script: str, timeout: float = 30) -> tuple[int, bytes, bytes, float]:
        # The wrapper is an `exec sh -c ...` line: run it with the shell under test as sh.
        command = remote_command(script, timeout).replace("exec sh -c", "exec " +
                                                          " ".join(shell), 1)
        start = time.monotonic()
        p = subprocess.run([*shell, command], capture_output=True, timeout=60)
        return p.returncode, p.stdout, p.stderr, time.monotonic() - start

    assert run("echo 'OK - x'; exit 0")[:3] == (0, b"OK - x\n", b"")
    assert run("echo 'W'; echo e >&2; exit 1")[:3] == (1, b"W\n", b"e\n")
    code, out, _, _ = run("yes | head -c 1000000; exit 2")
    assert code == 2 and len(out) == MAX_OUTPUT + 1
    code, out, _, took = run("sleep 30; echo late", timeout=1)
    assert code in (124, 143) and out == b"" and took < 5


def test_the_example_inventory_shows_every_preset() -> None:
    from pathlib import Path

    from console.checks.definition import checks_of
    from console.checks.presets import PRESETS
    from console.inventory import load_inventory

    inv = load_inventory(Path(__file__).parent.parent / "inventory.example.yaml")
    db = checks_of(inv.host("db-1").vars)
    web = checks_of(inv.host("web-1").vars)
    assert set(web) == {"updates", "failed-units", "clock", "accounts"}
    assert set(db) == set(web) | {"db-backup", "site-cert", "api-cert", "raid"}
    assert {c.preset for c in db.values()} - {None} == set(PRESETS)
    assert db["raid"].command == "check_raid" and db["updates"].interval == 3600
    assert db["accounts"].become and db["db-backup"].params["min_size"] == 1048576
