"""The severity of one log line, read from the formats servers actually write.

`classify(line)` runs on every line a follower receives (20,000 lines/s across a fleet),
so it is a handful of precompiled regular expressions over the head of the line, no
parsing. It answers `None` when the line names no level: an unlabelled line is not
INFO, and the view should not pretend to know.

What counts as a level, in order of trust:
1. a syslog priority prefix `<3>` (RFC 3164/5424, `journalctl -o` with priorities, kmsg)
   and a klog/glog prefix `E1203 19:34:55.123456` (Go: Kubernetes and friends);
2. an HTTP status in an access log (common/combined log format): 5xx is ERROR, the rest
   INFO: a 404 is the client's problem, not the server's;
3. a level field: `level=error`, `"level":"error"`, `lvl=eror`, `severity: WARNING`,
   `"PRIORITY":"3"`, pino's numeric `"level":50`;
4. a level word delimited as loggers print it: `[error]`, `[core:error]`, `<WARN>`,
   `ERROR`, `ERRO[0001]` (logrus), `WARNING:` (Python), `LOG:` (PostgreSQL),
   `sshd[1]: error: ...` (OpenSSH, lowercase after the tag);
5. no level at all, but an exception: `Traceback (most recent call last):`,
   `Exception in thread "main"`, `java.lang.IllegalStateException: ...`,
   `ValueError: ...` at the start of a line (ERROR), Go's `panic:` (FATAL).

Only the head of a line is searched for level words (loggers print the level within
the first few fields), so `GET /errors` or a message that mentions "FATAL" deep in its
text does not change the line's level.
"""

from __future__ import annotations

import re
from enum import IntEnum

__all__ = ["Level", "classify", "level_from_word"]


class Level(IntEnum):
    """Ordered: `max()` of levels is the worst. FATAL also stands for CRITICAL, EMERG,
    ALERT and PANIC, which no on-call reader needs told apart."""

    TRACE = 10
    DEBUG = 20
    INFO = 30
    NOTICE = 35
    WARN = 40
    ERROR = 50
    FATAL = 60


_WORDS: dict[str, Level] = {
    # trace
    "trace": Level.TRACE, "trce": Level.TRACE, "trac": Level.TRACE, "finest": Level.TRACE,
    "finer": Level.TRACE, "vrb": Level.TRACE, "verbose": Level.TRACE,
    # debug
    "debug": Level.DEBUG, "dbug": Level.DEBUG, "debu": Level.DEBUG, "dbg": Level.DEBUG,
    "fine": Level.DEBUG,
    # info
    "info": Level.INFO, "inf": Level.INFO, "information": Level.INFO,
    "informational": Level.INFO, "log": Level.INFO,
    # notice
    "notice": Level.NOTICE, "note": Level.NOTICE,
    # warn
    "warn": Level.WARN, "warning": Level.WARN, "wrn": Level.WARN,
    # error
    "error": Level.ERROR, "err": Level.ERROR, "eror": Level.ERROR, "erro": Level.ERROR,
    "severe": Level.ERROR,
    # fatal and everything an operator reads as "worse than error"
    "fatal": Level.FATAL, "fata": Level.FATAL, "ftl": Level.FATAL, "critical": Level.FATAL,
    "crit": Level.FATAL, "crt": Level.FATAL, "emerg": Level.FATAL,
    "emergency": Level.FATAL, "alert": Level.FATAL, "panic": Level.FATAL,
    "pani": Level.FATAL,
}

# Syslog severities 0..7 (RFC 5424 section 6.2.1).
_SYSLOG = (Level.FATAL, Level.FATAL, Level.FATAL, Level.ERROR, Level.WARN, Level.NOTICE,
           Level.INFO, Level.DEBUG)
_KLOG = {"I": Level.INFO, "W": Level.WARN, "E": Level.ERROR, "F": Level.FATAL}

# Words that may stand bare in upper case (`ERROR`, `WARN`); short words that are also
# ordinary upper-case abbreviations are only trusted in brackets or fields.
_BARE = ("TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|SEVERE|FATAL|CRITICAL|CRIT|EMERG|PANIC|"
         "FINEST|FINER|FINE|VERBOSE|INFORMATION")
_ANY = "|".join(sorted(_WORDS, key=len, reverse=True))

HEAD = 240  # level words are looked for in this many leading characters

_SGR = re.compile(r"\x1b\[[0-9;]*m")
_PREFIX = re.compile(r"<(\d{1,3})>|([IWEF])\d{4} \d\d:\d\d:\d\d")
_ACCESS = re.compile(r'\S+ \S+ \S+ \[[^\]]{10,40}\] "[^"]*" (\d{3}) ')
_LEVEL = re.compile(
    # a level field: level=error, "level":"warn", severity: ERROR, lvl=eror, "level":50
    r"""(?i:\b(?:level|lvl|severity|loglevel|log_level|levelname|priority)"""
    r"""["']?\s?[=:]\s?["']?(?:(""" + _ANY + r""")\b|(\d{1,2})\b))"""
    # a word in brackets: [error] [core:error] <WARN> [ INFO ] (error)
    r"""|[\[<(|]\s?(?:[\w.-]{1,20}:)?(?i:(""" + _ANY + r"""))\s?[\]>)|]"""
    # a bare upper-case word, as loggers print it; logrus writes ERRO[0001]
    r"""|(?<![\w./=-])(""" + _BARE + r"""|ERRO|DEBU|FATA|PANI|TRAC|LOG(?=:))(?![\w-])"""
    r"""|(?<![\w./=-])(ERRO|DEBU|FATA|PANI|TRAC|WARN|INFO)(?=\[\d)"""
    # Serilog's short forms end its bracketed header: [19:34:55 ERR]
    r"""|(?<= )(ERR|WRN|INF|DBG|FTL|VRB)(?=\])"""
    # a lower-case word followed by a colon after a tag or at the start (OpenSSH)
    r"""|(?:^|: )(error|fatal|warning|panic|critical|notice|debug\d?)(?=: )"""
    # Title-case with a colon: PHP "Fatal error:", "Warning:", "Error:"
    r"""|(?<![\w.])(Fatal error|Error|Warning|Critical|Notice)(?=:)"""
)
_EXCEPTION = re.compile(
    r"Traceback \(most recent call last\)"
    r"|Exception in thread "
    r"|^(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable)\b"
    r"|^[A-Z]\w*(?:Error|Exception)(?::|$)"
    r"|^(panic: )"
)


def level_from_word(word: str) -> Level | None:
    """`"warning"` -> WARN, `"EMERG"` -> FATAL; None for a word that is not a level."""
    return _WORDS.get(word.lower().rstrip("0123456789"))


def _numeric(value: str, field: str) -> Level | None:
    n = int(value)
    if "prio" in field.lower() or n < 8:
        return _SYSLOG[n] if n < 8 else None
    # pino / bunyan: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal
    return {10: Level.TRACE, 20: Level.DEBUG, 30: Level.INFO, 40: Level.WARN,
            50: Level.ERROR, 60: Level.FATAL}.get(n)


def classify(line: str) -> Level | None:
    """The level `line` states, or None when it states none (see the module doc)."""
    m = _PREFIX.match(line)
    if m is not None:
        if m.group(1) is not None:
            return _SYSLOG[int(m.group(1)) & 7]
        return _KLOG[m.group(2)]
    head = line[:HEAD]
    if "\x1b" in head:  # coloured output: ESC[31mERROR ESC[0m
        head = _SGR.sub("", head)
    if '] "' in head:
        m = _ACCESS.match(line)
        if m is not None:
            return Level.ERROR if m.group(1)[0] == "5" else Level.INFO
    m = _LEVEL.search(head)
    if m is not None:
        word = m.group(m.lastindex or 0)
        if m.lastindex == 2:  # numeric level field
            return _numeric(word, m.group(0))
        level = level_from_word(word.split()[0])
        if level is not None:
            return level
    m = _EXCEPTION.search(head)
    if m is not None:
        return Level.FATAL if m.group(1) else Level.ERROR
    return None
