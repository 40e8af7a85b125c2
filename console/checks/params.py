"""Typed parameters of checks and presets: each validator normalises or raises
ValueError with the end of the sentence "<file>:<line>: <key>: ..."."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def shown(value: Any) -> str:
    """A value quoted for an error line: short and free of control characters.
    (console.settings has the same rule; checks sit below settings in the layers.)"""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def line_text(value: Any, what: str) -> str:
    """Text that may hold spaces (a command, a path) but no control characters."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be {what}, got {shown(value)}")
    if not value.isprintable():
        raise ValueError(f"must be {what} without control characters, got {shown(value)}")
    return value


def plain_text(value: Any, what: str) -> str:
    """A name: no spaces, no control characters."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be {what}, got {shown(value)}")
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise ValueError(f"must be {what} without spaces or control characters, "
                         f"got {shown(value)}")
    return value


@dataclass(frozen=True)
class Param:
    name: str
    parse: Callable[[Any], Any]
    required: bool = False
    default: Any = None
    doc: str = ""
    choices: tuple[str, ...] = ()

    def check(self, value: Any) -> Any:
        parsed = self.parse(value)
        if self.choices and parsed not in self.choices:
            raise ValueError(f"must be one of {', '.join(self.choices)}, got {shown(value)}")
        return parsed


def text(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    return line_text(value, "a text")


def path_text(value: Any) -> str:
    return line_text(value, "a path")


def number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value) or value < 0:
        raise ValueError(f"must be a number >= 0, got {shown(value)}")
    return float(value)


def hours(value: Any) -> float:
    parsed = number(value)
    if parsed <= 0:
        raise ValueError(f"must be a positive number of hours, got {shown(value)}")
    return parsed


def whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"must be a whole number >= 0, got {shown(value)}")
    return value


def seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value) or value <= 0:
        raise ValueError(f"must be a positive number of seconds, got {shown(value)}")
    return float(value)


def flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError(f"must be true or false, got {shown(value)}")
