"""-i (several times, directories, any format) and --limit, as a user types them: real
`python -m console` processes, and the real Textual app against real sshd."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from console.app import OpsConsole
from console.cli import build_parser, inventory_args
from console.cli.inventory_args import Progress, inventory_from
from console.widgets.fleet_table import FleetTable
from console.widgets.host_header import HostHeader
from tests.sshlab import SshLab, loopback_addresses
from tests.test_inventory import REPO
from tests.waiting import eventually


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "console", *args], capture_output=True,
                          text=True, timeout=60, cwd=REPO)


def table_rows(stdout: str) -> dict[str, list[str]]:
    lines = stdout.splitlines()
    header = next(i for i, ln in enumerate(lines) if ln.startswith("HOST "))
    rows = {}
    for line in lines[header + 1:]:
        if not line.strip():
            break
        rows[line.split()[0]] = line.split()
    return rows


def fleet_files(tmp_path: Path) -> tuple[Path, Path]:
    ini = tmp_path / "hosts.ini"
    ini.write_text("[web]\nweb-[1:3] ansible_user=deploy\n\n[web:vars]\nansible_port=2201\n"
                   "\n[prod:children]\nweb\n")
    yml = tmp_path / "more.yml"
    yml.write_text("db:\n  hosts:\n    db-1:\n      ansible_host: 10.0.0.5\n"
                   "      ansible_ssh_private_key_file: /keys/db\n"
                   "      console_jump: ops@bastion.example:2222,web-1\n"
                   "prod:\n  children:\n    db:\n")
    return ini, yml


def test_check_with_several_sources_and_a_limit_lists_the_selected_hosts(
        tmp_path: Path) -> None:
    ini, yml = fleet_files(tmp_path)
    done = run("check", "-i", str(ini), "-i", str(yml), "--limit", "prod:!web-2")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == \
        f"{ini}, {yml}: valid inventory (--limit prod:!web-2)"
    rows = table_rows(done.stdout)
    assert list(rows) == ["web-1", "web-3", "db-1"]
    assert rows["web-1"][:6] == ["web-1", "web-1", "2201", "deploy", "-", "-"]
    # address, port, user, key file and the whole jump chain, hop by hop
    assert rows["db-1"][:8] == ["db-1", "10.0.0.5", "-", "-", "/keys/db",
                                "ops@bastion.example:2222", ">", "web-1=deploy@web-1:2201"]


def test_limit_short_option_and_limit_file(tmp_path: Path) -> None:
    ini, _ = fleet_files(tmp_path)
    retry = tmp_path / "site.retry"
    retry.write_text("web-3\nweb-1\n")
    done = run("check", "-i", str(ini), "-l", f"@{retry}")
    assert done.returncode == 0, done.stderr
    assert list(table_rows(done.stdout)) == ["web-1", "web-3"]


def test_a_limit_that_selects_nothing_is_one_line_exit_2(tmp_path: Path) -> None:
    ini, _ = fleet_files(tmp_path)
    for pattern, said in (("nosuch", "selects no host"), ("web[0", "unbalanced")):
        done = run("check", "-i", str(ini), "--limit", pattern)
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.startswith(f"opsconsole: --limit: host pattern {pattern!r}")
        assert said in done.stderr and len(done.stderr.splitlines()) == 1


def test_a_directory_is_every_inventory_in_it_with_its_group_vars(tmp_path: Path) -> None:
    folder = tmp_path / "inventory"
    (folder / "group_vars").mkdir(parents=True)
    (folder / "01-hosts.ini").write_text("[web]\nweb-1\n")
    (folder / "02-more.yaml").write_text("db:\n  hosts:\n    db-1:\n")
    (folder / "README.md").write_text("# not an inventory\n")  # ignored, as Ansible does
    (folder / "group_vars" / "web.yml").write_text("ansible_user: from-group-vars\n")
    done = run("check", "-i", str(folder))
    assert done.returncode == 0, done.stderr
    rows = table_rows(done.stdout)
    assert list(rows) == ["web-1", "db-1"]
    assert rows["web-1"][3] == "from-group-vars"


def test_check_names_hosts_that_cannot_be_reached_and_exits_1(tmp_path: Path) -> None:
    inv = tmp_path / "hosts"
    inv.write_text("[edge]\ngw ansible_ssh_common_args='-o ProxyCommand=\"nc -x socks:1080 "
                   "%h %p\"'\nok ansible_ssh_common_args='-o StrictHostKeyChecking=no "
                   "-o Ciphers=aes128-ctr'\n")
    done = run("check", "-i", str(inv))
    assert done.returncode == 1, done.stderr
    out = done.stdout
    assert "1 host cannot be reached as written:" in out
    assert f"  gw: {inv}:2: edge.gw.ansible_ssh_common_args: ProxyCommand" in out
    assert "ansible_ssh_common_args: -o Ciphers=aes128-ctr is not used by the console (ok)" \
        in out
    assert "StrictHostKeyChecking" not in out.split("not used by the console")[1]


def test_progress_line_on_a_terminal_and_in_a_log(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inventory_args, "_QUIET_FOR_S", 0.0)

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal, log = Terminal(), io.StringIO()
    for stream in (terminal, log):
        meter = Progress(stream)
        meter("resolving hosts: 10,000 of 100,000")
        meter.done("100,000 hosts read")
    assert terminal.getvalue().startswith("\r\x1b[Kopsconsole: resolving hosts: 10,000 of "
                                          "100,000…\r\x1b[Kopsconsole: 100,000 hosts read in ")
    assert log.getvalue().splitlines()[0] == "opsconsole: resolving hosts: 10,000 of 100,000…"
    assert log.getvalue().splitlines()[1].startswith("opsconsole: 100,000 hosts read in ")


def test_handoff_limit_leaves_out_other_hosts_notes(tmp_path: Path) -> None:
    ini, _ = fleet_files(tmp_path)
    db = tmp_path / "notes.db"
    for host in ("web-1", "web-2"):
        done = run("note", "--db", str(db), "-i", str(ini), "--host", host, f"about {host}")
        assert done.returncode == 0, done.stderr
    done = run("handoff", "--db", str(db), "-i", str(ini), "--limit", "web-1")
    assert done.returncode == 0, done.stderr
    assert "about web-1" in done.stdout and "about web-2" not in done.stdout


@pytest.mark.sshd
async def test_console_with_a_limit_watches_only_the_selected_hosts(ssh_lab: SshLab) -> None:
    addresses = loopback_addresses(3, first=130)
    sshd = ssh_lab.start_daemon(addresses)
    path = ssh_lab.write_inventory(ssh_lab.hosts_of(sshd))  # host-1..3 in group lab
    args = build_parser().parse_args(["-i", str(path), "-l", "lab:!host-2"])
    inventory = inventory_from(args, progress=False)
    app = OpsConsole(inventory, db_path=ssh_lab.root / "notes.db")
    async with app.run_test(size=(140, 30)) as pilot:
        table = app.main_screen.query_one(FleetTable)
        assert sorted(table.order) == ["host-1", "host-3"]

        def both_up() -> bool:
            return all(table.cells_of(h)["state"] == "up" for h in ("host-1", "host-3"))

        await eventually(both_up, 20, "limited hosts up", pilot=pilot, period=0.2)
        assert "--limit lab:!host-2" in str(app.main_screen.source)
    log = sshd.log_path.read_text()
    assert log.count("Accepted publickey") == 2, sshd.log_tail()  # host-2 never logged in


async def test_the_fleet_table_says_why_a_host_is_unusable(tmp_path: Path) -> None:
    """No SSH needed: an unusable host is never dialled; the row and the host screen
    show the state and the reason naming file, line and key."""
    inv = tmp_path / "hosts.ini"
    inv.write_text("[old]\nlegacy ansible_ssh_common_args='-o ProxyCommand=\"nc %h %p\"'\n"
                   "[local]\nlocalhost ansible_connection=local\n")
    app = OpsConsole(inventory_from(build_parser().parse_args(["-i", str(inv)]),
                                    progress=False), db_path=tmp_path / "notes.db")
    async with app.run_test(size=(160, 30)) as pilot:
        table = app.main_screen.query_one(FleetTable)

        def unusable() -> bool:
            return table.cells_of("legacy")["state"] == "unusable"

        await eventually(unusable, 10, "legacy shown unusable", pilot=pilot, period=0.1)
        reason = app.fleet.model.views["legacy"].status.reason
        assert reason.startswith(f"{inv}:2: old.legacy.ansible_ssh_common_args: "
                                 "ProxyCommand 'nc %h %p' is not supported")
        table.select_key("legacy")
        await pilot.press("enter")

        def header() -> str:
            found = app.screen.query(HostHeader)
            return str(found.first().render()) if found else ""

        shown = await eventually(header, 5, "host screen", pilot=pilot, period=0.1)
        assert "unusable" in shown and "ProxyCommand 'nc %h %p' is not supported" in shown


def test_every_headless_command_takes_the_limit(tmp_path: Path) -> None:
    """run, runbook and checks refuse a limit that selects nothing before doing anything."""
    ini, _ = fleet_files(tmp_path)
    commands = (["run", "all", "--", "true"], ["runbook", "restart"], ["checks"],
                ["handoff", "--db", str(tmp_path / "n.db")],
                ["note", "--db", str(tmp_path / "n.db"), "hello"], ["check"])
    for command in commands:
        done = run(command[0], "-i", str(ini), "--limit", "nosuch", *command[1:])
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert done.stderr == ("opsconsole: --limit: host pattern 'nosuch' selects no host "
                               "(no group or host matches 'nosuch')\n"), command
