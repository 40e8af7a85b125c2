"""Group log lines by message template: "what are the top errors, and since when".

Lines are turned into templates in three steps, none of them specific to a program:

1. The header goes (`message_of`, console/logs/messages.py): timestamps, pids, the
   level, bracketed groups, the host and the component, recognised by shape. The same
   message logged by two threads or two programs is one template; the level is kept
   apart (see `TemplateIndex`), not in the template.
2. Variables are masked token by token (`tokens_of`, console/logs/masking.py): anything
   with a digit, long hex, paths, URLs, host names, quoted single words, timestamps.
3. Templates that differ in one word are merged once that position has taken
   `VARIABLE_CARDINALITY` distinct words among templates sharing at least
   `MIN_CONTEXT` other words (or shows a masked value beside a word): user names
   (root, admin, git, ...) are variables, while "VM Started / Paused / Resumed" or "from
   NEW to RUNNING" stay apart as they are different events. Merging is online and never
   splits: a group id, once merged, resolves to the surviving group.

`TemplateMiner` does the grouping; `TemplateIndex` adds counts, first and last seen
and levels for the views (`top(n, since=..., levels=...)`). Both are pure: no I/O, no
clock (callers pass `at`), bounded (`max_templates`, `MAX_TOKENS`, `MAX_CHARS`).
Figures (loghub-2k, raw lines and message only) are in docs/benchmarks.md, issue 13.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from console.logs.levels import Level
from console.logs.masking import MASK, tokens_of
from console.logs.messages import message_of

__all__ = ["Template", "TemplateIndex", "TemplateMiner", "TopEntry"]

VARIABLE_CARDINALITY = 4  # distinct words at one position that make it a variable
MIN_CONTEXT = 2  # ... among templates sharing at least this many other words


# --- grouping ------------------------------------------------------------------------


@dataclass(slots=True)
class Template:
    """One group: its current template tokens and how many lines it took."""

    id: int
    tokens: list[str]
    count: int = 0

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


def _has_letter(token: str) -> bool:
    return token != MASK and any(ch.isalpha() for ch in token)


def _generalise(a: str, b: str) -> str:
    """The template token covering both `a` and `b`: keeps a shared `key=` prefix."""
    if a == b:
        return a
    if a.endswith(MASK) and b.startswith(a[:-len(MASK)]):
        return a
    i = 0
    stop = min(len(a), len(b))
    while i < stop and a[i] == b[i]:
        i += 1
    prefix = a[:i]
    cut = max(prefix.rfind("="), prefix.rfind(":"))
    return (prefix[:cut + 1] if cut >= 0 else "") + MASK


class TemplateMiner:
    """Online grouping of masked token sequences (module doc, 3).

    Every distinct masked sequence is a cluster; a cluster is registered under one key
    per word position ("these tokens, with position i left out"). When the clusters
    sharing a key have shown `cardinality` different words at i, or a masked value
    and a word, they are merged: the position is a variable. Keys of merged positions
    stay open, so a later line with a new user name joins at once.
    """

    def __init__(self, *, cardinality: int = VARIABLE_CARDINALITY,
                 max_templates: int = 10_000) -> None:
        self.cardinality = cardinality
        self.max_templates = max_templates
        self._exact: dict[tuple[str, ...], int] = {}
        self._parent: list[int] = []
        self._templates: dict[int, Template] = {}
        # key -> {word at the left-out position: cluster id}; None once merged
        self._slots: dict[tuple[int, int, int], dict[str, int] | None] = {}
        self._open: dict[tuple[int, int, int], int] = {}  # merged key -> cluster id
        self.overflow = 0  # lines not grouped because max_templates was reached
        # Memory bounds beyond the live templates: ids ever made (merged ones stay
        # resolvable), remembered exact sequences, and evidence slots.
        self._max_ids = 4 * max_templates
        self._max_exact = 8 * max_templates
        self._max_slots = 16 * max_templates

    def __len__(self) -> int:
        return len(self._templates)

    def footprint(self) -> dict[str, int]:
        """What the miner holds, each part bounded: live templates, ids ever made,
        remembered exact sequences, open evidence slots, positions known variable."""
        return {"templates": len(self._templates), "ids": len(self._parent),
                "exact": len(self._exact), "slots": len(self._slots),
                "variables": len(self._open)}

    def find(self, cid: int) -> int:
        parent = self._parent
        root = cid
        while parent[root] != root:
            root = parent[root]
        while parent[cid] != root:
            parent[cid], cid = root, parent[cid]
        return root

    def template(self, cid: int) -> Template:
        return self._templates[self.find(cid)]

    def templates(self) -> Iterable[Template]:
        return self._templates.values()

    def add(self, tokens: tuple[str, ...]) -> int:
        """The cluster id of `tokens` (a root id at the time of the call)."""
        cid = self._exact.get(tokens)
        if cid is None:
            cid = self._new(tokens)
        root = self.find(cid)
        self._templates[root].count += 1
        return root

    def _new(self, tokens: tuple[str, ...]) -> int:
        n = len(tokens)
        lettered = [_has_letter(t) for t in tokens]
        constants = sum(lettered)
        keys = [(i, word, (n, i, hash(tokens[:i] + tokens[i + 1:])))
                for i, word in enumerate(tokens)
                # too little constant text around a position is no evidence
                if constants - lettered[i] >= MIN_CONTEXT]
        joined = [self._open[key] for _, _, key in keys if key in self._open]
        if joined:
            # a known variable position: the line joins that group, no new cluster
            cid = self.find(joined[0])
            for other in joined[1:]:
                self._union(cid, other)
            cid = self.find(cid)
            template = self._templates[cid]
            if len(template.tokens) == n:
                template.tokens = [_generalise(x, y)
                                   for x, y in zip(template.tokens, tokens, strict=True)]
            if len(self._exact) < self._max_exact:
                self._exact[tokens] = cid
        elif len(self._templates) >= self.max_templates or len(self._parent) >= self._max_ids:
            self.overflow += 1
            existing = self._exact.get((MASK,))
            if existing is not None:
                return existing
            return self._cluster((MASK,))
        else:
            cid = self._cluster(tokens)
        for _, word, key in keys:
            if key in self._open:
                self._union(self._open[key], cid)
                continue
            slot = self._slots.get(key)
            if slot is None:
                if len(self._slots) < self._max_slots:
                    self._slots[key] = {word: cid}
                continue
            slot.setdefault(word, cid)
            words = len(slot)
            if words >= self.cardinality or (words >= 2 and MASK in slot):
                first = next(iter(slot.values()))
                for other in slot.values():
                    self._union(first, other)
                self._open[key] = first
                del self._slots[key]
        return cid

    def _cluster(self, tokens: tuple[str, ...]) -> int:
        cid = len(self._parent)
        self._parent.append(cid)
        self._templates[cid] = Template(cid, list(tokens))
        self._exact[tokens] = cid
        return cid

    def _union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        keep, gone = (ra, rb) if ra < rb else (rb, ra)
        tk, tg = self._templates[keep], self._templates.pop(gone)
        if len(tk.tokens) == len(tg.tokens):
            tk.tokens = [_generalise(x, y) for x, y in zip(tk.tokens, tg.tokens, strict=True)]
        tk.count += tg.count
        self._parent[gone] = keep


# --- the index the views use -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TopEntry:
    """A row of `TemplateIndex.top()`: `count` is within the window and levels asked
    for; `first_seen`/`last_seen` are over everything the index has seen."""

    template_id: int
    template: str
    count: int
    first_seen: float
    last_seen: float
    levels: dict[Level, int]


@dataclass(slots=True)
class _Stats:
    count: int = 0
    first: float = 0.0
    last: float = 0.0
    levels: dict[Level, int] = field(default_factory=dict)
    # {(minute, level or None): count} for the last `window_minutes` minutes
    recent: dict[tuple[int, Level | None], int] = field(default_factory=dict)
    oldest: int = 0

    def absorb(self, other: _Stats) -> None:
        self.count += other.count
        self.first = min(self.first, other.first)
        self.last = max(self.last, other.last)
        for lv, k in other.levels.items():
            self.levels[lv] = self.levels.get(lv, 0) + k
        for key, k in other.recent.items():
            self.recent[key] = self.recent.get(key, 0) + k
        self.oldest = min(self.oldest, other.oldest)


class TemplateIndex:
    """Templates with counts, first/last seen and levels, for the log views.

    `add(text, at, level)` mines one line (a raw line has its header stripped first;
    pass raw=False for a message already split from its header) and returns its
    template id, valid until the next merge and always resolvable: `template_of(id)`.
    `top(n, since=None, levels=None)` lists the most frequent templates, counting only
    lines at or after `since` (to the minute, within the last `window_minutes`) and of
    the given levels when asked: "the top errors of the last 15 minutes, and since when".
    `at` is the caller's clock (a line's timestamp, or its arrival time).
    """

    def __init__(self, *, max_templates: int = 5_000, window_minutes: int = 60,
                 cardinality: int = VARIABLE_CARDINALITY) -> None:
        self.miner = TemplateMiner(cardinality=cardinality, max_templates=max_templates)
        self.window_minutes = window_minutes
        self._stats: dict[int, _Stats] = {}

    def __len__(self) -> int:
        return len(self.miner)

    def add(self, text: str, at: float, level: Level | None = None, *,
            raw: bool = True) -> int:
        message = message_of(text) if raw else text
        cid = self.miner.add(tokens_of(message))
        minute = int(at // 60)
        stats = self._stats.get(cid)
        if stats is None:
            stats = self._stats[cid] = _Stats(first=at, last=at, oldest=minute)
        stats.count += 1
        if at < stats.first:
            stats.first = at
        if at > stats.last:
            stats.last = at
        if level is not None:
            stats.levels[level] = stats.levels.get(level, 0) + 1
        key = (minute, level)
        stats.recent[key] = stats.recent.get(key, 0) + 1
        if minute - stats.oldest > self.window_minutes:
            horizon = minute - self.window_minutes
            stats.recent = {k: v for k, v in stats.recent.items() if k[0] >= horizon}
            stats.oldest = min((k[0] for k in stats.recent), default=minute)
        return cid

    def template_of(self, template_id: int) -> str:
        return self.miner.template(template_id).text

    def _merged(self) -> dict[int, _Stats]:
        """Fold the stats of groups merged since they were counted into the survivor."""
        find = self.miner.find
        for cid in [c for c in self._stats if find(c) != c]:
            gone = self._stats.pop(cid)
            root = find(cid)
            into = self._stats.get(root)
            if into is None:
                self._stats[root] = gone
            else:
                into.absorb(gone)
        return self._stats

    def top(self, n: int, since: float | None = None,
            levels: Iterable[Level] | None = None) -> list[TopEntry]:
        wanted = frozenset(levels) if levels is not None else None
        first_minute = int(since // 60) if since is not None else None
        rows: list[TopEntry] = []
        for cid, st in self._merged().items():
            if first_minute is None and wanted is None:
                count = st.count
            elif first_minute is None:
                count = sum(k for lv, k in st.levels.items() if lv in wanted)
            else:
                count = sum(k for (minute, lv), k in st.recent.items()
                            if minute >= first_minute and (wanted is None or lv in wanted))
            if count > 0:
                rows.append(TopEntry(cid, self.template_of(cid), count, st.first, st.last,
                                     dict(st.levels)))
        rows.sort(key=lambda r: (-r.count, r.first_seen, r.template_id))
        return rows[:max(n, 0)]
