"""Where the notes database lives, who the author is, and what happens when the
directory cannot be used (the console must get one clear line, not a traceback)."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from console.cli import main
from console.store import Store, StoreUnavailable, resolve_db_path
from console.store.author import current_author
from console.store.paths import default_db_path


def test_precedence_cli_then_inventory_then_env_then_xdg(tmp_path: Path) -> None:
    env = {"OPSCONSOLE_DB": "/env/notes.db", "XDG_DATA_HOME": str(tmp_path / "xdg"),
           "HOME": "/home/u"}
    assert resolve_db_path("/cli.db", "/inv.db", env) == Path("/cli.db")
    assert resolve_db_path(None, "/inv.db", env) == Path("/inv.db")
    assert resolve_db_path(None, None, env) == Path("/env/notes.db")
    del env["OPSCONSOLE_DB"]
    assert resolve_db_path(None, None, env) == tmp_path / "xdg" / "opsconsole" / "notes.db"
    assert resolve_db_path(None, None, {"HOME": "/home/u", "XDG_DATA_HOME": "rel"}) == \
        Path("/home/u/.local/share/opsconsole/notes.db")
    assert resolve_db_path("~/n.db", None, env) == Path.home() / "n.db"


async def test_default_directory_is_created_private(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    path = default_db_path()
    async with Store.open(path) as store:
        await store.add_note("first")
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.exists()


async def test_setgid_team_directory_gets_group_writable_file(tmp_path: Path) -> None:
    team = tmp_path / "team"
    team.mkdir()
    team.chmod(0o2770)
    async with Store.open(team / "notes.db") as store:
        await store.add_note("shared")
    assert stat.S_IMODE((team / "notes.db").stat().st_mode) == 0o660


async def test_directory_under_a_regular_file_is_a_clear_error(tmp_path: Path) -> None:
    # chmod 0555 does not stop root (CI runs tests as root); a file in the way does.
    blocker = tmp_path / "plainfile"
    blocker.write_text("x")
    path = blocker / "sub" / "notes.db"
    with pytest.raises(StoreUnavailable) as info:
        await Store.connect(path)
    message = str(info.value)
    assert str(path) in message and "not a directory" in message
    assert "\n" not in message


def test_cli_note_reports_unusable_directory_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "plainfile"
    blocker.write_text("x")
    assert main(["note", "--db", str(blocker / "notes.db"), "hello"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("opsconsole: notes database ") and err.count("\n") == 1


def test_author_prefers_override_then_sudo_user() -> None:
    assert current_author("ann", {"SUDO_USER": "bob", "USER": "root"}) == "ann"
    assert current_author(None, {"OPSCONSOLE_AUTHOR": "cy", "SUDO_USER": "bob"}) == "cy"
    assert current_author(None, {"SUDO_USER": "bob", "USER": "root"}) == "bob"
    assert current_author(None, {"USER": "dee"}) == "dee"
    assert current_author(None, {}) != ""


async def test_inventory_var_names_the_database(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text("all:\n  vars:\n    console_notes_db: team/notes.db\n"
                         "  hosts:\n    web1:\n      ansible_connection: local\n")
    proc = subprocess.run([sys.executable, "-m", "console", "note", "-i", str(inventory),
                           "checked @web1 disk"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "1"
    async with Store.open(tmp_path / "team" / "notes.db") as store:
        (note,) = await store.recent_notes(10)
    assert note.host == "web1" and note.body == "checked @web1 disk"
