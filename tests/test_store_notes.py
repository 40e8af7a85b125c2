"""Notes, incidents, search, presence and burst grouping against a real SQLite file."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from console.store import MARK_CLOSE, MARK_OPEN, Burst, Note, Store, StoreError, group_bursts
from console.store.timeline import summarize_burst


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with Store.open(tmp_path / "notes.db", author="alice",
                          known_hosts=["web1", "db-2"]) as s:
        yield s


async def test_note_round_trip_is_verbatim(store: Store) -> None:
    body = "[bold red]not markup[/] \x1b[2J\x1b]0;pwned\x07 line\nsecond line"
    note = await store.add_note(body, host="web1", meta={"k": 1})
    (back,) = await store.recent_notes()
    assert back == note
    assert back.body == body and back.author == "alice" and back.kind == "human"
    assert back.meta == {"k": 1} and back.host == "web1"


async def test_mention_links_known_host_only(store: Store) -> None:
    note = await store.add_note("failed over to @DB-2, @nothere ignored, mail a@web1")
    assert note.host == "db-2"
    assert note.meta["mentions"] == ["db-2"]
    plain = await store.add_note("no mention of web1")
    assert plain.host is None


async def test_same_client_uuid_is_written_once(store: Store) -> None:
    first = await store.add_note("retry me", client_uuid="u-1")
    second = await store.add_note("retry me", client_uuid="u-1")
    assert first.id == second.id
    assert len(await store.recent_notes()) == 1


async def test_notes_since_and_recent_are_ordered(store: Store) -> None:
    ids = [(await store.add_note(f"n{i}")).id for i in range(5)]
    assert [n.id for n in await store.notes_since(ids[1])] == ids[2:]
    assert [n.body for n in await store.recent_notes(2)] == ["n3", "n4"]


async def test_empty_note_and_unknown_incident_are_user_errors(store: Store) -> None:
    with pytest.raises(StoreError):
        await store.add_note("   \n")
    with pytest.raises(StoreError, match="no incident #42"):
        await store.add_note("x", incident_id=42)


async def test_incident_lifecycle_and_auto_attach(store: Store) -> None:
    first = await store.open_incident("Replica lag on db-2", "SEV2")
    attached = await store.add_note("looking at replication")
    assert attached.incident_id == first.id
    second = await store.open_incident("Disk full on web1", "SEV3", author="bob")
    ambiguous = await store.add_note("which incident?")
    assert ambiguous.incident_id is None  # two open: the UI must say which
    explicit = await store.add_note("for the disk", incident_id=second.id)
    assert explicit.incident_id == second.id
    resolved = await store.resolve_incident(first.id, "promoted replica", author="bob")
    assert resolved.resolved_by == "bob" and resolved.summary == "promoted replica"
    assert resolved.duration(time.time()) == resolved.resolved_at - resolved.opened_at
    assert [i.id for i in await store.incidents()] == [second.id, first.id]
    assert [i.id for i in await store.incidents(open_only=True)] == [second.id]
    with pytest.raises(StoreError, match="already resolved"):
        await store.resolve_incident(first.id, "again")
    timeline = [n.body for n in await store.incident_notes(first.id)]
    assert timeline[0].startswith(f"Incident #{first.id} opened")
    assert timeline[-1] == f"Incident #{first.id} resolved: promoted replica"


async def test_search_newest_first_with_markers(store: Store) -> None:
    await store.add_note("restarted nginx on web1 after OOM")
    await store.add_note("unrelated: coffee machine broken")
    await store.add_note("restarting nginx again, config reload failed")
    hits = await store.search("restart nginx")  # porter stemming: restart ~ restarted
    assert [h.note.body[:12] for h in hits if h.note] == ["restarting n", "restarted ng"]
    assert f"{MARK_OPEN}nginx{MARK_CLOSE}" in hits[0].snippet
    assert "[" not in hits[0].snippet
    assert ("nginx", True) in hits[0].spans()
    assert "".join(text for text, _ in hits[0].spans()) == hits[0].note.body


async def test_search_finds_incident_summaries(store: Store) -> None:
    incident = await store.open_incident("Checkout latency", "SEV1")
    await store.resolve_incident(incident.id, "rolled back release 4.2 (memcached leak)")
    hits = await store.search("memcached")
    kinds = {h.kind for h in hits}
    assert "incident" in kinds
    (inc_hit,) = [h for h in hits if h.kind == "incident"]
    assert inc_hit.incident is not None and inc_hit.incident.id == incident.id


@pytest.mark.parametrize("query", ['"unbalanced', "AND", "OR OR", "(", "NEAR(", "host:web1",
                                   "*", "-", "^", "NOT", 'a"b', "web-1", "\x00"])
async def test_bad_fts_syntax_never_raises(store: Store, query: str) -> None:
    await store.add_note('web-1 "unbalanced quote AND host:web1 a"b')
    hits = await store.search(query)
    assert isinstance(hits, list)
    if query in ('"unbalanced', "host:web1", "web-1", "AND"):
        assert len(hits) == 1, query  # retried as plain quoted words, and found


async def test_record_event_keeps_original_time(store: Store) -> None:
    at = time.time() - 3600
    event = await store.record_event("log", "kernel: Out of memory", host="web1",
                                     meta={"source": "/var/log/kern.log"}, at=at)
    assert event.kind == "system" and event.category == "log"
    assert event.created_at == pytest.approx(at)


async def test_alerts_still_firing_from_timeline(store: Store) -> None:
    await store.record_event("alert", "cpu 97%", host="web1",
                             meta={"key": "web1/cpu", "state": "firing"})
    await store.record_event("alert", "disk 95%", host="db-2",
                             meta={"key": "db-2/disk", "state": "firing"})
    await store.record_event("alert", "disk back to 70%", host="db-2",
                             meta={"key": "db-2/disk", "state": "resolved"})
    firing = await store.alerts_still_firing()
    assert [(n.host, n.meta["key"]) for n in firing] == [("web1", "web1/cpu")]


async def test_presence_lists_other_consoles(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    async with Store.open(path, author="alice") as alice:
        await alice.start_presence()
        async with Store.open(path, author="bob") as bob:
            await bob.start_presence()
            assert [p.author for p in await alice.who_is_here()] == ["bob"]
            assert [p.author for p in await bob.who_is_here()] == ["alice"]
        assert await alice.who_is_here() == []  # bob's row left with him
        with sqlite3.connect(path) as conn:  # a console killed -9 long ago
            conn.execute("INSERT INTO presence VALUES ('x', 'ghost', 'h', 1, 0, ?)",
                         (time.time() - 60,))
        assert await alice.who_is_here(stale_after=15) == []


def _event(i: int, at: float, category: str = "host", host: str | None = None,
           state: str = "down") -> Note:
    return Note(id=i, created_at=at, author="console", body=f"{host} {state}", host=host,
                kind="system", category=category, meta={"state": state})


def test_group_bursts_collapses_a_burst_and_keeps_the_rest() -> None:
    hosts = [f"web{i}" for i in range(50)]
    notes = [Note(id=1, created_at=100, author="ann", body="here we go")]
    notes += [_event(10 + i, 200 + i * 0.1, host=h) for i, h in enumerate(hosts)]
    notes += [_event(100, 300, category="check", host="web1"),
              Note(id=101, created_at=301, author="ann", body="on it")]
    grouped = group_bursts(notes, window=10, min_size=3)
    assert [type(g).__name__ for g in grouped] == ["Note", "Burst", "Note", "Note"]
    burst = grouped[1]
    assert isinstance(burst, Burst) and len(burst.notes) == 50
    assert summarize_burst(burst).startswith("50 hosts went down: web0, web1, web2, web3, web4, …")
    assert "(+45)" in summarize_burst(burst)


def test_group_bursts_splits_on_window_and_small_runs() -> None:
    notes = [_event(1, 0, host="a"), _event(2, 1, host="b"), _event(3, 50, host="c"),
             _event(4, 51, host="d"), _event(5, 52, host="e")]
    grouped = group_bursts(notes, window=10, min_size=3)
    assert [n.id for n in grouped[:2]] == [1, 2]  # type: ignore[union-attr]
    assert isinstance(grouped[2], Burst) and [n.id for n in grouped[2].notes] == [3, 4, 5]
    assert group_bursts([]) == []


async def test_question_as_a_sentence_falls_back_to_any_word(store: Store) -> None:
    await store.add_note("dns resolver flapped: restarted unbound on db-2")
    await store.add_note("lunch order")
    hits = await store.search("how did we fix the dns resolver last time")
    assert [h.note.body[:12] for h in hits if h.note] == ["dns resolver"]
