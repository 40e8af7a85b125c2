"""Framed commands and the sampler budget, without a network: the pure halves of
console/transport/framed.py and frame_batch.py (the real-sshd proofs are in
tests/test_bad_hosts.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from console.metrics.parsers.ps import parse_ps
from console.transport.errors import Flooding
from console.transport.frame_batch import FrameBatch, SamplerBudget, SamplerStream
from console.transport.framed import frame_command, unframe

FRAME = (Path(__file__).parent / "data" / "proc" / "frame_this_machine.txt").read_bytes()


def run_through_login_shell(command: str, before: str = "", after: str = ""
                            ) -> subprocess.CompletedProcess[str]:
    """What sshd does: the login shell gets the line; this one chats around it."""
    framed = frame_command(command)
    shell = f"{before}\n{framed.line}\n" if not after else f"{before}\n{framed.line}\n{after}"
    proc = subprocess.run(["/bin/sh", "-c", shell], capture_output=True, text=True,
                          timeout=10)
    result = unframe(framed, command, proc.returncode, proc.stdout, proc.stderr, 0.0)
    return subprocess.CompletedProcess(command, result.exit_status or 0, result.stdout,
                                       result.stderr)


def test_the_command_output_is_exactly_what_it_printed() -> None:
    got = run_through_login_shell("printf 'a\\n\\nb'; echo oops >&2; exit 4",
                                  before="echo banner; echo warn >&2")
    assert (got.stdout, got.stderr, got.returncode) == ("a\n\nb", "oops\n", 4)


def test_quotes_comments_and_marker_lookalikes_do_not_break_the_frame() -> None:
    command = "echo \"it's\" '$HOME'; echo '@@deadbeef end 0' # comment"
    got = run_through_login_shell(command)
    assert got.stdout == "it's $HOME\n@@deadbeef end 0\n"
    assert got.returncode == 0


def test_a_shell_that_never_ran_the_wrapper_leaves_its_words_as_the_output() -> None:
    framed = frame_command("true")
    result = unframe(framed, "true", 1, "This account is currently not available.\n", "",
                     0.1)
    assert result.stdout == "This account is currently not available.\n"
    assert result.exit_status == 1 and result.command == "true"


def test_output_cut_short_keeps_what_came() -> None:
    framed = frame_command("sleep 9")
    result = unframe(framed, "sleep 9", None, f"motd\n{framed.begin}partial", "", 5.0,
                     timed_out=True)
    assert (result.stdout, result.exit_status, result.timed_out) == ("partial", None, True)


def test_a_carriage_return_in_one_process_name_hides_nothing() -> None:
    text = ("    PID USER     %CPU %MEM   RSS COMMAND\n"
            "      1 root      0.1  0.2  1000 init\n"
            "     42 root      9.0  0.1  2000 odd\rname\n"
            "     43 root      1.0  0.1  3000 \n"
            "   oops this row is garbage\n"
            "     44 bob       2.0  0.5  4000 python3\n")
    top = parse_ps(text, n=10)
    assert [p.pid for p in top.by_cpu] == [42, 44, 43, 1]
    assert top.by_cpu[0].command == "odd\rname"
    assert top.skipped == 1


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_bytes_over_the_budget_end_the_stream_before_any_parsing() -> None:
    clock = Clock()
    budget = SamplerBudget(interval=1.0, rate=len(FRAME), burst=len(FRAME) * 3,
                           clock=clock)
    stream = SamplerStream(lambda raw: None, budget)
    batch = FrameBatch(delay=60)  # never flushed here: admission is on arrival
    for _ in range(3):
        batch.add(stream, FRAME)
    assert not stream.ended.done()
    clock.now += 0.5  # half a frame's worth of budget back: not enough for a whole one
    batch.add(stream, FRAME)
    error = stream.ended.result()
    assert isinstance(error, Flooding)
    assert str(error).startswith("sent ") and "in 0.5 s, over the" in str(error)
    assert str(error).endswith("/s budget")
    batch.add(stream, FRAME)  # dropped: the stream has ended
    assert len(batch._pending) == 3


async def test_a_steady_host_and_a_backlog_after_a_stall_stay_within_budget() -> None:
    clock = Clock()
    budget = SamplerBudget(interval=1.0, rate=len(FRAME), burst=len(FRAME) * 20,
                           clock=clock)
    got: list[object] = []
    stream = SamplerStream(got.append, budget)
    for _ in range(30):
        clock.now += 1.0
        assert stream.admit(FRAME)
        stream.feed(FRAME)
    clock.now += 15.0  # the link stalls; the host's frames queue up and come at once
    assert stream.admit(FRAME * 15)
    stream.feed(FRAME * 15)
    assert not stream.ended.done() and len(got) == 45


async def test_too_many_frames_end_the_stream_and_are_not_turned_into_samples() -> None:
    clock = Clock()
    budget = SamplerBudget(interval=1.0, clock=clock)
    got: list[object] = []
    stream = SamplerStream(got.append, budget)
    clock.now += 2.0
    stream.feed(FRAME * 200)
    assert len(got) == 13  # 1.5 per interval over 2 s, plus 10
    error = stream.ended.result()
    assert isinstance(error, Flooding)
    assert str(error) == "sent 200 frames in 2.0 s, for one every 1 s"
