"""Faults that must not pass silently: a failing bus subscriber, and the console's log."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from console.bus import EventBus
from console.cli import main
from console.diagnostics import BACKUPS, MAX_BYTES, default_log_path, setup_logging
from console.events import SubscriberFailed
from console.fleet.events import SampleArrived
from console.fleet.fleet import Fleet
from console.inventory import Inventory


def test_a_failing_subscriber_is_isolated_and_reported() -> None:
    bus = EventBus()
    got: list[object] = []
    reports: list[SubscriberFailed] = []

    def broken(event: object) -> None:
        raise ValueError("bad row")

    bus.subscribe(str, broken)
    bus.subscribe(str, got.append)  # after the broken one: must still run
    bus.subscribe(SubscriberFailed, reports.append)
    bus.publish("hello")
    assert got == ["hello"]
    assert bus.failures == 1
    (report,) = reports
    assert report.event == "str" and report.error == "ValueError: bad row"
    assert "broken" in report.subscriber


def test_a_failing_reporter_cannot_loop() -> None:
    bus = EventBus()

    def broken(event: object) -> None:
        raise RuntimeError("always")

    bus.subscribe(object, broken)  # fails on the event and on its own report
    bus.publish(1)
    assert bus.failures == 2


async def test_the_host_keeps_running_when_a_subscriber_fails(tmp_path: Path) -> None:
    """On the real local transport: every sample's subscriber raises, and the host
    still delivers sample after sample; each failure is in the log with a traceback."""
    log_path = setup_logging("info", tmp_path / "console.log")
    assert log_path is not None
    fleet = Fleet(Inventory.local_only())
    host = fleet.inventory.hosts[0].name
    seen: list[SampleArrived] = []

    def broken(event: SampleArrived) -> None:
        seen.append(event)
        raise RuntimeError("subscriber bug")

    fleet.bus.subscribe(SampleArrived, broken)
    fleet.start()
    try:
        for _ in range(200):
            if len(seen) >= 2:
                break
            await asyncio.sleep(0.05)
    finally:
        await fleet.stop()
    assert len(seen) >= 2, "the host stopped after the first failing subscriber"
    assert fleet.model.views[host].sample is not None  # the model subscriber still ran
    text = log_path.read_text()
    assert "RuntimeError: subscriber bug" in text and "Traceback" in text
    logging.getLogger("console").handlers.clear()


def test_log_file_is_private_bounded_and_set_by_the_cli(tmp_path: Path,
                                                         monkeypatch: object) -> None:
    path = default_log_path()
    assert str(path).startswith(str(tmp_path))  # conftest: a private XDG_STATE_HOME
    assert main(["--log-level", "debug", "check"]) == 0  # this machine: valid
    assert path.exists() and (path.stat().st_mode & 0o777) == 0o600
    assert (path.parent.stat().st_mode & 0o777) == 0o700
    assert logging.getLogger("console").level == logging.DEBUG
    log = logging.getLogger("console.test")
    for _ in range(int(MAX_BYTES * (BACKUPS + 2) / 1000)):
        log.warning("x" * 1000)
    files = sorted(path.parent.iterdir())
    assert len(files) == BACKUPS + 1
    assert all(f.stat().st_size <= MAX_BYTES + 2000 for f in files)
    logging.getLogger("console").handlers.clear()
