"""The one exception every pure parser raises.

Convention for all of console.metrics.parsers: a parser either returns a fully
valid value or raises ParseError. It never returns half-parsed data, because a
silently missing interface or disk would later show as a wrong rate that looks
real. Callers that must never fail (the frame parser) catch ParseError per
section and record it as a problem.
"""

from __future__ import annotations

import math


class ParseError(ValueError):
    """Input text is not what the parser can honestly read."""


def to_int(token: str, what: str) -> int:
    """Counters are non-negative integers; anything else is corruption."""
    try:
        value = int(token)
    except ValueError:
        raise ParseError(f"{what}: not an integer: {token[:40]!r}") from None
    if value < 0:
        raise ParseError(f"{what}: negative value {value}")
    return value


def to_float(token: str, what: str) -> float:
    """float() accepts 'nan' and 'inf', which no /proc file ever contains."""
    try:
        value = float(token)
    except ValueError:
        raise ParseError(f"{what}: not a number: {token[:40]!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ParseError(f"{what}: out of range: {token[:40]!r}")
    return value


def check_counters(tokens: list[str], what: str) -> None:
    """All tokens are plain non-negative integers: one C-level check per line,
    so the hot parsers convert only the fields they use."""
    joined = "".join(tokens)
    if not (joined.isascii() and joined.isdigit()):
        raise ParseError(f"{what}: not a counter in {' '.join(tokens)[:60]!r}")


def to_ints(tokens: list[str], what: str) -> list[int]:
    check_counters(tokens, what)
    return list(map(int, tokens))
