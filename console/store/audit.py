"""The audit trail of operations: who ran what, where, when, how long, with what result.

Written synchronously (awaited) before and after acting, never through the retrying
notes outbox: an operation whose intent cannot be recorded does not run (the caller
fails closed), and its result is on disk before the caller reports it. Rows are
append-only; triggers in the schema refuse UPDATE and DELETE.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from console.store.db import Database

#: The end of a command's output kept per host: enough to see why it failed.
OUTPUT_TAIL_CHARS = 2000

_COLUMNS = ("id, op_id, at, author, tty, console_id, kind, phase, name, step, host, hosts,"
            " command, exit_status, outcome, duration_s, output_tail, detail")


@dataclass(frozen=True)
class AuditEntry:
    """One row. `phase`: intent, result (one host), step, refused, dry-run, finished."""

    op_id: str
    author: str
    tty: str
    console_id: str
    kind: str  # command | service | signal | runbook
    phase: str
    name: str = ""  # the runbook, the service, the signal
    step: str = ""  # runbook step, e.g. "2 run" or "rollback 1"
    host: str | None = None
    hosts: tuple[str, ...] = ()
    command: str = ""
    exit_status: int | None = None
    outcome: str = ""  # ok | failed | unreachable | timed out | refused | dry run
    duration_s: float | None = None
    output_tail: str = ""
    detail: str = ""
    at: float = field(default_factory=time.time)
    id: int | None = None


def tail(text: str, limit: int = OUTPUT_TAIL_CHARS) -> str:
    return text if len(text) <= limit else "…" + text[-(limit - 1):]


async def append(db: Database, entries: Sequence[AuditEntry]) -> None:
    """Append rows in one transaction: all of them are on disk, or none."""
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO audit (op_id, at, author, tty, console_id, kind, phase, name, step,"
            " host, hosts, command, exit_status, outcome, duration_s, output_tail, detail)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(e.op_id, e.at, e.author, e.tty, e.console_id, e.kind, e.phase, e.name, e.step,
              e.host, json.dumps(list(e.hosts)), e.command, e.exit_status, e.outcome,
              e.duration_s, tail(e.output_tail), e.detail) for e in entries])


def _entry(row: Sequence[object]) -> AuditEntry:
    (id_, op_id, at, author, tty, console_id, kind, phase, name, step, host, hosts, command,
     exit_status, outcome, duration_s, output_tail, detail) = row
    return AuditEntry(str(op_id), str(author), str(tty), str(console_id), str(kind),
                      str(phase), str(name), str(step), None if host is None else str(host),
                      tuple(json.loads(str(hosts))), str(command),
                      None if exit_status is None else int(str(exit_status)), str(outcome),
                      None if duration_s is None else float(str(duration_s)),
                      str(output_tail), str(detail), float(str(at)), int(str(id_)))


async def entries(db: Database, op_id: str | None = None, since: float = 0.0,
                  limit: int = 10_000) -> list[AuditEntry]:
    """Rows in the order written, of one operation or of everything since `since`."""
    if op_id is not None:
        sql, params = "WHERE op_id = ?", (op_id,)
    else:
        sql, params = "WHERE at >= ?", (since,)
    async with db.reader.execute(f"SELECT {_COLUMNS} FROM audit {sql} ORDER BY id LIMIT ?",
                                 (*params, limit)) as cur:
        return [_entry(row) for row in await cur.fetchall()]
