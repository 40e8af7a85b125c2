"""Make untrusted text (log lines, notes, command output) safe to put on a terminal.

A log line or a note can carry escape sequences that would move the cursor, retitle the
window, or hide text (OSC 8 links, bidi overrides). Stored text stays verbatim; at
display time every control character becomes a visible stand-in (ESC -> `␛`), so the
reader sees exactly what was there and nothing can act on the screen. Colour (SGR)
sequences are dropped instead: they are common in logs, carry no content, and would
otherwise bury the text in `␛[0;31m`.
"""

from __future__ import annotations

import re

# CSI ... m (SGR) only; other CSI sequences (cursor moves, clears) are made visible.
_SGR = re.compile(r"\x1b\[[0-9;:]*m|\x9b[0-9;:]*m")
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def _visible(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode Control Pictures: ␀ … ␟ (␛ for ESC)
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0x80 <= code <= 0x9F:
        return f"\\x{code:02x}"  # C1 controls (0x9b is an 8-bit CSI)
    return f"<U+{code:04X}>"  # bidi controls


def sanitize_for_display(text: str) -> str:
    """Every control character except newline and tab shown visibly; SGR removed."""
    text = _SGR.sub("", text.replace("\r\n", "\n"))
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if ch in "\n\t":
            out.append(ch)
        elif code < 0x20 or 0x7F <= code <= 0x9F or ch in _BIDI:
            out.append(_visible(ch))
        else:
            out.append(ch)
    return "".join(out)
