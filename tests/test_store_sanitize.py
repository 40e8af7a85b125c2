"""Untrusted text made safe for a terminal (console/logs/sanitize.py)."""

from __future__ import annotations

import pytest

from console.text import sanitize_for_display


@pytest.mark.parametrize(("raw", "shown"), [
    ("plain text\twith tab\nand newline", "plain text\twith tab\nand newline"),
    ("\x1b[31mred\x1b[0m", "red"),  # colour dropped, text kept
    ("\x1b[2J\x1b[H", "␛[2J␛[H"),  # clear screen / cursor home made visible
    ("\x1b]0;new title\x07", "␛]0;new title␇"),  # OSC retitle
    ("\x1b]8;;http://evil\x1b\\link", "␛]8;;http://evil␛\\link"),  # OSC 8 hyperlink
    ("progress\rOVERWRITE", "progress␍OVERWRITE"),
    ("crlf\r\n", "crlf\n"),
    ("\x9b2J c1", "\\x9b2J c1"),
    ("\x00\x08\x7f", "␀␈␡"),
    ("abc\u202edcba", "abc<U+202E>dcba"),
    ("[bold]markup[/bold] stays text", "[bold]markup[/bold] stays text"),
])
def test_controls_are_visible_never_active(raw: str, shown: str) -> None:
    assert sanitize_for_display(raw) == shown


def test_output_has_no_control_characters_left() -> None:
    raw = "".join(chr(c) for c in range(0x00, 0xA0)) + "\u202e"
    out = sanitize_for_display(raw)
    assert not [ch for ch in out if (ord(ch) < 0x20 and ch not in "\n\t")
                or 0x7F <= ord(ch) <= 0x9F or ch == "\u202e"]
