"""`opsconsole templates [--top N] [--follow]`: log lines on stdin grouped by template.

    journalctl -u nginx | opsconsole templates --top 20
    opsconsole templates < app.log > app.templates     # one template per input line

Without --top it prints, for every input line, the template of its group, one per line
and in order. The lines are all read first: a group learns that a position is a
variable (a user name, say) only after seeing a few values, and the line that came
first should be printed with the template its group ends with. `--follow` prints each
line's template as it arrives instead (for `tail -F`), as known at that moment.

`--top N` prints the N most frequent templates with their count and when they were first
and last seen: times when the lines carry timestamps, line numbers otherwise.

Input is untrusted: invalid UTF-8 is replaced, a line is mined on its first 64 KiB
(longer ones are read through and still print exactly one line), and every template is
made safe for a terminal (control characters and escape sequences shown, not obeyed).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from array import array
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import BinaryIO, TextIO

from console.errors import UserError
from console.logs.masking import MASK, tokens_of
from console.logs.messages import message_of
from console.logs.templates import TemplateMiner
from console.logs.timestamps import parse_timestamp
from console.text import sanitize_for_display

LINE_LIMIT = 64 * 1024  # bytes of a line that are read and mined; the rest is skipped


def add_parser(sub: argparse._SubParsersAction,
               add_common: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser(
        "templates", help="group log lines on stdin by message template",
        description="Read log lines on standard input and print each line's template "
                    "(numbers, ids, addresses, paths, timestamps masked as <*>), one per "
                    "input line; with --top N, the N most frequent templates with their "
                    "counts and first and last seen instead.",
        epilog="example: journalctl -u nginx | opsconsole templates --top 20")
    parser.add_argument("--top", type=int, metavar="N",
                        help="print a summary of the N most frequent templates")
    parser.add_argument("--follow", action="store_true",
                        help="print each template as its line arrives (for tail -F); "
                             "early lines may show a less general template")
    parser.set_defaults(run=run)


def read_lines(stream: BinaryIO, limit: int = LINE_LIMIT) -> Iterator[str]:
    """Lines of `stream` decoded as UTF-8 (invalid bytes replaced), each cut to `limit`
    bytes: a 1 GB line costs `limit` bytes of memory, not a gigabyte."""
    readline = stream.readline
    while True:
        chunk = readline(limit)
        if not chunk:
            return
        if chunk.endswith(b"\n"):
            chunk = chunk[:-1]
        elif len(chunk) >= limit:
            while True:  # skip the rest of an over-long line
                rest = readline(limit)
                if not rest or rest.endswith(b"\n"):
                    break
        if chunk.endswith(b"\r"):
            chunk = chunk[:-1]
        yield chunk.decode("utf-8", "replace")


def _safe(template: str) -> str:
    return sanitize_for_display(template)


def _warn_overflow(miner: TemplateMiner) -> None:
    if miner.overflow:
        print(f"opsconsole templates: more than {miner.max_templates} templates; "
              f"{miner.overflow} lines beyond that were grouped as {MASK}", file=sys.stderr)


def _print_templates(lines: Iterator[str], out: TextIO, follow: bool) -> TemplateMiner:
    miner = TemplateMiner()
    if follow:
        for line in lines:
            out.write(_safe(miner.template(miner.add(tokens_of(message_of(line)))).text))
            out.write("\n")
            out.flush()
        return miner
    ids = array("q")
    for line in lines:
        ids.append(miner.add(tokens_of(message_of(line))))
    find = miner.find
    texts: dict[int, str] = {}
    write = out.write
    for cid in ids:
        root = find(cid)
        text = texts.get(root)
        if text is None:
            text = texts[root] = _safe(miner.template(root).text)
        write(text)
        write("\n")
    return miner


def _when(seconds: float | None, line_number: int) -> str:
    if seconds is None:
        return f"line {line_number}"
    return datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M:%S")


def _print_top(lines: Iterator[str], out: TextIO, n: int) -> TemplateMiner:
    miner = TemplateMiner()
    year = datetime.now().year
    local = datetime.now().astimezone().tzinfo
    # per group: [count, first line, last line, first time, last time]
    seen: dict[int, list] = {}
    for number, line in enumerate(lines, 1):
        cid = miner.add(tokens_of(message_of(line)))
        at = parse_timestamp(line, year_hint=year, tz=local)
        row = seen.get(cid)
        if row is None:
            seen[cid] = [1, number, number, at, at]
            continue
        row[0] += 1
        row[2] = number
        if at is not None:
            row[3] = at if row[3] is None else min(row[3], at)
            row[4] = at if row[4] is None else max(row[4], at)
    groups: dict[int, list] = {}
    for cid, row in seen.items():
        root = miner.find(cid)
        into = groups.get(root)
        if into is None:
            groups[root] = row
            continue
        into[0] += row[0]
        into[1] = min(into[1], row[1])
        into[2] = max(into[2], row[2])
        times = [t for t in (into[3], into[4], row[3], row[4]) if t is not None]
        if times:
            into[3], into[4] = min(times), max(times)
    ranked = sorted(groups.items(), key=lambda item: (-item[1][0], item[1][1]))[:n]
    total = sum(row[0] for row in groups.values())
    out.write(f"{'COUNT':>8}  {'FIRST SEEN':<19}  {'LAST SEEN':<19}  TEMPLATE\n")
    for root, (count, first, last, t_first, t_last) in ranked:
        out.write(f"{count:>8}  {_when(t_first, first):<19}  {_when(t_last, last):<19}  "
                  f"{_safe(miner.template(root).text)}\n")
    out.write(f"{total} line{'' if total == 1 else 's'}, "
              f"{len(groups)} template{'' if len(groups) == 1 else 's'}\n")
    return miner


def run(args: argparse.Namespace) -> int:
    if args.top is not None and args.top < 1:
        raise UserError(f"--top {args.top}: give a number of templates of at least 1")
    if args.top is not None and args.follow:
        raise UserError("--top and --follow do not go together: --top summarises at the end")
    if sys.stdin.isatty():
        print("opsconsole templates: reading log lines from the terminal; end with Ctrl+D "
              "(or pipe a log in: journalctl -u nginx | opsconsole templates --top 20)",
              file=sys.stderr)
    lines = read_lines(sys.stdin.buffer)
    out = sys.stdout
    if isinstance(out, io.TextIOWrapper):
        out.reconfigure(errors="backslashreplace")  # a C-locale terminal still gets text
    try:
        if args.top is not None:
            miner = _print_top(lines, out, args.top)
        else:
            miner = _print_templates(lines, out, args.follow)
        out.flush()
        _warn_overflow(miner)
    except BrokenPipeError:  # `| head`: the reader has gone, which is not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())  # so the flush at exit does not fail again
    return 0
