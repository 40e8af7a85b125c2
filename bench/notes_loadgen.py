"""A note-writing process for the reliability tests and the benchmark.

    python -m bench.notes_loadgen --db PATH --tag A --rate 10 --seconds 60 --watch

Prints `saved <id> <client_uuid>` (flushed) only once a note is committed, so a parent
that kills this process with -9 knows exactly which notes must survive; with --watch it
follows the live feed from id 0 and ends with one JSON line listing the client_uuids
of the peer writer's notes it saw, to prove every console sees every note.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from console.store.outbox import PendingNote
from console.store.store import Store


async def _main(args: argparse.Namespace) -> None:
    async with Store.open(args.db, author=f"loadgen-{args.tag}") as store:
        seen: set[str] = set()
        watcher = await store.watch(after_id=0) if args.watch else None

        async def follow() -> None:
            assert watcher is not None
            async for batch in watcher:
                seen.update(n.client_uuid for n in batch
                            if n.client_uuid and n.author == f"loadgen-{args.peer}")

        follower = asyncio.create_task(follow()) if watcher else None

        async def report(pending: PendingNote) -> None:
            note = await pending.wait()
            if note is not None:
                sys.stdout.write(f"saved {note.id} {note.client_uuid}\n")
                sys.stdout.flush()

        reporters = []
        start = time.monotonic()
        count = int(args.rate * args.seconds)
        for i in range(count):
            delay = start + i / args.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            pending = store.outbox.submit(f"loadgen {args.tag} note {i}: disk check ok",
                                          auto_incident=False)
            reporters.append(asyncio.create_task(report(pending)))
        await store.outbox.flush()
        await asyncio.gather(*reporters)
        if watcher is not None and follower is not None:
            deadline = time.monotonic() + args.linger
            while len(seen) < args.expect and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            watcher.stop()
            await follower
            print(json.dumps({"tag": args.tag, "seen": sorted(seen)}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.notes_loadgen")
    parser.add_argument("--db", required=True)
    parser.add_argument("--tag", default="A")
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--watch", action="store_true")
    parser.add_argument("--peer", default="B", help="with --watch: the other writer's tag")
    parser.add_argument("--expect", type=int, default=0,
                        help="with --watch: linger until this many peer notes are seen")
    parser.add_argument("--linger", type=float, default=5.0)
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
