"""Turns the sampler's text stream into RawSamples, one per complete frame.

The stream is untrusted: a login banner, a shell's complaint, a half-sent frame
after a reconnect, a runaway section. So this parser never raises and never
grows without bound: garbage outside frames is skipped, a frame is only used
once its `@@end <seq>` arrives, a frame larger than `max_frame_chars` is
dropped, and a section that does not parse becomes None/() plus a `problems`
entry naming it, while the rest of the frame is still used.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from console.metrics.parsers.count import parse_count
from console.metrics.parsers.df import build_filesystems, parse_df, parse_df_inodes
from console.metrics.parsers.diskstats import parse_diskstats, select_disks
from console.metrics.parsers.errors import ParseError
from console.metrics.parsers.loadavg import parse_loadavg
from console.metrics.parsers.meminfo import parse_meminfo
from console.metrics.parsers.mounts import parse_mounts
from console.metrics.parsers.net_dev import parse_net_dev
from console.metrics.parsers.proc_stat import parse_proc_stat
from console.metrics.parsers.uptime import parse_uptime
from console.metrics.raw import Filesystem, RawSample

PID_MARKER = "@@opsconsole-pid "
FRAME_MARKER = "@@opsconsole-frame "
END_MARKER = "@@end "
MAX_FRAME_CHARS = 4 * 1024 * 1024
MAX_PROBLEMS_KEPT = 20
# Sections every sampler frame carries; a missing one is reported.
REQUIRED_SECTIONS = ("stat", "meminfo", "loadavg", "uptime", "netdev", "diskstats", "df")


class FrameParser:
    """Feed decoded text chunks of any size; get RawSamples for complete frames.

    Section bodies are handled as whole slices between marker lines (found by
    one regex pass in C), never line by line: with hundreds of hosts this is
    the console's hottest loop.
    """

    def __init__(
        self,
        max_frame_chars: int = MAX_FRAME_CHARS,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.pid: int | None = None
        self.frames = 0  # complete frames turned into samples
        self.dropped_frames = 0
        self.last_seq: int | None = None
        self._max = max_frame_chars
        self._clock = clock
        self._wall_clock = wall_clock
        self._tail = ""  # text after the last newline
        self._skip_line = False  # discard up to the next newline (oversized line)
        self._seq: str | None = None  # inside a frame when not None
        self._size = 0
        self._sections: dict[str, list[str]] = {}
        self._current: list[str] | None = None  # pieces of the open section
        self._pending: list[str] = []  # problems to attach to the next sample
        self._samples: list[RawSample] = []  # completed during the current feed()
        self._fs_cache = FilesystemCache()

    def feed(self, chunk: str) -> list[RawSample]:
        text = self._tail + chunk
        cut = text.rfind("\n") + 1
        complete, self._tail = text[:cut], text[cut:]
        samples: list[RawSample] = []
        self._samples = samples
        if complete:
            if self._skip_line:
                self._skip_line = False
                complete = complete[complete.index("\n") + 1:]
            if "\r" in complete:
                complete = complete.replace("\r\n", "\n")
            self._scan(complete)
        if len(self._tail) > self._max:
            # A single line this long is never sampler output.
            self._tail = ""
            self._skip_line = True
            if self._seq is not None:
                self._drop(f"frame {self._seq}: line longer than {self._max} chars")
        return samples

    def _scan(self, text: str) -> None:
        """Split complete lines into bodies and marker lines.

        str.find on "\\n@@" runs at memchr speed; a body between two markers is
        passed on as one slice. `text` starts at a line start and ends with a
        newline, so every marker is found, including one at position 0.
        """
        start = 0
        if text.startswith("@@"):
            at = 0
        else:
            first = text.find("\n@@")
            at = -1 if first < 0 else first + 1
        while at >= 0:
            if at > start:
                self._body(text[start:at])
            end = text.index("\n", at)
            sample = self._marker(text[at:end])
            if sample is not None:
                self._samples.append(sample)
            start = end + 1
            nxt = text.find("\n@@", end)
            at = -1 if nxt < 0 else nxt + 1
        if start < len(text):
            self._body(text[start:])

    @property
    def problems(self) -> tuple[str, ...]:
        """Stream problems not yet attached to a sample (dropped frames...)."""
        return tuple(self._pending)

    def _body(self, text: str) -> None:
        if self._current is None:
            return  # text outside any frame or section (banner, noise) is ignored
        self._size += len(text)
        if self._size > self._max:
            self._drop(f"frame {self._seq}: larger than {self._max} chars")
        else:
            self._current.append(text)

    def _marker(self, line: str) -> RawSample | None:
        if line.startswith(FRAME_MARKER):
            if self._seq is not None:
                self._drop(f"frame {self._seq}: truncated (next frame began)")
            self._seq = line[len(FRAME_MARKER):].strip()
            self._size = 0
            self._sections = {}
            self._current = None
            return None
        if line.startswith(PID_MARKER):
            token = line[len(PID_MARKER):].strip()
            if token.isdigit():
                self.pid = int(token)
            return None
        if self._seq is None:
            return None
        if line.startswith(END_MARKER):
            seq = line[len(END_MARKER):].strip()
            if seq != self._seq:
                self._drop(f"frame {self._seq}: ended with seq {seq[:20]!r}")
                return None
            return self._complete()
        self._size += len(line)
        self._current = self._sections.setdefault(line[2:].strip()[:64], [])
        return None

    def _drop(self, reason: str) -> None:
        self.dropped_frames += 1
        self._note(reason)
        self._seq = None
        self._sections = {}
        self._current = None
        self._size = 0

    def _note(self, problem: str) -> None:
        self._pending.append(problem)
        del self._pending[:-MAX_PROBLEMS_KEPT]

    def _complete(self) -> RawSample:
        seq, sections = self._seq, self._sections
        self._seq, self._sections, self._current, self._size = None, {}, None, 0
        self.frames += 1
        if seq is not None and seq.isdigit():
            self.last_seq = int(seq)
        problems = self._pending
        self._pending = []
        return build_raw_sample(
            {k: "".join(v) for k, v in sections.items()},
            taken_at=self._clock(),
            wall_time=self._wall_clock(),
            problems=problems,
            fs_cache=self._fs_cache,
        )


def _filesystems(texts: dict[str, str], problems: list[str],
                 cache: FilesystemCache | None = None,
                 ) -> tuple[tuple[Filesystem, ...], frozenset[str] | None]:
    fstypes = _memo(cache, texts, "mounts", parse_mounts, problems)
    mounted = frozenset(fstypes) if fstypes else None
    space = _section(texts, "df", parse_df, problems)
    if space is None:
        return (), mounted
    inodes = _memo(cache, texts, "dfi", parse_df_inodes, problems)
    return _guard(
        "df", lambda: build_filesystems(space, inodes or (), fstypes), problems
    ) or (), mounted


def _memo(cache: FilesystemCache | None, texts: dict[str, str], name: str,
          parse: Callable[[str], Any], problems: list[str]) -> Any:
    """The mount table and inode counts change far less often than df's used blocks:
    their parse is reused while their text is the same."""
    text = texts.get(name)
    if cache is not None and text is not None:
        hit = cache.sections.get(name)
        if hit is not None and hit[0] == text:
            return hit[1]
    before = len(problems)
    value = _section(texts, name, parse, problems)
    if cache is not None and text is not None and len(problems) == before:
        cache.sections[name] = (text, value)
    return value


def _guard(name: str, compute: Callable[[], Any], problems: list[str]) -> Any:
    try:
        return compute()
    except ParseError as exc:
        message = str(exc)
        problems.append(message if message.startswith(name) else f"{name}: {message}")
    except Exception as exc:  # a parser bug must not kill a host's stream
        problems.append(f"{name}: {type(exc).__name__}: {exc}")
    return None


def _section(
    texts: dict[str, str], name: str, parse: Callable[[str], Any], problems: list[str]
) -> Any:
    text = texts.get(name)
    if text is None:
        if name in REQUIRED_SECTIONS:
            problems.append(f"{name}: missing")
        return None
    return _guard(name, lambda: parse(text), problems)


class FilesystemCache:
    """The df and mount texts of an idle host repeat frame after frame; their
    parse (the costliest section) is reused when all three are unchanged."""

    def __init__(self) -> None:
        self.key: tuple[str | None, str | None, str | None] | None = None
        self.value: tuple[tuple[Filesystem, ...], frozenset[str] | None] = ((), None)
        self.sections: dict[str, tuple[str, Any]] = {}


def build_raw_sample(
    texts: dict[str, str],
    taken_at: float,
    wall_time: float,
    problems: list[str] | None = None,
    fs_cache: FilesystemCache | None = None,
) -> RawSample:
    """Section texts -> RawSample; every section fails on its own."""
    problems = list(problems or ())
    key = (texts.get("df"), texts.get("dfi"), texts.get("mounts"))
    if fs_cache is not None and fs_cache.key == key:
        filesystems, mounted = fs_cache.value
    else:
        before = len(problems)
        filesystems, mounted = _filesystems(texts, problems, fs_cache)
        if fs_cache is not None:
            clean = len(problems) == before
            fs_cache.key, fs_cache.value = ((key, (filesystems, mounted)) if clean
                                            else (None, ((), None)))
    stat = _section(texts, "stat", parse_proc_stat, problems)
    net = _section(texts, "netdev", parse_net_dev, problems)
    disks = _section(texts, "diskstats", lambda t: select_disks(parse_diskstats(t)), problems)
    nproc = _section(texts, "nproc", lambda t: parse_count(t, "nproc"), problems)
    procs = _section(texts, "procs", lambda t: parse_count(t, "procs"), problems)
    return RawSample(
        taken_at=taken_at,
        wall_time=wall_time,
        cpu=stat.cpu if stat is not None else None,
        cpu_count=nproc or (stat.cpu_lines if stat is not None and stat.cpu_lines else None),
        memory=_section(texts, "meminfo", parse_meminfo, problems),
        load=_section(texts, "loadavg", parse_loadavg, problems),
        net=net or (),
        disks=disks or (),
        filesystems=filesystems,
        mounted=mounted,
        uptime_s=_section(texts, "uptime", parse_uptime, problems),
        processes=procs,
        problems=tuple(problems),
    )
