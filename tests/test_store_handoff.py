"""The handoff report: what the next shift reads, pasted into a ticket."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC
from pathlib import Path

import pytest

from console.cli import main
from console.format import long_duration, parse_duration
from console.store import Store
from console.store.handoff import ActiveAlert, build_handoff, md_escape


async def _fill(store: Store) -> int:
    old = await store.add_note("from yesterday, outside the window", created_at=time.time()
                               - 86400)
    assert old.id == 1
    incident = await store.open_incident("Checkout errors", "SEV2")
    await store.add_note("5xx on @web1 since 14:00", author="alice")
    await store.add_note("rolled back\n# not a heading\n- not a list\n[link](http://x)",
                         author="bob")
    for i in range(4):
        await store.record_event("host", f"web{i} down", host=f"web{i}",
                                 meta={"state": "down"})
    await store.record_event("operation", "systemctl restart nginx", host="web1",
                             meta={"command": "systemctl restart nginx", "result": "ok"})
    await store.record_event("alert", "cpu 97%", host="web1",
                             meta={"key": "web1/cpu", "state": "firing"})
    await store.record_event("alert", "disk 91%", host="db1",
                             meta={"key": "db1/disk", "state": "firing"})
    await store.record_event("alert", "disk 60%", host="db1",
                             meta={"key": "db1/disk", "state": "resolved"})
    done = await store.open_incident("Cert expiry", "SEV4", author="carol")
    await store.resolve_incident(done.id, "renewed *.example.com", author="carol")
    return incident.id


async def test_handoff_report_content(tmp_path: Path) -> None:
    async with Store.open(tmp_path / "notes.db", author="alice",
                          known_hosts=["web1"]) as store:
        incident_id = await _fill(store)
        report = await build_handoff(store, 8 * 3600, tz=UTC)
    assert report.startswith("# Handoff: ")
    assert "## Open incidents (1)" in report
    assert f"### #{incident_id} [SEV2] Checkout errors" in report
    assert "4 hosts went down: web0, web1, web2, web3" in report
    assert "## Incidents resolved in this period" in report
    assert "renewed \\*.example.com" in report
    # alerts still firing come from the timeline: cpu raised, disk raised then cleared
    alerts = report.split("## Alerts still firing")[1].split("##")[0]
    assert "web1/cpu" in alerts and "db1/disk" not in alerts
    operations = report.split("## Operations run (1)")[1].split("##")[0]
    assert "systemctl restart nginx" in operations
    notes = report.split("## Notes (2)")[1].split("##")[0]
    assert "**alice** (web1, incident #1): 5xx on @web1 since 14:00" in notes
    assert "  > \\# not a heading" in notes and "  > \\- not a list" in notes
    assert "\\[link\\](http://x)" in notes
    assert "from yesterday" not in report
    assert "alice (1 note), bob (1 note)" in report
    # no line of a note starts a heading or list at column 0
    assert not [line for line in report.splitlines() if line.startswith(("# not", "- not"))]


async def test_handoff_uses_live_alerts_when_given(tmp_path: Path) -> None:
    async with Store.open(tmp_path / "notes.db") as store:
        report = await build_handoff(store, 3600, active_alerts=[
            ActiveAlert("web3", "load", "warn", None, "load 12"), ("db1", "disk", "crit")])
    section = report.split("## Active alerts")[1].split("##")[0]
    assert "**web3** load (warn): load 12" in section and "**db1** disk (crit)" in section


def test_markdown_escape_and_control_characters() -> None:
    assert md_escape("*bold* _x_ `c` <b> a|b") == "\\*bold\\* \\_x\\_ \\`c\\` \\<b\\> a\\|b"
    assert md_escape("\x1b[2Jclear") == "␛\\[2Jclear"
    assert md_escape("1. first") == "1\\. first"


def test_durations() -> None:
    assert parse_duration("30m") == 1800
    assert parse_duration("8h") == 8 * 3600
    assert parse_duration("2d") == 2 * 86400
    assert parse_duration("1w") == 604800
    assert parse_duration("1h30m") == 5400
    assert long_duration(3725) == "1 h 02 m"
    assert long_duration(90000) == "1 d 01 h"


@pytest.mark.parametrize("bad", ["8x", "", "h", "-1h", "0m", "1h x"])
def test_cli_bad_since_is_one_line_exit_2(tmp_path: Path, bad: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["handoff", "--db", str(tmp_path / "n.db"), f"--since={bad}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("opsconsole: ") and err.count("\n") == 1


def test_cli_note_then_handoff_to_file(tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    env_cmd = [sys.executable, "-m", "console"]
    note = subprocess.run([*env_cmd, "note", "--db", str(db), "--author", "deploybot",
                           "deployed", "4.2"], capture_output=True, text=True, timeout=30)
    assert note.returncode == 0 and note.stdout.strip() == "1", note.stderr
    out = tmp_path / "handoff.md"
    report = subprocess.run([*env_cmd, "handoff", "--db", str(db), "--since", "30m",
                             "--output", str(out)], capture_output=True, text=True,
                            timeout=30)
    assert report.returncode == 0, report.stderr
    assert report.stdout == ""
    text = out.read_text()
    assert "**deploybot**: deployed 4.2" in text and "deploybot (1 note)" in text


def test_cli_handoff_on_missing_database(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["handoff", "--db", str(tmp_path / "none.db")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()
