"""Turns the sampler's text stream into RawSamples, one per complete frame.

The records are those of console/transport/sampler_script.py: the host's awk has
already picked the figures out of /proc and df. The stream is still untrusted: a
login banner, a shell's complaint, a half-sent frame after a reconnect, a runaway
line. So this parser never raises and never grows without bound: garbage outside
frames is skipped, a frame is only used once its `@@end <seq>` arrives, a frame
larger than `max_frame_chars` is dropped, and a section whose records do not parse
becomes None/() plus a `problems` entry naming it, while the rest of the frame is
still used.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from console.metrics.parsers.count import parse_counts
from console.metrics.parsers.df import (
    build_filesystems,
    parse_block_size,
    parse_fs_record,
)
from console.metrics.parsers.diskstats import parse_disk_record, select_disks
from console.metrics.parsers.errors import ParseError
from console.metrics.parsers.loadavg import parse_loadavg
from console.metrics.parsers.meminfo import parse_meminfo
from console.metrics.parsers.net_dev import parse_net_record
from console.metrics.parsers.proc_stat import parse_cpu_line
from console.metrics.parsers.uptime import parse_uptime
from console.metrics.raw import DiskCounters, Filesystem, NetCounters, RawSample

PID_MARKER = "@@opsconsole-pid "
FRAME_MARKER = "@@opsconsole-frame "
END_MARKER = "@@end "
MAX_FRAME_CHARS = 4 * 1024 * 1024
MAX_PROBLEMS_KEPT = 20
#: The section a record tag belongs to, as problems name it.
SECTION_OF = {"c": "stat", "k": "nproc", "m": "meminfo", "l": "loadavg", "u": "uptime",
              "n": "netdev", "d": "diskstats", "b": "df", "e": "df"}


class FrameParser:
    """Feed decoded text chunks of any size; get RawSamples for complete frames.

    A frame's records are collected as whole slices between marker lines (found by
    str.find in C) and split into lines once, when the frame is complete.
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
        self._body_parts: list[str] | None = None  # the open frame's records
        self._pending: list[str] = []  # problems to attach to the next sample
        self._samples: list[RawSample] = []  # completed during the current feed()
        self._fs_cache = FilesystemCache()
        # Frames that may still be turned into samples (None: no limit). A host that
        # prints frames far faster than its interval would otherwise buy a sample,
        # rates and alerts per frame; past the allowance a frame is only counted.
        self.frame_allowance: int | None = None
        self.frames_over_allowance = 0

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
        if self._body_parts is None:
            return  # text outside any frame (banner, noise) is ignored
        self._size += len(text)
        if self._size > self._max:
            self._drop(f"frame {self._seq}: larger than {self._max} chars")
        else:
            self._body_parts.append(text)

    def _marker(self, line: str) -> RawSample | None:
        if line.startswith(FRAME_MARKER):
            if self._seq is not None:
                self._drop(f"frame {self._seq}: truncated (next frame began)")
            self._seq = line[len(FRAME_MARKER):].strip()
            self._size = 0
            self._body_parts = []
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
            if self.frame_allowance is not None:
                if self.frame_allowance <= 0:
                    self.frames_over_allowance += 1
                    self._seq, self._body_parts, self._size = None, None, 0
                    return None
                self.frame_allowance -= 1
            return self._complete()
        return None  # an unknown marker inside a frame: not a record, ignored

    def _drop(self, reason: str) -> None:
        self.dropped_frames += 1
        self._note(reason)
        self._seq = None
        self._body_parts = None
        self._size = 0

    def _note(self, problem: str) -> None:
        self._pending.append(problem)
        del self._pending[:-MAX_PROBLEMS_KEPT]

    def _complete(self) -> RawSample:
        seq, body = self._seq, self._body_parts or []
        self._seq, self._body_parts, self._size = None, None, 0
        self.frames += 1
        if seq is not None and seq.isdigit():
            self.last_seq = int(seq)
        problems = self._pending
        self._pending = []
        return build_raw_sample("".join(body), taken_at=self._clock(),
                                wall_time=self._wall_clock(), problems=problems,
                                fs_cache=self._fs_cache)


Filesystems = tuple[tuple[Filesystem, ...], frozenset[str] | None]


class FilesystemCache:
    """One host's last df: what was built from its records, reused while they are the
    same, and shown again on the frames that skip df (the `s` record). A df that
    failed leaves nothing to repeat."""

    def __init__(self) -> None:
        self.key: tuple[int, list[str]] | None = None
        self.value: Filesystems = ((), None)

    def remember(self, key: tuple[int, list[str]] | None, value: Filesystems) -> Filesystems:
        self.key, self.value = key, value
        return value


def _filesystems(block: int | None, lines: list[str], failed: set[str],
                 problems: list[str], cache: FilesystemCache) -> Filesystems:
    """Filesystems from the `f` records (df's rows), and every real mount point the
    host listed as mounted, whether df could read it (`f` with a type) or not (`x`);
    None without the mount table (`M`). The latter only matters beside a good df
    listing (see AlertEngine._drop_gone_mounts), so a failed df gives ((), None)."""
    if block is None or "df" in failed:
        return cache.remember(None, ((), None))
    key = (block, lines)
    if cache.key == key:
        return cache.value
    rows = []
    unread: list[str] = []  # mounted, but not in df
    table_read = False
    try:
        for line in lines:
            if line[0] == "f":
                rows.append(parse_fs_record(line, block))
            elif line[0] == "x":
                unread.append(line[2:])
            else:  # "M"
                table_read = True
    except ParseError as exc:
        _fail("df", str(exc), failed, problems)
        return cache.remember(None, ((), None))
    mounted = (frozenset(unread + [row.mount for row in rows if row.fstype])
               if table_read else None)
    return cache.remember(key, (build_filesystems(rows), mounted))


def build_raw_sample(
    body: str,
    taken_at: float,
    wall_time: float,
    problems: list[str] | None = None,
    fs_cache: FilesystemCache | None = None,
) -> RawSample:
    """A frame's records -> RawSample. A bad record costs its whole section (a host
    total over some of its interfaces would be a wrong figure), never the frame.
    `fs_cache` is the host's last df (FrameParser keeps one per stream): reused while
    df's records repeat, and shown again by the frames that skip df."""
    problems = list(problems or ())
    failed: set[str] = set()
    cpu = memory = load = uptime_s = None
    cpu_count = processes = block = None
    net: list[NetCounters] = []
    disks: list[DiskCounters] = []
    fs_lines: list[str] = []
    df_skipped = False
    for line in body.split("\n"):
        tag = line[:1]
        try:
            if tag == "n":
                net.append(parse_net_record(line.split()))
            elif tag == "d":
                disk = parse_disk_record(line.split())
                if disk is not None:
                    disks.append(disk)
            elif tag == "f" or tag == "x" or tag == "M":
                fs_lines.append(line)
            elif tag == "c":
                cpu = parse_cpu_line(line.split())
            elif tag == "m":
                memory = parse_meminfo(line.split()[1:])
            elif tag == "l":
                load = parse_loadavg(line[2:])
            elif tag == "u":
                uptime_s = parse_uptime(line[2:])
            elif tag == "k":
                cpu_count, processes = parse_counts(line.split())
            elif tag == "b":
                block = parse_block_size(line.split())
            elif tag == "e":  # the sampler could not read one of df's rows
                raise ParseError(line[2:].strip()[:100] or "df: bad row")
            elif tag == "s" and line == "s":
                df_skipped = True
            # Anything else (an empty line, a record this console does not know) is
            # skipped.
        except ParseError as exc:
            _fail(SECTION_OF[tag], str(exc), failed, problems)
        except Exception as exc:  # a parser bug must not kill a host's stream
            _fail(SECTION_OF[tag], f"{type(exc).__name__}: {exc}", failed, problems)
    cache = fs_cache or FilesystemCache()
    # A frame that skipped df, from a host whose last df is known, shows that df again.
    repeat = df_skipped and block is None and cache.key is not None
    for value, section in ((cpu, "stat"), (memory, "meminfo"), (load, "loadavg"),
                           (uptime_s, "uptime"), (net or None, "netdev"), (block, "df")):
        if value is None and section not in failed and not (section == "df" and repeat):
            problems.append(f"{section}: missing")
    filesystems, mounted = (cache.value if repeat else
                            _filesystems(block, fs_lines, failed, problems, cache))
    return RawSample(
        taken_at=taken_at,
        wall_time=wall_time,
        cpu=cpu,
        cpu_count=cpu_count,
        memory=memory,
        load=load,
        net=tuple(net) if "netdev" not in failed else (),
        disks=select_disks(disks) if "diskstats" not in failed else (),
        filesystems=filesystems,
        mounted=mounted,
        filesystems_repeated=repeat,
        uptime_s=uptime_s,
        processes=processes,
        problems=tuple(problems),
    )


def _fail(section: str, message: str, failed: set[str], problems: list[str]) -> None:
    if section not in failed:  # one line per section: the first bad record says it
        failed.add(section)
        problems.append(message if message.startswith(section) else f"{section}: {message}")
