"""The shift handoff report: Markdown that reads well pasted into a ticket or a chat.

Note text is untrusted and free-form, so it is escaped (control characters made
visible, Markdown punctuation backslashed) and multi-line notes are quoted, so no note
can break the report's layout or inject a heading or link.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from console.format import long_duration
from console.store.models import OPERATION, Burst, Incident, Note
from console.store.timeline import DEFAULT_BURST_WINDOW, group_bursts, summarize_burst
from console.text import sanitize_for_display

if TYPE_CHECKING:
    from console.store.store import Store

MAX_SYSTEM_ITEMS = 100
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
_BLOCK_START = re.compile(r"^(\s*)(?:([-+=])|(\d+)([.)]))")


@dataclass(frozen=True)
class ActiveAlert:
    """What the live console knows is firing now; plain so any caller can build it."""

    host: str
    name: str
    severity: str = ""
    since: float | None = None
    detail: str = ""


@dataclass(frozen=True)
class CheckLine:
    """A maintenance check that is not OK, as the live console knows it."""

    host: str
    check: str
    severity: str
    at: float  # when it last ran
    status: str


def _checks_section(checks: Sequence[CheckLine], clock: _Clock) -> list[str]:
    out = [f"## Checks not OK ({len(checks)})", ""]
    for c in checks:
        out.append(f"- **{md_escape(c.host)}** {md_escape(c.check)} "
                   f"({md_escape(c.severity)}, last run {clock.short(c.at)}): "
                   f"{md_escape(c.status)}")
    if not checks:
        out.append("None.")
    return out


def md_escape(text: str) -> str:
    """One line of untrusted text, safe inside Markdown inline content."""
    line = _MD_SPECIAL.sub(r"\\\1", sanitize_for_display(text))
    return _BLOCK_START.sub(_escape_block_start, line)


def _escape_block_start(m: re.Match[str]) -> str:
    """`- x`, `+ x`, `= x` and `1. x` would start a list or a heading underline."""
    if m.group(2):
        return f"{m.group(1)}\\{m.group(2)}"
    return f"{m.group(1)}{m.group(3)}\\{m.group(4)}"


def _body(text: str, indent: str = "  ") -> str:
    """First line inline; further lines as a quote under the list item."""
    lines = sanitize_for_display(text.strip("\n")).split("\n")
    head = md_escape(lines[0])
    if len(lines) == 1:
        return head
    quoted = "\n".join(f"{indent}> {md_escape(line)}".rstrip() for line in lines[1:])
    return f"{head}\n{indent}>\n{quoted}" if head else quoted


class _Clock:
    def __init__(self, now: float, tz: tzinfo | None) -> None:
        self.now = now
        self.tz = tz

    def dt(self, ts: float) -> datetime:
        return datetime.fromtimestamp(ts, self.tz).astimezone(self.tz)

    def full(self, ts: float) -> str:
        return self.dt(ts).strftime("%Y-%m-%d %H:%M %Z").strip()

    def short(self, ts: float) -> str:
        same_day = self.dt(ts).date() == self.dt(self.now).date()
        return self.dt(ts).strftime("%H:%M" if same_day else "%m-%d %H:%M")


def _who(note: Note) -> str:
    where = []
    if note.host:
        where.append(md_escape(note.host))
    if note.incident_id is not None:
        where.append(f"incident #{note.incident_id}")
    suffix = f" ({', '.join(where)})" if where else ""
    return f"**{md_escape(note.author)}**{suffix}"


def _entry(item: Note | Burst, clock: _Clock) -> str:
    if isinstance(item, Burst):
        span = long_duration(item.last_at - item.first_at)
        return (f"- {clock.short(item.first_at)} · _{md_escape(item.category)}_ · "
                f"{md_escape(summarize_burst(item))} (within {span})")
    if item.is_system:
        host = f" · {md_escape(item.host)}" if item.host else ""
        result = item.meta.get("result") if item.category == OPERATION else None
        outcome = f" → {md_escape(str(result))}" if result else ""
        return (f"- {clock.short(item.created_at)} · _{md_escape(item.category or 'system')}_"
                f"{host} · {_body(item.body)}{outcome}")
    return f"- {clock.short(item.created_at)} · {_who(item)}: {_body(item.body)}"


def _timeline(notes: Sequence[Note], clock: _Clock, limit: int | None = None) -> list[str]:
    items = group_bursts(notes, DEFAULT_BURST_WINDOW)
    lines: list[str] = []
    if limit is not None and len(items) > limit:
        lines.append(f"- _… {len(items) - limit} earlier entries not shown_")
        items = items[-limit:]
    lines.extend(_entry(item, clock) for item in items)
    return lines


def _incident_head(incident: Incident, clock: _Clock) -> str:
    return (f"### #{incident.id} [{md_escape(incident.severity)}] {md_escape(incident.title)}"
            f"\n\nOpened {clock.full(incident.opened_at)} by {md_escape(incident.opened_by)}"
            f", open for {long_duration(incident.duration(clock.now))}.")


def _alerts_section(active: Sequence[ActiveAlert] | None, firing: Sequence[Note],
                    clock: _Clock) -> list[str]:
    if active is not None:
        out = ["## Active alerts", ""]
        for a in active:
            since = f" since {clock.short(a.since)}" if a.since else ""
            sev = f" ({md_escape(a.severity)})" if a.severity else ""
            detail = f": {md_escape(a.detail)}" if a.detail else ""
            out.append(f"- **{md_escape(a.host)}** {md_escape(a.name)}{sev}{since}{detail}")
        if not active:
            out.append("None.")
        return out
    out = ["## Alerts still firing (from the timeline)", "",
           "_Live alert state is not available here: these alerts were raised in the "
           "timeline and not cleared since._", ""]
    for note in firing:
        host = f"**{md_escape(note.host)}** " if note.host else ""
        out.append(f"- {host}{md_escape(str(note.meta.get('key', '')))} since "
                   f"{clock.short(note.created_at)}: {_body(note.body)}")
    if not firing:
        out.append("None.")
    return out


def _authors(notes: Iterable[Note]) -> str:
    counts = Counter(n.author for n in notes if not n.is_system)
    return ", ".join(f"{md_escape(author)} ({count} note{'s' if count > 1 else ''})"
                     for author, count in counts.most_common()) or "nobody"


async def build_handoff(store: Store, since_seconds: float, now: float | None = None,
                        active_alerts: Sequence[ActiveAlert | tuple] | None = None,
                        tz: tzinfo | None = None,
                        checks: Sequence[CheckLine] | None = None,
                        only_hosts: Collection[str] | None = None) -> str:
    """Markdown for the next shift. `active_alerts=None` (the CLI) derives the alerts
    still firing from the timeline; a live console passes what it knows, and the
    maintenance checks that are not OK (`checks`). `only_hosts` (--limit) leaves out
    notes and alerts about other hosts; notes about no host stay."""
    clock = _Clock(time.time() if now is None else now, tz)
    since = clock.now - since_seconds
    notes = await store.notes_between(since, clock.now)
    incidents = await store.incidents()
    open_incidents = [i for i in incidents if i.is_open]
    resolved = [i for i in incidents if not i.is_open and (i.resolved_at or 0) >= since]
    active = None if active_alerts is None else [
        a if isinstance(a, ActiveAlert) else ActiveAlert(*a) for a in active_alerts]
    firing = await store.alerts_still_firing() if active is None else []
    if only_hosts is not None:
        keep = set(only_hosts)
        notes = [n for n in notes if not n.host or n.host in keep]
        firing = [a for a in firing if a.host in keep]
        active = None if active is None else [a for a in active if a.host in keep]

    out = [f"# Handoff: {clock.full(since)} → {clock.full(clock.now)}", "",
           f"Last {long_duration(since_seconds)} from `{store.path}`, "
           f"prepared by {md_escape(store.author)}.", ""]

    out += [f"## Open incidents ({len(open_incidents)})", ""]
    for incident in open_incidents:
        out += [_incident_head(incident, clock), ""]
        out += _timeline(await store.incident_notes(incident.id), clock) or ["No entries."]
        out.append("")
    if not open_incidents:
        out += ["None.", ""]

    if resolved:
        out += ["## Incidents resolved in this period", ""]
        for i in resolved:
            out.append(f"- #{i.id} [{md_escape(i.severity)}] {md_escape(i.title)}: resolved "
                       f"{clock.short(i.resolved_at or 0)} by {md_escape(i.resolved_by or '?')}"
                       f" after {long_duration(i.duration(clock.now))}. "
                       f"{_body(i.summary or '')}".rstrip())
        out.append("")

    out += [*_alerts_section(active, firing, clock), ""]
    if checks is not None:
        out += [*_checks_section(checks, clock), ""]

    operations = [n for n in notes if n.category == OPERATION]
    out += [f"## Operations run ({len(operations)})", ""]
    out += _timeline(operations, clock) or ["None."]
    out.append("")

    human = [n for n in notes if not n.is_system]
    out += [f"## Notes ({len(human)})", ""]
    out += [_entry(n, clock) for n in human] or ["None."]
    out.append("")

    system = [n for n in notes if n.is_system and n.category != OPERATION]
    if system:
        out += [f"## System events ({len(system)})", ""]
        out += _timeline(system, clock, MAX_SYSTEM_ITEMS)
        out.append("")

    out += ["## Who wrote", "", _authors(notes), ""]
    return "\n".join(out)
