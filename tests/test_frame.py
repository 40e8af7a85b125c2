"""FrameParser on a frame captured from this machine's real sampler, cut and mangled."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

from console.metrics.frame import FrameParser
from console.metrics.raw import RawSample

FRAME = (Path(__file__).parent / "data" / "proc" / "frame_this_machine.txt").read_text()


def parser(max_frame_chars: int = 4 * 1024 * 1024) -> FrameParser:
    ticks = itertools.count(1)
    return FrameParser(max_frame_chars=max_frame_chars, clock=lambda: float(next(ticks)),
                       wall_clock=lambda: 1000.0)


def frame(seq: int, body: str = FRAME) -> str:
    start, end = body.index("\n") + 1, body.rindex("@@end")
    return f"@@opsconsole-frame {seq}\n{body[start:end]}@@end {seq}\n"


def test_captured_frame_gives_a_full_sample() -> None:
    p = parser()
    (s,) = p.feed("@@opsconsole-pid 4242\n" + FRAME)
    assert p.pid == 4242 and p.last_seq == 1
    assert s.problems == ()
    assert s.cpu is not None and s.cpu.total > 0
    assert s.memory is not None and s.memory.total > 0
    assert s.load is not None and s.uptime_s is not None and s.uptime_s > 0
    assert s.cpu_count and s.cpu_count >= 1 and s.processes and s.processes > 1
    assert any(n.interface == "lo" for n in s.net) and s.disks
    assert "/" in {f.mount for f in s.filesystems}


def _feed_all(p: FrameParser, text: str, sizes: list[int]) -> list[RawSample]:
    out, pos = [], 0
    for size in itertools.cycle(sizes):
        if pos >= len(text):
            break
        out += p.feed(text[pos:pos + size])
        pos += size
    return out


def test_byte_by_byte_and_random_chunks_give_the_same_samples() -> None:
    stream = "banner\n@@opsconsole-pid 7\n" + frame(1) + "noise\n" + frame(2) + frame(3)
    whole = parser().feed(stream)
    assert len(whole) == 3
    assert _feed_all(parser(), stream, [1]) == whole
    rng = random.Random(5)
    for _ in range(20):
        sizes = [rng.randint(1, 700) for _ in range(50)]
        assert _feed_all(parser(), stream, sizes) == whole


def test_garbage_truncation_and_mismatched_end() -> None:
    p = parser()
    f1 = frame(1)
    truncated = f1[: f1.index("\n", len(f1) // 2) + 1]
    out = p.feed("\x1b[0mMOTD \ufffd\ufffd\n" + truncated + frame(2) + frame(3)[:-8] + "@@end 9\n"
                 + frame(4))
    assert [len(s.problems) for s in out] == [1, 1]
    assert "truncated" in out[0].problems[0] and "seq '9'" in out[1].problems[0]
    assert p.dropped_frames == 2 and p.last_seq == 4
    assert out[1].cpu is not None


def test_bad_section_costs_only_that_section() -> None:
    lines = FRAME.splitlines(keepends=True)
    body = "".join(
        ln.replace("m ", "m \ufffd", 1) if ln.startswith("m ")
        else ln.replace("l ", "l \ufffd", 1) if ln.startswith("l ")
        else "" if ln.startswith(("b ", "f "))  # df printed nothing
        else ln for ln in lines)
    body = body.replace("\nk ", "\nz a record of a later sampler 1 2 3\nk ")
    (s,) = parser().feed(frame(1, body))
    assert s.memory is None and s.load is None and s.filesystems == ()
    assert s.cpu is not None and s.net and s.disks
    assert sorted(p.split(":")[0] for p in s.problems) == ["df", "loadavg", "meminfo"]


def test_huge_frame_is_dropped_and_the_stream_recovers() -> None:
    p = parser(max_frame_chars=64 * 1024)
    flood = "@@opsconsole-frame 1\n@@stat\n" + ("cpu9 1 2 3 4\n" * 20000) + "@@end 1\n"
    out = p.feed(flood) + p.feed(frame(2))
    assert len(out) == 1 and out[0].cpu is not None
    assert p.dropped_frames == 1 and "larger than" in out[0].problems[0]


def test_endless_line_is_bounded() -> None:
    p = parser(max_frame_chars=64 * 1024)
    out = []
    for _ in range(100):
        out += p.feed("x" * 10_000)  # 1 MB without a newline
    assert len(p._tail) <= 64 * 1024 + 10_000
    out += p.feed("tail of the junk @@end 1\n" + frame(2))
    assert len(out) == 1 and out[0].cpu is not None and p.last_seq == 2


def test_cut_mid_line_glues_into_next_frame_and_both_are_dropped() -> None:
    p = parser()
    f1 = frame(1)
    out = p.feed(f1[: len(f1) // 2 + 3] + frame(2) + frame(3))
    assert len(out) == 1 and p.last_seq == 3 and p.dropped_frames == 1
    assert "seq '2'" in out[0].problems[0]


def _without_df(body: str) -> str:
    """The frame as the loop sends it when df is not due: df's records become `s`."""
    kept = [ln for ln in body.splitlines() if ln[:2] not in ("b ", "f ", "e ", "M ", "x\t")]
    return "\n".join([*kept[:-1], "s", kept[-1]]) + "\n"


def test_frames_that_skip_df_show_the_last_df_again_marked_repeated() -> None:
    p = parser()
    full, skipped = p.feed(frame(1) + _without_df(frame(2)))
    assert not full.filesystems_repeated and full.filesystems
    assert skipped.filesystems_repeated and skipped.problems == ()
    assert skipped.filesystems == full.filesystems and skipped.mounted == full.mounted
    assert skipped.cpu is not None and skipped.memory is not None  # the rest is new
    (fresh,) = p.feed(frame(3))
    assert not fresh.filesystems_repeated


def test_a_skipped_df_never_stands_in_for_a_failed_or_missing_one() -> None:
    """With no good df to repeat (none yet, or the last one failed), the filesystems are
    unknown and the frame says so: an older listing is never shown as the current one."""
    (first,) = parser().feed(_without_df(frame(1)))
    assert first.filesystems == () and not first.filesystems_repeated
    assert "df: missing" in first.problems
    p = parser()
    bad_df = frame(2).replace("\nf ", "\nf x", 1)
    _, failed, after = p.feed(frame(1) + bad_df + _without_df(frame(3)))
    assert failed.filesystems == () and any(x.startswith("df") for x in failed.problems)
    assert after.filesystems == () and not after.filesystems_repeated
    assert "df: missing" in after.problems
