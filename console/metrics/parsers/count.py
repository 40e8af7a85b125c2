"""Single-number sections (`@@nproc`, `@@procs`) that the sampler computes itself."""

from __future__ import annotations

from console.metrics.parsers.errors import ParseError, to_int


def parse_count(text: str, what: str) -> int:
    fields = text.split()
    if len(fields) != 1:
        raise ParseError(f"{what}: expected one number, got {len(fields)} fields")
    return to_int(fields[0], what)
