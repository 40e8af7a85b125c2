"""Log analysis figures from issue 13, written into docs/benchmarks.md (bench:logs-analysis).

    python bench/logs_analysis_bench.py            # loghub-2k from ../shared/data
    python bench/logs_analysis_bench.py --data DIR --no-write

Two kinds of figure:
- template grouping accuracy on loghub-2k (eight systems, each line labelled with its
  event), scored by ../shared/tools/template_accuracy.py against the installed
  `opsconsole templates`, on raw lines (headers included) and on the message field;
- throughput of the per-line analysis (levels, timestamps, entry assembly, template
  mining, the index the views use, and the whole command as a process), in lines/s of
  one core, against the 20,000 lines/s a 10-host fleet sends in the issue's scenario.
The loghub files are read where they lie; nothing of them is copied into the repository.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from console.logs.entries import EntryAssembler
from console.logs.levels import classify
from console.logs.masking import tokens_of
from console.logs.messages import message_of
from console.logs.templates import TemplateIndex, TemplateMiner
from console.logs.timestamps import parse_timestamp

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
SHARED = ROOT.parent / "shared"
DEFAULT_DATA = SHARED / "data" / "loghub-2k"
SCORER = SHARED / "tools" / "template_accuracy.py"
SYSTEMS = ("Apache", "HDFS", "Hadoop", "Linux", "OpenSSH", "OpenStack", "Spark", "Zookeeper")
TARGET_RATE = 20_000
TARGET_ACCURACY = 0.90


def corpus(data: Path) -> list[str]:
    lines: list[str] = []
    for name in SYSTEMS:
        path = data / f"{name}_2k.log"
        lines += path.read_text(encoding="utf-8", errors="replace").splitlines()
    return lines


def rate(fn: Callable[[list[str]], None], lines: list[str], runs: int = 3) -> float:
    """Lines per CPU second, best of `runs`: CPU time, not wall time, because the
    machine is shared and a wall clock would measure the neighbours."""
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        fn(lines)
        best = min(best, time.process_time() - start)
    return len(lines) / best


def run_levels(lines: list[str]) -> None:
    for line in lines:
        classify(line)


def run_timestamps(lines: list[str]) -> None:
    for line in lines:
        parse_timestamp(line, year_hint=2026)


def run_entries(lines: list[str]) -> None:
    assembler = EntryAssembler()
    for i, line in enumerate(lines):
        assembler.feed(line, i * 0.001)
    assembler.flush()


def run_miner(lines: list[str]) -> None:
    miner = TemplateMiner()
    for line in lines:
        miner.add(tokens_of(message_of(line)))


def run_index(lines: list[str]) -> None:
    index = TemplateIndex()
    for i, line in enumerate(lines):
        index.add(line, 1_764_790_000.0 + i * 0.05, classify(line))
    index.top(20, since=1_764_790_000.0 + 600)


def command_rate(lines: list[str]) -> float:
    script = Path(sys.executable).with_name("opsconsole")
    data = ("\n".join(lines) + "\n").encode()
    best = float("inf")
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run([str(script), "templates"], input=data, capture_output=True,
                              check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best = min(best, cpu)
        assert done.stdout.count(b"\n") == len(lines)
    return len(lines) / best


def accuracy(field: str, data: Path) -> dict[str, float]:
    script = Path(sys.executable).with_name("opsconsole")
    done = subprocess.run(
        [sys.executable, str(SCORER), "--data", str(data), "--field", field, "--",
         str(script), "templates"], capture_output=True, text=True, check=False)
    scores = {}
    for line in done.stdout.splitlines():
        m = re.match(r"(\S+)\s+([0-9.]+)$", line)
        if m:
            scores[m.group(1)] = float(m.group(2))
    if done.returncode != 0 or "mean" not in scores:
        raise SystemExit(f"scorer failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    return scores


def report(raw: dict[str, float], content: dict[str, float], rates: dict[str, float],
           n_lines: int) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    cpus = os.cpu_count()
    lines = [
        "## Issue 13: template grouping (bench/logs_analysis_bench.py)",
        "",
        f"Run {when}; {cpus} CPUs, Python {platform.python_version()}, shared machine.",
        "Command: `python bench/logs_analysis_bench.py` (scores by",
        "`python3 ../shared/tools/template_accuracy.py --field raw -- .venv/bin/opsconsole "
        "templates`, and `--field content`).",
        "",
        "Grouping accuracy on loghub-2k (2,000 labelled lines per system; a line counts when",
        "its group is exactly its event's lines). No rule per system, one global setting",
        "(a word position becomes a variable at 4 distinct words).",
        "",
        "| System | raw lines | message only |",
        "|---|---|---|",
    ]
    for name in SYSTEMS:
        lines.append(f"| {name} | {raw.get(name, 0):.3f} | {content.get(name, 0):.3f} |")
    ok = "PASS" if raw["mean"] >= TARGET_ACCURACY else "FAIL"
    lines += [
        f"| **mean** | **{raw['mean']:.3f}** | **{content['mean']:.3f}** |",
        "",
        f"Target: mean ≥ {TARGET_ACCURACY:.2f} on raw lines: {ok}. For scale (issue 13):",
        "drain3 with default settings 0.46 raw / 0.82 message only; published Drain with",
        "hand-written rules per system 0.88 (message only).",
        "Where it loses: Linux 'session opened for user cyrus/news/test' (three names are",
        "not yet a variable) and '<daemon> startup succeeded' (labelled as one event per",
        "daemon); OpenStack 'VM Started/Paused/Resumed/Stopped' (four states reach the",
        "variable threshold). `--follow` (streaming, each line printed with the template",
        f"known when it arrived) scores lower on raw lines: {rates.get('follow', 0):.3f}.",
        "",
        f"Throughput over the same {n_lines:,} lines, in lines per CPU second (best of 3;",
        "CPU time because the machine is shared; the command's includes interpreter start",
        f"and imports). Target: {TARGET_RATE:,} lines/s for what runs on every line.",
        "",
        "| Stage | lines per CPU second |",
        "|---|---|",
    ]
    names = {
        "levels": "`classify()` level of a line",
        "timestamps": "`parse_timestamp()`",
        "entries": "`EntryAssembler.feed()` (multi-line entries)",
        "miner": "template mining: header, masks, grouping",
        "index": "`classify()` + `TemplateIndex.add()`, + one `top()`",
        "command": "`opsconsole templates` as a process (read, mine, print)",
    }
    for key, label in names.items():
        lines.append(f"| {label} | {rates[key]:,.0f} |")
    return "\n".join(lines)


def held_out_report(raw: dict[str, float], content: dict[str, float]) -> str:
    lines = [
        "Held-out check: the other eight loghub-2k systems (from github.com/logpai/loghub,",
        "`<System>/<System>_2k.log` and `_structured.csv`, not in this repository), scored",
        "the same way with `--data DIR`; `python bench/logs_analysis_bench.py --held-out DIR`.",
        "They were looked at while building the miner, to find what a header or a value can",
        "look like elsewhere (an epoch before the time, `ts|comp|pid|msg`, `1234 bytes (1.2",
        "KB)`, `chrome.exe -`); every change is a rule about shapes, none names a program,",
        "and the eight systems above kept their scores. Before those changes: 0.752 raw.",
        "",
        "| System | raw lines | message only |",
        "|---|---|---|",
    ]
    for name in sorted(k for k in raw if k != "mean"):
        lines.append(f"| {name} | {raw[name]:.3f} | {content.get(name, 0):.3f} |")
    lines.append(f"| **mean** | **{raw['mean']:.3f}** | **{content['mean']:.3f}** |")
    return "\n".join(lines)


def write_section(name: str, body: str) -> None:
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    block = f"{start}\n{body}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(text)


def follow_accuracy(data: Path) -> float:
    script = Path(sys.executable).with_name("opsconsole")
    done = subprocess.run(
        [sys.executable, str(SCORER), "--data", str(data), "--field", "raw", "--",
         str(script), "templates", "--follow"], capture_output=True, text=True, check=False)
    m = re.search(r"^mean\s+([0-9.]+)$", done.stdout, re.MULTILINE)
    return float(m.group(1)) if m else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--no-write", action="store_true", help="print, do not edit the doc")
    ap.add_argument("--held-out", type=Path, metavar="DIR",
                    help="also score the *_2k.log(_structured.csv) files of DIR: the other "
                         "loghub systems, as a check that nothing was fitted to the eight")
    args = ap.parse_args()
    if not (args.data / "HDFS_2k.log").exists() or not SCORER.exists():
        print(f"{args.data}: loghub-2k or {SCORER} not found", file=sys.stderr)
        return 2
    lines = corpus(args.data)
    rates = {
        "levels": rate(run_levels, lines),
        "timestamps": rate(run_timestamps, lines),
        "entries": rate(run_entries, lines),
        "miner": rate(run_miner, lines),
        "index": rate(run_index, lines),
        "command": command_rate(lines),
    }
    raw = accuracy("raw", args.data)
    content = accuracy("content", args.data)
    rates["follow"] = follow_accuracy(args.data)
    body = report(raw, content, rates, len(lines))
    if args.held_out is not None:
        body += "\n\n" + held_out_report(accuracy("raw", args.held_out),
                                          accuracy("content", args.held_out))
    print(body)
    if not args.no_write:
        write_section("logs-analysis", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
