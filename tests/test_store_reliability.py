"""The issue's reliability claims with real processes: kill -9 mid-write loses nothing
that was reported saved, and two writers at 10 notes/s lose and duplicate nothing while
each sees all the other's notes live (shortened from the issue's 60 s; bench/ runs the
full minute)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # bench/ is a package of the checkout


def _loadgen(path: Path, tag: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.notes_loadgen", "--db", str(path), "--tag", tag,
         *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def _saved(lines: list[str]) -> dict[int, str]:
    out = {}
    for line in lines:
        if line.startswith("saved "):
            _, note_id, client_uuid = line.split()
            out[int(note_id)] = client_uuid
    return out


def test_kill_9_while_writing_keeps_every_saved_note(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    proc = _loadgen(path, "K", "--rate", "100", "--seconds", "30")
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 20
    while len(lines) < 40 and time.monotonic() < deadline:
        lines.append(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    rest, _ = proc.communicate(timeout=10)
    lines += rest.splitlines()
    assert proc.returncode == -signal.SIGKILL
    saved = _saved(lines)
    assert len(saved) >= 40
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = dict(conn.execute("SELECT id, client_uuid FROM notes"))
        fts = conn.execute("SELECT count(*) FROM notes_fts WHERE notes_fts MATCH 'loadgen'")
        assert fts.fetchone()[0] == len(rows)
    for note_id, client_uuid in saved.items():
        assert rows.get(note_id) == client_uuid


def test_two_writers_lose_nothing_duplicate_nothing_and_see_each_other(
        tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    rate, seconds = 10, 5
    per_writer = rate * seconds
    args = ("--rate", str(rate), "--seconds", str(seconds), "--watch",
            "--expect", str(per_writer), "--linger", "10")
    procs = {tag: _loadgen(path, tag, "--peer", "B" if tag == "A" else "A", *args)
             for tag in ("A", "B")}
    outputs = {tag: p.communicate(timeout=60) for tag, p in procs.items()}
    for tag, p in procs.items():
        assert p.returncode == 0, outputs[tag][1]
    saved = {tag: _saved(out.splitlines()) for tag, (out, _) in outputs.items()}
    seen = {tag: set(json.loads(out.splitlines()[-1])["seen"])
            for tag, (out, _) in outputs.items()}
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT id, client_uuid FROM notes").fetchall()
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert len(rows) == 2 * per_writer  # nothing lost, nothing extra
    assert len({u for _, u in rows}) == len(rows)  # no duplicate
    for tag, other in (("A", "B"), ("B", "A")):
        assert len(saved[tag]) == per_writer
        assert seen[tag] == set(saved[other].values())
