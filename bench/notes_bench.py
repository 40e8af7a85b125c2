"""Notes store figures from issue 4, written into docs/benchmarks.md (bench:notes).

    python bench/notes_bench.py                 # 100,000 notes, 60 s two-writer run
    python bench/notes_bench.py --quick         # 10,000 notes, 5 s: a smoke run

Targets: with 100,000 notes the pane opens (Store.open + recent_notes(200)) in < 200 ms,
a full-text search answers in < 50 ms, and a note written by another process shows in
a watcher in < 1 s; two processes writing 10 notes/s each for 60 s lose and duplicate
nothing and each sees every note of the other.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from console.store import Store

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:notes -->", "<!-- /bench:notes -->"

HOSTS = [f"{role}{i:02d}" for role in ("web", "db", "cache", "queue", "lb") for i in range(40)]
VOCABULARY = ("restarted nginx disk full replica lag failover rollback deploy release cert "
              "expired memory leak oom killer cpu spike load balancer timeout retry queue "
              "backlog cron backup snapshot kernel panic reboot dns resolver latency packet "
              "loss firewall rule config reload token rotated ssh key paged oncall escalated "
              "ticket customer impact mitigated monitoring threshold alert flapping")
WORDS = VOCABULARY.split(" ")
QUERIES = ["nginx", "replica lag", "failover", "\"kernel panic\"", "cert*", "oom killer",
           "web07", "rollback release", "how did we fix the dns resolver",
           "zzzunmatched", "\"unbalanced", "customer AND impact"]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def populate(path: Path, count: int) -> float:
    asyncio.run(_create(path))
    rng = random.Random(4)
    now = time.time()
    rows = []
    for i in range(count):
        host = rng.choice(HOSTS)
        system = rng.random() < 0.3
        body = " ".join(rng.choices(WORDS, k=rng.randint(4, 30)))
        rows.append((now - 90 * 86400 * (1 - i / count), "system" if system else "human",
                     "opsconsole" if system else rng.choice(["alice", "bob", "carol"]),
                     host if rng.random() < 0.6 else None,
                     rng.choice(["host", "alert", "check", "operation"]) if system else None,
                     f"{body} on {host}", uuid.uuid4().hex))
    started = time.perf_counter()
    with sqlite3.connect(path) as conn:
        conn.executemany("INSERT INTO notes (created_at, kind, author, host, category, body,"
                         " client_uuid) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return time.perf_counter() - started


async def _create(path: Path) -> None:
    async with Store.open(path):
        pass


async def measure_open(path: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        store = await Store.connect(path)
        notes = await store.recent_notes(200)
        times.append((time.perf_counter() - started) * 1000)
        assert len(notes) == 200
        await store.close()
    return times


async def measure_search(path: Path, rounds: int) -> tuple[list[float], dict[str, int]]:
    times, hits = [], {}
    async with Store.open(path) as store:
        for _ in range(rounds):
            for query in QUERIES:
                started = time.perf_counter()
                found = await store.search(query, limit=50)
                times.append((time.perf_counter() - started) * 1000)
                hits[query] = len(found)
    return times, hits


def loadgen(path: Path, tag: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bench.notes_loadgen", "--db", str(path),
                             "--tag", tag, *extra], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parent.parent)


async def measure_cross_process(path: Path, notes: int) -> list[float]:
    """Latency from the other process's commit-time stamp to our watcher's batch."""
    latencies: list[float] = []
    async with Store.open(path) as store:
        watcher = await store.watch()

        async def follow() -> None:
            async for batch in watcher:
                now = time.time()
                latencies.extend((now - n.created_at) * 1000 for n in batch)
                if len(latencies) >= notes:
                    watcher.stop()

        follower = asyncio.create_task(follow())
        proc = await asyncio.to_thread(loadgen, path, "X", "--rate", "5",
                                       "--seconds", str(notes / 5))
        await asyncio.to_thread(proc.communicate)
        await asyncio.wait_for(follower, 30)
    return latencies


def two_writers(path: Path, seconds: float, rate: float) -> dict[str, object]:
    per_writer = int(rate * seconds)
    with sqlite3.connect(path) as conn:
        before = conn.execute("SELECT coalesce(max(id), 0) FROM notes").fetchone()[0]
    args = ("--rate", str(rate), "--seconds", str(seconds), "--watch", "--expect",
            str(per_writer), "--linger", "15")
    procs = {tag: loadgen(path, tag, "--peer", "B" if tag == "A" else "A", *args)
             for tag in ("A", "B")}
    outs = {tag: proc.communicate()[0] for tag, proc in procs.items()}
    saved = {tag: {line.split()[2] for line in out.splitlines() if line.startswith("saved")}
             for tag, out in outs.items()}
    seen = {tag: set(json.loads(out.splitlines()[-1])["seen"]) for tag, out in outs.items()}
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT body, client_uuid FROM notes WHERE id > ?",
                            (before,)).fetchall()
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    bodies = [b for b, _ in rows if re.match(r"loadgen [AB] note", b)]
    stored = {u for _, u in rows}
    return {
        "written": 2 * per_writer,
        "stored": len(bodies),
        "lost": sum(len(s - stored) for s in saved.values()) + 2 * per_writer - sum(
            len(s) for s in saved.values()),
        "duplicated": len(bodies) - len(set(bodies)),
        "unseen_by_other": len(saved["B"] - seen["A"]) + len(saved["A"] - seen["B"]),
        "integrity": integrity,
    }


def write_doc(section: str) -> None:
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    block = f"{START}\n{section.rstrip()}\n{END}"
    if START in text and END in text:
        text = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: block, text,
                      flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="10k notes, 5 s writers")
    parser.add_argument("--notes", type=int)
    parser.add_argument("--writer-seconds", type=float)
    parser.add_argument("--no-doc", action="store_true", help="print, do not write docs/")
    args = parser.parse_args()
    count = args.notes or (10_000 if args.quick else 100_000)
    seconds = args.writer_seconds or (5.0 if args.quick else 60.0)
    with tempfile.TemporaryDirectory(prefix="notes-bench-") as tmp:
        path = Path(tmp) / "notes.db"
        fill = populate(path, count)
        print(f"populated {count} notes in {fill:.1f} s", flush=True)
        opens = asyncio.run(measure_open(path, 20))
        searches, hits = asyncio.run(measure_search(path, 5))
        live = asyncio.run(measure_cross_process(path, 50))
        writers = two_writers(path, seconds, 10.0)
        size_mb = path.stat().st_size / 1e6
    figures = {
        "open": (statistics.median(opens), pct(opens, 95), opens[0]),
        "search": (statistics.median(searches), pct(searches, 95), max(searches)),
        "live": (statistics.median(live), pct(live, 95), max(live)),
    }
    print(json.dumps({**figures, "writers": writers, "hits": hits}, indent=1))

    def ok(value: float, target: float) -> str:
        return "yes" if value < target else "**NO**"

    o, s, lv = figures["open"], figures["search"], figures["live"]
    table = "\n".join([
        "| What | p50 | p95 | max (open: first run) | Target | Met |",
        "|---|---|---|---|---|---|",
        f"| Open pane: `Store.open` + `recent_notes(200)`, 20 runs | {o[0]:.1f} ms "
        f"| {o[1]:.1f} ms | {o[2]:.1f} ms | < 200 ms | {ok(o[1], 200)} |",
        f"| FTS search: {len(QUERIES)} queries x 5, limit 50, incl. bad syntax "
        f"| {s[0]:.1f} ms | {s[1]:.1f} ms | {s[2]:.1f} ms | < 50 ms | {ok(s[1], 50)} |",
        f"| Note by another process -> watcher, 50 notes, 250 ms poll | {lv[0]:.0f} ms "
        f"| {lv[1]:.0f} ms | {lv[2]:.0f} ms | < 1 s | {ok(lv[1], 1000)} |",
    ])
    section = f"""## Notes store (bench/notes_bench.py)

{count:,} notes ({size_mb:.0f} MB file, SQLite {sqlite3.sqlite_version}, Python
{platform.python_version()}, {os.cpu_count()} CPUs), run {time.strftime('%Y-%m-%d')}.
Command: `python bench/notes_bench.py{' --quick' if args.quick else ''}`.

{table}

Two processes x 10 notes/s x {seconds:.0f} s (`console.store.loadgen`, writing through the
outbox, each following the live feed): written {writers['written']}, stored
{writers['stored']}, lost {writers['lost']}, duplicated {writers['duplicated']}, not seen
by the other process {writers['unseen_by_other']}, integrity_check {writers['integrity']}.
"""
    if not args.no_doc:
        write_doc(section)
        print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
