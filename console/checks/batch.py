"""Several checks of one host in one SSH session, told apart by markers.

Why: opening a session costs the console about a millisecond and a half of CPU (channel
open, exec request, replies, close: a dozen packets through asyncssh and the kernel),
and each check is usually a few milliseconds of shell on the host. Ten checks a minute
on 50 hosts as separate sessions measured +1.4 points of a core; in one session per
host per round they cost a tenth of that (docs/benchmarks.md, "Issue 16").

Each check still runs inside its own wrapper (console/checks/remote.py: its own
timeout, its own output bound), one after the other; markers carry a random nonce so a
check's output cannot forge them, and the host's clock times each one.
"""

from __future__ import annotations

import secrets
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

#: Marker lines: "\n@@<nonce> begin <i> <epoch>" and "\n@@<nonce> end <i> <rc> <epoch>".
_TAG = "@@"


def new_nonce() -> str:
    return secrets.token_hex(8)


def batch_command(commands: Sequence[str], nonce: str) -> str:
    """One `sh -c` line running each command (a remote_command line) in turn."""
    lines = [
        "exec </dev/null",
        f"N={nonce}",
        "t() { date +%s.%N 2>/dev/null || date +%s; }",
        "c() {",
        "  printf '\\n@@%s begin %s %s\\n' \"$N\" \"$1\" \"$(t)\"",
        "  printf '\\n@@%s begin %s\\n' \"$N\" \"$1\" >&2",
        "  sh -c \"$2\"; rc=$?",
        "  printf '\\n@@%s end %s %s %s\\n' \"$N\" \"$1\" \"$rc\" \"$(t)\"",
        "}",
    ]
    lines += [f"c {i} {shlex.quote(command)}" for i, command in enumerate(commands)]
    return "exec sh -c " + shlex.quote("\n".join(lines))


@dataclass(frozen=True, slots=True)
class Piece:
    """One check's share of a batch's output."""

    index: int
    exit_code: int | None  # None: the batch ended before this check did
    stdout: str
    stderr: str
    duration_s: float | None  # by the host's clock; None when it could not say


def _epoch(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def split_batch(stdout: str, stderr: str, nonce: str, count: int) -> list[Piece]:
    """Every check's exit code, output and duration (a check the batch never reached
    or never finished has exit_code None)."""
    begin, end = f"\n{_TAG}{nonce} begin ", f"\n{_TAG}{nonce} end "
    out_parts: dict[int, tuple[str, int | None, float | None]] = {}
    text = "\n" + stdout
    for chunk in text.split(begin)[1:]:
        head, _, rest = chunk.partition("\n")
        index_text, _, started_text = head.partition(" ")
        if not index_text.isdigit():
            continue
        body, found, tail = rest.partition(end)
        rc: int | None = None
        took: float | None = None
        if found:
            fields = tail.split("\n", 1)[0].split(" ")
            if len(fields) >= 3 and fields[1].lstrip("-").isdigit():
                rc = int(fields[1])
                start, stop = _epoch(started_text), _epoch(fields[2])
                if start is not None and stop is not None and stop >= start:
                    took = stop - start
        out_parts[int(index_text)] = (body, rc, took)
    err_parts: dict[int, str] = {}
    err_begin = f"\n{_TAG}{nonce} begin "
    for chunk in ("\n" + stderr).split(err_begin)[1:]:
        head, _, rest = chunk.partition("\n")
        if head.isdigit():
            err_parts[int(head)] = rest
    pieces = []
    for i in range(count):
        body, rc, took = out_parts.get(i, ("", None, None))
        pieces.append(Piece(i, rc, body, err_parts.get(i, ""), took))
    return pieces
