"""Shared fixtures. Others may add theirs here; keep each one small and documented."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from console.runtime import loop_factory
from tests.sshlab import SshLab


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item
                                  ) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    """Async tests run on the event loop the console runs on (uvloop, console/runtime.py):
    a behaviour of asyncio's own loop that uvloop lacks must fail here, not in use."""
    return {"console-loop": loop_factory() or asyncio.new_event_loop}


@pytest.fixture
def ssh_lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SshLab]:
    """A temp HOME with SSH client keys plus real sshd daemons on loopback, all stopped
    (with every connection they served) when the test ends, pass or fail."""
    lab = SshLab(tmp_path / "sshlab", monkeypatch)
    try:
        yield lab
    finally:
        lab.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use the lab carry the `sshd` marker, so `pytest -m sshd` (or `-m 'not
    sshd'`) selects them without every test remembering to mark itself."""
    for item in items:
        if "ssh_lab" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.sshd)


@pytest.fixture(autouse=True)
def _private_state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The console's own log goes to $XDG_STATE_HOME: never the tester's real one."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
