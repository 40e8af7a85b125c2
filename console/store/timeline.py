"""System entries in the timeline and how bursts of them collapse into one line.

Conventions for `meta` (the UI and the handoff report read them):
- alert:     {"key": "web1/cpu", "state": "firing" | "resolved", "severity": "crit"}
- host:      {"state": "up" | "down" | ...}
- operation: {"command": "...", "result": "ok" | "failed", "exit_status": 0}
- check:     {"check": "backup_age", "state": "OK" | "WARNING" | "CRITICAL" | "UNKNOWN"}
- log:       {"source": "/var/log/syslog"}; `at` is the line's own time
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from console.store.models import ALERT, Burst, Note

ALERT_FIRING = "firing"
ALERT_CLEAR_STATES = frozenset({"resolved", "ok", "cleared", "clear"})

DEFAULT_BURST_WINDOW = 10.0
DEFAULT_BURST_MIN = 3
_NAMES_SHOWN = 5


def group_bursts(notes: Sequence[Note], window: float = DEFAULT_BURST_WINDOW,
                 min_size: int = DEFAULT_BURST_MIN) -> list[Note | Burst]:
    """Collapse runs of consecutive system entries of one category that all fall within
    `window` seconds of the run's first entry; shorter runs stay as single notes.
    Pure, so the pane and the handoff report group identically."""
    out: list[Note | Burst] = []
    run: list[Note] = []

    def flush() -> None:
        if len(run) >= min_size:
            out.append(Burst(category=run[0].category or "system", notes=tuple(run)))
        else:
            out.extend(run)
        run.clear()

    for note in notes:
        if (run and note.is_system and note.category == run[0].category
                and abs(note.created_at - run[0].created_at) <= window):
            run.append(note)
            continue
        flush()
        if note.is_system:
            run.append(note)
        else:
            out.append(note)
    flush()
    return out


def _names(items: Iterable[str]) -> str:
    unique = list(dict.fromkeys(items))
    shown = ", ".join(unique[:_NAMES_SHOWN])
    return shown + (f", … (+{len(unique) - _NAMES_SHOWN})" if len(unique) > _NAMES_SHOWN
                    else "")


def summarize_burst(burst: Burst) -> str:
    """'50 hosts went down: web1, web2, …' when the entries agree on a host state,
    else a count and the first bodies."""
    notes = burst.notes
    states = {str(n.meta.get("state", "")) for n in notes}
    hosts = [n.host for n in notes if n.host]
    if burst.category == "host" and len(states) == 1 and len(hosts) == len(notes):
        state = states.pop()
        verb = {"down": "went down", "up": "came back up"}.get(state, f"are {state}")
        return f"{len(notes)} hosts {verb}: {_names(hosts)}"
    if burst.category == ALERT and len(states) == 1 and states != {""}:
        keys = [str(n.meta.get("key", n.body)) for n in notes]
        return f"{len(notes)} alerts {states.pop()}: {_names(keys)}"
    return f"{len(notes)} {burst.category} events: {_names(n.body for n in notes)}"


def alerts_still_firing(latest_per_key: Iterable[Note]) -> list[Note]:
    """Given the last alert event of each key, those that were raised and not cleared."""
    return [n for n in latest_per_key
            if str(n.meta.get("state", "")).lower() not in ALERT_CLEAR_STATES]
