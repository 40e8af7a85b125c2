"""A table column as the core describes it; the widgets draw it (the fleet's LineTable
and the host screen's DetailTables alike)."""

from __future__ import annotations

from dataclasses import dataclass

#: Longest text in an auto-width column by default: a hostile 500-character mount
#: point or process name must not push every other column off the screen.
MAX_CHARS = 40


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int | None  # None: as wide as the content, up to max_chars
    numeric: bool = True  # right-aligned
    max_chars: int = MAX_CHARS

#: Header marks of the sort column.
SORT_ASCENDING, SORT_DESCENDING = "▲", "▼"
