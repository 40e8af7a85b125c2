"""The log view on the real app (Pilot) against a real sshd host writing hostile logs.

Log text is attacker-controlled: markup, escape sequences, a 1 MB line, NUL bytes and
invalid UTF-8 must show literally or safely replaced, and nothing in a line may act
(a click on `[@click=app.quit]` must not quit). Keys: filter, search, next error,
full text, pin to the notes timeline.
"""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from console.app import OpsConsole
from console.fleet.log_events import SourceState
from console.inventory import load_inventory
from console.screens.host_detail import HostDetailScreen
from console.screens.log_entry import LogEntryScreen
from console.screens.logs import LogScreen
from console.widgets.log_rates import LogRates
from console.widgets.log_view import LogView
from tests.sshlab import SshLab, loopback_addresses
from tests.test_logs_stream import leftovers
from tests.waiting import eventually

pytestmark = pytest.mark.sshd

HOSTILE = (
    b"2026-12-03T10:00:00Z INFO service started\n"
    b"2026-12-03T10:00:01Z ERROR payment 42 failed [bold red]RED[/bold red] "
    b"[@click=app.quit]click me[/]\n"
    b"2026-12-03T10:00:02Z INFO \x1b[2J\x1b]0;pwned\x07\x1b[31mescapes\n"
    b"2026-12-03T10:00:03Z INFO NUL\x00byte and invalid \xff\xfe utf-8\n"
    b"2026-12-03T10:00:04Z INFO " + b"A" * 1_000_000 + b"\n"
    b"2026-12-03T10:00:05Z WARN disk almost full\n"
    b"2026-12-03T10:00:06Z ERROR request failed\n"
    b"Traceback (most recent call last):\n"
    b'  File "app.py", line 3, in <module>\n'
    b"ValueError: broken\n"
    b'10.0.0.1 - - [03/Dec/2026:10:00:07 +0000] "GET /api HTTP/1.1" 503 12 "-" "curl"\n'
    b"2026-12-03T10:00:08Z INFO all good\n"
)


def plain(renderable: object, width: int) -> str:
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def screen_text(app: OpsConsole) -> str:
    return plain(app.screen._compositor.render_update(full=True), app.size.width)


async def until(pilot: Any, predicate: Any, timeout: float, what: str) -> Any:
    return await eventually(predicate, timeout, what, pilot=pilot)


async def test_hostile_log_lines_are_shown_literally_and_the_view_works(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(1, first=70))
    log = tmp_path / "app.log"
    log.write_bytes(HOSTILE)
    inventory = load_inventory(ssh_lab.write_inventory(
        ssh_lab.hosts_of(sshd), extra_vars={"console_logs": {"app": str(log)}}))
    app = OpsConsole(inventory, db_path=tmp_path / "notes.db")
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.fleet.model.views["host-1"].sample is not None
                    and app.store is not None, 20, "host sampled, notes open")
        await pilot.press("l")
        screen = app.screen
        assert isinstance(screen, LogScreen)
        view = screen.query_one(LogView)
        await until(pilot, lambda: len(view.rows.visible) >= 9, 15, "the hostile lines")
        await pilot.pause(0.3)
        text = screen_text(app)
        assert "[bold red]RED[/bold red]" in text
        assert "[@click=app.quit]click me[/]" in text
        assert "␛[2J␛]0;pwned␇escapes" in text  # the colour code dropped, others visible
        assert "NUL␀byte and invalid \ufffd\ufffd utf-8" in text
        assert "more bytes cut on the host" in text
        assert "  [+3 lines]" in text  # the traceback folded into its error line
        assert "pwned" not in app.title and "pwned" not in (app.sub_title or "")

        # A click on the markup does nothing but move the cursor.
        row = next(i for i, e in enumerate(view.rows.visible) if "click me" in e.text)
        await pilot.click(LogView, offset=(60, row - view.scroll_offset.y))
        await pilot.pause(0.2)
        assert app.is_running and isinstance(app.screen, LogScreen)

        # Next error: following, `e` goes to the latest error first, then back.
        await pilot.press("end", "e")
        await pilot.pause()
        assert view.current is not None and "503" in view.current.text
        assert not view.following and "PAUSED" in screen_text(app)
        await pilot.press("E")
        assert "ValueError: broken" in view.current.text  # one entry, the traceback
        await pilot.press("E")
        assert "payment 42 failed" in view.current.text

        # Enter: the full entry, literally.
        await pilot.press("e", "enter")
        assert isinstance(app.screen, LogEntryScreen)
        full = screen_text(app)
        assert "ValueError: broken" in full and 'File "app.py", line 3' in full
        await pilot.press("escape")
        assert app.screen is screen

        # Search highlights and n jumps to the match.
        await pilot.press("slash", *"payment", "enter")
        assert "payment" in view.current.text
        match_style = view.get_component_rich_style("log-view--match")
        line = view.render_line(view.cursor - view.scroll_offset.y)
        assert any(seg.text == "payment" and seg.style is not None
                   and seg.style.bgcolor == match_style.bgcolor for seg in line)

        # Show only, then hide.
        await pilot.press("f", *"warn|error", "enter")
        shown = [e.text.split("\n")[0] for e in view.rows.visible]
        assert shown and all("WARN" in t or "ERROR" in t for t in shown)
        assert "all good" not in screen_text(app)
        screen._apply("only", "")
        await pilot.press("F", *"INFO", "enter")
        assert all("INFO" not in e.text for e in view.rows.visible)
        assert any("503" in e.text for e in view.rows.visible)

        # Pin: the notes timeline gets the line at its own time, with host and source.
        await pilot.press("e")
        pinned = view.current
        await pilot.press("p")

        async def pinned_note() -> Any:
            notes = await app.store.recent_notes(50)
            return [n for n in notes if n.category == "log"]
        found: list[Any] = []
        deadline = time.monotonic() + 10
        while not found and time.monotonic() < deadline:
            found = await pinned_note()
            await pilot.pause(0.2)
        assert found, "the pinned line never reached the notes store"
        note = found[0]
        assert note.host == "host-1" and note.meta["source"] == "app"
        assert note.created_at == pytest.approx(pinned.when)
        assert pinned.text.split("\n")[0][:100] in note.body

        # The templates panel.
        await pilot.press("t")
        await pilot.pause(0.5)
        assert "Top templates, last 15 minutes" in screen_text(app)

        # The last view closes: the on_screen source stops and leaves nothing behind.
        await pilot.press("escape")
        source = app.fleet.logs.source("host-1", "app")
        assert source.state is SourceState.STOPPED
        await until(pilot, lambda: not leftovers(str(log)), 10, "tail gone after close")
    assert not leftovers(str(tmp_path))


async def test_merged_view_of_two_hosts_and_the_host_screen_sparkline(
        ssh_lab: SshLab, tmp_path: Path) -> None:
    sshd = ssh_lab.start_daemon(loopback_addresses(2, first=72))
    logs = {}
    for name in ("a", "b"):
        (tmp_path / f"{name}.log").write_text("")
        logs[name] = {"path": str(tmp_path / f"{name}.log"), "watch": "always"}
    inventory = load_inventory(ssh_lab.write_inventory(
        ssh_lab.hosts_of(sshd), extra_vars={"console_logs": logs}))
    app = OpsConsole(inventory)
    async with app.run_test(size=(120, 40)) as pilot:
        tailer = app.fleet.logs
        await until(pilot, lambda: all(b.state is SourceState.FOLLOWING or
                                       b.state is SourceState.STARTING
                                       for h in ("host-1", "host-2")
                                       for b in tailer.sources(h)) and
                    all(b.pid for h in ("host-1", "host-2") for b in tailer.sources(h)),
                    20, "always sources started at start-up")
        # Lines with timestamps out of arrival order interleave by their own time.
        with (tmp_path / "a.log").open("a") as f:
            f.write("2026-12-03T10:00:03Z ERROR third\n2026-12-03T10:00:01Z INFO first\n")
        with (tmp_path / "b.log").open("a") as f:
            f.write("2026-12-03T10:00:02Z ERROR second\n")
        # Both hosts follow the same files (same machine): each line arrives twice,
        # once per host, and the merged view shows both with their host.
        # From the command palette, by typing its word.
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"logs")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, LogScreen), 5, "palette: logs")
        screen = app.screen
        assert screen.sub_title.startswith("logs of host-")  # the cursor's host
        await pilot.press("escape")
        # Both hosts marked on the fleet (space): `l` merges their logs.
        await pilot.press("space", "down", "space", "l")
        await until(pilot, lambda: isinstance(app.screen, LogScreen)
                    and app.screen.sub_title == "logs of 2 hosts", 5, "two hosts' logs")
        await pilot.press("escape")
        await pilot.pause()
        await app.push_screen(LogScreen(app.fleet, [("host-1", "a"), ("host-2", "b")],
                                        "two hosts"))
        view = app.screen.query_one(LogView)
        await until(pilot, lambda: len(view.rows.visible) == 3, 10, "three lines")
        assert [e.text.split()[-1] for e in view.rows.visible] == ["first", "second",
                                                                   "third"]
        text = screen_text(app)
        assert "host-1/a" in text and "host-2/b" in text
        colour_1 = view.get_component_rich_style("log-view--host-0").color
        colour_2 = view.get_component_rich_style("log-view--host-1").color
        assert colour_1 != colour_2
        # Choose sources: hide host-1's.
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("space", "escape")
        await pilot.pause()
        assert [e.host for e in view.rows.visible] == ["host-2"]
        assert "third" not in screen_text(app) and "second" in screen_text(app)
        await pilot.press("escape")
        # Always sources keep running with no view open.
        assert all(b.state is SourceState.FOLLOWING for b in tailer.sources("host-1"))

        await app.push_screen(HostDetailScreen(app.fleet, "host-1"))
        rates = app.screen.query_one(LogRates)
        await until(pilot, lambda: "errors/min" in str(rates.render()), 5, "rates drawn")
        rendered = plain(rates.render(), 100)
        assert "a " in rendered and "following" in rendered
        # Two errors this minute on host-1's `a` (third) -> at least one bar.
        assert tailer.source("host-1", "a").errors_per_min(time.time()) == 1
        assert any(ch in rendered for ch in "▁▂▃▄▅▆▇█")
    assert not leftovers(str(tmp_path))
