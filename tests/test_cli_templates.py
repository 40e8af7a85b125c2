"""`opsconsole templates` as a user runs it: the installed console script, in a real
process, fed bytes on stdin (including the hostile ones a log can carry)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("opsconsole")

SSHD = b"""\
Dec 10 06:55:46 gw sshd[24200]: Invalid user webmaster from 173.234.31.186
Dec 10 06:55:48 gw sshd[24202]: Invalid user test9 from 173.234.31.186
Dec 10 07:02:47 gw sshd[24203]: Connection closed by 212.47.254.145 [preauth]
Dec 10 07:07:38 gw sshd[24206]: Failed password for root from 112.95.230.3 port 55292 ssh2
Dec 10 07:08:28 gw sshd[24208]: Failed password for root from 112.95.230.3 port 60220 ssh2
Dec 10 07:13:43 gw sshd[24210]: Connection closed by 10.9.8.7 [preauth]
Dec 10 07:14:00 gw sshd[24212]: Failed password for root from 5.188.10.180 port 41234 ssh2
"""


def templates(*args: str, data: bytes) -> subprocess.CompletedProcess[bytes]:
    assert SCRIPT.exists(), f"{SCRIPT}: the project is not installed in this environment"
    return subprocess.run([str(SCRIPT), "templates", *args], input=data,
                          capture_output=True, timeout=60)


def test_one_template_per_input_line_in_order() -> None:
    done = templates(data=SSHD)
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert done.stdout.decode().splitlines() == [
        "Invalid user <*> from <*>",
        "Invalid user <*> from <*>",
        "Connection closed by <*> [preauth]",
        "Failed password for root from <*> port <*>",
        "Failed password for root from <*> port <*>",
        "Connection closed by <*> [preauth]",
        "Failed password for root from <*> port <*>",
    ]


def test_top_summarises_with_counts_and_first_and_last_seen() -> None:
    done = templates("--top", "2", data=SSHD)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.decode().splitlines()
    assert lines[0].split() == ["COUNT", "FIRST", "SEEN", "LAST", "SEEN", "TEMPLATE"]
    first = lines[1].split(None, 5)
    assert first[0] == "3"
    assert first[2] == "07:07:38" and first[4] == "07:14:00"
    assert first[5] == "Failed password for root from <*> port <*>"
    # a tie (2 and 2) goes to the template seen first
    assert lines[2].split(None, 5)[5] == "Invalid user <*> from <*>"
    assert len(lines) == 4
    assert lines[3] == "7 lines, 3 templates"


def test_top_without_timestamps_gives_line_numbers() -> None:
    data = b"job 1 done\nstarting\njob 2 done\njob 3 done\n"
    lines = templates("--top", "5", data=data).stdout.decode().splitlines()
    assert lines[1].split() == ["3", "line", "1", "line", "4", "job", "<*>", "done"]
    assert lines[2].split() == ["1", "line", "2", "line", "2", "starting"]


def test_hostile_input_prints_exactly_one_safe_line_per_input_line() -> None:
    big = b"A" * 1_048_576
    data = b"".join([
        b"caf\xc3\xa9 \xff\xfe broken utf-8\n",
        b"nul\x00byte here\n",
        b"\x1b[2J\x1b]0;owned\x07 clear [bold red]markup[/] [@click=app.quit]x[/]\n",
        big + b"\n",
        b"\r\n",
        b"\n",
        b"last line without newline \x9b31m",
    ])
    done = templates(data=data)
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("utf-8")
    lines = out.split("\n")
    assert lines[-1] == ""  # every line ends with a newline
    lines = lines[:-1]
    assert len(lines) == 7
    assert "\ufffd" in lines[0] and "café" in lines[0]
    assert lines[1] == "nul\u2400byte here"
    assert "\x1b" not in out and "\x07" not in out and "\x00" not in out
    assert "[bold red]markup[/]" in lines[2]  # shown literally, never interpreted
    assert len(lines[3]) <= 8192  # mined on a bounded prefix
    assert lines[4] == lines[5] == ""


def test_bad_top_is_one_line_exit_2() -> None:
    done = templates("--top", "0", data=b"x\n")
    assert done.returncode == 2
    assert done.stderr.decode().strip() == (
        "opsconsole: --top 0: give a number of templates of at least 1")
    assert done.stdout == b""


def test_follow_streams_as_lines_arrive() -> None:
    assert SCRIPT.exists()
    proc = subprocess.Popen([str(SCRIPT), "templates", "--follow"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(b"worker 12 started on 10.0.0.1\n")
        proc.stdin.flush()
        # answered before stdin closes: a streaming reader, not a batch one
        assert proc.stdout.readline() == b"worker <*> started on <*>\n"
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_help_names_the_command() -> None:
    done = subprocess.run([str(SCRIPT), "templates", "--help"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0
    assert "--top N" in done.stdout and "template" in done.stdout
    top = subprocess.run([str(SCRIPT), "--help"], capture_output=True, text=True, timeout=60)
    assert "templates" in top.stdout


def test_more_templates_than_the_bound_say_so_and_still_print_every_line() -> None:
    words = ["".join(chr(97 + (i // 10 ** k) % 10) for k in range(5)) for i in range(12_000)]
    data = "".join(f"{w} {w[::-1]} {w[1:]}x\n" for w in words).encode()
    done = templates(data=data)
    assert done.returncode == 0
    assert done.stdout.count(b"\n") == 12_000
    assert b"more than 10000 templates" in done.stderr
