"""A table column as the core describes it; the widgets draw it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int
    numeric: bool = True  # right-aligned

#: Header marks of the sort column.
SORT_ASCENDING, SORT_DESCENDING = "▲", "▼"
