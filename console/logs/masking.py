"""Variables in a message masked token by token (`<*>`): step 2 of template mining.

Anything with a digit (numbers, ids, versions, IPs, host:port), long hex, paths, URLs,
host names, quoted single words, timestamps inside the message, empty `()` values. A
masked token keeps the punctuation around it (`(uid=<*>)`, `<*>,`) and the key of
`key=value`; a run of values is one value (`delete <*>` for a list of any length), and
so are a unit or a parenthesised restatement after a value (`12 KB`,
`1234 bytes (1.2 KB)`).
"""

from __future__ import annotations

import re

from console.logs.messages import ANY_TIMESTAMP, MAX_CHARS

MASK = "<*>"
MAX_TOKENS = 64  # a message is mined on its first MAX_TOKENS tokens (the rest is one <*>)

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
    if _DIGIT.search(message, 0, 200) is not None and ANY_TIMESTAMP.search(message):
        message = ANY_TIMESTAMP.sub(MASK, message)
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
