"""Group log lines by message template: "what are the top errors, and since when".

Lines are turned into templates in three steps, none of them specific to a program:

1. The header goes. When a line starts with a timestamp (after a syslog `<pri>`, or
   after up to four header fields such as a file name, an epoch or a node name), the
   fields loggers put before the message are dropped: the timestamps, numbers (pids,
   thread ids, `12#12: *1`), the level, bracketed groups (`[main]`, `[req-... - - -]`,
   `[QuorumPeer[myid=1]/...]`), node names, the syslog host, and the component
   (`sshd[123]:`, `org.apache.Foo:`, `nova.compute.manager [req-...]`, `chrome.exe -`);
   `ts|component|pid|message` keeps its last field, a JSON line its `msg`. The same
   message logged by two threads or two programs is one template; the level is kept
   apart (see `TemplateIndex`), not in the template.
2. Variables are masked token by token (`<*>`): anything with a digit (numbers, ids,
   versions, IPs, host:port), long hex, paths, URLs, host names, quoted single words,
   timestamps inside the message, empty `()` values. A masked token keeps the
   punctuation around it (`(uid=<*>)`, `<*>,`) and the key of `key=value`; a run of
   values is one value (`delete <*>` for a list of any length), and so are a unit or
   a parenthesised restatement after a value (`12 KB`, `1234 bytes (1.2 KB)`).
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

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from console.logs.levels import Level

__all__ = [
    "MASK",
    "Template",
    "TemplateIndex",
    "TemplateMiner",
    "TopEntry",
    "message_of",
    "tokens_of",
]

MASK = "<*>"
MAX_CHARS = 4096    # a line is mined on its first MAX_CHARS characters
MAX_TOKENS = 64     # ... and its first MAX_TOKENS tokens (the rest is one <*>)
VARIABLE_CARDINALITY = 4  # distinct words at one position that make it a variable
MIN_CONTEXT = 2  # ... among templates sharing at least this many other words

# --- 1. the header ---------------------------------------------------------------------

_MON = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_DOW = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_TIME = r"\d\d:\d\d:\d\d(?:[.,]\d+)?"
_TIMESTAMP = "|".join((
    r"\d{4}-\d\d-\d\d[T ]" + _TIME + r"(?:\s?(?:Z|[+-]\d\d:?\d\d|UTC|GMT)(?!\w))?",
    r"\d{4}/\d\d/\d\d[ T]" + _TIME,
    r"\d\d/\d\d/\d\d " + _TIME,
    r"\d\d-\d\d " + _TIME,  # Android logcat: 03-17 16:13:38.811
    r"\d{8}[-T ]?(?:\d{6}|\d{1,2}:\d{1,2}:\d{1,2})(?:[.:,]\d+)?",  # 20171223-22:15:29:606
    r"\d{4}-\d\d-\d\d-\d\d\.\d\d\.\d\d(?:\.\d+)?",  # DB2, BGL: 2005-06-03-15.42.50.675
    r"\[[\d./-]{4,10} " + _TIME + r"\]",  # [10.30 16:49:06], [2026-12-03 19:34:55]
    r"\d{6} \d{6}(?!\S)",
    r"\[?" + _DOW + r" " + _MON + r" +\d{1,2} " + _TIME + r" \d{4}\]?",
    r"(?:" + _DOW + r",? )?" + _MON + r" +\d{1,2} " + _TIME + r"(?: \d{4})?",
    r"\[\d\d/" + _MON + r"/\d{4}:" + _TIME + r" [+-]\d{4}\]",
    r"\d{10}(?:\.\d+)?(?!\S)|\d{13}(?!\S)",
))
_SYSLOG_START = re.compile(r"(?:" + _DOW + r",? )?" + _MON + r" +\d{1,2} \d")
_PRI = re.compile(r"<\d{1,3}>\d? ?")
_TS_AT = re.compile(r"(?:" + _TIMESTAMP + r")(?=[\s|]|$)")
_TOKEN = re.compile(r"\S{1,100}(?=\s|$)")
_HEADERISH = re.compile(r"-|\S*\d\S*|[\w-]+(?:\.[\w-]+)+")  # a first token before a time
_PREFIX_TOKENS = 4  # a timestamp is looked for after at most this many header tokens
_ANY_TS = re.compile(r"(?<![\w:/.-])(?:" + _TIMESTAMP + r")(?![\w:/])")

_WS = re.compile(r"\s+")
_NUMBERISH = re.compile(r"[\d.:,/#_+*-]*\d[\d.:,/#_+-]*(?=\s|$)|[-|:>](?=\s|$)")
# a node or host name in a header: letters and digits (dn228, R02-M1-N0-C:J12-U11)
_NODE = re.compile(r"(?=\S*\d)(?=\S*[A-Za-z])[\w.:/@-]+(?=\s|$)")
_PROGRAM_DASH = re.compile(r"[\w.$@-]+(?:\s+\*?\d+)?\s+-(?=\s)")  # chrome.exe *64 - msg
_LEVEL_WORD = re.compile(
    r"(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|SEVERE|FATAL|CRITICAL|CRIT|EMERG|ALERT|"
    r"PANIC|FINE|FINER|FINEST|ERRO|DEBU|FATA|INF|WRN|ERR|DBG|FTL|[VDIWEF])(?::|(?=\s|$))")
_COMPONENT = re.compile(r"[\w.$/@-]+(?:\[[^\]\s]*\]|\([^)\s]*\))*:(?=\s|$)")
_DOTTED = re.compile(r"[A-Za-z_][\w$-]*(?:\.[\w$-]+)+(?=\s+\[)")
_HOST = re.compile(r"[\w.-]+(?=\s)")
_HEADER_FIELDS = 16


def _bracket_end(text: str, pos: int) -> int:
    """End of the balanced [...] group at `pos`, or -1 when it does not close soon."""
    depth = 0
    for i in range(pos, min(len(text), pos + 300)):
        ch = text[i]
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                end = i + 1
                if end == len(text) or text[end] in " \t:":
                    return end
                return -1
    return -1


_JSON_MESSAGE = ("msg", "message", "MESSAGE", "log", "text", "@message")


def _json_message(line: str) -> str | None:
    """The message field of a JSON log line (zap, pino, bunyan, journalctl -o json)."""
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):  # not JSON; or nested deep enough to hurt
        return None
    if not isinstance(value, dict):
        return None
    for key in _JSON_MESSAGE:
        text = value.get(key)
        if isinstance(text, str):
            return text
    return None


def _timestamp_end(line: str) -> tuple[int, bool] | None:
    """Where the header's timestamp ends, and whether it is syslog's; None without one.

    The timestamp may open the line (after a syslog `<pri>`) or follow up to
    _PREFIX_TOKENS header tokens when the first of them looks like a header field (a
    number, a `-`, a name with digits or dots: `- 1131566461 2005.11.09 dn228 Nov 9
    12:01:01 ...`, `127.0.0.1 - - [03/Dec/2026:...]`). The last timestamp in that
    stretch counts, so a line with an epoch and then a syslog time is read to the end
    of both. A first word that is plain text ("connection from ... at Fri Jul 1 ...")
    is a message, whatever follows.
    """
    m = _PRI.match(line)
    pos = m.end() if m is not None else 0
    found: tuple[int, bool] | None = None
    tokens = 0
    n = len(line)
    while pos < n and tokens <= _PREFIX_TOKENS:
        m = _TS_AT.match(line, pos)
        if m is not None:
            found = (m.end(), _SYSLOG_START.match(m.group(0)) is not None)
            pos = m.end()
        else:
            m = _TOKEN.match(line, pos)
            if m is None or (tokens == 0 and found is None
                             and _HEADERISH.fullmatch(m.group(0)) is None):
                break
            pos = m.end()
            tokens += 1
        ws = _WS.match(line, pos)
        if ws is None:
            break
        pos = ws.end()
    return found


def _pipe_message(line: str, pos: int) -> str:
    """`ts|component|pid|message`: the message is the last field; the ones before it
    are header fields when they hold no space."""
    fields = line[pos + 1:].split("|")
    i = 0
    while i < len(fields) - 1 and i < 6 and " " not in fields[i].strip():
        i += 1
    return "|".join(fields[i:]).strip()


def message_of(line: str) -> str:
    """The message part of a raw log line: everything after its header (module doc, 1).

    A JSON line gives its message field. A line that does not start with a timestamp
    is returned whole: without the anchor there is no telling a header from a message,
    and the masks will cope.
    """
    if line[:1] == "{" and line.rstrip()[-1:] == "}" and len(line) <= MAX_CHARS:
        text = _json_message(line)
        if text is not None:
            return text
    found = _timestamp_end(line)
    if found is None:
        return line
    pos, syslog = found
    if pos < len(line) and line[pos] == "|":
        return _pipe_message(line, pos)
    n = len(line)
    component = False
    field_start = pos
    for _ in range(_HEADER_FIELDS):
        ws = _WS.match(line, pos)
        if ws is not None:
            pos = ws.end()
        if pos >= n:
            pos = field_start  # a header with no message: the last field is the message
            break
        field_start = pos
        if line[pos] == "[":
            end = _bracket_end(line, pos)
            if end < 0:
                break
            pos = end + (1 if end < n and line[end] == ":" else 0)
            continue
        if component:
            break  # after the component only bracketed context groups follow
        m = _NUMBERISH.match(line, pos) or _LEVEL_WORD.match(line, pos)
        if m is not None:
            pos = m.end()
            continue
        m = (_COMPONENT.match(line, pos) or _DOTTED.match(line, pos)
             or _PROGRAM_DASH.match(line, pos))
        if m is not None:
            pos = m.end()
            component = True
            continue
        m = _NODE.match(line, pos)
        if m is not None:
            pos = m.end()
            continue
        if syslog:  # RFC 3164: the host comes between the time and the tag
            m = _HOST.match(line, pos)
            if m is not None:
                after = _WS.match(line, m.end())
                if after is not None and _COMPONENT.match(line, after.end()):
                    pos = m.end()
                    syslog = False
                    continue
        break
    return line[pos:].lstrip()


# --- 2. masking --------------------------------------------------------------------------

_EDGE_OPEN = "([{<'\"`"
_EDGE_CLOSE = ")]}>,;:.'\"`!?"
_DIGIT = re.compile(r"\d")
_URL = re.compile(r"[a-z][\w+.-]*://")
# Host names: labels and a top-level domain. Two-letter country codes that are also
# words or common property suffixes (id, in, is, it, to, ...) are left out on purpose:
# `mapred.task.id` is a setting, not a host.
_HOSTNAME = re.compile(
    r"(?:[a-z0-9-]+\.)+(?:com|net|org|edu|gov|mil|info|biz|io|local|lan|internal|corp|"
    r"home|arpa|cloud|dev|app|uk|de|fr|nl|jp|cn|ru|br|au|ca|es|se|ch|pl|kr|tw|hk|cz|"
    r"dk|fi|gr|hu|ie|il|mx|nz|pt|ro|sg|sk|ua|za|ar|cl|tr|vn|th|eu)")
# A unit right after a number is part of the value: "size 12.5 KB" is one <*>.
_UNITS = frozenset((
    "b", "kb", "mb", "gb", "tb", "pb", "kib", "mib", "gib", "tib", "bytes", "byte",
    "ms", "us", "ns", "s", "sec", "secs", "seconds", "msec", "msecs", "millis",
    "milliseconds", "min", "mins", "minutes", "hrs", "hours", "%", "mhz", "ghz",
    "kbps", "mbps"))
_HEX = re.compile(r"(?:0x)?[0-9a-fA-F]{8,}")  # digits or not: ffffffff, deadbeefcafe
_KEY_VALUE = re.compile(r"([\w.-]+=|[A-Za-z_][\w-]*:)(.+)")  # user=root, sessionid:0x1


def _is_variable(core: str) -> bool:
    if _DIGIT.search(core):
        return True  # numbers, ids, versions, addresses; also ssh2 and log4j, harmlessly
    if core[0] == "/" and len(core) > 1:
        return True  # a path
    if _URL.match(core) is not None or _HEX.fullmatch(core) is not None:
        return True
    return _HOSTNAME.fullmatch(core) is not None and core.lower() == core


def _masked(token: str, start: int, end: int, key: str = "") -> str:
    """`token` with its core [start:end] masked: the opening punctuation kept unless it
    is a comparison (`<1` is a value), closing brackets the core opened dropped."""
    head = token[:start].rstrip("<>~")
    core = token[start:end]
    tail = token[end:]
    for open_, close in (("(", ")"), ("[", "]"), ("{", "}")):
        extra = core.count(open_) - core.count(close)
        while extra > 0 and close in tail:
            tail = tail.replace(close, "", 1)
            extra -= 1
    return head + key + MASK + tail


def _mask_token(token: str) -> str:
    start, end = 0, len(token)
    while start < end and token[start] in _EDGE_OPEN:
        start += 1
    while end > start and token[end - 1] in _EDGE_CLOSE:
        end -= 1
    core = token[start:end]
    if not core:
        # "()" and "[]" are an empty value; other bare punctuation stays as it is
        return token[:1] + MASK + token[1:] if token in ("()", "[]", "''", '""') else token
    if start and token[start - 1] in "'\"`" and end < len(token) and token[end] == token[
            start - 1]:
        return token[:start] + MASK + token[end:]  # a quoted single word
    kv = None if _URL.match(core) else _KEY_VALUE.fullmatch(core)
    if kv is not None and not _DIGIT.search(kv.group(1)):
        if _is_variable(kv.group(2)):
            return _masked(token, start, end, kv.group(1))
        return token
    if _is_variable(core):
        return _masked(token, start, end)
    return token


# Most tokens are the same few words again and again: their masked form is remembered
# (a plain dict, emptied when it grows past _MASKED_MAX, so memory stays bounded).
_MASKED: dict[str, str] = {}
_MASKED_MAX = 50_000


def tokens_of(message: str) -> tuple[str, ...]:
    """The masked tokens of a message (module doc, 2); at most MAX_TOKENS.

    A run of masked tokens collapses to one (`delete <*> <*> <*>` is a list of any
    length), and a unit after a masked number joins it (`<*> KB,` -> `<*>,`).
    """
    message = message[:MAX_CHARS]
    if _DIGIT.search(message, 0, 200) is not None and _ANY_TS.search(message):
        message = _ANY_TS.sub(MASK, message)
    if "|" in message:  # pipe-separated fields: 20171223-22:15:29|Step_LSC|3000|msg
        message = message.replace("|", " | ")
    out: list[str] = []
    cache = _MASKED
    if len(cache) > _MASKED_MAX:
        cache.clear()
    for token in message.split():
        masked = cache.get(token)
        if masked is None:
            masked = cache[token] = token if token == MASK else _mask_token(token)
        if out and out[-1] == MASK:
            if masked == MASK:
                continue
            unit = masked.rstrip(_EDGE_CLOSE)
            if unit.lower() in _UNITS:
                out[-1] = MASK + masked[len(unit):]
                continue
            if masked.startswith("(" + MASK):
                # "(1.2 KB)" right after a value restates it: part of the one value
                paren = masked[1 + len(MASK):]
                if paren.startswith(")"):
                    out[-1] = MASK + paren[1:]
                    continue
                if not paren:
                    out[-1] = MASK + "("  # wait for the unit and its ")"
                    continue
        elif out and out[-1] == MASK + "(":
            unit = masked.rstrip(_EDGE_CLOSE)
            if unit.lower() in _UNITS and masked[len(unit):].startswith(")"):
                out[-1] = MASK + masked[len(unit) + 1:]
                continue
            out[-1] = MASK
            out.append("(" + MASK)
        out.append(masked)
        if len(out) >= MAX_TOKENS:
            out.append(MASK)
            break
    if out and out[-1] == MASK + "(":
        out[-1:] = [MASK, "("]
    return tuple(out)


# --- 3. grouping -------------------------------------------------------------------------


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
