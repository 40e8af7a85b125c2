"""The message part of a log line: the header loggers put before it goes.

When a line starts with a timestamp (after a syslog `<pri>`, or after up to four header
fields such as a file name, an epoch or a node name), the fields before the message are
dropped: the timestamps, numbers (pids, thread ids, `12#12: *1`), the level, bracketed
groups (`[main]`, `[req-... - - -]`, `[QuorumPeer[myid=1]/...]`), node names, the
syslog host, and the component (`sshd[123]:`, `org.apache.Foo:`,
`nova.compute.manager [req-...]`, `chrome.exe -`); `ts|component|pid|message` keeps
its last field, a JSON line its `msg`. Nothing here names a program: the header is
recognised by its shape. Step 1 of template mining (console/logs/templates.py).
"""

from __future__ import annotations

import json
import re

MAX_CHARS = 4096  # a line is mined on its first MAX_CHARS characters

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
ANY_TIMESTAMP = re.compile(r"(?<![\w:/.-])(?:" + _TIMESTAMP + r")(?![\w:/])")

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
